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
	return l
}

// Options configure a Host.
type Options struct {
	CacheDir string // on-disk compilation cache; "" compiles every time
	Limits   Limits
	Log      *slog.Logger
	Metrics  prometheus.Registerer // nil: not registered
	// Config returns a plugin's configuration (capability config).
	Config func(plugin string) []byte
	// KV is the store of capability kv; nil keeps it in memory.
	KV KV
}

// Host owns the wazero runtime and the plugins loaded into it.
type Host struct {
	rt       wazero.Runtime
	cache    wazero.CompilationCache
	lim      Limits
	log      *slog.Logger
	config   func(string) []byte
	kv       KV
	meterDir string // metered modules by the sha256 of the original; "" keeps none

	bgMu     sync.Mutex
	stopping bool
	stop     chan struct{}  // closed when stopping
	bg       sync.WaitGroup // instances being made in the background

	calls   *prometheus.CounterVec   // edgedesk_plugin_calls_total{plugin,result}
	latency *prometheus.HistogramVec // edgedesk_plugin_call_seconds{plugin}
	custom  *prometheus.CounterVec   // edgedesk_plugin_metric_total{plugin,name}
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
	h := &Host{lim: lim, log: o.Log, config: o.Config, kv: o.KV, stop: make(chan struct{})}
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
		Help: "Plugin calls by result (ok, error, timeout, trap, memory, output, host_calls, unavailable)."}, []string{"plugin", "result"})
	h.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "edgedesk_plugin_call_seconds",
		Help: "Plugin call latency.", Buckets: prometheus.ExponentialBuckets(5e-6, 2.5, 12)}, []string{"plugin"})
	h.custom = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_plugin_metric_total",
		Help: "Counters plugins add to (capability metrics)."}, []string{"plugin", "name"})
	if o.Metrics != nil {
		for _, c := range []prometheus.Collector{h.calls, h.latency, h.custom} {
			if err := o.Metrics.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return h, nil
}

// Close closes the runtime and every plugin.
func (h *Host) Close(ctx context.Context) error {
	h.bgMu.Lock()
	if !h.stopping {
		h.stopping = true
		close(h.stop)
	}
	h.bgMu.Unlock()
	h.bg.Wait()
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
	refs     sync.WaitGroup // calls running on this version

	mu     sync.Mutex
	closed bool
	done   chan struct{}  // closed with the version: background work gives up
	making sync.WaitGroup // instances being made in the background
}

type instance struct {
	mod    api.Module
	alloc  api.Function
	call   api.Function
	stderr *head  // what the plugin (or the Go runtime dying in it) wrote during the call
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
	p := &Plugin{h: h, name: pkg.Manifest.Name, ok: h.calls.WithLabelValues(pkg.Manifest.Name, "ok"),
		latency: h.latency.WithLabelValues(pkg.Manifest.Name)}
	p.current.Store(v)
	return p, nil
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
	go func() {
		old.refs.Wait()
		old.close(context.Background())
	}()
	return nil
}

// Manifest is the current version's manifest.
func (p *Plugin) Manifest() Manifest { return p.current.Load().m }

func (h *Host) compile(ctx context.Context, pkg *Package) (*version, error) {
	wasm, cached, err := h.metered(pkg.Wasm, false)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	// a cold compile of a Go plugin takes seconds: on every core
	cctx := experimental.WithCompilationWorkers(ctx, runtime.GOMAXPROCS(0))
	compiled, err := h.rt.CompileModule(cctx, wasm)
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
	exports := compiled.ExportedFunctions()
	for _, name := range []string{abi.ExportABI, abi.ExportAlloc, abi.ExportCall} {
		if _, ok := exports[name]; !ok {
			compiled.Close(ctx)
			return nil, fmt.Errorf("%w: no %s export: build it with wasm/pdk", ErrABI, name)
		}
	}
	v := &version{m: pkg.Manifest, compiled: compiled, granted: granted,
		idle: make(chan *instance, h.lim.Instances), done: make(chan struct{})}
	inst, err := h.instantiate(ctx, v)
	if err != nil {
		compiled.Close(ctx)
		return nil, err
	}
	st := &callState{plugin: v.m.Name, granted: v.granted, limit: h.lim.HostCalls, deadline: time.Now().Add(startTimeout)}
	r, err := inst.mod.ExportedFunction(abi.ExportABI).Call(context.WithValue(ctx, stateKey{}, st))
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
	// The rest of the pool is made in the background: the version serves
	// with one instance at once, and calls that find every instance busy
	// wait the few milliseconds a Go module's runtime takes to start.
	for range h.lim.Instances - 1 {
		v.grow(h)
	}
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

// startTimeout bounds a module's initialisation and its ABI answer.
const startTimeout = 10 * time.Second

func (h *Host) instantiate(ctx context.Context, v *version) (*instance, error) {
	stderr := &head{}
	mc := wazero.NewModuleConfig().
		WithStderr(stderr).
		WithName("").                        // anonymous: many instances of one module
		WithStartFunctions().                // _initialize runs below, under a deadline
		WithSysWalltime().WithSysNanotime(). // the Go runtime needs clocks
		WithRandSource(rand.Reader)          // and randomness; no files, env or args
	mod, err := h.rt.InstantiateModule(ctx, v.compiled, mc)
	if err != nil {
		return nil, fmt.Errorf("%w: instantiate: %v", ErrTrap, err)
	}
	inst := &instance{mod: mod, alloc: mod.ExportedFunction(abi.ExportAlloc), call: mod.ExportedFunction(abi.ExportCall),
		stderr: stderr}
	if start := mod.ExportedFunction("_initialize"); start != nil { // Go's c-shared initialisation
		st := &callState{plugin: v.m.Name, granted: v.granted, limit: h.lim.HostCalls, deadline: time.Now().Add(startTimeout)}
		if _, err := start.Call(context.WithValue(ctx, stateKey{}, st)); err != nil {
			mod.Close(ctx)
			if st.timedOut {
				return nil, fmt.Errorf("%w: its initialisation ran past %s", ErrTimeout, startTimeout)
			}
			return nil, fmt.Errorf("%w: initialisation: %v: %s", ErrTrap, err, lastLine(stderr.String()))
		}
	}
	return inst, nil
}

// get takes an idle instance, waiting for one up to d or until ctx ends.
func (v *version) get(ctx context.Context, d time.Duration) (*instance, error) {
	select {
	case inst := <-v.idle:
		return inst, nil
	default:
	}
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
		v.idle <- inst
		return
	}
	inst.mod.Close(ctx)
	v.grow(h)
}

// grow makes an instance in the background and adds it to the pool.
func (v *version) grow(h *Host) {
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
func (v *version) close(ctx context.Context) {
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
	deadline       time.Time
	timedOut       bool
}

type stateKey struct{}

// Call runs op with input for tenant and returns the op's output.
func (p *Plugin) Call(ctx context.Context, tenant string, op uint32, input []byte) ([]byte, error) {
	h := p.h
	start := time.Now()
	v := p.current.Load()
	v.refs.Add(1)
	defer v.refs.Done()
	out, result, err := p.call(ctx, v, tenant, op, input)
	if result == "ok" {
		p.ok.Inc()
	} else {
		h.calls.WithLabelValues(p.name, result).Inc()
	}
	p.latency.Observe(time.Since(start).Seconds())
	return out, err
}

func (p *Plugin) call(ctx context.Context, v *version, tenant string, op uint32, input []byte) ([]byte, string, error) {
	h := p.h
	timeout := h.lim.Timeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	inst, err := v.get(ctx, timeout)
	if err != nil {
		return nil, "unavailable", fmt.Errorf("%w: no instance: %v", ErrTrap, err)
	}
	st := &callState{plugin: p.name, tenant: tenant, limit: h.lim.HostCalls, granted: v.granted, deadline: time.Now().Add(timeout)}
	cctx := context.WithValue(ctx, stateKey{}, st)
	healthy := false
	defer func() { v.put(ctx, h, inst, healthy) }()
	inst.stderr.Reset()

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
		if !inst.mod.Memory().Write(ptr, input) {
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
	raw, ok := inst.mod.Memory().Read(optr, olen)
	if !ok {
		return nil, "trap", fmt.Errorf("%w: its output at %d+%d is outside its memory", ErrTrap, optr, olen)
	}
	res, err := abi.DecodeResult(raw)
	if err != nil {
		return nil, "trap", fmt.Errorf("%w: %v", ErrTrap, err)
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
	m := inst.mod.Memory()
	return m != nil && uint64(m.Size()) >= uint64(mib)<<20-(4<<20)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
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
