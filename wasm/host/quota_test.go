package host_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
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

// greedy is the plugin of the quota tests (testdata/greedy): one module
// that logs, counts or stores as much as the request says.
const greedy = "wasm/host/testdata/greedy"

// edgeLog keeps what the host writes to the edge's log: the lines plugins
// wrote (their bytes) and every other record.
type edgeLog struct {
	mu          sync.Mutex
	pluginLines int
	pluginBytes int
	other       []string // "LEVEL message quota=…"
}

func (l *edgeLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *edgeLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *edgeLog) WithGroup(string) slog.Handler            { return l }
func (l *edgeLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.Message == "plugin says" {
		l.pluginLines++
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "msg" {
				l.pluginBytes += len(a.Value.String())
			}
			return true
		})
		return nil
	}
	line := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "quota" {
			line += " quota=" + a.Value.String()
		}
		return true
	})
	l.other = append(l.other, line)
	return nil
}

// warnings are the log's records about quota q.
func (l *edgeLog) warnings(q string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.other {
		if strings.HasSuffix(s, " quota="+q) {
			out = append(out, s)
		}
	}
	return out
}

func quotaHost(t *testing.T, kv host.KV) (*host.Host, *prometheus.Registry, *edgeLog) {
	t.Helper()
	reg := prometheus.NewRegistry()
	log := &edgeLog{}
	// a deadline far above what a call of this plugin takes under -race on
	// a loaded machine: only a quota may stop one
	h, err := host.New(context.Background(), host.Options{CacheDir: cacheDir, Metrics: reg, Log: slog.New(log), KV: kv,
		Limits: host.Limits{Timeout: 10 * time.Second, HostCalls: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h, reg, log
}

func loadGreedy(t *testing.T, h *host.Host, m host.Manifest) *host.Plugin {
	t.Helper()
	dir := t.TempDir()
	if err := host.WritePackage(dir, m, plugintest.Build(t, greedy), priv); err != nil {
		t.Fatal(err)
	}
	pk, err := host.LoadPackage(dir, []ed25519.PublicKey{pub})
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.Load(context.Background(), pk)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// greedyManifest grants what the greedy plugin imports.
func greedyManifest(name string) host.Manifest {
	return manifest(name, abi.CapLog, abi.CapMetrics, abi.CapKV)
}

// ask calls the greedy plugin: what it does, with args as the request's
// skills; it returns the decision's reason.
func ask(p *host.Plugin, tenant, what string, args ...string) (string, error) {
	req := abi.RouteRequest{Tenant: tenant, Conversation: what, Skills: args, Agents: []abi.AgentStatus{{ID: "ann", Online: true}}}
	out, err := p.Call(context.Background(), tenant, abi.OpRoute, req.Append(nil))
	if err != nil {
		return "", err
	}
	var d abi.RouteDecision
	if err := cbor.Unmarshal(out, &d); err != nil {
		return "", err
	}
	return d.Reason, nil
}

func counter(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	return testutil.ToFloat64(mustVec(t, reg, name, labels...))
}

// series counts the series of metric name whose label plugin is plugin.
func series(t *testing.T, reg *prometheus.Registry, name, plugin string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "plugin" && l.GetValue() == plugin {
					n++
				}
			}
		}
	}
	return n
}

// A plugin writing 400 lines of 4 KiB in a call (1.6 MiB: an outside
// probe wrote 263 MiB of edge log in 16 s this way) gets LogBytes into
// the edge's log, then its call fails with ErrQuota; the edge's log says
// so once, however many lines are dropped.
func TestLogQuota(t *testing.T) {
	h, reg, log := quotaHost(t, nil)
	p := loadGreedy(t, h, greedyManifest("chatty"))
	if r, err := ask(p, "demo", "hello"); err != nil || r != "behaved" {
		t.Fatalf("one line: %q, %v", r, err)
	}
	for i := range 3 {
		_, err := ask(p, "demo", "log")
		if !errors.Is(err, host.ErrQuota) || !strings.Contains(err.Error(), "log") {
			t.Fatalf("call %d writing 1.6 MiB of log: %v, want ErrQuota", i+1, err)
		}
	}
	log.mu.Lock()
	lines, bytes := log.pluginLines, log.pluginBytes
	log.mu.Unlock()
	if cost := bytes + host.LogLineCost*lines; cost > host.LogBytes {
		t.Errorf("the plugin wrote %d lines, %d bytes (%d with their cost) to the edge's log; its quota is %d per %s",
			lines, bytes, cost, host.LogBytes, host.QuotaWindow)
	}
	if least := host.LogBytes / (host.MaxLogLine + host.LogLineCost); lines < least {
		t.Errorf("the plugin wrote %d lines; its quota takes %d of 4 KiB", lines, least)
	}
	if w := log.warnings(host.QuotaLog); len(w) != 1 {
		t.Errorf("the edge's log says %d times that the plugin is over its log quota (%q), want once", len(w), w)
	}
	if got := counter(t, reg, "edgedesk_plugin_calls_total", "chatty", "quota"); got != 3 {
		t.Errorf("calls failed by a quota counted %v, want 3", got)
	}
	if got := counter(t, reg, "edgedesk_plugin_quota_exceeded_total", "chatty", host.QuotaLog); got != 3 {
		t.Errorf("refused log lines counted %v, want 3 (the call ends at the first)", got)
	}
}

// A plugin that declares no counter names gets MetricNamesUndeclared of
// them (an outside probe made 654,473 series in 30 s with a new name per
// call); one that declares them gets those alone. A name past either
// fails the call with ErrQuota, and the series stay bounded.
func TestMetricQuota(t *testing.T) {
	h, reg, log := quotaHost(t, nil)
	const metric = "edgedesk_plugin_metric_total"

	t.Run("undeclared", func(t *testing.T) {
		p := loadGreedy(t, h, greedyManifest("counting"))
		names := make([]string, 100)
		for i := range names {
			names[i] = "n" + strconv.Itoa(i)
		}
		for range 2 {
			if _, err := ask(p, "demo", "metrics", names...); !errors.Is(err, host.ErrQuota) || !strings.Contains(err.Error(), `"n16"`) {
				t.Fatalf("100 counter names: %v, want ErrQuota at n16", err)
			}
		}
		if got := series(t, reg, metric, "counting"); got != host.MetricNamesUndeclared {
			t.Fatalf("%d series, want %d", got, host.MetricNamesUndeclared)
		}
		// the names it has keep counting
		if _, err := ask(p, "demo", "metrics", "n0", "n15", "n0"); err != nil {
			t.Fatalf("names it used before: %v", err)
		}
		// the labels as Prometheus orders them: name, plugin
		if got := counter(t, reg, metric, "n0", "counting"); got != 4 {
			t.Fatalf("n0 = %v, want 4 (once in each call)", got)
		}
		if got := counter(t, reg, "edgedesk_plugin_quota_exceeded_total", "counting", host.QuotaMetrics); got != 2 {
			t.Fatalf("refused names counted %v, want 2", got)
		}
	})
	t.Run("declared", func(t *testing.T) {
		m := greedyManifest("declaring")
		m.Metrics = []string{"routed_vip", "routed_other"}
		p := loadGreedy(t, h, m)
		if _, err := ask(p, "demo", "metrics", "routed_vip", "routed_vip", "routed_other"); err != nil {
			t.Fatalf("declared names: %v", err)
		}
		_, err := ask(p, "demo", "metrics", "routed_vip", "routed-vip")
		if !errors.Is(err, host.ErrQuota) || !strings.Contains(err.Error(), `"routed-vip"`) {
			t.Fatalf("a name it did not declare: %v, want ErrQuota", err)
		}
		if got := series(t, reg, metric, "declaring"); got != 2 {
			t.Fatalf("%d series, want the 2 declared", got)
		}
		if got := counter(t, reg, metric, "routed_vip", "declaring"); got != 3 {
			t.Fatalf("routed_vip = %v, want 3", got)
		}
	})
	if w := log.warnings(host.QuotaMetrics); len(w) != 2 {
		t.Errorf("the edge's log says %d times that a plugin is over its metrics quota (%q), want once per plugin", len(w), w)
	}
}

// A tenant's store takes MaxKVBytes; past it a write answers −1 and the
// plugin goes on (a full store is a state the plugin must live with, not
// an act to stop). A plugin writing more than KVWriteBytes per window
// (the store's disk work) fails its call with ErrQuota.
func TestKVQuota(t *testing.T) {
	kv := host.NewMemoryKV()
	h, reg, log := quotaHost(t, kv)

	p := loadGreedy(t, h, greedyManifest("filler"))
	for i, want := range []string{"63", "0"} { // 63 entries of 64 KiB and a key of 2-3 bytes, then none
		got, err := ask(p, "demo", "kvfill", []string{"k", "more"}[i])
		if err != nil || got != want {
			t.Fatalf("fill %d: stored %q, %v; want %s writes taken, then -1", i+1, got, err, want)
		}
	}
	if _, ok, _ := kv.Get("filler", "demo", "k62"); !ok {
		t.Fatal("k62 is not stored")
	}
	if _, ok, _ := kv.Get("filler", "demo", "k63"); ok {
		t.Fatal("k63 is stored past the quota")
	}
	if got := counter(t, reg, "edgedesk_plugin_quota_exceeded_total", "filler", host.QuotaKVFull); got != 2 {
		t.Fatalf("writes refused by a full store counted %v, want 2", got)
	}
	if w := log.warnings(host.QuotaKVFull); len(w) != 1 {
		t.Fatalf("the edge's log says %d times that the store is full (%q), want once", len(w), w)
	}

	churn := loadGreedy(t, h, greedyManifest("churner"))
	_, err := ask(churn, "demo", "kvchurn") // 200 × 64 KiB over one key
	if !errors.Is(err, host.ErrQuota) || !strings.Contains(err.Error(), "kv") {
		t.Fatalf("12.5 MiB written to one key: %v, want ErrQuota", err)
	}
	if got := counter(t, reg, "edgedesk_plugin_quota_exceeded_total", "churner", host.QuotaKVWrite); got != 1 {
		t.Fatalf("refused writes counted %v, want 1", got)
	}
	if got := counter(t, reg, "edgedesk_plugin_calls_total", "churner", "quota"); got != 1 {
		t.Fatalf("calls failed by a quota counted %v, want 1", got)
	}
}

// The store in memory (a host on its own, or an edge whose store does
// not open) holds MaxKVBytes per scope and MemoryKVMax in all.
func TestMemoryKVLimits(t *testing.T) {
	kv := host.NewMemoryKV()
	v := make([]byte, host.MaxKVValue)
	stored := 0
	for tenant := 0; ; tenant++ {
		n := 0
		for ; ; n++ {
			err := kv.Set("p", fmt.Sprint("t", tenant), strconv.Itoa(n), v)
			if errors.Is(err, host.ErrKVFull) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			stored += host.MaxKVValue
		}
		if n*host.MaxKVValue > host.MaxKVBytes {
			t.Fatalf("tenant %d stored %d values of 64 KiB; the quota is %d bytes", tenant, n, host.MaxKVBytes)
		}
		if n < host.MaxKVBytes/host.MaxKVValue-1 {
			break // the whole store is full
		}
	}
	if stored > host.MemoryKVMax {
		t.Fatalf("the store in memory took %d bytes; its limit is %d", stored, host.MemoryKVMax)
	}
	// a write that does not grow a full scope is taken
	if err := kv.Set("p", "t0", "0", []byte("small")); err != nil {
		t.Fatalf("shrinking a value in a full store: %v", err)
	}
	if err := kv.Set("p", "t0", "0", v); err != nil {
		t.Fatalf("growing it back to what it was: %v", err)
	}
}
