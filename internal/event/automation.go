package event

import "unicode/utf8"

// Automation's events: a tenant's rules and macros are set whole (so that
// the set is checked whole: its cycles, its ids), the clock says a time
// rule's time has come, and every change a rule makes carries an AutoRef
// that names the firing it belongs to (internal/automation,
// docs/automation.md).

// Rule is an automation rule: when one of its triggers happens to a
// conversation and its conditions hold, its actions run, in order, once.
// A time rule (When ["time"]) runs AfterS seconds after the moment Since
// names, if its conditions still hold then.
type Rule struct {
	ID       string `cbor:"1,keyasint" json:"id"`
	Name     string `cbor:"2,keyasint" json:"name"`
	Disabled bool   `cbor:"3,keyasint,omitempty" json:"disabled,omitempty"`
	// When are its triggers (automation.Triggers).
	When []string `cbor:"4,keyasint" json:"when"`
	// Since and AfterS make a time rule: the moment (status, created,
	// customer_message, agent_message) and the seconds after it.
	Since  string `cbor:"5,keyasint,omitempty" json:"since,omitempty"`
	AfterS int64  `cbor:"6,keyasint,omitempty" json:"after_s,omitempty"`
	// Match is "all" (the default, "") or "any" of the conditions.
	Match      string      `cbor:"7,keyasint,omitempty" json:"match,omitempty"`
	Conditions []Condition `cbor:"8,keyasint" json:"conditions"`
	Actions    []Action    `cbor:"9,keyasint" json:"actions"`
}

// Condition tests one field of a conversation, its customer or the event
// that triggered the rule (automation.Fields).
type Condition struct {
	Field  string   `cbor:"1,keyasint" json:"field"`
	Op     string   `cbor:"2,keyasint" json:"op"`
	Value  string   `cbor:"3,keyasint,omitempty" json:"value,omitempty"`
	Values []string `cbor:"4,keyasint,omitempty" json:"values,omitempty"`
}

// Action is one change a rule or a macro makes (automation.ActionTypes):
// Value is an agent, a status or a priority, Tags the tags to add or
// remove, Text a reply's or a note's, AfterS a snooze's length.
type Action struct {
	Type   string   `cbor:"1,keyasint" json:"type"`
	Value  string   `cbor:"2,keyasint,omitempty" json:"value,omitempty"`
	Tags   []string `cbor:"3,keyasint,omitempty" json:"tags,omitempty"`
	Text   string   `cbor:"4,keyasint,omitempty" json:"text,omitempty"`
	AfterS int64    `cbor:"5,keyasint,omitempty" json:"after_s,omitempty"`
	// Field is the custom field set_field sets.
	Field string `cbor:"6,keyasint,omitempty" json:"field,omitempty"`
}

// Macro is a named list of actions an agent applies to a conversation in
// one step.
type Macro struct {
	ID      string   `cbor:"1,keyasint" json:"id"`
	Name    string   `cbor:"2,keyasint" json:"name"`
	Actions []Action `cbor:"3,keyasint" json:"actions"`
}

// RuleSet is the body of automation.rules_set: all of a tenant's rules,
// in the order they run.
type RuleSet struct {
	Rules []Rule `cbor:"1,keyasint"`
}

// MacroSet is the body of automation.macros_set: all of a tenant's
// macros.
type MacroSet struct {
	Macros []Macro `cbor:"1,keyasint"`
}

// AutoDue is the body of automation.due: the time of time rule Rule has
// come for conversation Conv (Due, unix ms).
type AutoDue struct {
	Conv string `cbor:"1,keyasint"`
	Rule string `cbor:"2,keyasint"`
	Due  int64  `cbor:"3,keyasint"`
}

// AutoRef marks a change made by a rule: the firing (the rule, and the
// sequence of the event that triggered it), the action's index, and the
// rules whose changes led to this one (Chain, Rule last), which no rule of
// the chain follows again.
type AutoRef struct {
	Rule    string   `cbor:"1,keyasint"`
	Trigger uint64   `cbor:"2,keyasint"`
	Step    int      `cbor:"3,keyasint"`
	Chain   []string `cbor:"4,keyasint,omitempty"`
	// Plugin marks what is made of a `plugin` step: the plugin's answer
	// (automation.expanded) or why there is none (automation.skipped). A
	// step is taken only by a change that says what kind of step it is.
	Plugin bool `cbor:"5,keyasint,omitempty"`
}

