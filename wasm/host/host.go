// Package host runs Edgedesk's WebAssembly plugins under wazero
// (docs/plugins.md): compiled once with an on-disk cache, instantiated
// into a pool (an instance serves one call at a time), each call under a
// deadline, a memory cap, an output cap and a host-call budget. A call that
// traps, times out or runs out of memory returns a typed error, its
// instance is thrown away, and the caller runs its fallback. A plugin is
// swapped for a new version atomically while calls run.
package host

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/edgedesk/edgedesk/internal/atomicfile"
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// Limits bound every call of a plugin.
type Limits struct {
	Timeout   time.Duration // per call; 0: 50 ms
	MemoryMiB uint32        // linear memory of an instance; 0: 64
	OutputMax uint32        // bytes of a call's output; 0: 1 MiB
	HostCalls int           // host-function calls per call; 0: 10,000
	Instances int           // instances per plugin version; 0: 4
	// Cores bounds the plugin calls running machine code at once, over all
	// plugins (cores.go); 0: one fewer than GOMAXPROCS, at least one.
	Cores int
	// Start bounds making an instance (its start section and _initialize
	// together, metered as calls are) and, at load, the ABI check; 0: 10 s.
	// A load's context that ends sooner ends it sooner.
	Start time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.Timeout == 0 {
		l.Timeout = 50 * time.Millisecond
	}
	if l.MemoryMiB == 0 {
		l.MemoryMiB = 64
	}
	if l.OutputMax == 0 {
		l.OutputMax = 1 << 20
	}
	if l.HostCalls == 0 {
		l.HostCalls = 10000
	}
	if l.Instances == 0 {
		l.Instances = 4
	}
	if l.Start == 0 {
		l.Start = startTimeout
	}
	if l.Cores <= 0 {
		l.Cores = defaultCores()
	}
	return l
}

// Options configure a Host.
type Options struct {
	CacheDir string // on-disk compilation cache; "" compiles every time
	Limits   Limits
	Log      *slog.Logger
	Metrics  prometheus.Registerer // nil: not registered
	// Config returns a plugin's configuration for a tenant (capability
	// config), nil when none is set. It is called on every config_get of
	// a call, so it must be cheap.
	Config func(plugin, tenant string) []byte
	// KV is the store of capability kv; nil keeps it in memory.
	KV KV
}

// Host owns the wazero runtime and the plugins loaded into it.
type Host struct {
	rt       wazero.Runtime
	cache    wazero.CompilationCache
	lim      Limits
	log      *slog.Logger
	config   func(plugin, tenant string) []byte
	kv       KV
	meterDir string // metered modules by the sha256 of the original; "" keeps none

	bgMu     sync.Mutex
	stopping bool
	stop     chan struct{}  // closed when stopping
	bg       sync.WaitGroup // instances being made in the background
	gate     gate           // the calls running; retired by Close (gate.go)

	calls   *prometheus.CounterVec   // edgedesk_plugin_calls_total{plugin,result}
	latency *prometheus.HistogramVec // edgedesk_plugin_call_seconds{plugin}
	custom  *prometheus.CounterVec   // edgedesk_plugin_metric_total{plugin,name}
	quotas  *quotas                  // per-plugin quotas of the host functions (quota.go)
	cores   cores                    // Limits.Cores (cores.go)
}

