// Package automation is the language of a tenant's automation rules and
// macros: what may trigger a rule, the fields its conditions test and the
// actions it takes (Triggers, Fields, ActionTypes), the check of a whole
// set before it is stored (Check: unknown fields, bad values, a rule with
// no condition, cycles between rules), and their evaluation (Set.Match),
// which is pure: the projector runs it on every node of a region at the
// same place in the log, so that every node fires the same rules
// (docs/automation.md).
package automation

import (
	"slices"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/internal/event"
)

// Triggers: what happens to a conversation that runs the rules.
const (
	Created         = "created"          // it was opened
	MessageIn       = "message_in"       // the customer wrote
	MessageOut      = "message_out"      // an agent (or a rule) answered in public
	Note            = "note"             // a private note was added
	Analyzed        = "analyzed"         // the NLP plugin read a customer's message
	StatusChanged   = "status_changed"   // its status changed
	PriorityChanged = "priority_changed" // its priority changed
	TagsChanged     = "tags_changed"     // tags were added or removed
	Assigned        = "assigned"         // it was assigned, or unassigned
	TeamChanged     = "team_changed"     // it was given to a team, or to none
	FieldsChanged   = "fields_changed"   // a custom field's value was set or cleared
	SLAWarning      = "sla_warning"      // a service level clock reached its warning
	SLABreach       = "sla_breach"       // a service level clock reached its target
	Time            = "time"             // AfterS since the moment Since names
)

// Triggers are the triggers, in the order the docs print them.
var Triggers = []string{Created, MessageIn, MessageOut, Note, Analyzed, StatusChanged, PriorityChanged, TagsChanged, Assigned,
	TeamChanged, FieldsChanged, SLAWarning, SLABreach, Time}

// The moments a time rule counts from (Rule.Since).
const (
	SinceStatus   = "status"           // the last change of status
	SinceCreated  = "created"          // the opening
	SinceCustomer = "customer_message" // the customer's last message
	SinceAgent    = "agent_message"    // an agent's last public answer
)

// Sinces are the moments of time rules.
var Sinces = []string{SinceStatus, SinceCreated, SinceCustomer, SinceAgent}

// Operators of conditions.
const (
	Is          = "is"
	IsNot       = "is_not"
	In          = "in"
	NotIn       = "not_in"
	Contains    = "contains"
	NotContains = "not_contains"
	Present     = "present"
	Absent      = "absent"
)

// Action types.
const (
	Assign      = "assign"       // Value: an agent id
	Unassign    = "unassign"     // back to the queue
	AssignTeam  = "assign_team"  // Value: a team id ("" none)
	SetStatus   = "set_status"   // Value: a status
	Snooze      = "snooze"       // on hold for AfterS seconds
	SetPriority = "set_priority" // Value: a priority
	AddTags     = "add_tags"     // Tags
	RemoveTags  = "remove_tags"  // Tags
	Reply       = "reply"        // Text: a public answer to the customer
	AddNote     = "add_note"     // Text: a private note for agents
	SetField    = "set_field"    // Field, Value: a custom field's value ("" clears it)
	// Webhook sends the conversation to one of the tenant's webhook
	// endpoints (Value: its id), signed (rules only, not macros).
	Webhook = "webhook"
	// Plugin asks the edge's automation plugin (Value: the task, passed
	// to it) and makes the actions it answers, checked as a rule's (rules
	// only, not macros).
	Plugin = "plugin"
)

// ActionTypes are the action types, in the order the docs print them.
var ActionTypes = []string{Assign, Unassign, AssignTeam, SetStatus, Snooze, SetPriority, AddTags, RemoveTags, SetField, Reply, AddNote, Webhook, Plugin}

// kind is how a field's values are compared.
type kind int

const (
	kindEnum   kind = iota // one of a list of values: is, is_not, in, not_in
	kindID                 // an id: is, is_not, in, not_in, present, absent
	kindText               // free text: is, is_not, contains, not_contains, present, absent
	kindTags               // a set of tags: contains (all of), not_contains (none of), present, absent
	kindBool               // "true" or "false": is
	kindString             // a short value: is, is_not, in, not_in, present, absent
	kindField              // a custom field's value: all but the tags'
)

