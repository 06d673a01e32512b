package web_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
)

// TestWidgetScreensInChromium runs e2e/widget-screens.mjs (playwright-core
// driving Debian's chromium) against an edge started with --dev: the
// widget on a phone (full screen, the launcher reachable, the page not
// overflowing nor scrolling behind it), a 500-message history paged back
// to its first message, agents by name, an inbox's branding reaching a
// new visitor, the dark theme, delivery and seen states, the rating on
// one line at 320 px, and axe-core on each of these. It saves the
// widget-*.png screenshots (SCREENSHOT_DIR, as TestWidgetInChromium).
func TestWidgetScreensInChromium(t *testing.T) {
	chromium, shots := browser(t, "node_modules/playwright-core", "dist/widget.js")
	e := edgetest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/widget-screens.mjs")
	cmd.Env = append(os.Environ(), "EDGE_URL="+e.URL, "CHROMIUM="+chromium, "AGENT_PASSWORD="+edge.DemoPassword, "SCREENSHOT_DIR="+shots)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if stdout.Len() > 0 {
		t.Logf("node stdout:\n%s", stdout.String())
	}
	if stderr.Len() > 0 {
		t.Logf("node stderr:\n%s", stderr.String())
	}
	if err != nil {
		t.Fatalf("widget screens e2e failed: %v", err)
	}
	for _, png := range []string{"widget-desktop.png", "widget-dark.png", "widget-phone.png", "widget-branding.png", "widget-rating.png"} {
		if fi, err := os.Stat(filepath.Join(shots, png)); err != nil || fi.Size() < 1000 {
			t.Errorf("screenshot %s not saved: %v", png, err)
		}
	}
}
