package web_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
)

// TestCallsInChromium runs e2e/calls.mjs (playwright-core driving Debian's
// chromium with its fake camera and microphone) against an edge started
// with --dev whose calls ring for 6 s: an agent's call rings in the
// widget and is accepted, the customer hangs up and the console is told;
// a customer's call rings in the console; the customer joins an agent's
// call going on, and so does a colleague of the agent; the customer
// declines; nobody answers. Both timelines show each
// call. `make test` installs chromium and the npm packages and builds the
// widget and console first.
func TestCallsInChromium(t *testing.T) {
	chromium, shots := browser(t, "node_modules/playwright-core", "dist/widget.js", "dist/console/index.html")
	cfg := edgetest.Config(t)
	// A short ring, so that the script sees a call nobody answers end; long
	// enough for the script to answer the others.
	cfg.Calls.RingTimeout = 6 * time.Second
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	e := edgetest.Start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/calls.mjs")
	cmd.Env = append(os.Environ(), "EDGE_URL="+e.URL, "CHROMIUM="+chromium, "RING_MS="+strconv.Itoa(int(cfg.Calls.RingTimeout.Milliseconds())),
		"AGENT_EMAIL=alice@demo.test", "COLLEAGUE_EMAIL=bob@demo.test", "AGENT_PASSWORD="+edge.DemoPassword, "SCREENSHOT_DIR="+shots)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("node (%s):\n%s", time.Since(start).Round(time.Second), stdout.String())
	if stderr.Len() > 0 {
		t.Logf("node stderr:\n%s", stderr.String())
	}
	if err != nil {
		t.Fatalf("calls e2e failed: %v", err)
	}
	for _, png := range []string{"calls-widget-ringing.png", "calls-widget-in-call.png", "calls-console-in-call.png",
		"calls-console-ringing.png", "calls-widget-timeline.png", "calls-console-timeline.png", "calls-widget-no-answer.png"} {
		if fi, err := os.Stat(filepath.Join(shots, png)); err != nil || fi.Size() < 1000 {
			t.Errorf("screenshot %s not saved: %v", png, err)
		}
	}
}