// New starts a runtime with WASI (no files, environment, arguments or
// network) and the host functions.
func New(ctx context.Context, o Options) (*Host, error) {
	lim := o.Limits.withDefaults()
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	cfg := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(false).           // the meter stops calls (meter.go)
		WithMemoryLimitPages(lim.MemoryMiB * 16) // 64 KiB pages
	h := &Host{lim: lim, log: o.Log, config: o.Config, kv: o.KV, stop: make(chan struct{}), cores: newCores(lim.Cores), gate: newGate()}
	if h.kv == nil {
		h.kv = NewMemoryKV()
	}
	if o.CacheDir != "" {
		c, err := wazero.NewCompilationCacheWithDir(o.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("plugin compilation cache: %w", err)
		}
		h.cache = c
		cfg = cfg.WithCompilationCache(c)
		h.meterDir = filepath.Join(o.CacheDir, "edgedesk-metered-"+meterVersion)
	}
	h.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	if err := h.instantiateWASI(ctx); err != nil {
		return nil, err
	}
	if err := h.instantiateHostModule(ctx); err != nil {
		return nil, err
	}
	h.calls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_plugin_calls_total",
		Help: "Plugin calls by result (ok, error, timeout, trap, memory, output, host_calls, unavailable, panic)."}, []string{"plugin", "result"})
	h.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "edgedesk_plugin_call_seconds",
		Help: "Plugin call latency.", Buckets: prometheus.ExponentialBuckets(5e-6, 2.5, 12)}, []string{"plugin"})
	h.custom = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_plugin_metric_total",
		Help: "Counters plugins add to (capability metrics)."}, []string{"plugin", "name"})
	if o.Metrics != nil {
		for _, c := range []prometheus.Collector{h.calls, h.latency, h.custom, h.quotas.exceeded} {
			if err := o.Metrics.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return h, nil
}

// KV is the store of capability kv the host's plugins use.
func (h *Host) KV() KV { return h.kv }

// Close closes the runtime and every plugin, once the calls running end
// (at their deadline at the latest); calls after it fail with ErrClosed.
func (h *Host) Close(ctx context.Context) error {
	h.bgMu.Lock()
	if !h.stopping {
		h.stopping = true
		close(h.stop)
	}
	h.bgMu.Unlock()
	h.bg.Wait()
	h.gate.retire()
	<-h.gate.drained // an instance's memory must not go while a call runs in it
	err := h.rt.Close(ctx)
	if h.cache != nil {
		err = errors.Join(err, h.cache.Close(ctx))
	}
	return err
}

// Plugin is a loaded plugin; Swap replaces its version while calls run.
type Plugin struct {
	h       *Host
	name    string
	current atomic.Pointer[version]
	ok      prometheus.Counter  // calls_total{result="ok"}, looked up once
	latency prometheus.Observer // call_seconds of this plugin
}

// version is one compiled version and its instance pool.
type version struct {
	m        Manifest
	compiled wazero.CompiledModule
	granted  map[string]bool
	idle     chan *instance
	gate     // the calls running on it; retired when swapped out or closed (gate.go)

	mu     sync.Mutex
	closed bool
	done   chan struct{}  // closed with the version: background work gives up
	making sync.WaitGroup // instances being made in the background

	broken atomic.Int32 // instances thrown away since the last healthy call
	live   atomic.Int32 // instances that exist or are being made
}

// rebuildDelay is how long the replacement of a thrown-away instance
// waits when n instances in a row broke: none for the first, then
// doubling from 50 ms to 2 s. A plugin that breaks every instance (a leak
// to its cap, a loop) would otherwise make the host allocate and zero a
// new instance's memory as fast as it can break them, and the garbage of
// their memories (tens of MiB each) stalls the whole edge in its
// collector; with fewer instances its calls find none, fail at once, and
// the edge suspends it sooner.
func rebuildDelay(n int32) time.Duration {
	if n <= 1 {
		return 0
	}
	return min(50*time.Millisecond<<min(n-2, 6), 2*time.Second)
}

type instance struct {
	mod    api.Module
	mem    api.Memory // its exported memory (checkExports)
	alloc  api.Function
	call   api.Function
	stderr *head // what the plugin (or the Go runtime dying in it) wrote during the call
	lin    *linearMemory
	in     uint32 // the input buffer edgedesk_alloc gave, reused while inputs fit
	inCap  uint32
}

// head keeps the first bytes written to it since Reset: a dying Go
// runtime writes its reason first, then pages of traceback.
type head struct {
	mu sync.Mutex
	b  []byte
}

const headMax = 2048

func (h *head) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := headMax - len(h.b); n > 0 {
		h.b = append(h.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

func (h *head) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.b = h.b[:0]
}

func (h *head) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.b)
}

