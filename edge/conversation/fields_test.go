package conversation_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
)

// TestCustomFields: admins set the tenant's fields (bad ones refused,
// naming the field, nothing stored); agents set values, each checked and
// kept in its normal form; a field required to solve stops agents, rules
// and macros from solving until it has a value.
func TestCustomFields(t *testing.T) {
	d := newDesk(t)
	many := make([]string, 10_000)
	for i := range many {
		many[i] = fmt.Sprintf("option %d", i)
	}
	for _, c := range []struct {
		defs []event.FieldDef
		says string
	}{
		{[]event.FieldDef{{Key: "product", Label: "Product", Kind: "dropdown", Options: many}}, `field 1 ("product"): 10000 options: a drop-down has at most 500`},
		{[]event.FieldDef{{Key: "Order", Label: "Order", Kind: "text"}}, `field 1 ("Order"): key must be 1-32 lower-case letters`},
		{[]event.FieldDef{{Key: "a", Label: "A", Kind: "text"}, {Key: "a", Label: "B", Kind: "number"}}, `field 2 ("a"): key is used by another field`},
		{[]event.FieldDef{{Key: "a", Label: "A", Kind: "colour"}}, `kind "colour": one of text, number, date, dropdown, checkbox`},
		{[]event.FieldDef{{Key: "a", Label: "A", Kind: "text", Options: []string{"x"}}}, "only a drop-down has options"},
		{[]event.FieldDef{{Key: "a", Label: "A", Kind: "dropdown"}}, "a drop-down needs options"},
		{[]event.FieldDef{{Key: "a", Label: "A", Kind: "dropdown", Options: []string{"x", "x"}}}, `option "x" is there twice`},
		{[]event.FieldDef{{Key: "type", Label: "Type", Kind: "dropdown", Options: []string{"bug"}}}, "the type's options are question, incident, problem, task"},
		{[]event.FieldDef{{Key: "a", Label: "", Kind: "text"}}, "label must be 1-100 characters"},
	} {
		if _, err := d.svc.SetFieldDefs(ctx, alice, c.defs); code(err) != "invalid" || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%+v: %v, want invalid saying %q", c.defs[0].Key, err, c.says)
		}
	}
	if defs := must(d.svc.FieldDefs(bob)); len(defs) != 1 || defs[0].Key != "type" {
		t.Fatalf("after refusals the fields are %+v, want the type alone", defs)
	}
	if _, err := d.svc.SetFieldDefs(ctx, bob, nil); code(err) != "forbidden" {
		t.Fatalf("an agent sets fields: %v", err)
	}
	defs := must(d.svc.SetFieldDefs(ctx, alice, []event.FieldDef{
		{Key: "order", Label: "Order number", Kind: "text", RequiredOnSolve: true},
		{Key: "amount", Label: "Amount", Kind: "number"},
		{Key: "due", Label: "Due", Kind: "date"},
		{Key: "vip", Label: "VIP", Kind: "checkbox"},
		{Key: "type", Label: "Type", Kind: "dropdown", Options: []string{"question", "incident"}, RequiredOnSolve: true},
	}))
	if len(defs) != 5 || defs[0].Key != "type" || defs[1].Key != "order" {
		t.Fatalf("fields as agents see them: %+v", defs)
	}

	c := d.open(t, ana, "fields")
	for _, bad := range []struct {
		set  map[string]string
		says string
	}{
		{map[string]string{"amount": "ten"}, `Amount: "ten" is not a number`},
		{map[string]string{"due": "31/12/2026"}, `Due: "31/12/2026" is not a date`},
		{map[string]string{"vip": "yes"}, `VIP: true or false, not "yes"`},
		{map[string]string{"type": "task"}, `Type: "task" is not one of its options`},
		{map[string]string{"colour": "red"}, `no custom field "colour"`},
		{map[string]string{"order": "  "}, "Order number: text of 1-4000 bytes"},
	} {
		if _, err := d.svc.SetFields(ctx, bob, c.ID, bad.set, nil); code(err) != "invalid" || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%v: %v, want invalid saying %q", bad.set, err, bad.says)
		}
	}
	if _, err := d.svc.SetFields(ctx, ana, c.ID, map[string]string{"order": "1"}, nil); code(err) != "forbidden" {
		t.Fatalf("a customer sets a field: %v", err)
	}
	must(d.svc.Post(ctx, bob, c, conversation.Post{ClientID: "a1", Text: "answer"}))
	if _, err := d.svc.SetStatus(ctx, bob, c.ID, "solved", 0); code(err) != "invalid" || !strings.Contains(err.Error(), "solving needs Type, Order number: set them first") {
		t.Fatalf("solving without the required fields: %v", err)
	}
	must(d.svc.SetFields(ctx, bob, c.ID, map[string]string{"type": "incident", "amount": " 12.50 ", "due": "2026-12-31", "vip": "true"}, nil))
	got := must(d.store.Conversation(tenant, c.ID))
	want := []event.FieldValue{{Key: "amount", Value: "12.5"}, {Key: "due", Value: "2026-12-31"}, {Key: "type", Value: "incident"}, {Key: "vip", Value: "true"}}
	if !slices.Equal(got.Fields, want) {
		t.Fatalf("values %+v, want %+v", got.Fields, want)
	}
	// a rule cannot solve it either: its step is skipped, saying why
	must(d.svc.SetRules(ctx, alice, []event.Rule{{ID: "solve", Name: "Solve VIPs", When: []string{"fields_changed"},
		Conditions: []event.Condition{{Field: "field.vip", Op: "is", Value: "true"}, {Field: "field.amount", Op: "present"}},
		Actions:    []event.Action{{Type: "set_status", Value: "solved"}, {Type: "set_field", Field: "amount", Value: ""}}}}))
	must(d.svc.SetFields(ctx, bob, c.ID, map[string]string{"vip": "false"}, nil))
	must(d.svc.SetFields(ctx, bob, c.ID, map[string]string{"vip": "true"}, nil))
	d.runRules(t)
	got = must(d.store.Conversation(tenant, c.ID))
	if got.Status == event.StatusSolved || slices.ContainsFunc(got.Fields, func(v event.FieldValue) bool { return v.Key == "amount" }) {
		t.Fatalf("after the rule: %s %+v; want not solved, amount cleared", got.Status, got.Fields)
	}
	skipped := ""
	for _, it := range timeline(t, d, c.ID) {
		if it.Kind == "automation" {
			skipped = it.Text
		}
	}
	if !strings.Contains(skipped, "solving needs Order number") {
		t.Fatalf("the rule's skipped step says %q", skipped)
	}
	if _, err := d.svc.SetRules(ctx, alice, []event.Rule{{ID: "x", Name: "X", When: []string{"created"},
		Conditions: []event.Condition{{Field: "field.colour", Op: "is", Value: "red"}}, Actions: []event.Action{{Type: "unassign"}}}}); code(err) != "invalid" ||
		!strings.Contains(err.Error(), `unknown field "field.colour": the tenant has no custom field "colour"`) {
		t.Fatalf("a rule on an unknown custom field: %v", err)
	}
	if _, err := d.svc.SetRules(ctx, alice, []event.Rule{{ID: "x", Name: "X", When: []string{"created"},
		Conditions: []event.Condition{{Field: "field.type", Op: "is", Value: "task"}}, Actions: []event.Action{{Type: "unassign"}}}}); code(err) != "invalid" ||
		!strings.Contains(err.Error(), `"task" is not one of its options`) {
		t.Fatalf("a rule on a value the field does not take: %v", err)
	}
	must(d.svc.SetFields(ctx, bob, c.ID, map[string]string{"order": "A-1042"}, nil))
	must(d.svc.SetStatus(ctx, bob, c.ID, "solved", 0))
}
