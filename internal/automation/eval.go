package automation

import (
	"slices"
	"strings"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/sla"
)

// Contact is what conditions read of the customer.
type Contact struct {
	Name, Email, Language string
	Attributes            map[string]string
}

// Customer loads the customer of the conversation (nil when there is
// none).
type Customer interface{ Customer() *Contact }

// CustomerFunc is a Customer.
type CustomerFunc func() *Contact

// Customer calls f.
func (f CustomerFunc) Customer() *Contact { return f() }

// Facts are what a rule's conditions read: the conversation after the
// change, the change (Trigger, Actor, Text, SLAMeasure) and its time.
type Facts struct {
	Trigger string
	// Actor is ticket.ActorOf the change's actor.
	Actor                                                          string
	Status, CustomStatus, Priority, Channel, Inbox, Assignee, Team string
	Language, Intent, Sentiment, Subject, Text, SLAMeasure         string
	Tags                                                           []string
	// Fields are the conversation\'s custom fields\' values.
	Fields []event.FieldValue
	// At is the change's time (unix ms); Hours the tenant's business
	// hours (nil: every moment is).
	At    int64
	Hours *sla.Schedule
	// Customer loads the customer when a condition reads them (nil:
	// none).
	Customer Customer

	contact *Contact
	loaded  bool
	// the text and the subject in lower case, once read
	lowText, lowSubject *string
}

// lower is v, field id's value, in lower case (the text's and the
// subject's are lowered once per event).
func (f *Facts) lower(id int, v string) string {
	var p **string
	switch id {
	case fText:
		p = &f.lowText
	case fSubject:
		p = &f.lowSubject
	default:
		return strings.ToLower(v)
	}
	if *p == nil {
		l := strings.ToLower(v)
		*p = &l
	}
	return **p
}

func (f *Facts) customer() *Contact {
	if !f.loaded {
		f.loaded = true
		if f.Customer != nil {
			f.contact = f.Customer.Customer()
		}
	}
	if f.contact == nil {
		return &Contact{}
	}
	return f.contact
}

// Field ids, for evaluation without looking names up.
const (
	fStatus = iota
	fPriority
	fChannel
	fInbox
	fAssignee
	fLanguage
	fIntent
	fSentiment
	fSubject
	fText
	fActor
	fSLAMeasure
	fBusinessHours
	fContactName
	fContactEmail
	fContactLanguage
	fAttribute
	fTags
	fTeam
	fField
	fCustomStatus
)

var fieldIDs = map[string]int{"status": fStatus, "priority": fPriority, "channel": fChannel, "inbox": fInbox, "assignee": fAssignee,
	"language": fLanguage, "intent": fIntent, "sentiment": fSentiment, "subject": fSubject, "text": fText, "actor": fActor,
	"sla_measure": fSLAMeasure, "business_hours": fBusinessHours, "contact.name": fContactName, "contact.email": fContactEmail,
	"contact.language": fContactLanguage, "tags": fTags, "team": fTeam, "custom_status": fCustomStatus}

// value is a field's value.
func (f *Facts) value(c *cond) string {
	switch c.id {
	case fStatus:
		return f.Status
	case fPriority:
		if f.Priority == "" {
			return event.PriorityNormal
		}
		return f.Priority
	case fChannel:
		if f.Channel == "" {
			return "web"
		}
		return f.Channel
	case fInbox:
		return f.Inbox
	case fAssignee:
		return f.Assignee
	case fTeam:
		return f.Team
	case fCustomStatus:
		return f.CustomStatus
	case fLanguage:
		return f.Language
	case fIntent:
		return f.Intent
	case fSentiment:
		return f.Sentiment
	case fSubject:
		return f.Subject
	case fText:
		return f.Text
	case fActor:
		return f.Actor
	case fSLAMeasure:
		return f.SLAMeasure
	case fBusinessHours:
		if f.Hours == nil || f.Hours.Within(f.At, f.At+1) > 0 {
			return "true"
		}
		return "false"
	case fContactName:
		return f.customer().Name
	case fContactEmail:
		return f.customer().Email
	case fContactLanguage:
		return f.customer().Language
	case fAttribute:
		return f.customer().Attributes[c.key]
	case fField:
		for _, v := range f.Fields {
			if v.Key == c.key {
				return v.Value
			}
		}
	}
	return ""
}

// cond is a condition ready to evaluate: its field's id and kind, and
// its value in lower case for the comparisons that ignore case.
type cond struct {
	*event.Condition
	id   int
	kind kind
	key  string // an attribute's
	low  string
}

