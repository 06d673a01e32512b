package host_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
	"github.com/edgedesk/edgedesk/wasm/plugintest"
)

var pub, priv = mustKey()

func mustKey() (ed25519.PublicKey, ed25519.PrivateKey) {
	p, k, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err)
	}
	return p, k
}

// sources are the plugins the tests build from source, by name, relative
// to the repository's root.
var sources = map[string]string{
	"routing":  "plugins/routing",
	"nlp":      "plugins/nlp",
	"hostile":  "wasm/host/testdata/hostile",
	"sneaky":   "wasm/host/testdata/sneaky",
	"wrongabi": "wasm/host/testdata/wrongabi",
}

// plugin builds (once for the whole test binary) the plugin of name with
// the standard toolchain, GOOS=wasip1 GOARCH=wasm -buildmode=c-shared.
func plugin(t testing.TB, name string) []byte {
	t.Helper()
	return plugintest.Build(t, sources[name])
}

func manifest(name string, caps ...string) host.Manifest {
	return host.Manifest{Name: name, Version: "1.0.0", ABI: abi.Version, Kind: abi.KindRouting, Capabilities: caps}
}

// pkg signs a built plugin into a package directory and loads it back
// through LoadPackage, as an operator's install does.
func pkg(t testing.TB, name string, m host.Manifest) *host.Package {
	t.Helper()
	dir := t.TempDir()
	if err := host.WritePackage(dir, m, plugin(t, name), priv); err != nil {
		t.Fatal(err)
	}
	p, err := host.LoadPackage(dir, []ed25519.PublicKey{pub})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var cacheDir = filepath.Join(os.TempDir(), "edgedesk-wazero-cache-test")

func newHost(t testing.TB, lim host.Limits) (*host.Host, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	h, err := host.New(context.Background(), host.Options{CacheDir: cacheDir, Limits: lim, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h, reg
}

func routeRequest() []byte {
	b, _ := cbor.Marshal(abi.RouteRequest{Tenant: "demo", Conversation: "c1", Language: "zh", Skills: []string{"billing"},
		Agents: []abi.AgentStatus{
			{ID: "ann", Online: true, Skills: []string{"billing"}, Languages: []string{"en"}, Load: 0, MaxChats: 4},
			{ID: "bo", Online: true, Skills: []string{"billing"}, Languages: []string{"zh"}, Load: 2, MaxChats: 4},
		}})
	return b
}

func route(t testing.TB, p *host.Plugin) (abi.RouteDecision, error) {
	out, err := p.Call(context.Background(), "demo", abi.OpRoute, routeRequest())
	if err != nil {
		return abi.RouteDecision{}, err
	}
	var d abi.RouteDecision
	if err := cbor.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	return d, nil
}

func TestRoutingPluginDecides(t *testing.T) {
	h, reg := newHost(t, host.Limits{})
	p, err := h.Load(context.Background(), pkg(t, "routing", manifest("routing")))
	if err != nil {
		t.Fatal(err)
	}
	d, err := route(t, p)
	if err != nil || d.Agent != "bo" || !strings.Contains(d.Reason, "zh") {
		t.Fatalf("decision = %+v, %v; want bo, who speaks zh", d, err)
	}
	if _, err := p.Call(context.Background(), "demo", abi.OpRoute, []byte{0xff}); !errors.Is(err, host.ErrPlugin) {
		t.Fatalf("garbage input: %v, want ErrPlugin", err)
	}
	if _, err := p.Call(context.Background(), "demo", abi.OpAnalyze, nil); !errors.Is(err, host.ErrPlugin) || !strings.Contains(err.Error(), "does not answer") {
		t.Fatalf("an op it does not answer: %v", err)
	}
	if got := testutil.ToFloat64(mustVec(t, reg, "edgedesk_plugin_calls_total", "routing", "ok")); got != 1 {
		t.Fatalf("calls ok = %v, want 1", got)
	}
}

func mustVec(t testing.TB, reg *prometheus.Registry, name string, labels ...string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			ok := true
			for i, l := range m.GetLabel() {
				if i < len(labels) && l.GetValue() != labels[i] {
					ok = false
				}
			}
			if ok {
				c := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
				c.Add(m.GetCounter().GetValue())
				return c
			}
		}
	}
	return prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
}

// Hostile plugins are stopped or refused within their limits, with a typed
// error, and a well-behaved plugin in the same host keeps answering.
func TestHostilePlugins(t *testing.T) {
	// Two hosts: a short deadline for what only a deadline stops, a long
	// one for what another limit must stop first (on a loaded machine, and
	// under -race, building a large answer takes a while).
	short, reg := newHost(t, host.Limits{Timeout: 300 * time.Millisecond, MemoryMiB: 64, OutputMax: 1 << 20, HostCalls: 1000})
	long, _ := newHost(t, host.Limits{Timeout: 5 * time.Second, MemoryMiB: 64, OutputMax: 1 << 20, HostCalls: 1000})
	good, err := short.Load(context.Background(), pkg(t, "routing", manifest("routing")))
	if err != nil {
		t.Fatal(err)
	}
	// One module misbehaves as the request's conversation says (so that it
	// is compiled once), installed under each misbehaviour's name.
	misbehave := func(p *host.Plugin, how string) error {
		req := abi.RouteRequest{Tenant: "demo", Conversation: how, Agents: []abi.AgentStatus{{ID: "ann", Online: true}}}
		_, err := p.Call(context.Background(), "demo", abi.OpRoute, req.Append(nil))
		return err
	}
	for _, c := range []struct {
		name string
		h    *host.Host
		want []error // any of
	}{
		{"loop", short, []error{host.ErrTimeout}},
		// These fill their memory, the recursion by growing its stack:
		// whichever limit comes first stops them.
		{"membomb", short, []error{host.ErrMemory, host.ErrTimeout}},
		{"recursion", short, []error{host.ErrTimeout, host.ErrMemory}},
		{"huge", long, []error{host.ErrOutput}},
		{"trap", long, []error{host.ErrTrap}},
		{"panic", long, []error{host.ErrTrap}},
		{"hostflood", long, []error{host.ErrHostCalls}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.h.Load(context.Background(), pkg(t, "hostile", manifest(c.name, abi.CapClock, abi.CapKV)))
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if err := misbehave(p, "nothing"); err != nil {
				t.Fatalf("asked to behave, it failed: %v", err)
			}
			for range 2 { // the instance is thrown away, and the next call gets a new one
				start := time.Now()
				err := misbehave(p, c.name)
				if !slices.ContainsFunc(c.want, func(w error) bool { return errors.Is(err, w) }) {
					t.Fatalf("call: %v, want %v", err, c.want)
				}
				if d := time.Since(start); d > 6*time.Second {
					t.Fatalf("stopped after %s", d)
				}
			}
			if c.name == "panic" {
				if err := misbehave(p, "panic"); err == nil || !strings.Contains(err.Error(), "assignment to entry in nil map") {
					t.Fatalf("the panic's message is not in the error: %v", err)
				}
			}
			if d, err := route(t, good); err != nil || d.Agent != "bo" {
				t.Fatalf("the good plugin after %s: %+v, %v", c.name, d, err)
			}
		})
	}
	if got := testutil.ToFloat64(mustVec(t, reg, "edgedesk_plugin_calls_total", "loop", "timeout")); got != 2 {
		t.Errorf("loop's timeouts counted %v, want 2", got)
	}
}

