package web_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

// TestWidgetInChromium runs e2e/widget.mjs (playwright-core driving Debian's
// chromium) against an edge started with --dev: a customer on /demo and an
// agent talk, markup stays text, a reload keeps the history, hostile page
// CSS does not break the widget, a locked sign-in and an upload over its
// quota are explained, and an admin manages the REST API keys. `make test` installs chromium and the npm
// packages and builds the widget first.
func TestWidgetInChromium(t *testing.T) {
	chromium, shots := browser(t, "node_modules/playwright-core", "dist/widget.js")
	cfg := edgetest.Config(t)
	// Low limits, so that the script meets the edge's 429s: an account is
	// locked for 14 min after 3 failed sign-ins (the script fails one for
	// alice, then locks an address nobody has), and a session may upload
	// 64 KiB per 10 min (the script's other uploads are a few bytes).
	cfg.Auth.Login.AccountFailures = 3
	cfg.Auth.Login.Backoff = 14 * time.Minute
	cfg.Attachments.MaxBytes = 64 << 10
	cfg.Attachments.SessionBytes = 64 << 10
	cfg.Attachments.QuotaWindow = 10 * time.Minute
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	key := edgetest.TrustPluginKey(t, &cfg)
	e := edgetest.Start(t, cfg)
	// the shipped plugins, built from source: the console shows what the
	// nlp plugin reads in customers' messages
	e.InstallPlugin(key, "plugins/nlp", host.Manifest{Name: "nlp", Version: "1.0.0", ABI: abi.Version, Kind: abi.KindNLP})
	e.InstallPlugin(key, "plugins/routing", host.Manifest{Name: "routing", Version: "1.0.0", ABI: abi.Version, Kind: abi.KindRouting})
	cfg.HTTP.Addr = e.Node.Addr() // a restart keeps the address the widget knows
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/widget.mjs")
	cmd.Env = append(os.Environ(), "EDGE_URL="+e.URL, "CHROMIUM="+chromium,
		"AGENT_EMAIL=alice@demo.test", "AGENT_PASSWORD="+edge.DemoPassword, "IDENTITY_SECRET="+edge.DemoIdentitySecret,
		"SCREENSHOT_DIR="+shots)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	// The script asks for the edge to be stopped and started again.
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		t.Log(line)
		switch line {
		case "edgedesk-e2e: stop edge":
			e.Stop()
		case "edgedesk-e2e: start edge":
			e = edgetest.Start(t, cfg)
		default:
			continue
		}
		if _, err := io.WriteString(stdin, "done\n"); err != nil {
			t.Fatalf("answer the script: %v", err)
		}
	}
	err = cmd.Wait()
	if stderr.Len() > 0 {
		t.Logf("node stderr:\n%s", stderr.String())
	}
	if err != nil {
		t.Fatalf("widget e2e failed: %v", err)
	}
	for _, png := range []string{"widget.png", "widget-hostile-css.png", "console.png",
		"console-login-throttled.png", "widget-upload-quota.png",
		"apikeys-empty.png", "apikeys-create.png", "apikeys-token.png", "apikeys-revoke.png", "apikeys.png"} {
		if fi, err := os.Stat(filepath.Join(shots, png)); err != nil || fi.Size() < 1000 {
			t.Errorf("screenshot %s not saved: %v", png, err)
		}
	}
}

// browser checks that what a browser test needs is there (the npm
// packages, the built bundles in needs, Debian's chromium or $CHROMIUM)
// and returns chromium's path and where screenshots go (SCREENSHOT_DIR,
// which make screenshots sets to docs/img; else a temporary directory).
func browser(t testing.TB, needs ...string) (chromium, shots string) {
	t.Helper()
	for _, need := range needs {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s is missing: run `make web` (make test does) to install the npm packages and build the widget and console", need)
		}
	}
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no chromium at %s: `make test` installs Debian's (apt-get install chromium), or set CHROMIUM", chromium)
	}
	shots = os.Getenv("SCREENSHOT_DIR") // make screenshots: docs/img
	if shots == "" {
		shots = t.TempDir()
	}
	return chromium, shots
}
