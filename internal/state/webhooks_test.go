package state_test

import (
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// TestWebhookQueues: a change queues a delivery for each endpoint that
// asks for its type, what it tells kept once; the first delivery of each
// conversation is the head; results settle deliveries (sent, retried,
// dead, a repeat dropped), a replay queues a dead one again, and a removed
// endpoint takes its deliveries with it; nothing is left behind.
func TestWebhookQueues(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	ep := func(id string, types ...string) *event.Event {
		return &event.Event{Kind: event.KindWebhookUpserted, Actor: agent, Webhook: &event.WebhookEndpoint{ID: id, URL: "https://h.example/" + id, Types: types,
			Secrets: []event.WebhookSecret{{ID: "s1", Sealed: "enc1:x", CreatedAt: 1}}}}
	}
	l.apply(ep("a", event.HookMessageCreated), ep("b", event.HookMessageCreated, event.HookConversationCreated), ep("c", event.HookContactUpdated))
	l.apply(opened("c1", ""), msg(cust, "c1", "m1", false), msg(cust, "c1", "m2", false), msg(agent, "c1", "n1", true))
	count := func(id string) (int, int) {
		h, err := s.Hook("t1", id)
		if err != nil {
			t.Fatal(err)
		}
		return h.Pending, h.Dead
	}
	if p, _ := count("a"); p != 2 {
		t.Fatalf("a has %d queued; want the two messages", p)
	}
	if p, _ := count("b"); p != 3 {
		t.Fatalf("b has %d queued; want the opening and the two messages", p)
	}
	if p, _ := count("c"); p != 0 {
		t.Fatalf("c has %d queued; want none", p)
	}
	heads := func() map[string]state.Delivery {
		hs, err := s.HookHeads(1<<62, func(string, string) int { return 8 }, func(string, string, string) bool { return false })
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]state.Delivery{}
		for _, d := range hs {
			if _, dup := m[d.Endpoint]; dup {
				t.Fatalf("two heads of one conversation for %s", d.Endpoint)
			}
			m[d.Endpoint] = d
		}
		return m
	}
	h := heads()
	if h["a"].Type != event.HookMessageCreated || h["a"].Data.Message.Text != "text m1" || h["b"].Type != event.HookConversationCreated {
		t.Fatalf("heads %+v", h)
	}
	res := func(rs ...event.WebhookResult) {
		l.apply(&event.Event{Kind: event.KindWebhookResults, Actor: agent, HookResults: &event.WebhookResults{Results: rs}})
	}
	a1, b0 := h["a"], h["b"]
	res(event.WebhookResult{Endpoint: "a", Seq: a1.Seq, Order: "c1", Status: event.HookSent, Attempts: 1},
		event.WebhookResult{Endpoint: "a", Seq: a1.Seq, Order: "c1", Status: event.HookSent, Attempts: 1}, // a repeat
		event.WebhookResult{Endpoint: "b", Seq: b0.Seq, Order: "c1", Status: event.HookRetry, Attempts: 1, NextAt: 5000, Code: 500, Error: "HTTP 500"})
	if p, _ := count("a"); p != 1 {
		t.Fatalf("a has %d queued after one sent (and its repeat); want 1", p)
	}
	if d := heads()["b"]; d.Seq != b0.Seq || d.Attempts != 1 || d.NextAt != 5000 {
		t.Fatalf("b's head after a retry: %+v", d)
	}
	if _, ok := func() (state.Delivery, bool) {
		hs, _ := s.HookHeads(1000, func(string, string) int { return 8 }, func(string, string, string) bool { return false })
		for _, d := range hs {
			if d.Endpoint == "b" {
				return d, true
			}
		}
		return state.Delivery{}, false
	}(); ok {
		t.Fatal("b's conversation has a head before its retry's time")
	}
	res(event.WebhookResult{Endpoint: "b", Seq: b0.Seq, Order: "c1", Status: event.HookDead, Attempts: 2, Code: 503, Error: "HTTP 503"})
	if p, d := count("b"); p != 2 || d != 1 {
		t.Fatalf("b: %d queued, %d dead; want 2 and 1", p, d)
	}
	dead, err := s.HookDeliveries("t1", "b", true, 0, 10)
	if err != nil || len(dead) != 1 || dead[0].Attempts != 2 || dead[0].Error != "HTTP 503" || dead[0].Data.Conversation.ID != "c1" {
		t.Fatalf("b's dead: %+v, %v", dead, err)
	}
	l.apply(&event.Event{Kind: event.KindWebhookReplay, Actor: agent, HookReplay: &event.WebhookReplay{Endpoint: "b"}})
	if p, d := count("b"); p != 3 || d != 0 {
		t.Fatalf("b after the replay: %d queued, %d dead; want 3 and 0", p, d)
	}
	pending, _ := s.HookDeliveries("t1", "b", false, 0, 10)
	if len(pending) != 3 || pending[0].Seq != b0.Seq || pending[0].Attempts != 0 || pending[0].Data == nil {
		t.Fatalf("b's queue after the replay: %+v", pending)
	}
	// settle everything: nothing of the queues is left
	for _, id := range []string{"a", "b"} {
		for {
			d, ok := heads()[id]
			if !ok {
				break
			}
			res(event.WebhookResult{Endpoint: id, Seq: d.Seq, Order: d.Order, Status: event.HookSent, Attempts: 1})
		}
	}
	l.apply(msg(cust, "c1", "m3", false))
	l.apply(&event.Event{Kind: event.KindWebhookUpserted, Actor: agent, Webhook: &event.WebhookEndpoint{ID: "a", Deleted: true}},
		&event.Event{Kind: event.KindWebhookUpserted, Actor: agent, Webhook: &event.WebhookEndpoint{ID: "b", Deleted: true}})
	if n := s.CountPrefix("wq/") + s.CountPrefix("wp/") + s.CountPrefix("wd/"); n != 0 {
		t.Fatalf("%d webhook records left after every delivery was settled or removed", n)
	}
}
