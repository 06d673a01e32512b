package conversation_test

import (
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
)

// TestCustomStatuses: a tenant's own statuses map onto the six: setting
// one moves the conversation to its base, as the table allows; another
// of the same base changes only the label; any other change of status
// (a customer's reply) drops it; bad sets are refused, naming the status.
func TestCustomStatuses(t *testing.T) {
	d := newDesk(t)
	for _, bad := range []struct {
		list []event.CustomStatus
		says string
	}{
		{[]event.CustomStatus{{ID: "open", Label: "Open", Base: "open"}}, `id "open" is a status already`},
		{[]event.CustomStatus{{ID: "resolved", Label: "Done", Base: "solved"}}, `id "resolved" is a status already`},
		{[]event.CustomStatus{{ID: "x", Label: "X", Base: "new"}}, "base must be open, pending, on_hold, solved or closed"},
		{[]event.CustomStatus{{ID: "x", Label: "X", Base: "later"}}, "base must be"},
		{[]event.CustomStatus{{ID: "x", Label: "X", Base: "open"}, {ID: "x", Label: "Y", Base: "open"}}, `id "x" is used twice`},
		{[]event.CustomStatus{{ID: "Carrier", Label: "C", Base: "on_hold"}}, "lower-case"},
		{[]event.CustomStatus{{ID: "x", Label: strings.Repeat("x", 61), Base: "open"}}, "label must be 1-60 characters"},
	} {
		if _, err := d.svc.SetCustomStatuses(ctx, alice, bad.list); code(err) != "invalid" || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%+v: %v, want %q", bad.list, err, bad.says)
		}
	}
	if _, err := d.svc.SetCustomStatuses(ctx, bob, nil); code(err) != "forbidden" {
		t.Fatalf("an agent sets statuses: %v", err)
	}
	must(d.svc.SetCustomStatuses(ctx, alice, []event.CustomStatus{
		{ID: "waiting-carrier", Label: "Waiting on the carrier", Base: "on_hold"},
		{ID: "waiting-parts", Label: "Waiting for parts", Base: "on_hold"},
		{ID: "refunded", Label: "Refunded", Base: "solved"},
	}))
	c := d.open(t, ana, "cs")
	must(d.svc.Post(ctx, bob, c, conversation.Post{ClientID: "a1", Text: "Let me ask the carrier."}))
	must(d.svc.SetStatus(ctx, bob, c.ID, "waiting-carrier", 0))
	got := must(d.store.Conversation(tenant, c.ID))
	if got.Status != event.StatusOnHold || got.CustomStatus != "waiting-carrier" {
		t.Fatalf("after waiting-carrier: %s / %s", got.Status, got.CustomStatus)
	}
	if r := must(d.svc.SetStatus(ctx, bob, c.ID, "waiting-carrier", 0)); !r.Duplicate {
		t.Fatal("the same custom status again made a change")
	}
	must(d.svc.SetStatus(ctx, bob, c.ID, "waiting-parts", 0))
	got = must(d.store.Conversation(tenant, c.ID))
	if got.Status != event.StatusOnHold || got.CustomStatus != "waiting-parts" {
		t.Fatalf("after waiting-parts: %s / %s", got.Status, got.CustomStatus)
	}
	// the table still decides: a closed custom status needs solved first
	must(d.svc.Post(ctx, ana, got, conversation.Post{ClientID: "c1", Text: "Any news?"}))
	got = must(d.store.Conversation(tenant, c.ID))
	if got.Status != event.StatusOpen || got.CustomStatus != "" {
		t.Fatalf("after the customer's reply: %s / %q, want open and no custom status", got.Status, got.CustomStatus)
	}
	if _, err := d.svc.SetStatus(ctx, bob, c.ID, "shipped", 0); code(err) != "invalid" || !strings.Contains(err.Error(), "custom statuses") {
		t.Fatalf("an unknown status: %v", err)
	}
	must(d.svc.SetStatus(ctx, bob, c.ID, "refunded", 0))
	got = must(d.store.Conversation(tenant, c.ID))
	if got.Status != event.StatusSolved || got.CustomStatus != "refunded" {
		t.Fatalf("after refunded: %s / %s", got.Status, got.CustomStatus)
	}
	// a macro (as a rule) sets a custom status by its id too
	must(d.svc.SetMacros(ctx, alice, []event.Macro{{ID: "parts", Name: "Waiting for parts", Actions: []event.Action{{Type: "set_status", Value: "waiting-parts"}}}}))
	must(d.svc.SetStatus(ctx, bob, c.ID, "open", 0))
	must(d.svc.ApplyMacro(ctx, bob, c.ID, "parts"))
	if got = must(d.store.Conversation(tenant, c.ID)); got.Status != event.StatusOnHold || got.CustomStatus != "waiting-parts" {
		t.Fatalf("after the macro: %s / %s", got.Status, got.CustomStatus)
	}
	statuses := 0
	for _, it := range timeline(t, d, c.ID) {
		if it.Kind == "status" && it.CustomStatus != "" {
			statuses++
		}
	}
	if statuses != 4 {
		t.Fatalf("%d status items with a custom status, want 4", statuses)
	}
}
