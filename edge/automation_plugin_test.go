package edge_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// automationItems are the texts of the timeline's automation items.
func automationItems(t *testing.T, st *state.Store, conv string) []string {
	t.Helper()
	items, _, err := st.Timeline(edge.DemoTenant, conv, 0, 1000, true)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		if it.Kind == "automation" {
			out = append(out, it.Text)
		}
	}
	return out
}

// TestRuleAsksTheAutomationPlugin: a rule's plugin action asks the
// shipped triage plugin (plugins/triage, built to .wasm and installed
// signed), configured for the tenant; the actions it answers are made as
// the rule's, each once, with its note in the timeline. A step the
// plugin cannot take is skipped saying why: no plugin installed yet, a
// task it does not know, an answer naming a team that does not exist. A
// macro cannot ask a plugin.
func TestRuleAsksTheAutomationPlugin(t *testing.T) {
	e, key := pluginEdge(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	alice := e.Agent(edge.DemoAgents[0].Email, "")
	st := e.Node.Store()

	rules := []protocol.Rule{
		{ID: "triage", Name: "Triage", When: []string{"message_in"},
			Conditions: []protocol.Condition{{Field: "status", Op: "in", Values: []string{"new", "open"}}},
			Actions:    []protocol.Action{{Type: "plugin", Value: "triage"}, {Type: "add_note", Text: "Triaged."}}},
		{ID: "odd", Name: "Unknown task", When: []string{"message_in"},
			Conditions: []protocol.Condition{{Field: "text", Op: "contains", Value: "odd"}},
			Actions:    []protocol.Action{{Type: "plugin", Value: "refunds"}}},
	}
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "rules_set", Rules: rules}); err != nil {
		t.Fatalf("rules_set: %v", err)
	}
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "macros_set", Macros: []protocol.Macro{{Name: "Ask", Actions: []protocol.Action{{Type: "plugin", Value: "triage"}}}}}); err == nil ||
		!strings.Contains(err.Error(), "a macro cannot ask a plugin") {
		t.Fatalf("a macro asking a plugin: %v", err)
	}
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "rules_set", Rules: []protocol.Rule{{Name: "x", When: []string{"created"},
		Conditions: []protocol.Condition{{Field: "channel", Op: "is", Value: "web"}}, Actions: []protocol.Action{{Type: "plugin", Value: "tri age"}}}}}); err == nil ||
		!strings.Contains(err.Error(), "the task the plugin is asked") {
		t.Fatalf("a plugin action without a task: %v", err)
	}

	// before a plugin is installed, the step is skipped and the rule goes on
	cust := e.Visitor()
	open, err := cust.Start(ctx, "triage-0")
	if err != nil {
		t.Fatal(err)
	}
	conv0 := open.Conversation.ID
	if _, err := cust.Message(ctx, conv0, "m1", "Hello"); err != nil {
		t.Fatal(err)
	}
	waitItems(t, st, conv0, func(l []string) bool {
		return slices.ContainsFunc(l, func(s string) bool { return strings.Contains(s, "no automation plugin is installed on this edge") })
	})
	waitNote(t, st, conv0, "triage")

	e.InstallPlugin(key, "plugins/triage", manifestOf("triage", "1.0.0", abi.KindAutomation, abi.CapConfig))
	if code, body := adminDo(t, e, "PUT", "/api/v1/plugins/triage/config?tenant="+edge.DemoTenant, e.AdminToken(),
		`{"urgent_words":["down"],"vip_attribute":"plan","vip_values":["gold"],"intent_teams":{"billing":"no-such-team"}}`); code != 200 {
		t.Fatalf("configure the plugin: %d %s", code, body)
	}

	cust = e.Visitor()
	open, err = cust.Start(ctx, "triage-1")
	if err != nil {
		t.Fatal(err)
	}
	conv := open.Conversation.ID
	if _, err := cust.Message(ctx, conv, "m1", "The shop is DOWN since this morning"); err != nil {
		t.Fatal(err)
	}
	waitConv(t, st, conv, 15*time.Second, "the plugin's priority and tag", func(c *state.ConversationRec) bool {
		return c.Priority == event.PriorityUrgent && slices.Contains(c.Tags, "urgent")
	})
	waitNote(t, st, conv, "triage")
	if n := byRule(t, st, conv, "triage"); n["priority"] != 1 || n["tags"] != 1 || n["message"] != 1 {
		t.Fatalf("the rule's changes: %v, want one priority, one tags, one note", n)
	}
	if l := automationItems(t, st, conv); !slices.Contains(l, `Triage: the customer wrote "down"`) {
		t.Fatalf("the plugin's note: %q", l)
	}
	if f, _ := st.Firings(10); len(f) != 0 {
		t.Fatalf("firings left: %+v", f)
	}

	// a task the plugin does not know fails the step, saying so
	if _, err := cust.Message(ctx, conv, "m2", "odd question"); err != nil {
		t.Fatal(err)
	}
	waitItems(t, st, conv, func(l []string) bool {
		return slices.ContainsFunc(l, func(s string) bool {
			return strings.Contains(s, `rule "Unknown task" asked the automation plugin "refunds": triage@1.0.0 failed`) && strings.Contains(s, `unknown task`)
		})
	})

	// an answer that cannot be made (a team that does not exist) is
	// skipped whole: with the NLP plugin reading intents, a rule on
	// "analyzed" asks the plugin, which gives billing to the team the
	// tenant's configuration names
	e.InstallPlugin(key, "plugins/nlp", manifestOf("nlp", "1.0.0", abi.KindNLP))
	rules = append(rules, protocol.Rule{ID: "read", Name: "Triage what NLP read", When: []string{"analyzed"},
		Conditions: []protocol.Condition{{Field: "intent", Op: "is", Value: "billing"}},
		Actions:    []protocol.Action{{Type: "plugin", Value: "triage"}}})
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "rules_set", Rules: rules}); err != nil {
		t.Fatalf("rules_set: %v", err)
	}
	cust = e.Visitor()
	open, err = cust.Start(ctx, "triage-2")
	if err != nil {
		t.Fatal(err)
	}
	conv2 := open.Conversation.ID
	if _, err := cust.Message(ctx, conv2, "m1", "Why was I charged twice this month?"); err != nil {
		t.Fatal(err)
	}
	waitItems(t, st, conv2, func(l []string) bool {
		return slices.ContainsFunc(l, func(s string) bool {
			return strings.Contains(s, `rule "Triage what NLP read" asked the automation plugin "triage": triage@1.0.0 answered what cannot be made`) &&
				strings.Contains(s, `no such team "no-such-team"`)
		})
	})
	if c, _ := st.Conversation(edge.DemoTenant, conv2); c.Team != "" || slices.Contains(c.Tags, "intent-billing") {
		t.Fatalf("a refused answer was made in part: team %q, tags %v", c.Team, c.Tags)
	}
}

// waitNote waits for rule's note in the conversation: its last action.
func waitNote(t *testing.T, st *state.Store, conv, rule string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for byRule(t, st, conv, rule)["message"] == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("rule %s's note: %v", rule, byRule(t, st, conv, rule))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitItems waits for the conversation's automation items to satisfy ok.
func waitItems(t *testing.T, st *state.Store, conv string, ok func([]string) bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		l := automationItems(t, st, conv)
		if ok(l) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("automation items: %q", l)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
