package host

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Quotas bound what a plugin leaves behind on the edge through its host
// functions, across its calls, instances, versions and tenants: the
// per-call limits (Limits) cannot, since a plugin well inside them on
// every call can still fill the edge's log, its metrics or its disk over
// many calls. An outside probe wrote 263 MiB of log in 16 s, and made
// 654,473 metric series in 30 s, each call under its deadline.
//
// A quota exceeded by an act the plugin chose (one more log line, one more
// metric name, one more write) fails the call with ErrQuota: the host
// function refuses, the call ends, and the edge suspends the plugin
// (edge/plugins). A full key-value store is a state, not an act: its
// writes answer −1, as the capability always said they may.
const (
	// QuotaWindow is the window of the log quota and the key-value write
	// quota, per plugin.
	QuotaWindow = 10 * time.Second
	// LogBytes is what a plugin may write to the edge's log per QuotaWindow:
	// each line's bytes (at most MaxLogLine; a longer line is cut) plus
	// LogLineCost.
	LogBytes = 64 << 10
	// MaxLogLine is the longest log line a plugin writes; the rest of a
	// longer one is cut.
	MaxLogLine = 4096
	// LogLineCost is what a line costs on top of its bytes: what the edge
	// writes around it (time, level, plugin, tenant), so that empty lines
	// are not free.
	LogLineCost = 128

	// MetricNamesUndeclared is how many counter names a plugin whose
	// manifest declares none may use (the first it adds to).
	MetricNamesUndeclared = 16
	// MaxMetricNames is how many counter names a manifest may declare
	// (Manifest.Metrics).
	MaxMetricNames = 64
	// MaxMetricName is the longest counter name a manifest declares; a
	// plugin that declares none has its names cut to 64 bytes, and
	// characters other than letters, digits and '_' replaced by '_'.
	MaxMetricName = 63

	// KVWriteBytes is what a plugin may write to its key-value store per
	// QuotaWindow, over all tenants: keys and values of the writes the store
	// took. The store's size is bounded by MaxKVEntries and MaxKVBytes,
	// this bounds the disk's work.
	KVWriteBytes = 8 << 20
)

// The memory quota: what a plugin's instances together may grow their
// memory by per QuotaWindow is what they may hold at once, Limits.Instances
// times Limits.MemoryMiB (256 MiB by default). Growth is counted from an
// instance's first size (its module's declared minimum), through its
// initialisation and calls. A plugin that holds steady grows once, as its
// instances warm up; one that leaks or allocates anew on every call grows
// its instances to their cap, dies, and grows the next ones: churn whose
// cost is page faults and instances made again. Exceeding it fails the
// growth (memory.grow answers -1) and the call, with ErrQuota.

// Quota names: the label quota of edgedesk_plugin_quota_exceeded_total.
const (
	QuotaLog     = "log"      // LogBytes per QuotaWindow; the call fails
	QuotaMetrics = "metrics"  // a name not declared, or past MetricNamesUndeclared; the call fails
	QuotaKVWrite = "kv_write" // KVWriteBytes per QuotaWindow; the call fails
	QuotaKVFull  = "kv_full"  // MaxKVEntries or MaxKVBytes of a tenant's store; the write answers −1
	QuotaMemory  = "memory"   // memory growth past Instances × MemoryMiB per QuotaWindow; the call fails
)

// metricGrant prefixes the metric names a manifest declares in the map of
// what its version grants (callState.granted), next to the host functions
// of its capabilities: no host function's name has a ':'. The prefix
// alone says that the manifest declares its names.
const metricGrant = "metric:"

// grantMetrics adds the metric names a manifest declares to granted.
func grantMetrics(granted map[string]bool, names []string) {
	if len(names) == 0 {
		return
	}
	granted[metricGrant] = true
	for _, n := range names {
		granted[metricGrant+n] = true
	}
}

// quotas keeps each plugin's use of its quotas (by plugin name, so that
// instances, versions and tenants share them). It holds one small entry
// per plugin the host has run, as many as the plugins installed.
type quotas struct {
	log      *slog.Logger
	exceeded *prometheus.CounterVec // edgedesk_plugin_quota_exceeded_total{plugin,quota}
	growth   uint64                 // memory growth per window and plugin: Instances × MemoryMiB
	now      func() time.Time

	mu      sync.Mutex
	plugins map[string]*pluginQuota
}

type pluginQuota struct {
	window  time.Time // the current window's start
	logUsed int       // bytes of log in the window
	kvUsed  int       // bytes written to the store in the window
	grown   uint64    // bytes of memory its instances grew by in the window
	warned  map[string]bool
	names   map[string]struct{} // counter names used, without a declaration: at most MetricNamesUndeclared
}

func newQuotas(log *slog.Logger, lim Limits) *quotas {
	return &quotas{log: log, now: time.Now, plugins: map[string]*pluginQuota{},
		growth: uint64(lim.Instances) * uint64(lim.MemoryMiB) << 20,
		exceeded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_plugin_quota_exceeded_total",
			Help: "Host-function calls a plugin's quota refused, by quota (log, metrics, kv_write, memory: the call failed; kv_full: the write answered -1)."},
			[]string{"plugin", "quota"})}
}

// of returns plugin's entry, its window moved on if it ended; q.mu held.
func (q *quotas) of(plugin string) *pluginQuota {
	p := q.plugins[plugin]
	if p == nil {
		p = &pluginQuota{warned: map[string]bool{}}
		q.plugins[plugin] = p
	}
	if now := q.now(); now.Sub(p.window) >= QuotaWindow {
		p.window, p.logUsed, p.kvUsed, p.grown = now, 0, 0, 0
		clear(p.warned)
	}
	return p
}

