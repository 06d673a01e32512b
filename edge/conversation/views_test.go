package conversation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// TestViews: the built-in views (mine, unassigned, my teams' queue,
// overdue) and a tenant's saved views select and order conversations as
// documented, with counts per agent; bad views are refused, naming them.
func TestViews(t *testing.T) {
	d := newDesk(t)
	team := must(d.svc.SetTeamSettings(ctx, alice, conversation.TeamSettings{Name: "Billing", Agents: []string{"bob"}}))
	must(d.svc.SetFieldDefs(ctx, alice, []event.FieldDef{{Key: "product", Label: "Product", Kind: "dropdown", Options: []string{"phone", "tablet"}}}))
	if _, err := d.j.Append(ctx, &event.Event{Kind: event.KindTenantUpserted, Tenant: tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "test"},
		TenantInfo: &event.Tenant{ID: tenant, SLA: &event.SLA{FirstResponse: [4]int64{3600, 3600, 60, 60}}}}); err != nil {
		t.Fatal(err)
	}
	// four conversations: bob's (normal), unassigned urgent, Billing's queue (high, phone), solved
	bobs := d.open(t, ana, "v1")
	must(d.svc.Assign(ctx, alice, bobs.ID, "bob"))
	urgent := d.open(t, ben, "v2")
	must(d.svc.SetPriority(ctx, alice, urgent.ID, "urgent"))
	queue := d.open(t, ana, "v3")
	must(d.svc.SetTeam(ctx, alice, queue.ID, team))
	must(d.svc.SetPriority(ctx, alice, queue.ID, "high"))
	must(d.svc.SetFields(ctx, alice, queue.ID, map[string]string{"product": "phone"}, nil))
	done := d.open(t, ben, "v4")
	must(d.svc.Post(ctx, alice, done, conversation.Post{ClientID: "a", Text: "answer"}))
	must(d.svc.SetStatus(ctx, alice, done.ID, "solved", 0))

	ids := func(convs []state.ConversationRec) string {
		var out []string
		for _, c := range convs {
			out = append(out, map[string]string{bobs.ID: "bobs", urgent.ID: "urgent", queue.ID: "queue", done.ID: "done"}[c.ID])
		}
		return strings.Join(out, ",")
	}
	view := func(a conversation.Actor, id string) string {
		t.Helper()
		convs, total, err := d.svc.ViewConversations(a, id, 0)
		if err != nil || total != len(convs) {
			t.Fatalf("view %s: %d of %d, %v", id, len(convs), total, err)
		}
		return ids(convs)
	}
	d.ahead.Store(int64(2 * time.Minute)) // high and urgent have 60 s to a first response
	for _, c := range []struct {
		who  conversation.Actor
		view string
		want string
	}{
		{bob, "mine", "bobs"},
		{alice, "mine", ""},
		{bob, "unassigned", "urgent,queue"},
		{bob, "my-teams", "queue"},
		{alice, "my-teams", ""},
		{bob, "overdue", "urgent,queue"},
	} {
		if got := view(c.who, c.view); got != c.want {
			t.Errorf("%s's %s: %q, want %q", c.who.ID, c.view, got, c.want)
		}
	}
	views := must(d.svc.SetViews(ctx, alice, []event.View{
		{Name: "Phones", Fields: []event.FieldValue{{Key: "product", Value: "phone"}}},
		{Name: "Solved lately", Statuses: []string{"solved"}, Sort: "created"},
		{Name: "Urgent first", Statuses: []string{"new", "open"}, Sort: "priority"},
	}))
	if got := view(bob, views[0].ID); got != "queue" {
		t.Errorf("phones: %q", got)
	}
	if got := view(bob, views[1].ID); got != "done" {
		t.Errorf("solved: %q", got)
	}
	if got := view(bob, views[2].ID); got != "urgent,queue,bobs" {
		t.Errorf("urgent first: %q", got)
	}
	counts := must(d.svc.ViewCounts(bob))
	if counts["mine"] != 1 || counts["unassigned"] != 2 || counts[views[1].ID] != 1 || counts["overdue"] != 2 {
		t.Errorf("bob's counts: %v", counts)
	}
	for _, bad := range []struct {
		v    event.View
		says string
	}{
		{event.View{Name: ""}, "name must be 1-100 characters"},
		{event.View{Name: "X", Statuses: []string{"done"}}, `status "done": one of`},
		{event.View{Name: "X", Sort: "random"}, `sort "random": one of last_activity, due, priority, created`},
		{event.View{Name: "X", Team: "team-gone"}, `team "team-gone": mine, none or a team's id`},
		{event.View{Name: "X", Fields: []event.FieldValue{{Key: "product", Value: "laptop"}}}, `"laptop" is not one of its options`},
		{event.View{ID: "mine", Name: "Mine again"}, `id "mine" is taken`},
	} {
		if _, err := d.svc.SetViews(ctx, alice, []event.View{bad.v}); code(err) != "invalid" || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%+v: %v, want %q", bad.v, err, bad.says)
		}
	}
	if _, err := d.svc.SetViews(ctx, bob, nil); code(err) != "forbidden" {
		t.Errorf("an agent sets views: %v", err)
	}
	if _, _, err := d.svc.ViewConversations(bob, "nope", 0); code(err) != "not_found" {
		t.Errorf("an unknown view: %v", err)
	}
}
