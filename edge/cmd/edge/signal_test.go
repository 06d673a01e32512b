package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSecondSIGTERMExitsAtOnce runs the real edge binary with a drain delay
// of 5 s, sends SIGTERM, and as soon as the drain has begun (/readyz
// answers 503) SIGTERM again: the process must exit within 2 s, through
// the second-signal path, while the first drain is still waiting.
func TestSecondSIGTERMExitsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the edge binary; skipped with -short")
	}
	bin := buildEdge(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(cfg, []byte("http: {drain_delay: 5s, shutdown_timeout: 30s}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startEdgeProcess(t, bin, []string{"--dev", "--data", filepath.Join(dir, "data"), "--http", "127.0.0.1:0",
		"--config", cfg, "--node-id", "sigterm-test", "--log-level", "info"})
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	readyz := func() int {
		resp, err := c.Get(p.url + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := readyz(); code != http.StatusOK {
		t.Fatalf("/readyz of the running edge: %d", code)
	}

	first := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Signals of one kind do not queue: a second SIGTERM sent before the
	// process has taken the first merges with it, in the kernel or in the
	// Go runtime, and no program can tell it was sent. So the second goes
	// as soon as the drain shows, which is what an operator does.
	for readyz() != http.StatusServiceUnavailable {
		if time.Since(first) > 3*time.Second {
			t.Fatalf("/readyz does not answer 503 %s after SIGTERM\nstdout:\n%s", time.Since(first), p.stdout.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	second := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(2 * time.Second):
		t.Fatalf("the edge still runs 2s after the second SIGTERM\nstdout:\n%s", p.stdout.String())
	}
	t.Logf("drain began %s after the first SIGTERM; exit %s after the second",
		second.Sub(first).Round(time.Millisecond), time.Since(second).Round(time.Millisecond))
	if code := p.cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit status %d after the second SIGTERM, want 1 (%v)", code, p.cmd.ProcessState)
	}
	if !strings.Contains(p.stderr.String(), "second signal: exiting without draining") {
		t.Errorf("stderr does not say the second signal ended it:\n%s", p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "draining: /readyz answers 503; closing the listener in 5s") {
		t.Errorf("stderr lacks the drain line:\n%s", p.stderr.String())
	}
	if strings.Contains(p.stderr.String(), "edge stopped") {
		t.Errorf("the first drain finished before the second signal: the test proves nothing\n%s", p.stderr.String())
	}
}