// What is not signed by a trusted key, not what the manifest says, of
// another ABI, or importing what it was not granted never runs.
func TestPluginsThatAreRefusedAtLoad(t *testing.T) {
	h, _ := newHost(t, host.Limits{})
	t.Run("wrong ABI", func(t *testing.T) {
		_, err := h.Load(context.Background(), pkg(t, "wrongabi", manifest("wrongabi")))
		if !errors.Is(err, host.ErrABI) || !strings.Contains(err.Error(), "says ABI 2") {
			t.Fatalf("load: %v", err)
		}
	})
	t.Run("ungranted imports", func(t *testing.T) {
		_, err := h.Load(context.Background(), pkg(t, "sneaky", manifest("sneaky", abi.CapClock)))
		if !errors.Is(err, host.ErrImports) || !strings.Contains(err.Error(), "edgedesk.") {
			t.Fatalf("load: %v", err)
		}
		if _, err := h.Load(context.Background(), pkg(t, "sneaky", manifest("sneaky", abi.CapKV, abi.CapLog))); err != nil {
			t.Fatalf("load with the capabilities granted: %v", err)
		}
	})
	t.Run("signatures", func(t *testing.T) {
		dir := t.TempDir()
		if err := host.WritePackage(dir, manifest("routing"), plugin(t, "routing"), priv); err != nil {
			t.Fatal(err)
		}
		other, _ := mustKey()
		if _, err := host.LoadPackage(dir, []ed25519.PublicKey{other}); !errors.Is(err, host.ErrSignature) {
			t.Fatalf("untrusted key: %v", err)
		}
		m, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
		os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(strings.Replace(string(m), `"log"`, `"kv"`, 1)+" "), 0o644)
		if _, err := host.LoadPackage(dir, []ed25519.PublicKey{pub}); !errors.Is(err, host.ErrSignature) {
			t.Fatalf("tampered manifest: %v", err)
		}
		os.WriteFile(filepath.Join(dir, "manifest.json"), m, 0o644)
		w := plugin(t, "routing")
		os.WriteFile(filepath.Join(dir, "plugin.wasm"), append(append([]byte(nil), w...), 0), 0o644)
		if _, err := host.LoadPackage(dir, []ed25519.PublicKey{pub}); !errors.Is(err, host.ErrSignature) || !strings.Contains(err.Error(), "sha256") {
			t.Fatalf("tampered module: %v", err)
		}
	})
}

