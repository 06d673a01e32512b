package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/internal/pki"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestEnrollTokenCommand(t *testing.T) {
	dir := t.TempDir()
	var out, errOut syncBuffer
	if code := run(context.Background(), []string{"enroll-token", "--data", dir, "--edge", "eu-1", "--region", "eu"}, &out, &errOut); code != 0 {
		t.Fatalf("enroll-token: exit %d: %s", code, errOut.String())
	}
	if _, err := pki.ParseToken(out.String()); err != nil {
		t.Fatalf("enroll-token printed %q: %v", out.String(), err)
	}
	for _, args := range [][]string{
		{"enroll-token", "--data", dir, "--edge", "EU_1", "--region", "eu"},
		{"enroll-token", "--data", dir, "--region", "eu"},
		{"frobnicate"},
		{"serve", "--data", dir}, // no admin token and not --dev
	} {
		var o, e syncBuffer
		if code := run(context.Background(), args, &o, &e); code != 2 || e.String() == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a reason", args, code, e.String())
		}
	}
}

func TestServePrintsWhereToGo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"--dev", "--data", t.TempDir(), "--http", "127.0.0.1:0", "--quic", "127.0.0.1:0", "--log-level", "warn"}, &out, &errOut)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "Dev admin token") {
		if time.Now().After(deadline) {
			t.Fatalf("no URLs printed: %q %q", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{"Hub API:   http://127.0.0.1:", "/api/v1/edges", "Edges dial: 127.0.0.1:", "dev-enroll-token"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q: %s", want, out.String())
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d after the signal: %s", code, errOut.String())
	}
}
