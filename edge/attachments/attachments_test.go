package attachments_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/edgedesk/edgedesk/edge/attachments"
)

func TestWrite(t *testing.T) {
	for _, fsync := range []bool{false, true} {
		d := attachments.Dir{Path: t.TempDir(), Fsync: fsync}
		body := strings.Repeat("invoice ", 5000)
		size, sum, err := d.Write("acme", "f1", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		want := sha256.Sum256([]byte(body))
		if size != int64(len(body)) || sum != hex.EncodeToString(want[:]) {
			t.Errorf("fsync %v: size %d sum %s, want %d %x", fsync, size, sum, len(body), want)
		}
		got, err := os.ReadFile(d.File("acme", "f1"))
		if err != nil || string(got) != body {
			t.Fatalf("fsync %v: the file holds %d bytes (%v)", fsync, len(got), err)
		}
		if d.File("acme", "f1") != filepath.Join(d.Path, "acme", "f1") {
			t.Errorf("File = %s", d.File("acme", "f1"))
		}
		onlyFile(t, filepath.Join(d.Path, "acme"), "f1")
	}
}

// TestWriteFailedCopyLeavesNothing: a reader that fails half way leaves
// neither the attachment nor a temporary file.
func TestWriteFailedCopyLeavesNothing(t *testing.T) {
	d := attachments.Dir{Path: t.TempDir()}
	boom := errors.New("the client went away")
	_, _, err := d.Write("acme", "f2", iotest.TimeoutReader(iotest.OneByteReader(strings.NewReader("part"))))
	if err == nil {
		t.Fatal("a failing reader was stored")
	}
	var ce *attachments.CopyError
	if !errors.As(err, &ce) {
		t.Errorf("error %v is not a CopyError", err)
	}
	_, _, err = d.Write("acme", "f3", iotest.ErrReader(boom))
	if !errors.Is(err, boom) {
		t.Errorf("error %v does not wrap the reader's", err)
	}
	onlyFile(t, filepath.Join(d.Path, "acme"), "")
}

func onlyFile(t *testing.T, dir, name string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if name == "" && len(names) != 0 || name != "" && (len(names) != 1 || names[0] != name) {
		t.Errorf("%s holds %q, want only %q", dir, names, name)
	}
}