// Swapping a plugin's version while calls run fails none of them.
func TestHotSwapUnderLoad(t *testing.T) {
	// a deadline far above a call's time, so that only the swap could fail a
	// call (under -race on a loaded machine, calls take up to ~1 s)
	h, _ := newHost(t, host.Limits{Timeout: 10 * time.Second})
	v1 := manifest("routing")
	p, err := h.Load(context.Background(), pkg(t, "routing", v1))
	if err != nil {
		t.Fatal(err)
	}
	v2 := v1
	v2.Version = "2.0.0"
	next := pkg(t, "routing", v2)
	stop := make(chan struct{})
	var calls, failed int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := route(t, p)
				mu.Lock()
				calls++
				if err != nil {
					failed++
					t.Error(err)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	if err := p.Swap(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if p.Manifest().Version != "2.0.0" || failed != 0 || calls < 100 {
		t.Fatalf("after the swap: version %s, %d calls, %d failed", p.Manifest().Version, calls, failed)
	}
}

// A restart reads the metered module from the cache directory; a damaged
// file there is metered again and replaced, not trusted.
func TestDamagedMeteredModuleIsMeteredAgain(t *testing.T) {
	pk := pkg(t, "routing", manifest("routing"))
	sum := sha256.Sum256(pk.Wasm)
	kept := filepath.Join(cacheDir, "edgedesk-metered-"+host.MeterVersion, hex.EncodeToString(sum[:])+".wasm")
	h, _ := newHost(t, host.Limits{})
	if _, err := h.Load(context.Background(), pk); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(kept)
	if err != nil || !bytes.HasPrefix(good, []byte("\x00asm")) {
		t.Fatalf("the metered module is not kept at %s: %v", kept, err)
	}
	if err := os.WriteFile(kept, []byte("\x00asm\x01\x00\x00\x00\x0agarbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	h2, _ := newHost(t, host.Limits{})
	p, err := h2.Load(context.Background(), pk)
	if err != nil {
		t.Fatalf("load over a damaged metered module: %v", err)
	}
	if d, err := route(t, p); err != nil || d.Agent != "bo" {
		t.Fatalf("decision = %+v, %v", d, err)
	}
	if again, err := os.ReadFile(kept); err != nil || !bytes.Equal(again, good) {
		t.Fatalf("the damaged file was not replaced by the metered module (%d bytes, %v)", len(again), err)
	}
}
