package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// A plugin developer's way, outside this repository: `plugin new` makes a
// module that builds anywhere, `pack --src` builds, checks and signs it,
// `test` calls it without an edge. pack refuses what an edge would refuse
// (a capability the module uses but was not given, a command-mode build)
// before signing, and keygen never overwrites a key.
func TestPluginDeveloperFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir() // outside the repository: the module must build on its own
	cmd := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := pluginCmd(ctx, args, &out, &errb)
		return out.String(), errb.String(), code
	}

	src := filepath.Join(dir, "vip")
	if _, e, code := cmd("new", "vip", "--kind", "routing", "--out", src); code != 0 {
		t.Fatalf("plugin new: %s", e)
	}
	if _, e, code := cmd("new", "vip", "--kind", "routing", "--out", src); code == 0 || !strings.Contains(e, "exists") {
		t.Fatalf("plugin new over an existing directory: %d %s", code, e)
	}
	key := filepath.Join(dir, "dev")
	if _, e, code := cmd("keygen", "--out", key); code != 0 {
		t.Fatalf("keygen: %s", e)
	}
	before, _ := os.ReadFile(key + ".key")
	if _, e, code := cmd("keygen", "--out", key); code == 0 || !strings.Contains(e, "exists") {
		t.Fatalf("keygen over an existing key: %d %s", code, e)
	}
	if after, _ := os.ReadFile(key + ".key"); !bytes.Equal(before, after) {
		t.Fatal("keygen changed an existing key")
	}

	pkg := filepath.Join(dir, "pkg")
	if o, e, code := cmd("pack", "--src", src, "--name", "vip", "--version", "0.1.0", "--kind", "routing", "--key", key+".key", "--out", pkg); code != 0 {
		t.Fatalf("pack --src of a module outside the repository: %s %s", o, e)
	}
	req := filepath.Join(dir, "req.json")
	if err := os.WriteFile(req, []byte(`{"tenant":"t","conversation":"c","skills":["billing"],"agents":[
		{"id":"a1","online":true,"skills":["billing"],"load":2},{"id":"a2","online":true,"skills":["billing"],"load":0}],
		"channel":"web","contact":{"identified":true,"attributes":{"plan":"enterprise"},"language":"de","conversations":2},
		"reading":{"language":"de","intent":"refund","sentiment":"negative"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	o, e, code := cmd("test", pkg, "--request", req)
	if code != 0 {
		t.Fatalf("plugin test: %s", e)
	}
	var d abi.RouteDecision
	if err := json.Unmarshal([]byte(o), &d); err != nil || d.Agent != "a2" {
		t.Fatalf("plugin test printed %q (%v), want the decision for a2", o, err)
	}
	if _, e, code := cmd("test", pkg, "--request", filepath.Join(dir, "nothing.json")); code == 0 || !strings.Contains(e, "nothing.json") {
		t.Fatalf("plugin test without its request: %d %s", code, e)
	}

	// the handler now logs: without --caps log pack refuses it, naming the
	// capability
	main := filepath.Join(src, "main.go")
	b, _ := os.ReadFile(main)
	logged := strings.Replace(string(b), "best := -1", "pdk.Log(abi.LogInfo, \"routing\")\n\tbest := -1", 1)
	if err := os.WriteFile(main, []byte(logged), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, e, code := cmd("pack", "--src", src, "--name", "vip", "--version", "0.1.1", "--kind", "routing", "--key", key+".key", "--out", filepath.Join(dir, "pkg2")); code == 0 || !strings.Contains(e, "--caps log") {
		t.Fatalf("pack of a module using log without the capability: %d %s", code, e)
	}
	if _, err := os.Stat(filepath.Join(dir, "pkg2")); err == nil {
		t.Fatal("a refused pack left a package")
	}

	// a command-mode build is named as such
	wasmFile := filepath.Join(dir, "cmd.wasm")
	build := exec.CommandContext(ctx, "go", "build", "-o", wasmFile, ".")
	build.Dir, build.Env = src, append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, e, code := cmd("pack", "--wasm", wasmFile, "--name", "vip", "--version", "0.1.1", "--kind", "routing", "--caps", "log", "--key", key+".key", "--out", filepath.Join(dir, "pkg3")); code == 0 || !strings.Contains(e, "built without -buildmode=c-shared") {
		t.Fatalf("pack of a command-mode build: %d %s", code, e)
	}
}

// TestAutomationPluginFlow: `edge plugin new --kind automation` makes a
// module that packs, and `edge plugin test` asks it as an edge's rule
// would and prints the actions it answers.
func TestAutomationPluginFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	cmd := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := pluginCmd(ctx, args, &out, &errb)
		return out.String(), errb.String(), code
	}
	src := filepath.Join(dir, "refunds")
	if _, e, code := cmd("new", "refunds", "--kind", "automation", "--out", src); code != 0 {
		t.Fatalf("plugin new: %s", e)
	}
	key := filepath.Join(dir, "dev")
	if _, e, code := cmd("keygen", "--out", key); code != 0 {
		t.Fatalf("keygen: %s", e)
	}
	pkg := filepath.Join(dir, "pkg")
	if o, e, code := cmd("pack", "--src", src, "--name", "refunds", "--version", "0.1.0", "--kind", "automation", "--key", key+".key", "--out", pkg); code != 0 {
		t.Fatalf("pack: %s %s", o, e)
	}
	req := filepath.Join(dir, "req.json")
	if err := os.WriteFile(req, []byte(`{"tenant":"t","conversation":"c","task":"refunds","trigger":"message_in",
		"text":"Please REFUND my order","priority":"normal","fields":{"order":"A-1"},"reading":{"intent":"refund"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	o, e, code := cmd("test", pkg, "--request", req)
	if code != 0 {
		t.Fatalf("plugin test: %s", e)
	}
	var a abi.Automation
	if err := json.Unmarshal([]byte(o), &a); err != nil || len(a.Actions) != 2 || a.Actions[1].Type != "add_tags" || a.Note != "a refund request" {
		t.Fatalf("plugin test printed %q (%v), want its two actions", o, err)
	}
	if err := os.WriteFile(req, []byte(`{"tenant":"t","agents":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, e, code := cmd("test", pkg, "--request", req); code == 0 || !strings.Contains(e, "not an automation request") {
		t.Fatalf("a routing request to an automation plugin: %d %s", code, e)
	}
}
