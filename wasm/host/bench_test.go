package host_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/edgedesk/edgedesk/plugins/routing/rules"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
)

// benchRequest is a routing decision over 10 agents.
func benchRequest() *abi.RouteRequest {
	r := &abi.RouteRequest{Tenant: "demo", Conversation: "c1", Language: "zh", Skills: []string{"billing"}}
	for i := range 10 {
		r.Agents = append(r.Agents, abi.AgentStatus{ID: "agent-" + string(rune('a'+i)), Online: i%4 != 3,
			Skills: []string{"billing", "tech"}[:1+i%2], Languages: []string{"en", "zh"}[:1+i%3%2],
			Load: i % 3, MaxChats: 4, IdleSince: int64(1000 - i)})
	}
	return r
}

// BenchmarkRoutingPlugin is one routing decision through the plugin: the
// request encoded, the call under its deadline, the answer decoded. It
// reports the p99 of single calls and decisions per second with every
// core calling (RunParallel).
//
//	go test -run '^$' -bench 'Routing' -benchtime 20000x ./wasm/host
func BenchmarkRoutingPlugin(b *testing.B) {
	// a generous deadline: this measures, it does not enforce
	h, _ := newHost(b, host.Limits{Timeout: time.Second})
	p, err := h.Load(context.Background(), pkg(b, "routing", manifest("routing")))
	if err != nil {
		b.Fatal(err)
	}
	req := benchRequest()
	decide := func() {
		out, err := p.Call(context.Background(), "demo", abi.OpRoute, req.Append(nil))
		if err != nil {
			b.Fatal(err)
		}
		if d, err := abi.DecodeRouteDecision(out); err != nil || d.Agent == "" {
			b.Fatalf("%+v %v", d, err)
		}
	}
	for range 100 { // instances made, caches warm
		decide()
	}
	b.ResetTimer()
	measure(b, decide)
}

// BenchmarkRoutingNative is the same decision as plain Go, with the same
// encoding and decoding (one Decoder per call, as each plugin instance
// has one), for the ratio.
func BenchmarkRoutingNative(b *testing.B) {
	req := benchRequest()
	decide := func() {
		var dec abi.Decoder
		r, err := dec.RouteRequest(req.Append(nil))
		if err != nil {
			b.Fatal(err)
		}
		d := rules.Decide(r)
		if back, err := abi.DecodeRouteDecision(d.Encode()); err != nil || back.Agent == "" {
			b.Fatalf("%+v %v", back, err)
		}
	}
	measure(b, decide)
}

// measure times b.N decisions one by one, then reports their p99 and the
// rate with every core deciding.
func measure(b *testing.B, decide func()) { measureAs(b, "decisions/s", decide) }

// measureAs is measure with the rate reported in unit ("messages/s").
func measureAs(b *testing.B, unit string, decide func()) {
	lat := make([]time.Duration, 0, b.N)
	for range b.N {
		t := time.Now()
		decide()
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
	b.ReportMetric(parallelRate(b, decide), unit)
}

// parallelRate runs decide on 4 goroutines for a second and returns the
// decisions per second.
func parallelRate(b *testing.B, decide func()) float64 {
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	deadline := time.Now().Add(time.Second)
	start := time.Now()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := 0
			for time.Now().Before(deadline) {
				decide()
				k++
			}
			mu.Lock()
			n += k
			mu.Unlock()
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkPluginLoad is loading the routing plugin with a warm
// compilation cache, until it can answer a call: its metered module read
// from the cache, compiled (wazero decodes and validates it and reads its
// machine code from the cache), its imports checked and one instance
// started and asked its ABI version. The wazero sub-benchmark is the
// engine underneath alone, in the same run: the plain module compiled with
// the same kind of cache and one instance started.
//
//	go test -run '^$' -bench PluginLoad -benchtime 20x -count 3 ./wasm/host
func BenchmarkPluginLoad(b *testing.B) {
	ctx := context.Background()
	pk := pkg(b, "routing", manifest("routing"))
	warm, _ := newHost(b, host.Limits{})
	if _, err := warm.Load(ctx, pk); err != nil { // fills the cache
		b.Fatal(err)
	}
	b.Run("edgedesk", func(b *testing.B) {
		var total time.Duration
		for range b.N {
			b.StopTimer()
			h, err := host.New(ctx, host.Options{CacheDir: cacheDir})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			if _, err := h.Load(ctx, pk); err != nil {
				b.Fatal(err)
			}
			total += time.Since(start)
			b.StopTimer()
			h.Close(ctx)
			b.StartTimer()
		}
		b.ReportMetric(float64(total.Microseconds())/1e3/float64(b.N), "ms/load")
	})
	b.Run("wazero", func(b *testing.B) {
		dir := filepath.Join(b.TempDir(), "cache")
		// a new cache each time, as a new host makes: one cache shared by
		// runtimes keeps their compiled modules in memory
		load := func() time.Duration {
			cache, err := wazero.NewCompilationCacheWithDir(dir)
			if err != nil {
				b.Fatal(err)
			}
			defer cache.Close(ctx)
			rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
			defer rt.Close(ctx)
			wasi_snapshot_preview1.MustInstantiate(ctx, rt)
			start := time.Now()
			compiled, err := rt.CompileModule(ctx, pk.Wasm)
			if err != nil {
				b.Fatal(err)
			}
			mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := mod.ExportedFunction(abi.ExportABI).Call(ctx); err != nil {
				b.Fatal(err)
			}
			return time.Since(start)
		}
		load() // fills the cache
		var total time.Duration
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			total += load()
			b.StartTimer()
		}
		b.ReportMetric(float64(total.Microseconds())/1e3/float64(b.N), "ms/load")
	})
}
