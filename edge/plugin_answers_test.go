package edge_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// misbehaving is the test plugin that misbehaves as the request's
// language says (edge/plugins/testdata/misbehave): "xu" answers a reason
// that is not UTF-8, "xs" spins 25 ms first.
const misbehaving = "edge/plugins/testdata/misbehave"

// everyEntryDecodes reads the node's whole event log and requires every
// entry to be signed and to decode: nothing the projector would skip.
func everyEntryDecodes(t *testing.T, e *edgetest.Edge) int {
	t.Helper()
	var bad []string
	n := 0
	readLog(t, e, func(_ uint64, data []byte) {
		n++
		if data == nil {
			bad = append(bad, "unsigned entry")
		} else if _, err := e.Journal().Codec().Decode(data); err != nil {
			bad = append(bad, err.Error())
		}
	})
	if len(bad) > 0 {
		t.Fatalf("%d of %d log entries do not decode: %v", len(bad), n, bad)
	}
	return n
}

// readLog hands fn every entry of the node's event log up to its last
// now, in order (data nil for an entry the region did not sign).
func readLog(t *testing.T, e *edgetest.Edge, fn func(seq uint64, data []byte)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	last, err := e.Bus().LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	go func() {
		_ = e.Bus().Read(rctx, 1, func(seq uint64, data []byte) {
			if seq > last {
				return
			}
			fn(seq, data)
			if seq == last {
				close(done)
			}
		})
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("the log was not read to %d", last)
	}
}

// TestRoutingPluginAnsweringInvalidUTF8: a routing plugin that answers a
// reason that is not UTF-8 no longer poisons the log. The conversation
// opens, assigned by the built-in rule, and says why in valid UTF-8; a
// retry finds it; every entry of the log decodes; the answer is counted as
// invalid and the assignment as a fallback.
func TestRoutingPluginAnsweringInvalidUTF8(t *testing.T) {
	e, key := pluginEdge(t)
	e.InstallPlugin(key, misbehaving, manifestOf("routing", "1.0.0-misbehave", abi.KindRouting, "clock"))
	alice := e.Agent("alice@demo.test", "")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cust := e.Visitor()
	ack, err := cust.Request(ctx, &gateway.InFrame{Type: gateway.TypeStart, ClientID: "c1", Lang: "xu"})
	if err != nil || ack.Type != gateway.OutAck || ack.Duplicate {
		t.Fatalf("start: %+v %v", ack, err)
	}
	// the customer's retry (its ack was lost, say) finds the same one
	again, err := cust.Request(ctx, &gateway.InFrame{Type: gateway.TypeStart, ClientID: "c1", Lang: "xu"})
	if err != nil || again.Type != gateway.OutAck || again.Conv != ack.Conv || !again.Duplicate || again.Seq != ack.Seq {
		t.Fatalf("retry: %+v %v; want the duplicate of %+v", again, err, ack)
	}
	c, err := e.Store().Conversation("demo", ack.Conv)
	if err != nil {
		t.Fatal(err)
	}
	want := "routing@1.0.0-misbehave failed: the plugin's answer is invalid: its decision: invalid answer: reason: not valid UTF-8 at byte 13"
	if c.Assignee != "agent-alice" || c.RoutedBy != "builtin" || !c.RouteFallback || c.RouteNote != want {
		t.Fatalf("the conversation: assignee %q, routed by %q, fallback %v, note %q; want the built-in rule's, noting %q",
			c.Assignee, c.RoutedBy, c.RouteFallback, c.RouteNote, want)
	}
	// the agent sees it, note and all
	out, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeConvs})
	if err != nil {
		t.Fatal(err)
	}
	list := out.Conversations
	if i := slices.IndexFunc(list, func(x protocol.Conversation) bool { return x.ID == ack.Conv }); i < 0 || list[i].RouteNote != want {
		t.Fatalf("the agent's list: %+v", list)
	}
	if n := everyEntryDecodes(t, e); n == 0 {
		t.Fatal("an empty log")
	}
	for name, want := range map[string]float64{
		`edgedesk_plugin_invalid_answers_total{plugin="routing"}`: 1,
		"edgedesk_routing_fallbacks_total":                        1,
		"edgedesk_events_malformed_total":                         0,
	} {
		if got := metric(t, e.Node, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if !utf8.ValidString(c.RouteNote) {
		t.Fatalf("the note is not UTF-8: %q", c.RouteNote)
	}
}

// TestSlowRoutingPluginIsSuspended: a routing plugin that spins 25 ms on
// every decision, under its deadline, holds up every new conversation of
// the tenant, which are routed one at a time. After the window (50 calls
// over the budget of 10 ms) it is suspended, and conversations open at
// once, assigned by the built-in rule, the note saying why.
func TestSlowRoutingPluginIsSuspended(t *testing.T) {
	e, key := pluginEdge(t)
	e.InstallPlugin(key, misbehaving, manifestOf("routing", "1.0.0-slow", abi.KindRouting, "clock"))
	alice := e.Agent("alice@demo.test", "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const during, after = 50, 20
	var took []time.Duration
	var convs []string
	start := time.Now()
	var suspendedAfter time.Duration
	for i := range during + after {
		cust := e.Visitor()
		t0 := time.Now()
		ack, err := cust.Request(ctx, &gateway.InFrame{Type: gateway.TypeStart, ClientID: "c1", Lang: "xs"})
		if err != nil || ack.Type != gateway.OutAck {
			t.Fatalf("start %d: %+v %v", i, ack, err)
		}
		took = append(took, time.Since(t0))
		convs = append(convs, ack.Conv)
		if i == during-1 {
			suspendedAfter = time.Since(start)
		}
		cust.Close()
	}
	for i, id := range convs {
		c, err := e.Store().Conversation("demo", id)
		if err != nil {
			t.Fatal(err)
		}
		if i < during {
			if c.RoutedBy != "routing@1.0.0-slow" || c.RouteFallback || c.Assignee != "agent-alice" {
				t.Fatalf("conversation %d, before the window judged the plugin: %+v", i, c)
			}
			continue
		}
		if c.RoutedBy != "builtin" || !c.RouteFallback || c.Assignee != "agent-alice" ||
			!strings.Contains(c.RouteNote, "suspended for a while: plugin too slow: the p90 of its last 50 calls is") {
			t.Fatalf("conversation %d, after the window: routed by %q, fallback %v, note %q", i, c.RoutedBy, c.RouteFallback, c.RouteNote)
		}
	}
	slowP50, fastP50 := median(took[:during]), median(took[during:])
	t.Logf("suspended after %d conversations, %s; start→ack p50 %s (max %s) while the plugin decided, %s (max %s) after",
		during, suspendedAfter.Round(time.Millisecond), slowP50.Round(100*time.Microsecond), slices.Max(took[:during]).Round(100*time.Microsecond),
		fastP50.Round(100*time.Microsecond), slices.Max(took[during:]).Round(100*time.Microsecond))
	if slowP50 < 25*time.Millisecond || fastP50+15*time.Millisecond > slowP50 {
		t.Fatalf("start→ack p50 %s while the plugin decided, %s after: want the plugin's 25 ms gone", slowP50, fastP50)
	}
	if got := metric(t, e.Node, `edgedesk_plugin_suspensions_total{plugin="routing",reason="slow"}`); got != 1 {
		t.Fatalf("suspensions for slowness: %v, want 1", got)
	}
	if got := metric(t, e.Node, "edgedesk_routing_fallbacks_total"); got != after {
		t.Fatalf("fallbacks: %v, want %d", got, after)
	}
	_ = alice
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