// Load verifies nothing (LoadPackage did) and compiles pkg: its imports
// must be WASI or host functions its manifest grants, and its ABI export
// must say this host's version. One instance is made at once, so that a
// module that cannot start is refused here.
func (h *Host) Load(ctx context.Context, pkg *Package) (*Plugin, error) {
	v, err := h.compile(ctx, pkg)
	if err != nil {
		return nil, err
	}
	return h.plugin(pkg.Manifest.Name, v), nil
}

func (h *Host) plugin(name string, v *version) *Plugin {
	p := &Plugin{h: h, name: name, ok: h.calls.WithLabelValues(name, "ok"), latency: h.latency.WithLabelValues(name)}
	p.current.Store(v)
	return p
}

// Swap compiles pkg and makes it the version new calls use; calls running
// on the old version finish there, and its instances close after them.
func (p *Plugin) Swap(ctx context.Context, pkg *Package) error {
	if pkg.Manifest.Name != p.name {
		return fmt.Errorf("%w: %q cannot replace plugin %q", ErrManifest, pkg.Manifest.Name, p.name)
	}
	v, err := p.h.compile(ctx, pkg)
	if err != nil {
		return err
	}
	old := p.current.Swap(v)
	old.retire()
	go func() {
		defer func() {
			if r := recover(); r != nil {
				p.h.panicked(p.name, "closing the version swapped out", r)
			}
		}()
		<-old.drained
		old.close(context.Background(), p.h)
	}()
	return nil
}

// Manifest is the current version's manifest.
func (p *Plugin) Manifest() Manifest { return p.current.Load().m }

// Close closes the plugin's instances and compiled module once the calls
// running on it have finished. Calls after it fail with ErrClosed.
func (p *Plugin) Close(ctx context.Context) {
	v := p.current.Load()
	v.retire()
	go func() {
		defer func() {
			if r := recover(); r != nil {
				p.h.panicked(p.name, "closing a plugin", r)
			}
		}()
		<-v.drained
		v.close(context.WithoutCancel(ctx), p.h)
	}()
}

func (h *Host) compile(ctx context.Context, pkg *Package) (v *version, err error) {
	// what the checks below did not foresee must not take the edge down
	var compiled wazero.CompiledModule
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		h.calls.WithLabelValues(pkg.Manifest.Name, "panic").Inc()
		err = h.panicked(pkg.Manifest.Name, "loading it", r)
		if v != nil {
			go v.close(context.Background(), h) // after its instances being made
		} else if compiled != nil {
			compiled.Close(ctx)
		}
		v = nil
	}()
	wasm, cached, err := h.metered(pkg.Wasm, false)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrManifest, err)
	}
	// a cold compile of a Go plugin takes seconds: on every core
	cctx := experimental.WithCompilationWorkers(ctx, runtime.GOMAXPROCS(0))
	compiled, err = h.rt.CompileModule(cctx, wasm)
	if err != nil && cached { // a damaged cache file: meter the module again
		if wasm, _, err = h.metered(pkg.Wasm, true); err == nil {
			compiled, err = h.rt.CompileModule(cctx, wasm)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: compile: %v", ErrManifest, err)
	}
	granted := map[string]bool{}
	for _, c := range pkg.Manifest.Capabilities {
		for _, f := range abi.HostFunctions[c] {
			granted[f] = true
		}
	}
	grantMetrics(granted, pkg.Manifest.Metrics) // the counter names it declares (quota.go)
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		switch {
		case mod == wasi_snapshot_preview1.ModuleName:
		case mod == abi.HostModule && granted[name]:
		default:
			compiled.Close(ctx)
			return nil, fmt.Errorf("%w: %s.%s (granted: %v)", ErrImports, mod, name, pkg.Manifest.Capabilities)
		}
	}
	if err := checkExports(compiled); err != nil {
		compiled.Close(ctx)
		return nil, err
	}
	v = &version{m: pkg.Manifest, compiled: compiled, granted: granted, gate: newGate(),
		idle: make(chan *instance, h.lim.Instances), done: make(chan struct{})}
	inst, err := h.instantiate(ctx, v)
	if err != nil {
		compiled.Close(ctx)
		return nil, err
	}
	deadline, _ := h.startDeadline(ctx)
	st := &callState{plugin: v.m.Name, granted: v.granted, limit: h.lim.HostCalls, deadline: deadline}
	err = st.hold(ctx, h.cores)
	var r []uint64
	if err == nil {
		r, err = inst.mod.ExportedFunction(abi.ExportABI).Call(context.WithValue(ctx, stateKey{}, st))
		st.release()
	}
	if err != nil || len(r) != 1 || int32(r[0]) != abi.Version {
		inst.mod.Close(ctx)
		compiled.Close(ctx)
		got := "no answer"
		if err == nil && len(r) == 1 {
			got = fmt.Sprint(int32(r[0]))
		}
		return nil, fmt.Errorf("%w: the module says ABI %s; this host speaks %d", ErrABI, got, abi.Version)
	}
	v.idle <- inst
	// The rest of the pool is made as calls need it (demand): a plugin
	// called one at a time keeps one instance and its memory, and a call
	// that finds every instance busy waits the few milliseconds a Go
	// module's runtime takes to start.
	v.live.Store(1)
	return v, nil
}

