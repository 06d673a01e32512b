package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An edge started with --hub that can never link (no certificate from an
// earlier enrolment and no token, or a token file it cannot read) does not
// start: it exits 1 saying what to do. A hub out of reach is no such case.
func TestStartWithABrokenHubLinkFails(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-token")
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"no token", nil, []string{"edge: hub link (--hub 127.0.0.1:9)", "no hub certificate and no enrolment token",
			"start it with --enroll-token-file and a token from `hub enroll-token`, or without --hub to run alone"}},
		{"a token file that is missing", []string{"--enroll-token-file", missing}, []string{"edge: hub link (--hub 127.0.0.1:9)",
			"read the enrolment token: open " + missing, "give --enroll-token-file a file holding the token `hub enroll-token` printed"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			data := t.TempDir()
			args := append([]string{"--data", data, "--http", "127.0.0.1:0", "--node-id", "eu-1", "--region", "eu",
				"--hub", "127.0.0.1:9", "--log-level", "error"}, c.args...)
			var stdout, stderr bytes.Buffer
			code := run(ctx, args, &stdout, &stderr)
			if code != 1 {
				t.Fatalf("exit code %d, want 1; stderr:\n%s", code, stderr.String())
			}
			for _, w := range c.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr.String())
				}
			}
			if strings.Contains(stdout.String(), "ready on") {
				t.Errorf("the edge said it was ready:\n%s", stdout.String())
			}
			// it stopped before opening the log
			if _, err := os.Stat(filepath.Join(data, "eventlog")); err == nil {
				t.Error("the edge opened its event log before refusing to start")
			}
		})
	}
}
