package edge_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/automation"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// waitConv polls the edge's state until ok holds for the conversation.
func waitConv(t *testing.T, st *state.Store, conv string, within time.Duration, what string, ok func(*state.ConversationRec) bool) *state.ConversationRec {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		c, err := st.Conversation(edge.DemoTenant, conv)
		if err == nil && ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; conversation %+v (%v)", what, within, c, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// byRule counts the timeline's items made by rule.
func byRule(t *testing.T, st *state.Store, conv, rule string) map[string]int {
	t.Helper()
	items, _, err := st.Timeline(edge.DemoTenant, conv, 0, 1000, true)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, it := range items {
		if it.ActorID == "automation:"+rule {
			n[it.Kind]++
		}
	}
	return n
}

// TestRulesRunOnceAndMacrosApply: an admin sets rules over the protocol;
// a customer's message that matches fires its rule once (tag, priority,
// note, one each in the timeline), one that does not fires nothing; a
// time rule solves a pending conversation when its time comes; an agent
// applies a macro in one step; bad rule sets are refused whole, naming
// the rule and the problem.
func TestRulesRunOnceAndMacrosApply(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	alice := e.Agent(edge.DemoAgents[0].Email, "") // admin
	bob := e.Agent(edge.DemoAgents[1].Email, "")
	st := e.Node.Store()

	rules := []protocol.Rule{
		{ID: "refunds", Name: "Refund requests", When: []string{"message_in"},
			Conditions: []protocol.Condition{{Field: "text", Op: "contains", Value: "refund"}, {Field: "tags", Op: "not_contains", Values: []string{"refund"}}},
			Actions: []protocol.Action{{Type: "add_tags", Tags: []string{"Refund"}}, {Type: "set_priority", Value: "high"},
				{Type: "add_note", Text: "Refunds: check the order in the shop first."}}},
		{ID: "nudge", Name: "Solve when the customer is silent", When: []string{"time"}, Since: "status", AfterS: 60,
			Conditions: []protocol.Condition{{Field: "status", Op: "is", Value: "pending"}},
			Actions:    []protocol.Action{{Type: "set_status", Value: "solved"}}},
	}
	r, err := alice.Request(ctx, &protocol.InFrame{Type: "rules_set", Rules: rules})
	if err != nil {
		t.Fatalf("rules_set: %v", err)
	}
	if len(r.Rules) != 2 || r.Rules[0].Actions[0].Tags[0] != "refund" || r.Schema == nil || len(r.Schema.Fields) == 0 {
		t.Fatalf("rules_set answered %+v", r)
	}
	if r, err := bob.Request(ctx, &protocol.InFrame{Type: "rules"}); err != nil || len(r.Rules) != 2 {
		t.Fatalf("bob reads the rules: %+v, %v", r, err)
	}

	cust := e.Visitor()
	open, err := cust.Start(ctx, "auto-1")
	if err != nil {
		t.Fatal(err)
	}
	conv := open.Conversation.ID
	if _, err := cust.Message(ctx, conv, "m1", "Hello, where is my parcel?"); err != nil {
		t.Fatal(err)
	}
	if _, err := cust.Message(ctx, conv, "m2", "I would like a REFUND please"); err != nil {
		t.Fatal(err)
	}
	waitConv(t, st, conv, 10*time.Second, "the refund rule's tag and priority", func(c *state.ConversationRec) bool {
		return slices.Contains(c.Tags, "refund") && c.Priority == event.PriorityHigh
	})
	// a further match: the rule's own condition (not tagged yet) is false now
	if _, err := cust.Message(ctx, conv, "m3", "refund refund"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := byRule(t, st, conv, "refunds")
		if n["message"] == 1 {
			if n["tags"] != 1 || n["priority"] != 1 {
				t.Fatalf("the rule's changes in the timeline: %v, want one tags, one priority, one note", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rule's note: %v", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if f, _ := st.Firings(10); len(f) != 0 {
		t.Fatalf("firings left after their actions: %+v", f)
	}

	// a macro: pending, and a reply, in one step
	macros := []protocol.Macro{{ID: "wait", Name: "Ask for the order number", Actions: []protocol.Action{
		{Type: "reply", Text: "Could you send me your order number?"}, {Type: "set_status", Value: "pending"}}}}
	if r, err := alice.Request(ctx, &protocol.InFrame{Type: "macros_set", Macros: macros}); err != nil || len(r.Macros) != 1 {
		t.Fatalf("macros_set: %+v, %v", r, err)
	}
	if _, err := bob.Request(ctx, &protocol.InFrame{Type: "macro", Conv: conv, Macro: "wait"}); err != nil {
		t.Fatalf("macro: %v", err)
	}
	c := waitConv(t, st, conv, 5*time.Second, "the macro's status", func(c *state.ConversationRec) bool { return c.Status == event.StatusPending })
	if c.LastText != "Could you send me your order number?" {
		t.Fatalf("the macro's reply: last text %q", c.LastText)
	}
	// the time rule counts from the change to pending: its time is kept
	if len(c.AutoDue) != 1 || c.AutoDue[0].Rule != "nudge" || c.AutoDue[0].Due != c.StatusAt+60_000 {
		t.Fatalf("time rule's time: %+v (status at %d)", c.AutoDue, c.StatusAt)
	}

	// the time rule's time: a runner whose clock is two minutes ahead
	// says it has come; the rule solves the conversation, once
	ahead := automation.New(automation.Options{Store: st, Conversations: e.Node.Conversations(), Log: edgetest.Logger(t),
		Now: func() time.Time { return time.Now().Add(2 * time.Minute) }})
	if n, err := ahead.Step(ctx); err != nil || n != 1 {
		t.Fatalf("the runner ahead: %d events, %v; want the time rule's", n, err)
	}
	c = waitConv(t, st, conv, 5*time.Second, "the time rule's status", func(c *state.ConversationRec) bool { return c.Status == event.StatusSolved })
	if len(c.AutoDue) != 0 {
		// solved: the rule's condition (pending) no longer holds
		t.Fatalf("time rule's times after it fired: %+v", c.AutoDue)
	}
	if n, err := ahead.Step(ctx); err != nil || n != 0 {
		t.Fatalf("the runner ahead, again: %d events, %v; want none", n, err)
	}
	if n := byRule(t, st, conv, "nudge"); n["status"] != 1 {
		t.Fatalf("the time rule's changes: %v", n)
	}

	expect := func(who string, f *protocol.InFrame, code, says string) {
		t.Helper()
		c := alice
		if who == "bob" {
			c = bob
		}
		_, err := c.Request(ctx, f)
		if err == nil || !strings.Contains(err.Error(), code) || !strings.Contains(err.Error(), says) {
			t.Fatalf("%s %s: %v, want %s saying %q", who, f.Type, err, code, says)
		}
	}
	one := func(r protocol.Rule) []protocol.Rule { return []protocol.Rule{r} }
	base := protocol.Rule{ID: "x", Name: "X", When: []string{"created"}, Conditions: []protocol.Condition{{Field: "channel", Op: "is", Value: "email"}},
		Actions: []protocol.Action{{Type: "set_priority", Value: "high"}}}
	with := func(f func(*protocol.Rule)) []protocol.Rule { r := base; f(&r); return one(r) }
	expect("bob", &protocol.InFrame{Type: "rules_set", Rules: one(base)}, "forbidden", "only admins")
	expect("alice", &protocol.InFrame{Type: "rules_set", Rules: with(func(r *protocol.Rule) {
		r.Conditions = []protocol.Condition{{Field: "colour", Op: "is", Value: "red"}}
	})}, "invalid", `rule 1 ("x", "X"): condition 1: unknown field "colour"`)
	expect("alice", &protocol.InFrame{Type: "rules_set", Rules: with(func(r *protocol.Rule) { r.Conditions = nil })}, "invalid", "no conditions")
	expect("alice", &protocol.InFrame{Type: "rules_set", Rules: with(func(r *protocol.Rule) {
		r.Actions = []protocol.Action{{Type: "assign", Value: "nobody"}}
	})}, "invalid", `no such agent "nobody"`)
	expect("alice", &protocol.InFrame{Type: "rules_set", Rules: []protocol.Rule{
		{ID: "a", Name: "A", When: []string{"priority_changed"}, Conditions: []protocol.Condition{{Field: "priority", Op: "is", Value: "high"}},
			Actions: []protocol.Action{{Type: "add_tags", Tags: []string{"hot"}}}},
		{ID: "b", Name: "B", When: []string{"tags_changed"}, Conditions: []protocol.Condition{{Field: "tags", Op: "contains", Values: []string{"hot"}}},
			Actions: []protocol.Action{{Type: "set_priority", Value: "high"}}},
	}}, "invalid", `rules form a cycle: "a", "A" → "b", "B" → "a", "A"`)
	expect("bob", &protocol.InFrame{Type: "macro", Conv: conv, Macro: "nope"}, "not_found", "no such macro")
	// a refused set changed nothing
	if r, err := bob.Request(ctx, &protocol.InFrame{Type: "rules"}); err != nil || len(r.Rules) != 2 || r.Rules[0].ID != "refunds" {
		t.Fatalf("rules after the refusals: %+v, %v", r, err)
	}
}