func compileCond(c *event.Condition) cond {
	f, _ := field(c.Field)
	out := cond{Condition: c, kind: f.kind, low: strings.ToLower(c.Value)}
	if key, ok := strings.CutPrefix(c.Field, attrPrefix); ok {
		out.id, out.key = fAttribute, key
	} else if key, ok := strings.CutPrefix(c.Field, fieldPrefix); ok {
		out.id, out.key = fField, key
	} else {
		out.id = fieldIDs[c.Field]
	}
	return out
}

// holds evaluates condition c.
func (f *Facts) holds(c *cond) bool {
	if c.id == fTags {
		switch c.Op {
		case Contains:
			for _, t := range c.Values {
				if !slices.Contains(f.Tags, t) {
					return false
				}
			}
			return true
		case NotContains:
			return !overlaps(c.Values, f.Tags)
		case Present:
			return len(f.Tags) > 0
		case Absent:
			return len(f.Tags) == 0
		}
		return false
	}
	v := f.value(c)
	switch c.Op {
	case Contains:
		return strings.Contains(f.lower(c.id, v), c.low)
	case NotContains:
		return !strings.Contains(f.lower(c.id, v), c.low)
	case Is:
		if c.kind == kindText || c.kind == kindField {
			return strings.EqualFold(v, c.Value)
		}
	case IsNot:
		if c.kind == kindText || c.kind == kindField {
			return !strings.EqualFold(v, c.Value)
		}
	}
	return enumHolds(c.Condition, v)
}

// Rule is a rule ready to run.
type Rule struct {
	*event.Rule
	conds []cond
}

func compileRule(r *event.Rule) *Rule {
	c := &Rule{Rule: r, conds: make([]cond, len(r.Conditions))}
	for i := range r.Conditions {
		c.conds[i] = compileCond(&r.Conditions[i])
	}
	return c
}

// Holds reports whether the rule's conditions hold for f.
func (r *Rule) Holds(f *Facts) bool {
	if r.Match == "any" {
		for i := range r.conds {
			if f.holds(&r.conds[i]) {
				return true
			}
		}
		return false
	}
	for i := range r.conds {
		if !f.holds(&r.conds[i]) {
			return false
		}
	}
	return true
}

// Set is a tenant's rules ready to run: by trigger, in their order.
type Set struct {
	byTrigger map[string][]*Rule
	timed     []*Rule
	byID      map[string]*Rule
}

// Compile makes a Set of rules as the log holds them: disabled rules and
// rules this node cannot read (from a newer node) are left out; their
// check was the conversation service's (Check).
func Compile(rules []event.Rule) *Set {
	s := &Set{byTrigger: map[string][]*Rule{}, byID: map[string]*Rule{}}
	rules = slices.Clone(rules)
	for i := range rules {
		r := &rules[i]
		if r.Disabled || checkRule(r, nil) != nil {
			continue
		}
		c := compileRule(r)
		s.byID[r.ID] = c
		for _, w := range r.When {
			if w == Time {
				s.timed = append(s.timed, c)
				continue
			}
			s.byTrigger[w] = append(s.byTrigger[w], c)
		}
	}
	return s
}

// Match returns the rules that f fires, in their order, leaving out those
// of chain (the rules whose changes led to this one: none runs twice in
// a chain) and every rule once the chain is event.MaxChain long.
func (s *Set) Match(f *Facts, chain []string) []*event.Rule { return s.MatchAppend(nil, f, chain) }

// MatchAppend is Match appending to out.
func (s *Set) MatchAppend(out []*event.Rule, f *Facts, chain []string) []*event.Rule {
	if s == nil || len(chain) >= event.MaxChain {
		return out
	}
	for _, r := range s.byTrigger[f.Trigger] {
		if !slices.Contains(chain, r.ID) && r.Holds(f) {
			out = append(out, r.Rule)
		}
	}
	return out
}

// Timed are the time rules.
func (s *Set) Timed() []*Rule {
	if s == nil {
		return nil
	}
	return s.timed
}

// Rule is the rule of id that runs (nil when none: unknown or disabled).
func (s *Set) Rule(id string) *event.Rule {
	if s == nil || s.byID[id] == nil {
		return nil
	}
	return s.byID[id].Rule
}

// Stopped reports whether a chain is as long as chains go: the rules it
// would fire are not run (a loop, stopped).
func Stopped(chain []string) bool { return len(chain) >= event.MaxChain }
