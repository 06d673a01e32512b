package plugins

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
	"github.com/edgedesk/edgedesk/wasm/plugintest"
)

// The active plugin of a kind is the one installed or activated last, and
// stays so across restarts whatever the names; the others are listed but
// not loaded; uninstalling the active one leaves the kind to the built-in
// rules; a refused install leaves no directory behind.
func TestPluginLifecycle(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	dir := filepath.Join(t.TempDir(), "plugins")
	opts := Options{Dir: dir, CacheDir: cacheDir, KVDir: filepath.Join(t.TempDir(), "kv"), Trusted: []ed25519.PublicKey{pub}, Log: discard()}
	ctx := context.Background()
	m, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	pkg := func(name, version string) string {
		return plugintest.Package(t, "wasm/host/testdata/hostile",
			host.Manifest{Name: name, Version: version, ABI: abi.Version, Kind: abi.KindRouting,
				Capabilities: []string{abi.CapKV, abi.CapClock}}, priv)
	}
	by := func(m *Manager) string {
		t.Helper()
		_, by, err := m.Route(ctx, &abi.RouteRequest{Tenant: "t", Conversation: "c"})
		if errors.Is(err, ErrNone) {
			return "none"
		}
		if err != nil {
			t.Fatal(err)
		}
		return by
	}
	active := func(m *Manager) map[string]bool {
		out := map[string]bool{}
		for _, i := range m.List() {
			out[i.Name] = i.Active
		}
		return out
	}

	// "zeta" then "alpha": the last installed answers, not the last by name
	install(t, m, pkg("zeta", "1.0.0"))
	install(t, m, pkg("alpha", "1.0.0"))
	if got := by(m); got != "alpha@1.0.0" {
		t.Fatalf("after installing alpha, routing is answered by %s", got)
	}
	m.Close(ctx)
	if m, err = Open(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if got := by(m); got != "alpha@1.0.0" {
		t.Fatalf("after a restart routing is answered by %s, want alpha: the choice was not kept", got)
	}
	if a := active(m); len(a) != 2 || !a["alpha"] || a["zeta"] {
		t.Fatalf("list after the restart: %v, want zeta installed and alpha active", a)
	}
	if _, loaded := m.loaded["zeta"]; loaded {
		t.Fatal("an inactive plugin was loaded at start")
	}
	if _, err := m.Activate(ctx, "zeta"); err != nil {
		t.Fatal(err)
	}
	if got := by(m); got != "zeta@1.0.0" {
		t.Fatalf("after activating zeta, routing is answered by %s", got)
	}
	if _, loaded := m.loaded["alpha"]; loaded {
		t.Fatal("the plugin zeta replaced is still loaded")
	}

	// a new version of the inactive plugin activates it; a rollback of it
	// keeps it active
	install(t, m, pkg("alpha", "1.1.0"))
	if got := by(m); got != "alpha@1.1.0" {
		t.Fatalf("after installing alpha 1.1.0: %s", got)
	}
	if _, err := m.Rollback(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}
	if got := by(m); got != "alpha@1.0.0" {
		t.Fatalf("after the rollback: %s", got)
	}

	// uninstall the active one: the built-in rules answer, and it is gone
	// from the list, the disk and the next start
	kv := m.host.KV()
	for _, p := range []string{"alpha", "alphabet"} {
		for _, tenant := range []string{"demo", "other"} {
			if err := kv.Set(p, tenant, "k", []byte(p+tenant)); err != nil {
				t.Fatal(err)
			}
		}
	}
	info, err := m.Uninstall(ctx, "alpha", false)
	if err != nil || !info.Active {
		t.Fatalf("uninstall alpha: %+v %v", info, err)
	}
	for _, p := range []string{"alpha", "alphabet"} {
		for _, tenant := range []string{"demo", "other"} {
			v, found, err := kv.Get(p, tenant, "k")
			if err != nil || found != (p == "alphabet") || found && string(v) != p+tenant {
				t.Fatalf("after uninstalling alpha, %s's store for %s: %q %v %v; want alpha's gone, alphabet's kept", p, tenant, v, found, err)
			}
		}
	}
	if got := by(m); got != "none" {
		t.Fatalf("after uninstalling the active plugin routing is answered by %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "alpha")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("alpha's directory after uninstall: %v", err)
	}
	if _, err := m.Uninstall(ctx, "alpha", false); err == nil {
		t.Fatal("uninstalled a plugin twice")
	}
	m.Close(ctx)
	if m, err = Open(ctx, opts); err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	if a := active(m); len(a) != 1 || a["zeta"] {
		t.Fatalf("list after uninstalling the active plugin and a restart: %v, want zeta installed, not active", a)
	}
	if got := by(m); got != "none" {
		t.Fatalf("after the restart routing is answered by %s, want the built-in rules", got)
	}

	// a package the host refuses (a command-mode module) leaves nothing
	files := readPackage(t, pkg("broken", "1.0.0"))
	files[2] = plugintest.Build(t, "wasm/host/testdata/wrongabi")
	mf := host.Manifest{Name: "broken", Version: "1.0.0", ABI: abi.Version, Kind: abi.KindRouting}
	signed := t.TempDir()
	if err := host.WritePackage(signed, mf, files[2], priv); err != nil {
		t.Fatal(err)
	}
	files = readPackage(t, signed)
	if _, err := m.Install(ctx, files[0], files[1], files[2]); err == nil {
		t.Fatal("installed a module built for another ABI")
	}
	if _, err := os.Stat(filepath.Join(dir, "broken")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused install left %s: %v", filepath.Join(dir, "broken"), err)
	}
}

func readPackage(t *testing.T, dir string) [3][]byte {
	t.Helper()
	var files [3][]byte
	for i, f := range PackageFiles {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		files[i] = b
	}
	return files
}
