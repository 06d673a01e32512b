package conversation_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// runRules makes every firing's actions, as the runners of a region
// would, until none is left; it returns how many events it appended.
func (d *desk) runRules(t *testing.T) int {
	t.Helper()
	n := 0
	for range 1000 {
		list, err := d.store.Firings(100)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 0 {
			return n
		}
		for i := range list {
			must(d.svc.RunFiring(ctx, &list[i]))
			n++
		}
	}
	t.Fatal("firings never ran out")
	return n
}

// setRulesRaw appends rules to the log as another version might have
// stored them: without the conversation service's check.
func (d *desk) setRulesRaw(t *testing.T, rules []event.Rule) {
	t.Helper()
	if _, err := d.j.Append(ctx, &event.Event{Kind: event.KindRulesSet, Tenant: tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "test"},
		Rules: &event.RuleSet{Rules: rules}}); err != nil {
		t.Fatal(err)
	}
}

// TestLoopsAreStopped: rules that trigger each other (in a log the check
// did not guard) stop: no rule runs twice in one chain, and a chain stops
// after event.MaxChain rules, which agents see.
func TestLoopsAreStopped(t *testing.T) {
	d := newDesk(t)
	var ring []event.Rule
	for i := range 12 {
		ring = append(ring, event.Rule{ID: fmt.Sprintf("r%d", i), Name: fmt.Sprintf("R%d", i), When: []string{"tags_changed"},
			Conditions: []event.Condition{{Field: "tags", Op: "contains", Values: []string{fmt.Sprintf("t%d", i)}}},
			Actions:    []event.Action{{Type: "add_tags", Tags: []string{fmt.Sprintf("t%d", i+1)}}}})
	}
	// two rules that set each other's condition
	ring = append(ring,
		event.Rule{ID: "up", Name: "Up", When: []string{"priority_changed"}, Conditions: []event.Condition{{Field: "priority", Op: "is", Value: "high"}},
			Actions: []event.Action{{Type: "set_priority", Value: "urgent"}}},
		event.Rule{ID: "down", Name: "Down", When: []string{"priority_changed"}, Conditions: []event.Condition{{Field: "priority", Op: "is", Value: "urgent"}},
			Actions: []event.Action{{Type: "set_priority", Value: "high"}}})
	d.setRulesRaw(t, ring)
	c := d.open(t, ana, "loop")
	must(d.svc.SetTags(ctx, alice, c.ID, []string{"t0"}, nil))
	d.runRules(t)
	got := must(d.store.Conversation(tenant, c.ID))
	want := []string{"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"}
	if !slices.Equal(got.Tags, want) {
		t.Fatalf("tags after the ring ran: %v, want %v (a chain of %d)", got.Tags, want, event.MaxChain)
	}
	items := timeline(t, d, c.ID)
	stopped := 0
	for _, it := range items {
		if it.Kind == "automation" {
			stopped++
			if !strings.Contains(it.Text, "rule r8 was not run") || !strings.Contains(it.Text, "r0 → r1") {
				t.Errorf("the stop says %q", it.Text)
			}
		}
	}
	if stopped != 1 {
		t.Fatalf("%d automation items, want the one stop", stopped)
	}

	must(d.svc.SetPriority(ctx, alice, c.ID, "high"))
	d.runRules(t)
	got = must(d.store.Conversation(tenant, c.ID))
	n := 0
	for _, it := range timeline(t, d, c.ID) {
		if it.Kind == "priority" && strings.HasPrefix(it.ActorID, "automation:") {
			n++
		}
	}
	if got.Priority != event.PriorityHigh || n != 2 {
		t.Fatalf("ping-pong: priority %s after %d changes by rules, want high after 2 (up, then down, then stopped)", got.Priority, n)
	}
}