// AutoExpand is the body of automation.expanded: what the automation
// plugin (By, name@version) answered to a rule's `plugin` step in
// conversation Conv, asked Task: the actions that take the step's place
// in the firing (none: the step is over), and a note for agents.
type AutoExpand struct {
	Conv    string   `cbor:"1,keyasint"`
	By      string   `cbor:"2,keyasint"`
	Task    string   `cbor:"3,keyasint,omitempty"`
	Actions []Action `cbor:"4,keyasint,omitempty"`
	Note    string   `cbor:"5,keyasint,omitempty"`
}

// AutoSkip is the body of automation.skipped: a rule's action that could
// not be made in conversation Conv (Reason says why, for agents); the
// firing goes on with the next.
type AutoSkip struct {
	Conv   string `cbor:"1,keyasint"`
	Reason string `cbor:"2,keyasint"`
}

// Bounds of automation, checked by every node on each event (the
// conversation service checks the rest: internal/automation).
const (
	MaxRules      = 200
	MaxMacros     = 200
	MaxConditions = 20
	MaxActions    = 10
	MaxValues     = 50
	MaxChain      = 8
	// MaxFiringSteps bounds a firing's steps: a rule's actions, of which
	// a plugin's step may become MaxActions.
	MaxFiringSteps = 2 * MaxActions
	maxSealedText  = 8 << 10
	MaxRuleName    = 100
	MaxActionText  = 4096
	maxValueBytes  = 256
	maxReasonBytes = 300
)

func validAction(a *Action) bool {
	if len(a.Type) > 32 || len(a.Field) > MaxFieldKey || len(a.Value) > MaxFieldValue || len(a.Tags) > MaxTagsChange || len(a.Text) > MaxActionText ||
		!utf8.ValidString(a.Text) || a.AfterS < 0 {
		return false
	}
	for _, t := range a.Tags {
		if !ValidTag(t) {
			return false
		}
	}
	return true
}

func validActions(list []Action) bool {
	if len(list) == 0 || len(list) > MaxActions {
		return false
	}
	for i := range list {
		if !validAction(&list[i]) {
			return false
		}
	}
	return true
}

func validRuleSet(s *RuleSet) bool {
	if s == nil || len(s.Rules) > MaxRules {
		return false
	}
	for _, r := range s.Rules {
		if !ValidID(r.ID) || len(r.Name) > MaxRuleName*4 || len(r.When) == 0 || len(r.When) > 16 || len(r.Conditions) > MaxConditions ||
			len(r.Since) > 32 || r.AfterS < 0 || len(r.Match) > 8 || !validActions(r.Actions) {
			return false
		}
		for _, c := range r.Conditions {
			if len(c.Field) > 96 || len(c.Op) > 32 || len(c.Value) > maxValueBytes || len(c.Values) > MaxValues {
				return false
			}
			for _, v := range c.Values {
				if len(v) > maxValueBytes {
					return false
				}
			}
		}
	}
	return true
}

func validMacroSet(s *MacroSet) bool {
	if s == nil || len(s.Macros) > MaxMacros {
		return false
	}
	for _, m := range s.Macros {
		if !ValidID(m.ID) || len(m.Name) > MaxRuleName*4 || !validActions(m.Actions) {
			return false
		}
	}
	return true
}

func validAutoRef(a *AutoRef) bool {
	return a == nil || ValidID(a.Rule) && a.Trigger > 0 && a.Step >= 0 && a.Step < MaxFiringSteps && len(a.Chain) <= MaxChain
}

func validAutoExpand(x *AutoExpand) bool {
	if x == nil || !ValidID(x.Conv) || len(x.By) > 200 || len(x.Task) > 64 || len(x.Actions) > MaxActions || len(x.Note) > maxSealedText {
		return false
	}
	for i := range x.Actions {
		a := x.Actions[i]
		// a reply's or a note's text is sealed in region (it may quote the
		// customer) and a sealed text is longer
		if len(a.Text) > maxSealedText {
			return false
		}
		a.Text = ""
		if !validAction(&a) {
			return false
		}
	}
	return true
}
