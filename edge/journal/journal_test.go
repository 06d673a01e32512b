package journal_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/edge/journal"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

func message(conv, clientID string) *event.Event {
	return &event.Event{Kind: event.KindMessageCreated, Tenant: benchTenant,
		Actor:   event.Actor{Kind: event.ActorCustomer, ID: "cust"},
		Message: &event.Message{Conv: conv, ClientID: clientID, Text: "hi " + clientID}}
}

type outcome struct {
	seq uint64
	dup bool
	err error
}

// Completions of one goroutine's appends come in order, each after the
// state has applied its event.
func TestAppendAsyncCompletesInOrderAfterApply(t *testing.T) {
	r := newRig(t, bus.DurabilityProcess)
	const n = 300
	out := make(chan outcome, n)
	for i := 0; i < n; i++ {
		r.journal.AppendAsync(message(r.convs[i%4], "m"+string(rune('a'+i%26))+string(rune('a'+i/26))), func(seq uint64, dup bool, err error) {
			if err == nil && r.store.Applied() < seq {
				err = errors.New("completed before the state applied it")
			}
			out <- outcome{seq, dup, err}
		})
	}
	var last uint64
	for i := 0; i < n; i++ {
		select {
		case o := <-out:
			if o.err != nil || o.dup {
				t.Fatalf("append %d: %+v", i, o)
			}
			if o.seq <= last {
				t.Fatalf("append %d completed with seq %d after %d: out of order", i, o.seq, last)
			}
			last = o.seq
		case <-time.After(20 * time.Second):
			t.Fatalf("%d of %d appends completed", i, n)
		}
	}
}

// A repeat is reported with the original's sequence, whether JetStream
// drops it (same event id, inside the dedupe window) or the projector does
// (same client id under another event id, as after the window).
func TestRepeatsReportTheOriginalSequence(t *testing.T) {
	r := newRig(t, bus.DurabilityProcess)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	first := message(r.convs[0], "once")
	first.ID = "evt-once"
	seq, err := r.journal.Append(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, e *event.Event) {
		ch := make(chan outcome, 1)
		r.journal.AppendAsync(e, func(s uint64, dup bool, err error) { ch <- outcome{s, dup, err} })
		o := <-ch
		if o.err != nil || !o.dup || o.seq != seq {
			t.Fatalf("%s: %+v, want duplicate of seq %d", name, o, seq)
		}
	}
	same := message(r.convs[0], "once")
	same.ID = "evt-once"
	check("same event id", same)
	later := message(r.convs[0], "once")
	later.ID = "evt-once-retried-later"
	check("same client id, new event id", later)
	if got, err := r.store.ClientMessage(benchTenant, r.convs[0], "once"); err != nil || got != seq {
		t.Fatalf("stored seq %d (%v), want %d", got, err, seq)
	}
}

func TestAppendAfterTheProjectorStopsFails(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bs, err := bus.Start(ctx, bus.Options{Secrets: bus.Secrets{Current: []byte("test-region-secret-0123456789abcdef")}, Dir: filepath.Join(dir, "eventlog"), ServerName: "t", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	st, err := state.Open(filepath.Join(dir, "state"), state.Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	j := journal.New(bs, st, journal.Options{Origin: "t", Log: log, Linger: time.Millisecond})
	tenant := &event.Event{Kind: event.KindTenantUpserted, Tenant: "t1", Actor: event.Actor{Kind: event.ActorSystem},
		TenantInfo: &event.Tenant{ID: "t1"}}

	// no projector yet: an append waits, bounded by its context
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	if _, err := j.Append(short, tenant); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("append with no projector: %v, want the context's deadline", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- j.Run(runCtx) }()
	if err := j.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if st.Applied() == 0 {
		t.Fatal("the projector did not apply the earlier append")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	j.AppendAsync(tenant, func(_ uint64, _ bool, err error) { ch <- err })
	select {
	case err := <-ch:
		if !errors.Is(err, journal.ErrStopped) {
			t.Fatalf("append after stop: %v, want ErrStopped", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("append after the projector stopped never completed")
	}
}

// An event the log's decoder would refuse is not appended: the append
// fails with ErrRefused, saying which field is wrong, and the log and the
// state are as they were; the next good event is appended as usual.
func TestAppendRefusesAnEventTheLogCouldNotRead(t *testing.T) {
	r := newRig(t, bus.DurabilityProcess)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	last, err := r.bus.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	applied := r.store.Applied()
	bad := &event.Event{ID: "e-bad-note", Kind: event.KindConversationOpened, Tenant: benchTenant, Actor: event.Actor{Kind: event.ActorCustomer, ID: "cust"},
		Conversation: &event.ConvOpened{Conv: "conv-new", Inbox: "web", Contact: "cust", RoutedBy: "builtin", RouteFallback: true,
			RouteNote: "routing@1.0.0 failed: least loaded \xff\xfe"}}
	for range 2 { // a retry is refused the same way
		seq, err := r.journal.Append(ctx, bad)
		want := "event refused: the log could not read it back; nothing was appended: conversation.opened event e-bad-note: " +
			"field Conversation.RouteNote (key 24.7): text that is not valid UTF-8 at its byte 35"
		if !errors.Is(err, journal.ErrRefused) || seq != 0 || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("Append = %d, %v; want ErrRefused: %q", seq, err, want)
		}
	}
	if now, err := r.bus.LastSeq(ctx); err != nil || now != last {
		t.Fatalf("the log's last sequence went from %d to %d (%v)", last, now, err)
	}
	if r.store.Applied() != applied {
		t.Fatalf("the state applied %d, was %d", r.store.Applied(), applied)
	}
	if _, err := r.store.Conversation(benchTenant, "conv-new"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("the refused conversation exists: %v", err)
	}
	good := *bad
	good.Conversation = &event.ConvOpened{Conv: "conv-new", Inbox: "web", Contact: "cust", RoutedBy: "builtin", RouteNote: "least loaded"}
	seq, err := r.journal.Append(ctx, &good)
	if err != nil || seq != last+1 {
		t.Fatalf("the next good append: %d, %v; want sequence %d", seq, err, last+1)
	}
	if c, err := r.store.Conversation(benchTenant, "conv-new"); err != nil || c.RouteNote != "least loaded" {
		t.Fatalf("the good event's conversation: %+v, %v", c, err)
	}
}
