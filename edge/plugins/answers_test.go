package plugins

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/host"
	"github.com/edgedesk/edgedesk/wasm/plugintest"
)

// misbehave is the test module (testdata/misbehave): it misbehaves as the
// request's language says.
const misbehave = "edge/plugins/testdata/misbehave"

// syncBuffer is a log destination the plugins' goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// openWith starts a manager with the misbehaving module installed as
// routing@1.0.0 and nlp@1.0.0 (granted the clock, to be slow with), and
// returns it with its metrics and log.
func openWith(t *testing.T) (*Manager, *prometheus.Registry, *syncBuffer) {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	reg := prometheus.NewRegistry()
	var log syncBuffer
	data := t.TempDir()
	ctx := context.Background()
	m, err := Open(ctx, Options{Dir: filepath.Join(data, "plugins"), CacheDir: cacheDir, Trusted: []ed25519.PublicKey{pub},
		// a deadline generous under -race: the slow calls stay well under it
		Limits: host.Limits{Timeout: 200 * time.Millisecond},
		Log:    slog.New(slog.NewTextHandler(&log, nil)), Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	for _, kind := range []string{abi.KindRouting, abi.KindNLP} {
		install(t, m, plugintest.Package(t, misbehave,
			host.Manifest{Name: kind, Version: "1.0.0", ABI: abi.Version, Kind: kind, Capabilities: []string{abi.CapClock}}, priv))
	}
	return m, reg, &log
}

func routeRequest(lang string) *abi.RouteRequest {
	return &abi.RouteRequest{Tenant: "demo", Conversation: "c1", Language: lang, Agents: []abi.AgentStatus{
		{ID: "agent-alice", Online: true, Languages: []string{"en"}, Load: 1, MaxChats: 4},
		{ID: "agent-bob", Online: true, Languages: []string{"en"}, Load: 2, MaxChats: 4},
	}}
}

// A plugin's answer that breaks the contract is the plugin's failure: Route
// and Analyze return ErrInvalidAnswer saying what was wrong (never the
// answer), edgedesk_plugin_invalid_answers_total counts it, and five in a
// row suspend the plugin.
func TestInvalidAnswersAreFailures(t *testing.T) {
	m, reg, log := openWith(t)
	ctx := context.Background()
	for _, c := range []struct{ lang, want string }{
		{"xu", "its decision: invalid answer: reason: not valid UTF-8 at byte 13"},
		{"xc", `its decision: invalid answer: reason: control character \x1b at byte 13`},
		{"xa", "it chose mallory, who is not an agent the request offered"},
		{"xl", "its decision: invalid answer: reason: 5000 bytes, at most 4096"},
	} {
		d, by, err := m.Route(ctx, routeRequest(c.lang))
		if !errors.Is(err, ErrInvalidAnswer) || !strings.HasSuffix(err.Error(), c.want) || d != (abi.RouteDecision{}) || by != "routing@1.0.0" {
			t.Fatalf("%s: Route = %+v, %s, %v; want ErrInvalidAnswer ending %q", c.lang, d, by, err, c.want)
		}
	}
	if d, _, err := m.Route(ctx, routeRequest("en")); err != nil || d.Agent != "agent-alice" || d.Reason != "least loaded speaking en" {
		t.Fatalf("a good answer after four invalid ones: %+v, %v", d, err)
	}
	long := strings.Repeat("ab ", 40)
	for _, c := range []struct{ lang, want string }{
		{"xu", `its analysis: invalid answer: intent: not valid UTF-8 at byte 6`},
		{"xp", "its analysis: invalid answer: pii 0: span 0-121 outside the message's 120 bytes"},
	} {
		a, by, err := m.Analyze(ctx, &abi.AnalyzeRequest{Tenant: "demo", Text: long, Language: c.lang})
		if !errors.Is(err, ErrInvalidAnswer) || !strings.HasSuffix(err.Error(), c.want) || a != nil || by != "nlp@1.0.0" {
			t.Fatalf("%s: Analyze = %+v, %s, %v; want ErrInvalidAnswer ending %q", c.lang, a, by, err, c.want)
		}
	}
	if a, _, err := m.Analyze(ctx, &abi.AnalyzeRequest{Tenant: "demo", Text: long}); err != nil || a.Language != "en" {
		t.Fatalf("a good analysis: %+v, %v", a, err)
	}
	for _, c := range []struct {
		plugin string
		want   float64
	}{{"routing", 4}, {"nlp", 2}} {
		if got := testutil.ToFloat64(m.invalid.WithLabelValues(c.plugin)); got != c.want {
			t.Fatalf("edgedesk_plugin_invalid_answers_total{plugin=%q} = %v, want %v", c.plugin, got, c.want)
		}
	}
	if n, err := testutil.GatherAndCount(reg, "edgedesk_plugin_invalid_answers_total"); err != nil || n != 2 {
		t.Fatalf("edgedesk_plugin_invalid_answers_total is not registered: %d series, %v", n, err)
	}
	// five in a row suspend it, like traps
	for range breakerFailures {
		if _, _, err := m.Route(ctx, routeRequest("xu")); !errors.Is(err, ErrInvalidAnswer) {
			t.Fatalf("Route: %v", err)
		}
	}
	_, _, err := m.Route(ctx, routeRequest("en"))
	if !errors.Is(err, ErrSuspended) || !errors.Is(err, ErrInvalidAnswer) || !errors.Is(err, abi.ErrInvalid) {
		t.Fatalf("after %d invalid answers in a row: %v", breakerFailures, err)
	}
	if got := testutil.ToFloat64(m.suspensions.WithLabelValues("routing", "failures")); got != 1 {
		t.Fatalf("edgedesk_plugin_suspensions_total{plugin=routing,reason=failures} = %v", got)
	}
	if !strings.Contains(log.String(), "plugin suspended: it failed calls in a row") {
		t.Fatalf("no log line says the plugin is suspended:\n%s", log)
	}
}

// A plugin slower than its kind's budget, each call well under its
// deadline, is suspended once the window has judged it (50 calls, all
// over 10 ms); its calls then fail at once with ErrSuspended wrapping
// host.ErrSlow, and a metric and one log line say so.
func TestSlowPluginIsSuspended(t *testing.T) {
	m, reg, log := openWith(t)
	ctx := context.Background()
	bud := DefaultBudget(abi.KindRouting)
	start := time.Now()
	var slowest time.Duration
	calls := 0
	for ; calls < 3*bud.MinCalls; calls++ {
		t0 := time.Now()
		d, _, err := m.Route(ctx, routeRequest("xs"))
		took := time.Since(t0)
		if errors.Is(err, ErrSuspended) {
			if !errors.Is(err, host.ErrSlow) {
				t.Fatalf("call %d: %v; want ErrSlow", calls, err)
			}
			break
		}
		if err != nil || d.Agent != "agent-alice" {
			t.Fatalf("call %d: %+v, %v; a slow plugin still answers", calls, d, err)
		}
		if took < 20*time.Millisecond {
			t.Fatalf("call %d took %s: the plugin is not slow", calls, took)
		}
		slowest = max(slowest, took)
	}
	suspendedAfter := time.Since(start)
	if calls != bud.MinCalls {
		t.Fatalf("suspended after %d calls, want %d (the window's least)", calls, bud.MinCalls)
	}
	t.Logf("suspended after %d calls, %s; the slowest took %s, its deadline is 200ms", calls, suspendedAfter.Round(time.Millisecond), slowest.Round(time.Millisecond))
	// while it rests, calls fail at once: the caller's built-in rule serves
	var rest []time.Duration
	for range 100 {
		t0 := time.Now()
		if _, _, err := m.Route(ctx, routeRequest("en")); !errors.Is(err, ErrSuspended) {
			t.Fatalf("a call while it rests: %v", err)
		}
		rest = append(rest, time.Since(t0))
	}
	slices.Sort(rest)
	t.Logf("100 calls while it rests: p50 %s, max %s", rest[50], rest[99])
	if rest[50] > time.Millisecond {
		t.Fatalf("calls to the suspended plugin take %s (p50)", rest[50])
	}
	if got := testutil.ToFloat64(m.suspensions.WithLabelValues("routing", "slow")); got != 1 {
		t.Fatalf("edgedesk_plugin_suspensions_total{plugin=routing,reason=slow} = %v, want 1", got)
	}
	if n, err := testutil.GatherAndCount(reg, "edgedesk_plugin_suspensions_total"); err != nil || n != 1 {
		t.Fatalf("edgedesk_plugin_suspensions_total: %d series, %v", n, err)
	}
	if got := strings.Count(log.String(), "plugin suspended: its calls are over its kind's latency budget"); got != 1 {
		t.Fatalf("%d log lines say the plugin is slow, want 1:\n%s", got, log)
	}
	if !strings.Contains(log.String(), `plugin=routing kind=routing budget="p90 10ms"`) {
		t.Fatalf("the log line does not say which plugin and budget:\n%s", log)
	}
	// the NLP plugin, fast, was not touched
	if a, _, err := m.Analyze(ctx, &abi.AnalyzeRequest{Tenant: "demo", Text: "hello"}); err != nil || a.Language != "en" {
		t.Fatalf("the NLP plugin: %+v, %v", a, err)
	}
}