// metered returns the module with the meter inserted (meter.go), from the
// cache directory when it was metered before and again is true, so that
// a restart does not meter every plugin again.
func (h *Host) metered(wasm []byte, again bool) (out []byte, cached bool, err error) {
	if h.meterDir == "" {
		out, err = instrument(wasm)
		return out, false, err
	}
	sum := sha256.Sum256(wasm)
	path := filepath.Join(h.meterDir, hex.EncodeToString(sum[:])+".wasm")
	if !again {
		if out, err := os.ReadFile(path); err == nil {
			return out, true, nil
		}
	}
	if out, err = instrument(wasm); err != nil {
		return nil, false, err
	}
	keep := os.MkdirAll(h.meterDir, 0o700)
	if keep == nil {
		keep = atomicfile.Write(path, out, 0o600)
	}
	if keep != nil {
		h.log.Warn("cannot keep the metered module; it will be metered again at the next start", "err", keep)
	}
	return out, false, nil
}

// startTimeout is the default of Limits.Start.
const startTimeout = 10 * time.Second

// startDeadline is when making an instance must be done: Limits.Start
// from now, or ctx's deadline when that comes first; and how long that is.
func (h *Host) startDeadline(ctx context.Context) (time.Time, time.Duration) {
	d := time.Now().Add(h.lim.Start)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	return d, time.Until(d).Round(time.Millisecond)
}

// checkExports checks that the module exports what the ABI (wasm/abi)
// says, with exactly its signatures: the host reads the results of these
// functions, and a module that answers nothing where the host expects a
// value must be refused here, not found out in a call.
func checkExports(compiled wazero.CompiledModule) error {
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	exports := compiled.ExportedFunctions()
	if _, ok := exports["_start"]; ok {
		// a command's exports run only after its main has: no ABI
		// would answer
		return fmt.Errorf("%w: built without -buildmode=c-shared (the module is a command: it exports _start); build it with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared, as `edge plugin pack --src` does", ErrABI)
	}
	for _, e := range []struct {
		name            string
		params, results []api.ValueType
		optional        bool
	}{
		{name: abi.ExportABI, results: []api.ValueType{i32}},
		{name: abi.ExportAlloc, params: []api.ValueType{i32}, results: []api.ValueType{i32}},
		{name: abi.ExportCall, params: []api.ValueType{i32, i32, i32}, results: []api.ValueType{i64}},
		{name: "_initialize", optional: true}, // Go's c-shared initialisation
	} {
		f, ok := exports[e.name]
		switch {
		case !ok && e.optional:
		case !ok:
			return fmt.Errorf("%w: no %s export: build it with wasm/pdk", ErrABI, e.name)
		case !slices.Equal(f.ParamTypes(), e.params) || !slices.Equal(f.ResultTypes(), e.results):
			return fmt.Errorf("%w: export %s is %s; the ABI wants %s: build it with wasm/pdk", ErrABI,
				e.name, signature(f.ParamTypes(), f.ResultTypes()), signature(e.params, e.results))
		}
	}
	if len(compiled.ExportedMemories()) == 0 {
		return fmt.Errorf("%w: the module exports no memory, through which its input and output pass: build it with wasm/pdk", ErrABI)
	}
	return nil
}

