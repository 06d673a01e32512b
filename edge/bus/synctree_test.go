package bus

import (
	"os"
	"path/filepath"
	"testing"
)

// The portable group commit (where there is no syncfs) flushes a tree of
// files and directories, and a directory that is gone is no error.
func TestSyncTree(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "jetstream", "msgs"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"jetstream/index.db", "jetstream/msgs/1.blk", "jetstream/msgs/2.blk"} {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte("block"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := syncTree(dir); err != nil {
		t.Fatalf("syncTree: %v", err)
	}
	if err := syncTree(filepath.Join(dir, "gone")); err != nil {
		t.Fatalf("syncTree of a directory that is gone: %v", err)
	}
}