// over counts a refusal and says so in the edge's log once per window,
// plugin and quota; q.mu held.
func (q *quotas) over(p *pluginQuota, plugin, tenant, quota, msg string, args ...any) {
	q.exceeded.WithLabelValues(plugin, quota).Inc()
	if p.warned[quota] {
		return
	}
	p.warned[quota] = true
	q.log.Warn(msg, append([]any{"plugin", plugin, "tenant", tenant, "quota", quota}, args...)...)
}

// logLine charges a line of n bytes, or returns ErrQuota.
func (q *quotas) logLine(plugin, tenant string, n int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := q.of(plugin)
	cost := n + LogLineCost
	if p.logUsed+cost > LogBytes {
		q.over(p, plugin, tenant, QuotaLog,
			"plugin exceeded its log quota: its lines are dropped and its calls fail until the window ends; the edge suspends it (this is said once per window)",
			"limit_bytes", LogBytes, "window", QuotaWindow)
		return fmt.Errorf("%w: log: more than %d bytes in %s (lines cost their bytes plus %d): log less, or only what an operator needs",
			ErrQuota, LogBytes, QuotaWindow, LogLineCost)
	}
	p.logUsed += cost
	return nil
}

// metricName admits a counter name of a plugin whose manifest declares
// none, or returns ErrQuota.
func (q *quotas) metricName(plugin, tenant, name string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := q.of(plugin)
	if _, ok := p.names[name]; ok {
		return nil
	}
	if len(p.names) >= MetricNamesUndeclared {
		q.over(p, plugin, tenant, QuotaMetrics,
			"plugin used more counter names than a plugin that declares none may: the counter is refused and the call fails; the edge suspends it",
			"name", name, "limit", MetricNamesUndeclared)
		return fmt.Errorf("%w: metrics: counter %q would be name %d; a plugin that declares none may use %d: declare them in the manifest's \"metrics\" (at most %d)",
			ErrQuota, name, MetricNamesUndeclared+1, MetricNamesUndeclared, MaxMetricNames)
	}
	if p.names == nil {
		p.names = map[string]struct{}{}
	}
	p.names[name] = struct{}{}
	return nil
}

// undeclared refuses a counter name the manifest does not declare.
func (q *quotas) undeclared(plugin, tenant, name string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.over(q.of(plugin), plugin, tenant, QuotaMetrics,
		"plugin used a counter name its manifest does not declare: the counter is refused and the call fails; the edge suspends it",
		"name", name)
	return fmt.Errorf("%w: metrics: counter %q is not in the manifest's \"metrics\": declare it", ErrQuota, truncate(name, MaxMetricName+1))
}

// kvReserve charges a write of n bytes before it is made, or returns
// ErrQuota; kvRefund gives them back when the store did not take it.
func (q *quotas) kvReserve(plugin, tenant string, n int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := q.of(plugin)
	if p.kvUsed+n > KVWriteBytes {
		q.over(p, plugin, tenant, QuotaKVWrite,
			"plugin wrote more to its key-value store than its quota allows: the write is refused and the call fails; the edge suspends it",
			"limit_bytes", KVWriteBytes, "window", QuotaWindow)
		return fmt.Errorf("%w: kv: more than %d bytes written in %s: write only what changed", ErrQuota, KVWriteBytes, QuotaWindow)
	}
	p.kvUsed += n
	return nil
}

func (q *quotas) kvRefund(plugin string, n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := q.of(plugin)
	p.kvUsed = max(0, p.kvUsed-n)
}

// memoryGrowth charges n bytes of memory growth, or returns ErrQuota.
func (q *quotas) memoryGrowth(plugin string, n uint64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := q.of(plugin)
	if p.grown+n > q.growth {
		q.over(p, plugin, "", QuotaMemory,
			"plugin's instances grew their memory by more than its quota allows: the growth is refused and the call fails; the edge suspends it",
			"limit_mib", q.growth>>20, "window", QuotaWindow)
		return fmt.Errorf("%w: memory: its instances grew by more than %d MiB in %s (what they may hold at once): a plugin that leaks, or allocates anew on every call, dies at its cap again and again; keep buffers between calls",
			ErrQuota, q.growth>>20, QuotaWindow)
	}
	p.grown += n
	return nil
}

// kvFull counts a write a full store refused.
func (q *quotas) kvFull(plugin, tenant string, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.over(q.of(plugin), plugin, tenant, QuotaKVFull,
		"plugin's key-value store for a tenant is full: writes of new data answer -1 (the plugin keeps running)",
		"err", err, "max_entries", MaxKVEntries, "max_bytes", MaxKVBytes)
}

// storeError says in the edge's log that the key-value store failed a
// plugin's read or write, once per window, plugin and op: a failing disk
// must not turn every call's writes into lines of log.
func (q *quotas) storeError(plugin, tenant, op string, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := q.of(plugin)
	if p.warned[op] {
		return
	}
	p.warned[op] = true
	q.log.Error("plugin key-value store: "+op+" failed (said once per plugin in "+QuotaWindow.String()+"); the plugin hears -1",
		"plugin", plugin, "tenant", tenant, "err", err)
}

// refuse ends the call a host function serves with err (ErrQuota): the
// host function panics, which wazero turns into an error of the call, and
// Plugin.failure returns err.
func (st *callState) refuse(err error) {
	st.quota = err
	panic(err)
}