// signature writes a function type as "(i32, i32) -> (i64)".
func signature(params, results []api.ValueType) string {
	list := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return list(params) + " -> " + list(results)
}

// panicked logs a panic of the host's own code on what a plugin did (where
// says in what) and makes it an error: ErrTrap with the panic's text. The
// caller throws away what the plugin ran in.
func (h *Host) panicked(plugin, where string, r any) error {
	h.log.Error("the host panicked on what a plugin did; its instance is thrown away",
		"plugin", plugin, "in", where, "panic", r, "stack", string(debug.Stack()))
	return fmt.Errorf("%w: the host failed on what the plugin did, %s (%v); report it with the plugin", ErrTrap, where, r)
}

// instantiate makes an instance of v. The module's start section, which
// wazero runs inside InstantiateModule whatever WithStartFunctions says,
// and its _initialize run under one deadline (startDeadline) and one
// host-call budget, through the meter as calls do: without a call state
// in the context the meter's clock finds no deadline, and a start that
// loops would hold a core and this function forever.
func (h *Host) instantiate(ctx context.Context, v *version) (inst *instance, err error) {
	stderr := &head{}
	mc := wazero.NewModuleConfig().
		WithStderr(stderr).
		WithName("").                        // anonymous: many instances of one module
		WithStartFunctions().                // _initialize runs below, under the deadline
		WithSysWalltime().WithSysNanotime(). // clocks and randomness: every plugin's, see below
		WithRandSource(rand.Reader)          // no files, env or args
	// Every plugin has WASI's wall clock, monotonic clock and randomness,
	// whatever its capabilities (capability clock grants edgedesk.now_ms
	// and nothing more). Go's runtime and standard library read them: the
	// scheduler's timers the monotonic clock, time.Now the wall clock,
	// the runtime's hash and math/rand seeds and crypto/rand random_get;
	// a fake source would hand crypto/rand predictable bytes without an
	// error. Hiding the wall clock alone would hide nothing a timer cannot
	// measure. The host's clock_time_get (hostfuncs.go) reads the real
	// clocks itself; these settings serve the rest of WASI.
	deadline, budget := h.startDeadline(ctx)
	st := &callState{plugin: v.m.Name, granted: v.granted, limit: h.lim.HostCalls, deadline: deadline}
	var lin *linearMemory
	sctx := h.withMemory(context.WithValue(ctx, stateKey{}, st), v.m.Name, &lin)
	var mod api.Module
	if err := st.hold(ctx, h.cores); err != nil {
		return nil, fmt.Errorf("%w: making an instance: %v", ErrTimeout, err)
	}
	defer st.release()
	defer func() {
		if r := recover(); r != nil {
			if mod != nil {
				mod.Close(ctx)
			} else if lin != nil {
				lin.Free()
			}
			h.calls.WithLabelValues(v.m.Name, "panic").Inc()
			inst, err = nil, h.panicked(v.m.Name, "making an instance", r)
		}
	}()
	failed := func(what string, err error) error {
		switch {
		case st.timedOut:
			return fmt.Errorf("%w: %s ran past its deadline (%s)", ErrTimeout, what, budget)
		case st.exceeded:
			return fmt.Errorf("%w: %s made more than %d", ErrHostCalls, what, st.limit)
		case lin != nil && lin.refused != nil:
			return fmt.Errorf("%s: %w", what, lin.refused)
		}
		first, _, _ := strings.Cut(err.Error(), "\n") // wazero appends the module's stack
		if msg := lastLine(stderr.String()); msg != "" {
			return fmt.Errorf("%w: %s: %s: %s", ErrTrap, what, first, msg)
		}
		return fmt.Errorf("%w: %s: %s", ErrTrap, what, first)
	}
	mod, err = h.rt.InstantiateModule(sctx, v.compiled, mc)
	if err != nil {
		// a start section that failed leaves no module to close, and its
		// memory to the allocator
		if lin != nil {
			lin.Free()
		}
		return nil, failed("instantiating it (its start section included)", err)
	}
	inst = &instance{mod: mod, alloc: mod.ExportedFunction(abi.ExportAlloc), call: mod.ExportedFunction(abi.ExportCall),
		stderr: stderr, lin: lin}
	for name := range v.compiled.ExportedMemories() { // one: checkExports
		inst.mem = mod.ExportedMemory(name)
	}
	if inst.mem == nil {
		mod.Close(ctx)
		return nil, fmt.Errorf("%w: the instance has no memory", ErrABI)
	}
	if start := mod.ExportedFunction("_initialize"); start != nil {
		if _, err := start.Call(sctx); err != nil {
			mod.Close(ctx)
			return nil, failed("its initialisation (_initialize)", err)
		}
	}
	return inst, nil
}

