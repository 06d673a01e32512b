package host

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A quota's window ends: a plugin that was over its log or write quota
// writes again in the next window, and the edge's log says it once per
// window; a write the store refused gives its bytes back.
func TestQuotaWindows(t *testing.T) {
	q := newQuotas(slog.New(slog.DiscardHandler), Limits{}.withDefaults())
	now := time.Unix(1000, 0)
	q.now = func() time.Time { return now }

	line := MaxLogLine
	n := 0
	for ; q.logLine("p", "acme", line) == nil; n++ {
	}
	if want := LogBytes / (line + LogLineCost); n != want {
		t.Fatalf("%d lines of 4 KiB in a window, want %d", n, want)
	}
	empty := 0 // empty lines cost LogLineCost
	for ; q.logLine("p", "acme", 0) == nil; empty++ {
	}
	if want := (LogBytes - n*(line+LogLineCost)) / LogLineCost; empty != want {
		t.Fatalf("%d empty lines fill the rest of the window, want %d", empty, want)
	}
	if err := q.logLine("other", "acme", line); err != nil {
		t.Fatalf("another plugin's quota is its own: %v", err)
	}
	now = now.Add(QuotaWindow - time.Millisecond)
	if err := q.logLine("p", "acme", 0); !errors.Is(err, ErrQuota) {
		t.Fatalf("before the window ends: %v, want ErrQuota", err)
	}
	now = now.Add(time.Millisecond)
	if err := q.logLine("p", "acme", line); err != nil {
		t.Fatalf("in the next window: %v", err)
	}

	if err := q.kvReserve("p", "acme", KVWriteBytes); err != nil {
		t.Fatal(err)
	}
	if err := q.kvReserve("p", "globex", 1); !errors.Is(err, ErrQuota) {
		t.Fatalf("a write past the window's bytes, in another tenant: %v, want ErrQuota", err)
	}
	q.kvRefund("p", 100)
	if err := q.kvReserve("p", "acme", 100); err != nil {
		t.Fatalf("a write the size of one the store refused: %v", err)
	}

	for _, c := range []struct{ quota string }{{QuotaLog}, {QuotaKVWrite}} {
		if got := testutil.ToFloat64(q.exceeded.WithLabelValues("p", c.quota)); got < 1 {
			t.Errorf("%s: refusals counted %v", c.quota, got)
		}
	}
	if len(q.plugins) != 2 {
		t.Errorf("%d plugins kept, want 2", len(q.plugins))
	}
}

// Without a declaration a plugin has MetricNamesUndeclared names, the
// first it uses, across windows.
func TestMetricNamesUndeclared(t *testing.T) {
	q := newQuotas(slog.New(slog.DiscardHandler), Limits{}.withDefaults())
	now := time.Unix(1000, 0)
	q.now = func() time.Time { return now }
	for i := range MetricNamesUndeclared {
		if err := q.metricName("p", "acme", string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(time.Hour)
	if err := q.metricName("p", "acme", "new"); !errors.Is(err, ErrQuota) {
		t.Fatalf("name %d after a window: %v, want ErrQuota", MetricNamesUndeclared+1, err)
	}
	if err := q.metricName("p", "acme", "a"); err != nil {
		t.Fatalf("a name it has: %v", err)
	}
	if got := len(q.plugins["p"].names); got != MetricNamesUndeclared {
		t.Fatalf("%d names kept", got)
	}
}
