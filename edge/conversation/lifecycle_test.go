package conversation_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// allows is what the table says, looked up by hand: whether by may move
// a conversation from → to.
func allows(from, to string, by ticket.Actor) bool {
	for _, tr := range ticket.Table {
		if tr.From == from && tr.To == to {
			return slices.Contains(tr.By, by)
		}
	}
	return false
}

// actorFor is how each of the lifecycle's actors reaches the service.
func actorFor(by ticket.Actor) conversation.Actor {
	switch by {
	case ticket.Customer:
		return ana
	case ticket.Agent:
		return bob
	case ticket.Automation:
		return conversation.Actor{Tenant: tenant, Kind: event.ActorSystem, ID: ticket.AutomationPrefix + "rule-1", Channel: conversation.API}
	case ticket.Timer:
		return conversation.Actor{Tenant: tenant, Kind: event.ActorSystem, ID: ticket.TimerID}
	}
	return key
}

// into opens a conversation of Ana's and brings it to status st by the
// table's own paths (by the API key and Bob's answer).
func (d *desk) into(t *testing.T, client, st string) *state.ConversationRec {
	t.Helper()
	c := d.open(t, ana, client)
	steps := map[string][]string{
		event.StatusNew:     nil,
		event.StatusOpen:    {"answer"},
		event.StatusPending: {event.StatusPending},
		event.StatusOnHold:  {"snooze"},
		event.StatusSolved:  {event.StatusSolved},
		event.StatusClosed:  {event.StatusSolved, event.StatusClosed},
	}[st]
	for _, s := range steps {
		switch s {
		case "answer":
			must(d.svc.Post(ctx, bob, c, conversation.Post{ClientID: "a-" + client, Text: "On it."}))
			continue
		case "snooze":
			must(d.svc.SetStatus(ctx, key, c.ID, event.StatusOnHold, time.Now().Add(time.Hour).UnixMilli()))
			continue
		}
		must(d.svc.SetStatus(ctx, key, c.ID, s, 0))
	}
	c = must(d.svc.Conversation(alice, c.ID))
	if c.Status != st {
		t.Fatalf("set up in %s: the conversation is %s", st, c.Status)
	}
	return c
}

// TestLifecycleTable tries every pair of statuses with every actor
// against the conversation service and the projector behind it, and
// checks that exactly what ticket.Table allows happens: an agent, the
// API, a rule or the clock by setting the status, a customer by writing
// (the only way a customer moves a status). A change the table does not
// allow is refused with a reason and leaves the conversation as it was.
func TestLifecycleTable(t *testing.T) {
	d := newDesk(t)
	n, allowed := 0, 0
	for _, from := range event.Statuses {
		for _, to := range event.Statuses {
			for _, by := range ticket.Actors {
				n++
				name := fmt.Sprintf("%s→%s by %s", from, to, by)
				c := d.into(t, fmt.Sprintf("lc-%d", n), from)
				var err error
				switch by {
				case ticket.Customer:
					_, err = d.svc.Post(ctx, ana, c, conversation.Post{ClientID: "w", Text: "Any news?"})
				case ticket.Timer:
					// the clock, for the time the conversation waits for
					_, err = d.svc.Elapse(ctx, tenant, c.ID, to, max(c.SnoozeUntil, c.SolvedAt))
				default:
					_, err = d.svc.SetStatus(ctx, actorFor(by), c.ID, to, 0)
				}
				got := must(d.svc.Conversation(alice, c.ID)).Status
				switch {
				case from == to && by != ticket.Customer && by != ticket.Timer:
					// no transition: nothing changes, nothing is refused
					if err != nil || got != from {
						t.Errorf("%s (the status it has): %v, now %s", name, err, got)
					}
				case by == ticket.Customer:
					// writing moves it to open where the table lets the
					// customer, else leaves it (a closed one refuses the
					// message)
					want := from
					if allows(from, event.StatusOpen, ticket.Customer) {
						want = event.StatusOpen
					}
					if from == event.StatusClosed {
						if code(err) != "invalid" || !strings.Contains(err.Error(), "closed") {
							t.Errorf("%s: a message into a closed conversation: %v", name, err)
						}
					} else if err != nil {
						t.Errorf("%s: the message: %v", name, err)
					}
					if did := got == to && to != from; did != allows(from, to, ticket.Customer) || got != want {
						t.Errorf("%s: the customer's message left it %s; the table allows it: %v", name, got, allows(from, to, by))
					}
					if got == to && to != from {
						allowed++
					}
				case allows(from, to, by):
					allowed++
					if err != nil || got != to {
						t.Errorf("%s is in the table: %v, now %s", name, err, got)
					}
				default:
					if code(err) != "invalid" || got != from {
						t.Errorf("%s is not in the table: %v, now %s", name, err, got)
					} else if msg := err.Error(); !strings.Contains(msg, from) && !strings.Contains(msg, string(by)) {
						t.Errorf("%s: the refusal %q names neither the status nor the actor", name, msg)
					}
				}
			}
		}
	}
	// every row of the table, each of its actors: made once above
	want := 0
	for _, tr := range ticket.Table {
		want += len(tr.By)
	}
	if n != 6*6*5 || allowed != want {
		t.Fatalf("%d combinations tried, %d allowed; the table has %d (transition, actor) pairs", n, allowed, want)
	}
}

