package automation

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// Refs says whether the ids rules name exist in the tenant.
type Refs interface {
	HasAgent(id string) bool
	HasInbox(id string) bool
	HasTeam(id string) bool
	// HasWebhook reports whether the tenant has the webhook endpoint id.
	HasWebhook(id string) bool
	// Field is the tenant's custom field of key (the type included), nil
	// when there is none.
	Field(key string) *event.FieldDef
	// CustomStatus is the base of the tenant's custom status id ("" when
	// there is none).
	CustomStatus(id string) string
}

// Check says what is wrong with a tenant's rules, as a whole: each error
// names the rule (its position, id and name) and what to change. Nothing
// of a set with an error is stored.
func Check(rules []event.Rule, refs Refs) error {
	if len(rules) > event.MaxRules {
		return fmt.Errorf("%d rules: a tenant has at most %d", len(rules), event.MaxRules)
	}
	seen := map[string]bool{}
	var errs []error
	for i := range rules {
		r := &rules[i]
		if err := checkRule(r, refs); err != nil {
			errs = append(errs, fmt.Errorf("rule %d (%s): %w", i+1, ruleName(r), err))
			continue
		}
		if seen[r.ID] {
			errs = append(errs, fmt.Errorf("rule %d (%s): id %q is used by another rule", i+1, ruleName(r), r.ID))
		}
		seen[r.ID] = true
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return cycles(rules)
}

func ruleName(r *event.Rule) string {
	if r.Name == "" {
		return fmt.Sprintf("%q", r.ID)
	}
	return fmt.Sprintf("%q, %q", r.ID, r.Name)
}

func checkRule(r *event.Rule, refs Refs) error {
	switch {
	case !event.ValidID(r.ID):
		return fmt.Errorf("id must be 1-64 letters, digits, '-' or '_'")
	case strings.TrimSpace(r.Name) == "" || utf8.RuneCountInString(r.Name) > MaxNameRune || !utf8.ValidString(r.Name):
		return fmt.Errorf("name must be 1-%d characters", MaxNameRune)
	case len(r.When) == 0:
		return fmt.Errorf("when is empty: name what triggers it (%s)", strings.Join(Triggers, ", "))
	case r.Match != "" && r.Match != "all" && r.Match != "any":
		return fmt.Errorf("match %q: all or any", r.Match)
	case len(r.Conditions) == 0:
		return fmt.Errorf("no conditions: it would run on every %s of every conversation; add a condition", strings.Join(r.When, " and "))
	case len(r.Conditions) > event.MaxConditions:
		return fmt.Errorf("%d conditions: at most %d", len(r.Conditions), event.MaxConditions)
	}
	for _, w := range r.When {
		if !slices.Contains(Triggers, w) {
			return fmt.Errorf("when %q is not a trigger: %s", w, strings.Join(Triggers, ", "))
		}
	}
	timed := slices.Contains(r.When, Time)
	if timed {
		after := time.Duration(r.AfterS) * time.Second
		switch {
		case len(r.When) > 1:
			return fmt.Errorf("a time rule has no other trigger: make two rules")
		case !slices.Contains(Sinces, r.Since):
			return fmt.Errorf("since %q: a time rule counts from %s", r.Since, strings.Join(Sinces, ", "))
		case after < MinAfter || after > MaxAfter:
			return fmt.Errorf("after_s %d: a time rule waits %d to %d seconds", r.AfterS, int(MinAfter.Seconds()), int(MaxAfter.Seconds()))
		}
	} else if r.Since != "" || r.AfterS != 0 {
		return fmt.Errorf("since and after_s go with the trigger time only")
	}
	for j := range r.Conditions {
		if err := checkCondition(&r.Conditions[j], r.When, refs); err != nil {
			return fmt.Errorf("condition %d: %w", j+1, err)
		}
	}
	return checkActions(r.Actions, refs)
}

func checkCondition(c *event.Condition, when []string, refs Refs) error {
	f, ok := field(c.Field)
	if !ok {
		return fmt.Errorf("unknown field %q: the fields are %s", c.Field, fieldNames())
	}
	var def *event.FieldDef
	if key, ok := strings.CutPrefix(c.Field, fieldPrefix); ok && refs != nil {
		if def = refs.Field(key); def == nil {
			return fmt.Errorf("unknown field %q: the tenant has no custom field %q", c.Field, key)
		}
	}
	if !slices.Contains(ops[f.kind], c.Op) {
		return fmt.Errorf("%s takes %s, not %q", c.Field, strings.Join(ops[f.kind], ", "), c.Op)
	}
	if f.triggers != nil {
		for _, w := range when {
			if !slices.Contains(f.triggers, w) {
				return fmt.Errorf("%s has a value only when the trigger is %s, not %s", c.Field, strings.Join(f.triggers, " or "), w)
			}
		}
	}
	var vals []string
	switch c.Op {
	case Present, Absent:
		if c.Value != "" || len(c.Values) > 0 {
			return fmt.Errorf("%s %s takes no value", c.Field, c.Op)
		}
		return nil
	case In, NotIn:
		if c.Value != "" || len(c.Values) == 0 {
			return fmt.Errorf("%s %s takes values (a list), not value", c.Field, c.Op)
		}
		vals = c.Values
	case Contains, NotContains:
		if f.kind == kindTags {
			if c.Value != "" || len(c.Values) == 0 {
				return fmt.Errorf("tags %s takes values: the tags", c.Op)
			}
			for _, t := range c.Values {
				if !event.ValidTag(t) {
					return fmt.Errorf("%q is not a tag: 1-%d letters, digits, '-', '_' or '.', in lower case", t, event.MaxTagRunes)
				}
			}
			return nil
		}
		fallthrough
	default:
		if len(c.Values) > 0 || c.Value == "" {
			return fmt.Errorf("%s %s takes one value", c.Field, c.Op)
		}
		vals = []string{c.Value}
	}
	if len(vals) > event.MaxValues {
		return fmt.Errorf("%d values: at most %d", len(vals), event.MaxValues)
	}
	for _, v := range vals {
		if !utf8.ValidString(v) || len(v) > 256 {
			return fmt.Errorf("a value is 1-256 bytes of UTF-8")
		}
		switch f.kind {
		case kindEnum:
			if !slices.Contains(f.values, v) {
				return fmt.Errorf("%s %q: one of %s", c.Field, v, strings.Join(f.values, ", "))
			}
		case kindBool:
			if v != "true" && v != "false" {
				return fmt.Errorf("%s is true or false, not %q", c.Field, v)
			}
		case kindField:
			if def != nil && (c.Op == Is || c.Op == IsNot || c.Op == In || c.Op == NotIn) {
				if _, err := ticket.Value(def, v); err != nil {
					return fmt.Errorf("%s: %v", c.Field, err)
				}
			}
		case kindID:
			if !event.ValidID(v) {
				return fmt.Errorf("%s %q is not an id", c.Field, v)
			}
			if c.Field == "assignee" && refs != nil && !refs.HasAgent(v) {
				return fmt.Errorf("assignee %q: no such agent", v)
			}
			if c.Field == "inbox" && refs != nil && !refs.HasInbox(v) {
				return fmt.Errorf("inbox %q: no such inbox", v)
			}
			if c.Field == "team" && refs != nil && !refs.HasTeam(v) {
				return fmt.Errorf("team %q: no such team", v)
			}
		}
	}
	return nil
}

func fieldNames() string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// CheckActions says what is wrong with a rule's or a macro's actions.
func CheckActions(list []event.Action, refs Refs) error { return checkActions(list, refs) }

func checkActions(list []event.Action, refs Refs) error {
	switch {
	case len(list) == 0:
		return fmt.Errorf("no actions: give what it does (%s)", strings.Join(ActionTypes, ", "))
	case len(list) > event.MaxActions:
		return fmt.Errorf("%d actions: at most %d", len(list), event.MaxActions)
	}
	for i := range list {
		if err := checkAction(&list[i], refs); err != nil {
			return fmt.Errorf("action %d (%s): %w", i+1, list[i].Type, err)
		}
	}
	return nil
}

func checkAction(a *event.Action, refs Refs) error {
	only := func(value, tags, text, after bool) error {
		switch {
		case !value && a.Value != "":
			return fmt.Errorf("takes no value")
		case !tags && len(a.Tags) > 0:
			return fmt.Errorf("takes no tags")
		case !text && a.Text != "":
			return fmt.Errorf("takes no text")
		case !after && a.AfterS != 0:
			return fmt.Errorf("takes no after_s")
		case a.Type != SetField && a.Field != "":
			return fmt.Errorf("takes no field")
		}
		return nil
	}
	switch a.Type {
	case Assign:
		if !event.ValidID(a.Value) {
			return fmt.Errorf("value must be the agent's id")
		}
		if refs != nil && !refs.HasAgent(a.Value) {
			return fmt.Errorf("no such agent %q", a.Value)
		}
		return only(true, false, false, false)
	case Unassign:
		return only(false, false, false, false)
	case AssignTeam:
		if !event.ValidID(a.Value) {
			return fmt.Errorf("value must be the team's id")
		}
		if refs != nil && !refs.HasTeam(a.Value) {
			return fmt.Errorf("no such team %q", a.Value)
		}
		return only(true, false, false, false)
	case SetStatus:
		switch {
		case a.Value == event.StatusNew:
			return fmt.Errorf("nobody sets new")
		case !slices.Contains(event.Statuses, a.Value) && (refs == nil || refs.CustomStatus(a.Value) == ""):
			return fmt.Errorf("value %q: one of %s, or one of the tenant's custom statuses", a.Value, strings.Join(event.Statuses[1:], ", "))
		}
		return only(true, false, false, false)
	case Snooze:
		if d := time.Duration(a.AfterS) * time.Second; d < MinAfter || d > MaxSnooze {
			return fmt.Errorf("after_s %d: a snooze lasts %d to %d seconds", a.AfterS, int(MinAfter.Seconds()), int(MaxSnooze.Seconds()))
		}
		return only(false, false, false, true)
	case SetPriority:
		if !event.ValidPriority(a.Value) {
			return fmt.Errorf("value %q: one of %s", a.Value, strings.Join(event.Priorities, ", "))
		}
		return only(true, false, false, false)
	case AddTags, RemoveTags:
		if len(a.Tags) == 0 || len(a.Tags) > event.MaxTagsChange {
			return fmt.Errorf("give 1-%d tags", event.MaxTagsChange)
		}
		for _, t := range a.Tags {
			if !event.ValidTag(t) {
				return fmt.Errorf("%q is not a tag: 1-%d letters, digits, '-', '_' or '.', in lower case", t, event.MaxTagRunes)
			}
		}
		return only(false, true, false, false)
	case SetField:
		if a.Field == "" {
			return fmt.Errorf("field must be a custom field's key")
		}
		if refs != nil {
			def := refs.Field(a.Field)
			if def == nil {
				return fmt.Errorf("the tenant has no custom field %q", a.Field)
			}
			if a.Value != "" {
				if _, err := ticket.Value(def, a.Value); err != nil {
					return err
				}
			}
		}
		return only(true, false, false, false)
	case Reply, AddNote:
		if strings.TrimSpace(a.Text) == "" || len(a.Text) > event.MaxActionText || !utf8.ValidString(a.Text) {
			return fmt.Errorf("text must be 1-%d bytes of UTF-8", event.MaxActionText)
		}
		return only(false, false, true, false)
	case Webhook:
		if !event.ValidID(a.Value) {
			return fmt.Errorf("value must be the webhook endpoint's id")
		}
		if refs != nil && !refs.HasWebhook(a.Value) {
			return fmt.Errorf("no such webhook endpoint %q", a.Value)
		}
		return only(true, false, false, false)
	case Plugin:
		if !event.ValidID(a.Value) {
			return fmt.Errorf("value must be the task the plugin is asked (1-64 letters, digits, '-' or '_')")
		}
		return only(true, false, false, false)
	}
	return fmt.Errorf("unknown action type %q: %s", a.Type, strings.Join(ActionTypes, ", "))
}

// produces is the trigger an action makes happen ("" for none that a
// rule follows: a private note is followed by note rules, though). What
// a plugin answers is not known before it runs: its actions are checked
// when made, and a loop through a plugin is stopped at run time
// (event.MaxChain, no rule twice in a chain).
func produces(a *event.Action) string {
	switch a.Type {
	case Assign, Unassign:
		return Assigned
	case AssignTeam:
		return TeamChanged
	case SetStatus, Snooze:
		return StatusChanged
	case SetPriority:
		return PriorityChanged
	case AddTags, RemoveTags:
		return TagsChanged
	case Reply:
		return MessageOut
	case AddNote:
		return Note
	case SetField:
		return FieldsChanged
	}
	return ""
}

// admits reports whether rule r's conditions may hold after action a: a
// condition on the very field a sets that excludes a's value cannot. With
// match any, one condition that may hold is enough.
func admits(r *event.Rule, a *event.Action) bool {
	if r.Match == "any" {
		for i := range r.Conditions {
			if !excludes(&r.Conditions[i], a) {
				return true
			}
		}
		return false
	}
	for i := range r.Conditions {
		if excludes(&r.Conditions[i], a) {
			return false
		}
	}
	return true
}

// excludes reports whether condition c is false after action a.
func excludes(c *event.Condition, a *event.Action) bool {
	var v string
	switch {
	case c.Field == "status" && a.Type == SetStatus:
		v = a.Value
	case c.Field == "status" && a.Type == Snooze:
		v = event.StatusOnHold
	case c.Field == "priority" && a.Type == SetPriority:
		v = a.Value
	case c.Field == "assignee" && a.Type == Assign:
		v = a.Value
	case c.Field == "assignee" && a.Type == Unassign:
		return c.Op == Present || c.Op == Is
	case c.Field == "team" && a.Type == AssignTeam:
		v = a.Value
	case a.Type == SetField && c.Field == fieldPrefix+a.Field && c.Op != Contains && c.Op != NotContains:
		v = a.Value
	case c.Field == "tags" && a.Type == AddTags && c.Op == NotContains:
		return overlaps(c.Values, a.Tags)
	case c.Field == "tags" && a.Type == RemoveTags && c.Op == Contains:
		return overlaps(c.Values, a.Tags)
	case c.Field == "actor":
		return !enumHolds(c, "automation")
	default:
		return false
	}
	return !enumHolds(c, v)
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// enumHolds is an is/is_not/in/not_in/present/absent condition on v.
func enumHolds(c *event.Condition, v string) bool {
	switch c.Op {
	case Is:
		return v == c.Value
	case IsNot:
		return v != c.Value
	case In:
		return slices.Contains(c.Values, v)
	case NotIn:
		return !slices.Contains(c.Values, v)
	case Present:
		return v != ""
	case Absent:
		return v == ""
	}
	return true
}

// cycles refuses rules that may run each other in a circle: rule a leads
// to rule b when an action of a makes a change that triggers b and b's
// conditions may hold after it.
func cycles(rules []event.Rule) error {
	n := len(rules)
	next := make([][]int, n)
	for i := range rules {
		if rules[i].Disabled {
			continue
		}
		for j := range rules {
			if rules[j].Disabled {
				continue
			}
			for k := range rules[i].Actions {
				a := &rules[i].Actions[k]
				if p := produces(a); p != "" && slices.Contains(rules[j].When, p) && admits(&rules[j], a) {
					next[i] = append(next[i], j)
					break
				}
			}
		}
	}
	const (
		white = iota
		grey
		black
	)
	color := make([]int, n)
	var path []int
	var found []int
	var visit func(i int) bool
	visit = func(i int) bool {
		color[i] = grey
		path = append(path, i)
		for _, j := range next[i] {
			if color[j] == grey {
				found = append(slices.Clone(path[slices.Index(path, j):]), j)
				return true
			}
			if color[j] == white && visit(j) {
				return true
			}
		}
		path = path[:len(path)-1]
		color[i] = black
		return false
	}
	for i := range rules {
		if color[i] == white && visit(i) {
			names := make([]string, len(found))
			for k, j := range found {
				names[k] = ruleName(&rules[j])
			}
			if len(found) == 2 {
				return fmt.Errorf("rule %s runs itself again: an action makes the change that triggers it and its conditions still hold after it; add a condition that its own change makes false (for example tags not_contains the tag it adds)", names[0])
			}
			return fmt.Errorf("rules form a cycle: %s: each one's actions trigger the next; add a condition that breaks it", strings.Join(names, " → "))
		}
	}
	return nil
}
