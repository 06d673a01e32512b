package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

// `edge plugin config` prints a plugin's configuration for a tenant as
// JSON, sets it from a file and clears it, against a running edge; what
// the edge refuses comes back with its reason.
func TestPluginConfigCommand(t *testing.T) {
	cfg := edgetest.Config(t)
	key := edgetest.TrustPluginKey(t, &cfg)
	e := edgetest.Start(t, cfg)
	e.InstallPlugin(key, "edge/testdata/configured", host.Manifest{Name: "routing", Version: "1.0.0", ABI: abi.Version,
		Kind: abi.KindRouting, Capabilities: []string{abi.CapConfig}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		args = append(args, "--edge", e.URL, "--token-file", filepath.Join(cfg.DataDir, "dev-admin-token"))
		code := pluginCmd(ctx, args, &out, &errb)
		return out.String(), errb.String(), code
	}
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")
	for f, b := range map[string]string{good: "{\"agent\": \"agent-bob\"}\n", bad: "agent: agent-bob\n"} {
		if err := os.WriteFile(f, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	if o, se, code := cmd("config", "routing", "--tenant", "demo"); code != 0 || o != "null\n" {
		t.Fatalf("before any: %d %q %s", code, o, se)
	}
	if o, se, code := cmd("config", "routing", "--tenant", "demo", "--set", good); code != 0 || !strings.Contains(o, "routing is configured for tenant demo") {
		t.Fatalf("set: %d %q %s", code, o, se)
	}
	if o, se, code := cmd("config", "routing", "--tenant", "demo"); code != 0 || o != "{\n  \"agent\": \"agent-bob\"\n}\n" {
		t.Fatalf("after setting: %d %q %s", code, o, se)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"config", "routing", "--tenant", "demo", "--set", bad}, "400 Bad Request: not configured: a plugin's configuration is a JSON object"},
		{[]string{"config", "nope", "--tenant", "demo", "--set", good}, `404 Not Found: not configured: no plugin "nope" is installed`},
		{[]string{"config", "routing", "--tenant", "ghost"}, `404 Not Found: no configuration: no tenant "ghost" on this edge`},
		{[]string{"config", "routing"}, "give the plugin's name and --tenant"},
		{[]string{"config", "routing", "--tenant", "demo", "--set", good, "--clear"}, "not both"},
	} {
		if _, se, code := cmd(c.args...); code != 1 || !strings.Contains(se, c.want) {
			t.Errorf("%v: %d %q, want it to say %q", c.args, code, se, c.want)
		}
	}
	if o, se, code := cmd("config", "routing", "--tenant", "demo", "--clear"); code != 0 || !strings.Contains(o, "routing has no configuration for tenant demo now") {
		t.Fatalf("clear: %d %q %s", code, o, se)
	}
	if o, se, code := cmd("config", "routing", "--tenant", "demo"); code != 0 || o != "null\n" {
		t.Fatalf("after clearing: %d %q %s", code, o, se)
	}
}
