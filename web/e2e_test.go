package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
)

// TestWidgetInChromium runs e2e/widget.mjs (playwright-core driving Debian's
// chromium) against an edge started with --dev: a customer on /demo and an
// agent talk, markup stays text, a reload keeps the history, hostile page
// CSS does not break the widget. `make test` installs chromium and the npm
// packages and builds the widget first.
func TestWidgetInChromium(t *testing.T) {
	for _, need := range []string{"node_modules/playwright-core", "dist/widget.js"} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s is missing: run `make web` (make test does) to install the npm packages and build the widget", need)
		}
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no chromium at %s: `make test` installs Debian's (apt-get install chromium), or set CHROMIUM", chromium)
	}
	shots := os.Getenv("SCREENSHOT_DIR") // make screenshots: docs/img
	if shots == "" {
		shots = t.TempDir()
	}
	e := edgetest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/widget.mjs")
	cmd.Env = append(os.Environ(), "EDGE_URL="+e.URL, "CHROMIUM="+chromium,
		"AGENT_EMAIL=alice@demo.test", "AGENT_PASSWORD="+edge.DemoPassword, "SCREENSHOT_DIR="+shots)
	out, err := cmd.CombinedOutput()
	t.Logf("node e2e/widget.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("widget e2e failed: %v", err)
	}
	for _, png := range []string{"widget.png", "widget-hostile-css.png"} {
		if fi, err := os.Stat(filepath.Join(shots, png)); err != nil || fi.Size() < 1000 {
			t.Errorf("screenshot %s not saved: %v", png, err)
		}
	}
}
