package state_test

import (
	"log/slog"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

func mailOpened(conv string) *event.Event {
	e := opened(conv, "a1")
	e.Conversation.Channel = "email"
	return e
}

func delivery(conv string, ref uint64, status string, attempts int, next int64) *event.Event {
	return &event.Event{Kind: event.KindEmailDelivery, Actor: event.Actor{Kind: event.ActorSystem},
		Delivery: &event.Delivery{Conv: conv, Ref: ref, Status: status, Attempts: attempts, Next: next}}
}

func outbox(t *testing.T, s *state.Store) []state.OutboxRec {
	t.Helper()
	ob, err := s.Outbox(100)
	if err != nil {
		t.Fatal(err)
	}
	return ob
}

func TestOutboxHoldsAgentsMailRepliesUntilSettled(t *testing.T) {
	dir := t.TempDir()
	s, err := state.Open(dir, state.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	l := &log{t: t, s: s}
	l.apply(mailOpened("m1"), opened("w1", "a1"), mailOpened("m2"))
	reply := msg(agent, "m1", "r1", false)
	reply.Origin = "edge-a"
	l.apply(
		msg(cust, "m1", "c1", false),    // the customer's mail: nothing to send
		reply,                           // seq 5: to send
		msg(agent, "m1", "n1", true),    // a private note: never sent
		msg(agent, "w1", "r2", false),   // a web conversation: no mail
		msg(agent, "m1", "r1", false),   // the same client id again: a duplicate
		msg(agent, "m2", "r3", false),   // seq 9: to send
		delivery("m2", 5, "sent", 1, 0), // another conversation's seq: not m1's outcome
	)
	ob := outbox(t, s)
	if len(ob) != 2 || ob[0].Seq != 5 || ob[0].Conv != "m1" || ob[0].Origin != "edge-a" || ob[0].Tenant != "t1" ||
		ob[0].Next != 5000 || ob[1].Seq != 9 || ob[1].Conv != "m2" {
		t.Fatalf("outbox %+v, want m1@5 from edge-a due at 5000, then m2@9", ob)
	}

	// deferred: due later, after m2
	l.apply(delivery("m1", 5, event.DeliveryDeferred, 1, 60_000))
	ob = outbox(t, s)
	if len(ob) != 2 || ob[0].Seq != 9 || ob[1].Seq != 5 || ob[1].Attempts != 1 || ob[1].Next != 60_000 {
		t.Fatalf("after deferring m1: %+v, want m2 first, m1 with 1 attempt due at 60000", ob)
	}
	if ob, _ := s.Outbox(1); len(ob) != 1 || ob[0].Seq != 9 {
		t.Fatalf("Outbox(1) = %+v, want m2 only", ob)
	}

	l.apply(delivery("m2", 9, event.DeliveryFailed, 1, 0))
	if ob := outbox(t, s); len(ob) != 1 || ob[0].Seq != 5 {
		t.Fatalf("after m2 failed: %+v, want m1 only", ob)
	}

	// the entry is in the store, not in memory
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = state.Open(dir, state.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l.s = s
	if ob := outbox(t, s); len(ob) != 1 || ob[0].Seq != 5 || ob[0].Attempts != 1 {
		t.Fatalf("after reopening: %+v, want m1 with 1 attempt", ob)
	}
	l.apply(delivery("m1", 5, event.DeliverySent, 2, 0))
	if ob := outbox(t, s); len(ob) != 0 {
		t.Fatalf("after m1 was sent: %+v, want none", ob)
	}
	// a bounce after it was sent changes nothing
	l.apply(delivery("m1", 5, event.DeliveryFailed, 0, 0))
	if ob := outbox(t, s); len(ob) != 0 {
		t.Fatalf("after a bounce: %+v, want none", ob)
	}
}