// get takes an idle instance, waiting for one up to d or until ctx ends;
// with none idle, it asks for one more (demand).
func (v *version) get(ctx context.Context, h *Host, d time.Duration) (*instance, error) {
	select {
	case inst := <-v.idle:
		return inst, nil
	default:
	}
	v.demand(h)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case inst := <-v.idle:
		return inst, nil
	case <-t.C:
		return nil, fmt.Errorf("every instance stayed busy for %s", d)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put returns a healthy instance; a broken one is thrown away and a new
// one made in the background, so that no call waits for it.
func (v *version) put(ctx context.Context, h *Host, inst *instance, healthy bool) {
	if healthy {
		v.broken.Store(0)
		v.idle <- inst
		return
	}
	inst.mod.Close(ctx)
	v.broken.Add(1)
	v.live.Add(-1)
	if len(v.idle) == 0 { // a call may be waiting for one
		v.demand(h)
	}
}

// demand starts making one more instance unless the pool has
// Limits.Instances already. When instances broke in a row it is made
// after a delay (rebuildDelay).
func (v *version) demand(h *Host) {
	for {
		n := v.live.Load()
		if n >= int32(h.lim.Instances) {
			return
		}
		if v.live.CompareAndSwap(n, n+1) {
			v.growAfter(h, rebuildDelay(v.broken.Load()))
			return
		}
	}
}

// growAfter makes an instance in the background after wait.
func (v *version) growAfter(h *Host, wait time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	h.bgMu.Lock()
	defer h.bgMu.Unlock()
	if v.closed || h.stopping {
		return
	}
	v.making.Add(1)
	h.bg.Add(1)
	go func() {
		defer h.bg.Done()
		defer v.making.Done()
		defer func() { // instantiate recovers; this is the second lock
			if r := recover(); r != nil {
				h.calls.WithLabelValues(v.m.Name, "panic").Inc()
				h.panicked(v.m.Name, "making an instance in the background; the pool has one fewer", r)
			}
		}()
		if wait > 0 {
			select {
			case <-time.After(wait):
			case <-v.done:
				return
			case <-h.stop:
				return
			}
		}
		for delay := time.Second; ; delay = min(2*delay, 30*time.Second) {
			fresh, err := h.instantiate(context.Background(), v)
			if err == nil {
				v.mu.Lock()
				defer v.mu.Unlock()
				if v.closed {
					fresh.mod.Close(context.Background())
					return
				}
				v.idle <- fresh
				return
			}
			h.log.Error("cannot make a plugin instance; the pool has one fewer until a retry succeeds",
				"plugin", v.m.Name, "retry_in", delay, "err", err)
			select {
			case <-time.After(delay):
			case <-v.done:
				return
			case <-h.stop:
				return
			}
		}
	}()
}

// close closes the version's instances and module, once no call and no
// replacement runs on it.
func (v *version) close(ctx context.Context, h *Host) {
	v.mu.Lock()
	if !v.closed {
		v.closed = true
		close(v.done)
	}
	v.mu.Unlock()
	v.making.Wait()
	for {
		select {
		case inst := <-v.idle:
			inst.mod.Close(ctx)
		default:
			v.compiled.Close(ctx)
			return
		}
	}
}

// callState travels in the context of a call into host functions.
type callState struct {
	plugin, tenant string
	hostCalls      int
	limit          int
	granted        map[string]bool
	exceeded       bool
	quota          error // a quota a host function refused (quota.go)
	deadline       time.Time
	timedOut       bool
	core           cores // the core the call holds (cores.go); nil: none
}

type stateKey struct{}

// Call runs op with input for tenant and returns the op's output. Should
// the host itself panic on what the plugin did, the call returns ErrTrap,
// counted as result "panic", and the instance is thrown away.
func (p *Plugin) Call(ctx context.Context, tenant string, op uint32, input []byte) (out []byte, err error) {
	h := p.h
	if !h.gate.enter() {
		return nil, ErrClosed
	}
	defer h.gate.leave()
	start := time.Now()
	v := p.current.Load()
	for !v.enter() { // swapped out meanwhile: the version that replaced it
		if next := p.current.Load(); next != v {
			v = next
			continue
		}
		return nil, ErrClosed
	}
	defer v.leave()
	result := "panic" // unless call returns
	defer func() {
		if r := recover(); r != nil { // call's deferred put threw the instance away
			out, err = nil, h.panicked(p.name, "calling it", r)
		}
		if result == "ok" {
			p.ok.Inc()
		} else {
			h.calls.WithLabelValues(p.name, result).Inc()
		}
		p.latency.Observe(time.Since(start).Seconds())
	}()
	out, result, err = p.call(ctx, v, tenant, op, input)
	return out, err
}

func (p *Plugin) call(ctx context.Context, v *version, tenant string, op uint32, input []byte) ([]byte, string, error) {
	h := p.h
	timeout := h.lim.Timeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	inst, err := v.get(ctx, h, timeout)
	if err != nil {
		return nil, "unavailable", fmt.Errorf("%w: no instance: %v", ErrTrap, err)
	}
	st := &callState{plugin: p.name, tenant: tenant, limit: h.lim.HostCalls, granted: v.granted, deadline: time.Now().Add(timeout)}
	cctx := context.WithValue(ctx, stateKey{}, st)
	healthy := true // the instance has not run
	defer func() { v.put(ctx, h, inst, healthy) }()
	if err := st.hold(ctx, h.cores); err != nil {
		return nil, "unavailable", fmt.Errorf("%w: %v", ErrBusy, err)
	}
	defer st.release()
	healthy = false
	inst.stderr.Reset()
	if inst.lin != nil {
		inst.lin.refused = nil
	}

	var r []uint64
	var ptr uint32
	err = func() error {
		ptr = inst.in
		if uint32(len(input)) > inst.inCap || inst.inCap == 0 {
			a, err := inst.alloc.Call(cctx, uint64(len(input)))
			if err != nil {
				return err
			}
			ptr = uint32(a[0])
			inst.in, inst.inCap = ptr, uint32(len(input))
		}
		if !inst.mem.Write(ptr, input) {
			return errOutside
		}
		r, err = inst.call.Call(cctx, uint64(op), uint64(ptr), uint64(len(input)))
		return err
	}()
	switch {
	case errors.Is(err, errOutside):
		return nil, "trap", fmt.Errorf("%w: the input buffer at %d is outside its memory", ErrTrap, ptr)
	case err != nil:
		result, err := p.failure(err, st, inst)
		return nil, result, err
	}
	optr, olen := uint32(r[0]>>32), uint32(r[0])
	if olen > h.lim.OutputMax {
		return nil, "output", fmt.Errorf("%w: %d bytes, limit %d", ErrOutput, olen, h.lim.OutputMax)
	}
	raw, ok := inst.mem.Read(optr, olen)
	if !ok {
		return nil, "trap", fmt.Errorf("%w: its output at %d+%d is outside its memory", ErrTrap, optr, olen)
	}
	res, err := abi.DecodeResult(raw)
	if err != nil {
		return nil, "trap", fmt.Errorf("%w: %v", ErrTrap, err)
	}
	if inst.lin != nil && inst.lin.refused != nil { // the module lived with a refused growth
		return nil, "quota", inst.lin.refused
	}
	healthy = true
	if res.Status != abi.StatusOK {
		return nil, "error", fmt.Errorf("%w: status %d: %s", ErrPlugin, res.Status, truncate(res.Message, 300))
	}
	return res.Output, "ok", nil // a copy: DecodeResult does not keep raw
}

var errOutside = errors.New("outside the module's memory")

// failure names why a call into the module failed.
func (p *Plugin) failure(err error, st *callState, inst *instance) (string, error) {
	// wazero appends the module's stack trace: the first line says it
	err = errors.New(strings.SplitN(err.Error(), "\n", 2)[0])
	switch {
	case st.exceeded:
		return "host_calls", fmt.Errorf("%w: more than %d", ErrHostCalls, st.limit)
	case st.quota != nil:
		return "quota", st.quota
	case inst.lin != nil && inst.lin.refused != nil:
		return "quota", inst.lin.refused
	case strings.Contains(inst.stderr.String(), "out of memory") || nearFull(inst, p.h.lim.MemoryMiB):
		// the Go runtime says so as it dies, or the deadline stopped it
		// while it filled its memory
		return "memory", fmt.Errorf("%w (%d MiB): %v", ErrMemory, p.h.lim.MemoryMiB, err)
	case st.timedOut:
		return "timeout", fmt.Errorf("%w (%s)", ErrTimeout, p.h.lim.Timeout)
	}
	if msg := lastLine(inst.stderr.String()); msg != "" {
		return "trap", fmt.Errorf("%w: %v: %s", ErrTrap, err, msg)
	}
	return "trap", fmt.Errorf("%w: %v", ErrTrap, err)
}

// lastLine is the first line of the last message the plugin wrote: for a
// Go panic, "panic: …".
func lastLine(s string) string {
	if i := strings.LastIndex(s, "panic: "); i >= 0 {
		s = s[i:]
	} else if i := strings.LastIndex(s, "fatal error: "); i >= 0 {
		s = s[i:]
	}
	s, _, _ = strings.Cut(s, "\n")
	return truncate(strings.TrimSpace(s), 200)
}

// nearFull reports whether the instance's memory reached its cap: a Go
// plugin that cannot grow its memory dies of "out of memory".
func nearFull(inst *instance, mib uint32) bool {
	m := inst.mem
	return m != nil && uint64(m.Size()) >= uint64(mib)<<20-(4<<20)
}

// truncate cuts s to at most n bytes of valid UTF-8: what a plugin wrote
// becomes an error's text, and error texts reach logs and events.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// state is the call a host function serves.
func state(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	return st
}

// budget counts a host call, and stops the module when it has made too
// many (the host function panics, which wazero turns into an error of
// the call).
func budget(ctx context.Context, fn string) *callState {
	st := state(ctx)
	if st == nil || !st.granted[fn] {
		panic(fmt.Sprintf("host function %s called outside a granted call", fn))
	}
	st.hostCalls++
	if st.hostCalls > st.limit {
		st.exceeded = true
		panic(ErrHostCalls)
	}
	return st
}
