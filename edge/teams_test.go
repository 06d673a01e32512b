package edge_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/state"
)

// TestTeams: an admin makes a team; a conversation given to it leaves an
// assignee who is not of the team and is offered to the team's online
// members only, by hand and by a rule; bad teams are refused with what
// was wrong.
func TestTeams(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	alice := e.Agent(edge.DemoAgents[0].Email, "") // admin
	bob := e.Agent(edge.DemoAgents[1].Email, "")
	carol := e.Agent(edge.DemoAgents[2].Email, "")
	st := e.Node.Store()
	_ = carol

	r, err := alice.Request(ctx, &protocol.InFrame{Type: "team_set", Name: " Billing ", Members: []string{"agent-bob", "agent-bob"}})
	if err != nil || len(r.Teams) != 1 || r.Teams[0].Name != "Billing" || len(r.Teams[0].Agents) != 1 {
		t.Fatalf("team_set: %+v, %v", r, err)
	}
	billing := r.Teams[0].ID
	expect := func(c interface {
		Request(context.Context, *protocol.InFrame) (*protocol.OutFrame, error)
	}, f *protocol.InFrame, says string) {
		t.Helper()
		if _, err := c.Request(ctx, f); err == nil || !strings.Contains(err.Error(), says) {
			t.Fatalf("%s: %v, want an error saying %q", f.Type, err, says)
		}
	}
	expect(bob, &protocol.InFrame{Type: "team_set", Name: "Mine"}, "only admins change teams")
	expect(alice, &protocol.InFrame{Type: "team_set", Name: "billing"}, `a team is already named "Billing"`)
	expect(alice, &protocol.InFrame{Type: "team_set", Name: "X", Members: []string{"agent-nobody"}}, "no such agent: agent-nobody")
	expect(alice, &protocol.InFrame{Type: "team_set", Name: ""}, "name must be 1-100 characters")
	expect(alice, &protocol.InFrame{Type: "team_set", Team: "team-gone", Delete: true}, "no such team")

	// by hand: whoever routing chose, given to Billing it ends with Bob
	cust := e.Visitor()
	open, err := cust.Start(ctx, "t-1")
	if err != nil {
		t.Fatal(err)
	}
	conv := open.Conversation.ID
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "assign", Conv: conv, Agent: "agent-carol"}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "assign_team", Conv: conv, Team: billing}); err != nil {
		t.Fatal(err)
	}
	c := waitConv(t, st, conv, 10*time.Second, "given to Billing, then to Bob", func(c *state.ConversationRec) bool {
		return c.Team == billing && c.Assignee == "agent-bob"
	})
	items, _, err := st.Timeline(edge.DemoTenant, conv, 0, 100, true)
	if err != nil {
		t.Fatal(err)
	}
	unassigned := false
	for _, it := range items {
		unassigned = unassigned || it.Kind == "team" && it.Team == billing && it.Unassigned
	}
	if !unassigned {
		t.Fatalf("no team item saying Carol gave it up: %+v", c)
	}
	expect(alice, &protocol.InFrame{Type: "assign_team", Conv: conv, Team: "team-gone"}, `no such team "team-gone"`)
	expect(cust, &protocol.InFrame{Type: "assign_team", Conv: conv, Team: billing}, "forbidden")

	// by a rule: new conversations whose customer writes "invoice"
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "rules_set", Rules: []protocol.Rule{{Name: "Invoices to Billing", When: []string{"message_in"},
		Conditions: []protocol.Condition{{Field: "text", Op: "contains", Value: "invoice"}, {Field: "team", Op: "absent"}},
		Actions:    []protocol.Action{{Type: "assign_team", Value: billing}}}}}); err != nil {
		t.Fatal(err)
	}
	expect(alice, &protocol.InFrame{Type: "rules_set", Rules: []protocol.Rule{{Name: "Gone", When: []string{"created"},
		Conditions: []protocol.Condition{{Field: "channel", Op: "is", Value: "web"}},
		Actions:    []protocol.Action{{Type: "assign_team", Value: "team-gone"}}}}}, `no such team "team-gone"`)
	for i, who := range []string{"agent-bob", "agent-bob", "agent-bob"} {
		o, err := cust.Start(ctx, "t-rule-"+string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cust.Message(ctx, o.Conversation.ID, "m", "Where is my invoice?"); err != nil {
			t.Fatal(err)
		}
		waitConv(t, st, o.Conversation.ID, 10*time.Second, "a rule gives it to Billing: Bob", func(c *state.ConversationRec) bool {
			return c.Team == billing && c.Assignee == who
		})
	}
	// the team's list, and a conversation of a deleted team routes to anyone
	if r, err := bob.Request(ctx, &protocol.InFrame{Type: "teams"}); err != nil || len(r.Teams) != 1 || r.Teams[0].ID != billing {
		t.Fatalf("teams: %+v, %v", r, err)
	}
	if r, err := alice.Request(ctx, &protocol.InFrame{Type: "team_set", Team: billing, Delete: true}); err != nil || len(r.Teams) != 0 {
		t.Fatalf("delete: %+v, %v", r, err)
	}
}
