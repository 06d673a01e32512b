package state_test

import (
	"reflect"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// TestPluginStepIsTakenOnce: a rule's plugin step is taken by the
// plugin's answer, whose actions take its place in the firing, or by its
// skip, once: a second answer (another node's), a skip after the answer,
// or an action's change made for the plugin's step are dropped, and the
// answer's actions are then made as the firing's steps. A firing never
// grows past event.MaxFiringSteps.
func TestPluginStepIsTakenOnce(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	rules := &event.RuleSet{Rules: []event.Rule{{ID: "ask", Name: "Ask", When: []string{"message_in"},
		Conditions: []event.Condition{{Field: "status", Op: "is", Value: "new"}},
		Actions:    []event.Action{{Type: "plugin", Value: "triage"}, {Type: "add_tags", Tags: []string{"asked"}}}}}}
	l.apply(&event.Event{Kind: event.KindRulesSet, Actor: agent, Rules: rules}, opened("c1", ""), msg(cust, "c1", "m1", false))
	trigger := l.seq
	firing := func() *state.AutoRec {
		f, err := s.Firings(10)
		if err != nil {
			t.Fatal(err)
		}
		if len(f) == 0 {
			return nil
		}
		return &f[0]
	}
	f := firing()
	if f == nil || f.When != "message_in" || f.Text != "text m1" {
		t.Fatalf("firing %+v: want the trigger and its text kept for the plugin", f)
	}
	sys := event.Actor{Kind: event.ActorSystem, ID: "automation:ask"}
	ref := func(step int, plugin bool) *event.AutoRef {
		return &event.AutoRef{Rule: "ask", Trigger: trigger, Step: step, Chain: []string{"ask"}, Plugin: plugin}
	}
	prio := func(p string, r *event.AutoRef) *event.Event {
		return &event.Event{Kind: event.KindPriorityChanged, Actor: sys, Auto: r, Priority: &event.PriorityChange{Conv: "c1", Priority: p}}
	}
	expand := func(acts ...event.Action) *event.Event {
		return &event.Event{Kind: event.KindAutoExpanded, Actor: sys, Auto: ref(0, true),
			AutoExpand: &event.AutoExpand{Conv: "c1", By: "triage@1", Task: "triage", Actions: acts, Note: "why"}}
	}
	// an action's change cannot take a plugin's step
	if ch := l.apply(prio("high", ref(0, false))); !ch[0].Duplicate {
		t.Fatalf("a priority change took the plugin's step: %+v", ch[0])
	}
	if ch := l.apply(expand(event.Action{Type: "set_priority", Value: "urgent"}, event.Action{Type: "add_note", Text: "n"})); ch[0].Duplicate || ch[0].Item == nil || ch[0].Item.Text != "why" {
		t.Fatalf("the plugin's answer: %+v", ch[0])
	}
	want := []event.Action{{Type: "set_priority", Value: "urgent"}, {Type: "add_note", Text: "n"}, {Type: "add_tags", Tags: []string{"asked"}}}
	if f := firing(); f == nil || f.Done != 0 || !reflect.DeepEqual(f.Actions, want) {
		t.Fatalf("after the answer: %+v; want its actions in the plugin's place", f)
	}
	// another node's answer, or its skip, comes too late
	for _, e := range []*event.Event{expand(event.Action{Type: "unassign"}),
		{Kind: event.KindAutoSkipped, Actor: sys, Auto: ref(0, true), AutoSkip: &event.AutoSkip{Conv: "c1", Reason: "failed"}}} {
		if ch := l.apply(e); !ch[0].Duplicate {
			t.Fatalf("%s after the answer was applied: %+v", e.Kind, ch[0])
		}
	}
	if ch := l.apply(prio("urgent", ref(0, false))); ch[0].Duplicate {
		t.Fatal("the answer's first action was not taken as the step")
	}
	if f := firing(); f == nil || f.Done != 1 {
		t.Fatalf("after the first action: %+v", f)
	}

	// a firing does not grow past MaxFiringSteps
	many := make([]event.Action, event.MaxActions)
	for i := range many {
		many[i] = event.Action{Type: "plugin", Value: "triage"}
	}
	rules.Rules[0].ID, rules.Rules[0].Actions = "big", many
	l.apply(&event.Event{Kind: event.KindRulesSet, Actor: agent, Rules: rules}, opened("c2", ""), msg(cust, "c2", "m2", false))
	trig2 := l.seq
	ten := make([]event.Action, event.MaxActions)
	for i := range ten {
		ten[i] = event.Action{Type: "add_note", Text: "x"}
	}
	big := event.Actor{Kind: event.ActorSystem, ID: "automation:big"}
	bigRef := func(step int, plugin bool) *event.AutoRef {
		return &event.AutoRef{Rule: "big", Trigger: trig2, Step: step, Chain: []string{"big"}, Plugin: plugin}
	}
	steps := func() int {
		fs, _ := s.Firings(10)
		for _, f := range fs {
			if f.Rule == "big" {
				return len(f.Actions)
			}
		}
		return 0
	}
	// the first answer fits whole: 10 in the place of 1, before 9 more
	l.apply(&event.Event{Kind: event.KindAutoExpanded, Actor: big, Auto: bigRef(0, true), AutoExpand: &event.AutoExpand{Conv: "c2", By: "triage@1", Actions: ten}})
	if n := steps(); n != 19 {
		t.Fatalf("%d steps after the first answer; want 19", n)
	}
	for i := range ten {
		e := msg(big, "c2", "n"+string(rune('a'+i)), true)
		e.Auto = bigRef(i, false)
		if ch := l.apply(e); ch[0].Duplicate {
			t.Fatalf("note %d was not taken", i)
		}
	}
	// the second has room for 2 of its 10
	l.apply(&event.Event{Kind: event.KindAutoExpanded, Actor: big, Auto: bigRef(10, true), AutoExpand: &event.AutoExpand{Conv: "c2", By: "triage@1", Actions: ten}})
	if n := steps(); n != event.MaxFiringSteps {
		t.Fatalf("a firing of %d steps; want it cut to %d", n, event.MaxFiringSteps)
	}
}
