package edge_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
)

// lockHeld reports whether some open file description holds the lock on
// dir/LOCK, by trying to take it.
func lockHeld(t *testing.T, dir string) bool {
	t.Helper()
	held, err := edge.LockHeld(dir)
	if err != nil {
		t.Fatalf("lock %s: %v", filepath.Join(dir, edge.LockFile), err)
	}
	return held
}

// A running node holds <data>/LOCK with its pid in it; a second node on the
// same data directory does not start, says who holds it, and leaves the
// first one serving; once the first stops, the lock is free.
func TestSecondNodeOnADataDirectoryDoesNotStart(t *testing.T) {
	cfg := edgetest.Config(t)
	e := edgetest.Start(t, cfg)

	b, err := os.ReadFile(filepath.Join(cfg.DataDir, edge.LockFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != strconv.Itoa(os.Getpid()) {
		t.Fatalf("LOCK holds %q, want the pid %d", got, os.Getpid())
	}
	if !lockHeld(t, cfg.DataDir) {
		t.Fatal("LOCK is not locked while the node runs")
	}
	applied := e.Store().Applied()

	second := cfg
	second.HTTP.Addr = "127.0.0.1:0"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = edge.New(second, edgetest.Logger(t)).Start(ctx)
	if err == nil {
		t.Fatal("a second node started on a data directory in use")
	}
	if !errors.Is(err, edge.ErrDataDirInUse) {
		t.Fatalf("second start: %v, want ErrDataDirInUse", err)
	}
	want := fmt.Sprintf("another edge (pid %d) holds the data directory %s: stop it first", os.Getpid(), cfg.DataDir)
	if err.Error() != want {
		t.Fatalf("second start: %q, want %q", err, want)
	}

	// The failed start took nothing from the first node.
	if resp, body := e.Get("/readyz", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("the first node after the second's attempt: /readyz %d %s", resp.StatusCode, body)
	}
	if !lockHeld(t, cfg.DataDir) {
		t.Fatal("the failed start released the first node's lock")
	}
	cust := e.Visitor()
	ack, err := cust.Start(ctx, "after")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cust.Message(ctx, ack.Conv, "m1", "still here"); err != nil {
		t.Fatal(err)
	}
	if e.Store().Applied() <= applied {
		t.Fatal("the first node applies nothing after the second's attempt")
	}

	e.Stop()
	if lockHeld(t, cfg.DataDir) {
		t.Fatal("LOCK still locked after the node stopped")
	}
	// and the data directory opens again
	edgetest.Start(t, cfg).Stop()
}