// TestLifecycleLegacyNames: clients that send the names of before the
// six statuses get their meaning.
func TestLifecycleLegacyNames(t *testing.T) {
	d := newDesk(t)
	c := d.open(t, ana, "legacy")
	until := time.Now().Add(time.Hour).UnixMilli()
	must(d.svc.SetStatus(ctx, bob, c.ID, event.StatusSnoozed, until))
	if got := must(d.svc.Conversation(alice, c.ID)); got.Status != event.StatusOnHold || got.SnoozeUntil != until {
		t.Fatalf("snoozed: %s until %d", got.Status, got.SnoozeUntil)
	}
	must(d.svc.SetStatus(ctx, bob, c.ID, event.StatusResolved, 0))
	if got := must(d.svc.Conversation(alice, c.ID)); got.Status != event.StatusSolved || got.SnoozeUntil != 0 {
		t.Fatalf("resolved: %s until %d", got.Status, got.SnoozeUntil)
	}
	if _, err := d.svc.SetStatus(ctx, bob, c.ID, event.StatusOnHold, time.Now().Add(-time.Minute).UnixMilli()); code(err) != "invalid" {
		t.Fatalf("on hold until a time past: %v", err)
	}
	if _, err := d.svc.SetStatus(ctx, bob, c.ID, event.StatusPending, until); code(err) != "invalid" {
		t.Fatalf("pending with snooze_until: %v", err)
	}
	convs, _ := must2(d.svc.List(alice, conversation.Filter{Statuses: []string{event.StatusResolved}}, 0))
	if len(convs) != 1 || convs[0].ID != c.ID {
		t.Fatalf("listing resolved gives %d conversations", len(convs))
	}
}

// TestProjectorDropsRacedTransitions: two agents change a status at once;
// both pass the service's check against the state they saw, the log
// orders them, and the second is no longer in the table: the projector
// drops it (on every node alike) and the conversation keeps the first.
func TestProjectorDropsRacedTransitions(t *testing.T) {
	d := newDesk(t)
	c := d.into(t, "race", event.StatusOpen)
	for _, e := range []*event.Event{
		{Kind: event.KindStatusChanged, Tenant: tenant, Actor: event.Actor{Kind: event.ActorAgent, ID: "bob"},
			Status: &event.StatusChange{Conv: c.ID, Status: event.StatusSolved}},
		{Kind: event.KindStatusChanged, Tenant: tenant, Actor: event.Actor{Kind: event.ActorAgent, ID: "alice"},
			Status: &event.StatusChange{Conv: c.ID, Status: event.StatusClosed}}, // fine after solved
		{Kind: event.KindStatusChanged, Tenant: tenant, Actor: event.Actor{Kind: event.ActorAgent, ID: "bob"},
			Status: &event.StatusChange{Conv: c.ID, Status: event.StatusPending}}, // raced: closed is final
		{Kind: event.KindStatusChanged, Tenant: tenant, Actor: event.Actor{Kind: event.ActorCustomer, ID: "cust1"},
			Status: &event.StatusChange{Conv: c.ID, Status: event.StatusOpen}}, // a customer never sets one
	} {
		if _, err := d.j.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got := must(d.svc.Conversation(alice, c.ID))
	_, items, _ := must3(d.svc.History(alice, c.ID, 0, 50))
	var statuses []string
	for _, it := range items {
		if it.Kind == "status" {
			statuses = append(statuses, it.Status)
		}
	}
	if got.Status != event.StatusClosed || strings.Join(statuses, " ") != "solved closed" {
		t.Fatalf("status %s, status items %q; want closed after solved closed", got.Status, statuses)
	}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}
