package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/edgetest"
)

// lastJSON decodes the last output line, which must be one JSON object
// starting with the contract's fields.
func lastJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, `{"sent":`) {
		t.Fatalf("last line is not the result object: %q", last)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(last), &m); err != nil {
		t.Fatalf("last line %q: %v", last, err)
	}
	for _, k := range []string{"sent", "delivered", "lost", "dup", "msgs_per_s", "p50_ms", "p99_ms", "conns"} {
		if _, ok := m[k]; !ok {
			t.Errorf("result has no %q: %s", k, last)
		}
	}
	return m
}

func runEdgeload(t *testing.T, args ...string) (int, map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	return code, lastJSON(t, stdout.String())
}

func TestLoadAgainstRealEdge(t *testing.T) {
	e := edgetest.StartDev(t)
	// The edge's default limits (100 frames/s per customer) apply, so this
	// also exercises retries of rate-limited frames.
	// A long drain keeps a slow machine from failing the run; it ends as
	// soon as everything has arrived.
	code, m := runEdgeload(t, "--addr", e.URL, "--customers", "5", "--agents", "2", "--duration", "2s",
		"--drain", "20s", "--progress", "0")
	if code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if m["lost"] != 0.0 || m["dup"] != 0.0 {
		t.Errorf("lost %v dup %v, want 0 and 0", m["lost"], m["dup"])
	}
	if sent, _ := m["sent"].(float64); sent <= 0 {
		t.Errorf("sent %v, want > 0", m["sent"])
	}
	if d, s := m["delivered"].(float64), m["sent"].(float64); d != 2*s {
		t.Errorf("delivered %v, want twice sent (%v): every message and its reply", d, s)
	}
	if m["conns"] != 7.0 {
		t.Errorf("conns %v, want 7", m["conns"])
	}
}

// TestLoadRateLimited has the edge refuse frames: edgeload must send them
// again and still lose nothing.
func TestLoadRateLimited(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Gateway.CustomerRate, cfg.Gateway.AgentRate = 20, 40
	e := edgetest.Start(t, cfg)
	code, m := runEdgeload(t, "--addr", e.URL, "--customers", "3", "--agents", "1", "--duration", "2s",
		"--drain", "20s", "--progress", "0")
	if code != 0 || m["lost"] != 0.0 || m["dup"] != 0.0 {
		t.Errorf("exit %d lost %v dup %v, want 0 0 0", code, m["lost"], m["dup"])
	}
	errs, _ := m["errors"].(map[string]any)
	if n, _ := errs["rate_limited"].(float64); n == 0 {
		t.Errorf("no rate_limited errors (%v): the test did not exercise the limiter", m["errors"])
	}
	if n, _ := m["retries"].(float64); n == 0 {
		t.Error("refused frames were not sent again")
	}
}

func TestLoadAtRate(t *testing.T) {
	e := edgetest.StartDev(t)
	code, m := runEdgeload(t, "--addr", e.URL, "--customers", "4", "--agents", "3", "--duration", "1s",
		"--rate", "200", "--drain", "20s", "--progress", "0")
	if code != 0 || m["lost"] != 0.0 || m["dup"] != 0.0 {
		t.Errorf("exit %d lost %v dup %v, want 0 0 0", code, m["lost"], m["dup"])
	}
	// 200/s for 1s: never more; fewer only if the edge answers so slowly
	// that customers' windows fill up.
	if sent := m["sent"].(float64); sent < 100 || sent > 200 {
		t.Errorf("sent %v at --rate 200 for 1s", sent)
	}
}

func TestIdle(t *testing.T) {
	e := edgetest.StartDev(t)
	code, m := runEdgeload(t, "--addr", e.URL, "--idle", "20", "--duration", "300ms",
		"--pid", strconv.Itoa(os.Getpid()), "--local-addrs", "2")
	if code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if m["conns"] != 20.0 {
		t.Errorf("conns %v, want 20", m["conns"])
	}
	if rss, _ := m["rss_kb"].(float64); rss <= 0 {
		t.Errorf("rss_kb %v, want > 0", m["rss_kb"])
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"help", []string{"--help"}, 0},
		{"no agents", []string{"--agents", "0"}, 2},
		{"bad addr", []string{"--addr", "127.0.0.1:1"}, 2},
		{"negative rate", []string{"--rate", "-1"}, 2},
		{"stray argument", []string{"now"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tc.args, &stdout, &stderr); code != tc.code {
				t.Errorf("exit status %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
		})
	}
}