func timeline(t *testing.T, d *desk, conv string) []state.Item {
	t.Helper()
	items, _, err := d.store.Timeline(tenant, conv, 0, 100, true)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// TestRuleActionsThatCannotBeMade: an action the lifecycle does not allow
// when its turn comes is recorded as skipped, with why, and the firing
// goes on; a macro with such an action changes nothing.
func TestRuleActionsThatCannotBeMade(t *testing.T) {
	d := newDesk(t)
	must(d.svc.SetRules(ctx, alice, []event.Rule{{ID: "close", Name: "Close on thanks", When: []string{"message_in"},
		Conditions: []event.Condition{{Field: "text", Op: "contains", Value: "thanks"}},
		Actions:    []event.Action{{Type: "set_status", Value: "closed"}, {Type: "add_tags", Tags: []string{"thanked"}}}}}))
	c := d.open(t, ana, "thanks")
	must(d.svc.Post(ctx, ana, c, conversation.Post{ClientID: "m1", Text: "thanks!"}))
	d.runRules(t)
	got := must(d.store.Conversation(tenant, c.ID))
	if got.Status != event.StatusNew || !slices.Equal(got.Tags, []string{"thanked"}) {
		t.Fatalf("after the rule: %s %v, want new (closing a new one is not allowed) and tagged", got.Status, got.Tags)
	}
	var skipped []string
	for _, it := range timeline(t, d, c.ID) {
		if it.Kind == "automation" {
			skipped = append(skipped, it.Text)
		}
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0], `rule "Close on thanks" could not set status: new → closed`) {
		t.Fatalf("skipped: %q", skipped)
	}

	must(d.svc.SetMacros(ctx, alice, []event.Macro{{ID: "bad", Name: "Tag and close", Actions: []event.Action{
		{Type: "add_tags", Tags: []string{"macro"}}, {Type: "set_status", Value: "closed"}}}}))
	_, err := d.svc.ApplyMacro(ctx, bob, c.ID, "bad")
	if code(err) != "invalid" || !strings.Contains(err.Error(), `macro "Tag and close", action 2 (set_status)`) {
		t.Fatalf("a macro that cannot be made: %v", err)
	}
	if got := must(d.store.Conversation(tenant, c.ID)); slices.Contains(got.Tags, "macro") {
		t.Fatal("a refused macro applied its first action")
	}
	if _, err := d.svc.ApplyMacro(ctx, ana, c.ID, "bad"); code(err) != "forbidden" {
		t.Fatalf("a customer applies a macro: %v", err)
	}
	_ = state.ErrNotFound
}

// TestBreachEscalatesToATeam: a breach gives the conversation to the
// policy's escalate_team (once, whoever records it), and raises its
// priority; a team that is gone leaves the priority's escalation alone.
func TestBreachEscalatesToATeam(t *testing.T) {
	d := newDesk(t)
	team := must(d.svc.SetTeamSettings(ctx, alice, conversation.TeamSettings{Name: "Escalations", Agents: []string{"alice"}}))
	if _, err := d.j.Append(ctx, &event.Event{Kind: event.KindTenantUpserted, Tenant: tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "test"},
		TenantInfo: &event.Tenant{ID: tenant, SLA: &event.SLA{FirstResponse: [4]int64{60, 60, 60, 60}, Escalate: event.PriorityUrgent, EscalateTeam: team}}}); err != nil {
		t.Fatal(err)
	}
	c := d.open(t, ana, "late")
	must(d.svc.Assign(ctx, alice, c.ID, "bob"))
	for range 2 { // the clocks of two nodes
		must(d.svc.SLAStage(ctx, tenant, c.ID, "first_response", event.SLABreached, c.OpenedAt, c.OpenedAt+60_000))
	}
	got := must(d.store.Conversation(tenant, c.ID))
	if got.Team != team || got.Priority != event.PriorityUrgent || got.Assignee != "" {
		t.Fatalf("after the breach: team %q priority %q assignee %q; want %s, urgent, none (Bob is not of the team)", got.Team, got.Priority, got.Assignee, team)
	}
	n := 0
	for _, it := range timeline(t, d, c.ID) {
		if it.Kind == "team" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d team changes, want 1", n)
	}
}
