package automation_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/internal/automation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/sla"
)

// docTable returns the first column (between backticks) and the second
// of each row of the table under heading in docs/automation.md.
func docTable(t *testing.T, heading string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/automation.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/automation.md has no %q", heading)
	}
	rows := map[string]string{}
	started := false
	for _, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "|") {
			if started {
				break
			}
			continue
		}
		started = true
		cells := strings.Split(line, "|")
		if len(cells) < 4 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		for _, name := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(cells[1], -1) {
			rows[name[1]] = strings.TrimSpace(cells[2])
		}
	}
	return rows
}

// TestDocsListWhatRulesSay: docs/automation.md lists exactly the
// triggers, the fields with their operators, and the action types of
// the code.
func TestDocsListWhatRulesSay(t *testing.T) {
	triggers := docTable(t, "### Triggers")
	delete(triggers, "trigger")
	if got := slices.Sorted(mapsKeys(triggers)); !slices.Equal(got, slices.Sorted(slices.Values(automation.Triggers))) {
		t.Errorf("docs' triggers %v, code's %v", got, automation.Triggers)
	}
	fields := docTable(t, "### Conditions")
	for _, f := range automation.Fields() {
		ops, ok := fields[f.Name]
		if !ok {
			t.Errorf("field %s is not in the docs", f.Name)
			continue
		}
		want := "`" + strings.Join(f.Ops(), "`, `") + "`"
		if ops != want {
			t.Errorf("field %s: docs say operators %s, code has %s", f.Name, ops, want)
		}
		delete(fields, f.Name)
	}
	for name := range fields {
		if name != "field" {
			t.Errorf("the docs list field %s, which the code does not have", name)
		}
	}
	actions := docTable(t, "### Actions")
	var names []string
	for name := range actions {
		names = append(names, name)
	}
	if got := slices.Sorted(slices.Values(names)); !slices.Equal(got, slices.Sorted(slices.Values(automation.ActionTypes))) {
		t.Errorf("docs' actions %v, code's %v", got, automation.ActionTypes)
	}
	sinces := docTable(t, "### Time rules")
	delete(sinces, "since")
	if got := slices.Sorted(mapsKeys(sinces)); !slices.Equal(got, slices.Sorted(slices.Values(automation.Sinces))) {
		t.Errorf("docs' sinces %v, code's %v", got, automation.Sinces)
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

type refs struct{}

func (refs) HasAgent(id string) bool   { return id == "alice" }
func (refs) HasInbox(id string) bool   { return id == "web" }
func (refs) HasTeam(id string) bool    { return id == "billing" }
func (refs) HasWebhook(id string) bool { return id == "crm" }
func (refs) CustomStatus(id string) string {
	if id == "waiting-carrier" {
		return "on_hold"
	}
	return ""
}
func (refs) Field(key string) *event.FieldDef {
	if key == "product" {
		return &event.FieldDef{Key: "product", Label: "Product", Kind: event.FieldDropdown, Options: []string{"phone", "tablet"}}
	}
	return nil
}

func rule(id string, when string, conds []event.Condition, acts ...event.Action) event.Rule {
	return event.Rule{ID: id, Name: strings.ToUpper(id), When: []string{when}, Conditions: conds, Actions: acts}
}

func cond(field, op, value string, values ...string) event.Condition {
	return event.Condition{Field: field, Op: op, Value: value, Values: values}
}

// TestCheckRefusesWithAMessage: each bad rule set is refused with a
// message naming the rule and the problem; good sets pass.
func TestCheckRefusesWithAMessage(t *testing.T) {
	email := []event.Condition{cond("channel", "is", "email")}
	hi := event.Action{Type: "set_priority", Value: "high"}
	cases := []struct {
		name  string
		rules []event.Rule
		says  string // "" passes
	}{
		{"good", []event.Rule{rule("a", "created", email, hi)}, ""},
		{"unknown field", []event.Rule{rule("a", "created", []event.Condition{cond("colour", "is", "red")}, hi)}, `rule 1 ("a", "A"): condition 1: unknown field "colour"`},
		{"unknown trigger", []event.Rule{rule("a", "whenever", email, hi)}, `when "whenever" is not a trigger`},
		{"matches every event", []event.Rule{rule("a", "created", nil, hi)}, "no conditions: it would run on every created"},
		{"bad op", []event.Rule{rule("a", "created", []event.Condition{cond("status", "contains", "open")}, hi)}, "status takes is, is_not, in, not_in, not \"contains\""},
		{"bad enum", []event.Rule{rule("a", "created", []event.Condition{cond("sentiment", "is", "angry")}, hi)}, `sentiment "angry": one of positive, neutral, negative`},
		{"in without values", []event.Rule{rule("a", "created", []event.Condition{cond("status", "in", "open")}, hi)}, "status in takes values"},
		{"text on the wrong trigger", []event.Rule{rule("a", "created", []event.Condition{cond("text", "contains", "x")}, hi)}, "text has a value only when the trigger is message_in or message_out or note"},
		{"unknown agent", []event.Rule{rule("a", "created", email, event.Action{Type: "assign", Value: "bob"})}, `no such agent "bob"`},
		{"unknown inbox", []event.Rule{rule("a", "created", []event.Condition{cond("inbox", "is", "mail")}, hi)}, `inbox "mail": no such inbox`},
		{"set new", []event.Rule{rule("a", "created", email, event.Action{Type: "set_status", Value: "new"})}, "nobody sets new"},
		{"a custom status", []event.Rule{rule("a", "created", email, event.Action{Type: "set_status", Value: "waiting-carrier"})}, ""},
		{"an unknown status", []event.Rule{rule("a", "created", email, event.Action{Type: "set_status", Value: "shipped"})}, `value "shipped": one of open`},
		{"unknown action", []event.Rule{rule("a", "created", email, event.Action{Type: "explode"})}, `unknown action type "explode"`},
		{"no actions", []event.Rule{rule("a", "created", email)}, "no actions"},
		{"value where none", []event.Rule{rule("a", "created", email, event.Action{Type: "unassign", Value: "x"})}, "takes no value"},
		{"duplicate id", []event.Rule{rule("a", "created", email, hi), rule("a", "created", email, hi)}, `rule 2 ("a", "A"): id "a" is used by another rule`},
		{"time without since", []event.Rule{{ID: "t", Name: "T", When: []string{"time"}, AfterS: 3600, Conditions: email, Actions: []event.Action{hi}}}, `since "": a time rule counts from`},
		{"time too soon", []event.Rule{{ID: "t", Name: "T", When: []string{"time"}, Since: "status", AfterS: 5, Conditions: email, Actions: []event.Action{hi}}}, "after_s 5"},
		{"self loop", []event.Rule{rule("a", "tags_changed", email, event.Action{Type: "add_tags", Tags: []string{"x"}})}, `rule "a", "A" runs itself again`},
		{"self loop broken", []event.Rule{rule("a", "tags_changed", append(slices.Clone(email), cond("tags", "not_contains", "", "x")), event.Action{Type: "add_tags", Tags: []string{"x"}})}, ""},
		{"cycle of two", []event.Rule{
			rule("a", "priority_changed", []event.Condition{cond("priority", "is", "high")}, event.Action{Type: "set_status", Value: "open"}),
			rule("b", "status_changed", []event.Condition{cond("status", "is", "open")}, hi),
		}, `rules form a cycle: "a", "A" → "b", "B" → "a", "A"`},
		{"chain without cycle", []event.Rule{
			rule("a", "priority_changed", []event.Condition{cond("priority", "is", "high")}, event.Action{Type: "set_status", Value: "pending"}),
			rule("b", "status_changed", []event.Condition{cond("status", "is", "open")}, hi),
		}, ""},
		{"disabled rules make no cycle", []event.Rule{
			rule("a", "priority_changed", []event.Condition{cond("priority", "is", "high")}, event.Action{Type: "set_status", Value: "open"}),
			func() event.Rule {
				r := rule("b", "status_changed", []event.Condition{cond("status", "is", "open")}, hi)
				r.Disabled = true
				return r
			}(),
		}, ""},
		{"human only", []event.Rule{rule("a", "tags_changed", []event.Condition{cond("actor", "is", "agent")}, event.Action{Type: "add_tags", Tags: []string{"x"}})}, ""},
	}
	for _, c := range cases {
		err := automation.Check(c.rules, refs{})
		switch {
		case c.says == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.says != "" && (err == nil || !strings.Contains(err.Error(), c.says)):
			t.Errorf("%s: %v, want a refusal saying %q", c.name, err, c.says)
		}
	}
	many := make([]event.Rule, event.MaxRules+1)
	if err := automation.Check(many, refs{}); err == nil || !strings.Contains(err.Error(), "at most 200") {
		t.Errorf("too many rules: %v", err)
	}
}

// TestMatch: conditions read the facts as documented.
func TestMatch(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	hours := sla.Weekdays(loc, 9*time.Hour, 17*time.Hour)
	monday10 := time.Date(2026, 3, 2, 10, 0, 0, 0, loc).UnixMilli()
	monday20 := time.Date(2026, 3, 2, 20, 0, 0, 0, loc).UnixMilli()
	loaded := 0
	facts := func(at int64) *automation.Facts {
		return &automation.Facts{Trigger: "message_in", Actor: "customer", Status: "open", Text: "I want a REFUND", Tags: []string{"vip"},
			At: at, Hours: hours, Customer: automation.CustomerFunc(func() *automation.Contact {
				loaded++
				return &automation.Contact{Name: "Ann", Attributes: map[string]string{"plan": "Gold"}}
			})}
	}
	cases := []struct {
		c    event.Condition
		at   int64
		want bool
	}{
		{cond("text", "contains", "refund"), monday10, true},
		{cond("text", "not_contains", "refund"), monday10, false},
		{cond("priority", "is", "normal"), monday10, true},
		{cond("channel", "is", "web"), monday10, true},
		{cond("tags", "contains", "", "vip"), monday10, true},
		{cond("tags", "contains", "", "vip", "x"), monday10, false},
		{cond("tags", "not_contains", "", "x", "y"), monday10, true},
		{cond("assignee", "absent", ""), monday10, true},
		{cond("status", "in", "", "pending", "open"), monday10, true},
		{cond("business_hours", "is", "true"), monday10, true},
		{cond("business_hours", "is", "true"), monday20, false},
		{cond("attribute.plan", "is", "gold"), monday10, true},
		{cond("contact.name", "is", "Ann"), monday10, true},
		{cond("actor", "is", "agent"), monday10, false},
	}
	for _, c := range cases {
		set := automation.Compile([]event.Rule{rule("r", "message_in", []event.Condition{c.c}, event.Action{Type: "unassign"})})
		if got := len(set.Match(facts(c.at), nil)) == 1; got != c.want {
			t.Errorf("%+v: %v, want %v", c.c, got, c.want)
		}
	}
	// the customer is read only for conditions on the customer
	loaded = 0
	set := automation.Compile([]event.Rule{rule("r", "message_in", []event.Condition{cond("status", "is", "open")}, event.Action{Type: "unassign"})})
	if len(set.Match(facts(monday10), nil)) != 1 || loaded != 0 {
		t.Errorf("a status condition loaded the customer %d times", loaded)
	}
	// a rule of the chain does not run again; a long chain runs nothing
	if len(set.Match(facts(monday10), []string{"r"})) != 0 {
		t.Error("a rule ran twice in one chain")
	}
	long := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	if len(set.Match(facts(monday10), long)) != 0 || !automation.Stopped(long) {
		t.Error("a chain of 8 went on")
	}
	any := rule("any", "message_in", []event.Condition{cond("status", "is", "closed"), cond("text", "contains", "refund")}, event.Action{Type: "unassign"})
	any.Match = "any"
	if len(automation.Compile([]event.Rule{any}).Match(facts(monday10), nil)) != 1 {
		t.Error("match any did not match on its second condition")
	}
}

// FuzzCheck: rules decoded from any JSON are checked without a panic, and
// a set Check accepts compiles to rules that evaluate.
func FuzzCheck(f *testing.F) {
	f.Add(`[{"id":"a","name":"A","when":["message_in"],"conditions":[{"field":"text","op":"contains","value":"x"}],"actions":[{"type":"add_tags","tags":["x"]}]}]`)
	f.Add(`[{"id":"t","name":"T","when":["time"],"since":"status","after_s":60,"conditions":[{"field":"attribute.plan","op":"present"}],"actions":[{"type":"snooze","after_s":3600}]}]`)
	f.Add(`[{"id":"a","name":"A","when":["tags_changed"],"match":"any","conditions":[{"field":"tags","op":"not_contains","values":["x"]}],"actions":[{"type":"add_tags","tags":["x"]}]},{"id":"b","name":"B","when":["status_changed"],"conditions":[{"field":"status","op":"in","values":["open"]}],"actions":[{"type":"set_status","value":"open"}]}]`)
	f.Fuzz(func(t *testing.T, in string) {
		var rules []event.Rule
		if json.Unmarshal([]byte(in), &rules) != nil {
			return
		}
		if err := automation.Check(rules, refs{}); err != nil {
			if err.Error() == "" {
				t.Fatal("a refusal without a message")
			}
			return
		}
		set := automation.Compile(rules)
		for _, trig := range automation.Triggers {
			set.Match(&automation.Facts{Trigger: trig}, nil)
		}
	})
}