var ops = map[kind][]string{
	kindEnum:   {Is, IsNot, In, NotIn},
	kindID:     {Is, IsNot, In, NotIn, Present, Absent},
	kindText:   {Is, IsNot, Contains, NotContains, Present, Absent},
	kindTags:   {Contains, NotContains, Present, Absent},
	kindBool:   {Is},
	kindString: {Is, IsNot, In, NotIn, Present, Absent},
	kindField:  {Is, IsNot, In, NotIn, Contains, NotContains, Present, Absent},
}

// Field is a field conditions test.
type Field struct {
	Name string
	kind kind
	// values are an enum's values.
	values []string
	// triggers are the only triggers the field has a value for (nil: all).
	triggers []string
	Doc      string
}

// The actors of the field "actor" (ticket.Actors, and none for time rules).
var actors = []string{"customer", "agent", "system", "automation", "timer"}

var fields = []Field{
	{Name: "status", kind: kindEnum, values: event.Statuses, Doc: "the conversation's status"},
	{Name: "custom_status", kind: kindString, Doc: "the id of the tenant's custom status it is in"},
	{Name: "priority", kind: kindEnum, values: event.Priorities, Doc: "its priority"},
	{Name: "channel", kind: kindEnum, values: []string{"web", "api", "email", "wechat", "wecom", "x", "telegram", "whatsapp"}, Doc: "how it came: web, api, email, wechat, wecom, x, telegram, whatsapp"},
	{Name: "inbox", kind: kindID, Doc: "its inbox's id"},
	{Name: "assignee", kind: kindID, Doc: "the id of the agent it is assigned to"},
	{Name: "team", kind: kindID, Doc: "the id of the team it is given to"},
	{Name: "tags", kind: kindTags, Doc: "its tags"},
	{Name: "language", kind: kindString, Doc: "the language the NLP plugin read in the customer's last message"},
	{Name: "intent", kind: kindString, Doc: "the intent the NLP plugin read"},
	{Name: "sentiment", kind: kindEnum, values: []string{"positive", "neutral", "negative"}, Doc: "the sentiment the NLP plugin read"},
	{Name: "subject", kind: kindText, Doc: "an e-mail conversation's subject"},
	{Name: "text", kind: kindText, triggers: []string{MessageIn, MessageOut, Note}, Doc: "the text of the message that triggered the rule"},
	{Name: "actor", kind: kindEnum, values: actors, Doc: "who made the change that triggered the rule: customer, agent, system, automation, timer"},
	{Name: "sla_measure", kind: kindEnum, values: event.SLAMeasures, triggers: []string{SLAWarning, SLABreach}, Doc: "the clock of an SLA warning or breach"},
	{Name: "business_hours", kind: kindBool, Doc: "whether it is within the tenant's business hours (its SLA policy's)"},
	{Name: "contact.name", kind: kindText, Doc: "the customer's name"},
	{Name: "contact.email", kind: kindText, Doc: "the customer's e-mail address"},
	{Name: "contact.language", kind: kindString, Doc: "the customer's language as the website says"},
	{Name: "attribute.<key>", kind: kindText, Doc: "an attribute of the customer the website gave (setUser)"},
	{Name: "field.<key>", kind: kindField, Doc: "a custom field's value (type is field.type)"},
}

// Fields are the fields conditions test, in the order the docs print
// them.
func Fields() []Field { return slices.Clone(fields) }

// Ops are the operators field f takes.
func (f Field) Ops() []string { return slices.Clone(ops[f.kind]) }

// Values are an enumerated field's values (nil for the others).
func (f Field) Values() []string { return slices.Clone(f.values) }

// Triggers are the triggers only which f has a value for (nil: all).
func (f Field) Triggers() []string { return slices.Clone(f.triggers) }

const (
	attrPrefix  = "attribute."
	fieldPrefix = "field."
)

func field(name string) (Field, bool) {
	if key, ok := strings.CutPrefix(name, fieldPrefix); ok {
		if !event.ValidFieldKey(key) {
			return Field{}, false
		}
		return Field{Name: name, kind: kindField}, true
	}
	if strings.HasPrefix(name, attrPrefix) {
		key := name[len(attrPrefix):]
		if key == "" || len(key) > 64 || !event.ValidID(key) {
			return Field{}, false
		}
		return Field{Name: name, kind: kindText}, true
	}
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Bounds of what rules say.
const (
	MinAfter    = time.Minute
	MaxAfter    = 365 * 24 * time.Hour
	MaxSnooze   = 365 * 24 * time.Hour
	MaxNameRune = event.MaxRuleName
)
