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

// Facts are what a rule's conditions read: the conversation after the
// change, the change (Trigger, Actor, Text, SLAMeasure) and its time.
type Facts struct {
	Trigger string
	// Actor is ticket.ActorOf the change's actor.
	Actor                                                  string
	Status, Priority, Channel, Inbox, Assignee             string
	Language, Intent, Sentiment, Subject, Text, SLAMeasure string
	Tags                                                   []string
	// At is the change's time (unix ms); Hours the tenant's business
	// hours (nil: every moment is).
	At    int64
	Hours *sla.Schedule
	// Contact loads the customer when a condition reads them (nil: none).
	Contact func() *Contact

	contact *Contact
	loaded  bool
}

func (f *Facts) customer() *Contact {
	if !f.loaded {
		f.loaded = true
		if f.Contact != nil {
			f.contact = f.Contact()
		}
	}
	if f.contact == nil {
		return &Contact{}
	}
	return f.contact
}

// value is field name's value; ok false for a field without one here.
func (f *Facts) value(name string) string {
	switch name {
	case "status":
		return f.Status
	case "priority":
		if f.Priority == "" {
			return event.PriorityNormal
		}
		return f.Priority
	case "channel":
		if f.Channel == "" {
			return "web"
		}
		return f.Channel
	case "inbox":
		return f.Inbox
	case "assignee":
		return f.Assignee
	case "language":
		return f.Language
	case "intent":
		return f.Intent
	case "sentiment":
		return f.Sentiment
	case "subject":
		return f.Subject
	case "text":
		return f.Text
	case "actor":
		return f.Actor
	case "sla_measure":
		return f.SLAMeasure
	case "business_hours":
		if f.Hours == nil || f.Hours.Within(f.At, f.At+1) > 0 {
			return "true"
		}
		return "false"
	case "contact.name":
		return f.customer().Name
	case "contact.email":
		return f.customer().Email
	case "contact.language":
		return f.customer().Language
	}
	if key, ok := strings.CutPrefix(name, attrPrefix); ok {
		return f.customer().Attributes[key]
	}
	return ""
}

// holds evaluates condition c.
func (f *Facts) holds(c *event.Condition) bool {
	if c.Field == "tags" {
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
	v := f.value(c.Field)
	switch c.Op {
	case Contains:
		return containsFold(v, c.Value)
	case NotContains:
		return !containsFold(v, c.Value)
	case Is:
		if fieldKind(c.Field) == kindText {
			return strings.EqualFold(v, c.Value)
		}
	case IsNot:
		if fieldKind(c.Field) == kindText {
			return !strings.EqualFold(v, c.Value)
		}
	}
	return enumHolds(c, v)
}

func fieldKind(name string) kind {
	f, _ := field(name)
	return f.kind
}

// containsFold: sub in s, ignoring case.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// Holds reports whether r's conditions hold for f.
func Holds(r *event.Rule, f *Facts) bool {
	if r.Match == "any" {
		for i := range r.Conditions {
			if f.holds(&r.Conditions[i]) {
				return true
			}
		}
		return false
	}
	for i := range r.Conditions {
		if !f.holds(&r.Conditions[i]) {
			return false
		}
	}
	return true
}

// Set is a tenant's rules ready to run: by trigger, in their order.
type Set struct {
	byTrigger map[string][]*event.Rule
	timed     []*event.Rule
	rules     []event.Rule
}

// Compile makes a Set of rules as the log holds them: disabled rules and
// rules this node cannot read (from a newer node) are left out; their
// check was the conversation service's (Check).
func Compile(rules []event.Rule) *Set {
	s := &Set{byTrigger: map[string][]*event.Rule{}, rules: slices.Clone(rules)}
	for i := range s.rules {
		r := &s.rules[i]
		if r.Disabled || checkRule(r, nil) != nil {
			continue
		}
		for _, w := range r.When {
			if w == Time {
				s.timed = append(s.timed, r)
				continue
			}
			s.byTrigger[w] = append(s.byTrigger[w], r)
		}
	}
	return s
}

// Match returns the rules that f fires, in their order, leaving out those
// of chain (the rules whose changes led to this one: none runs twice in
// a chain) and every rule once the chain is event.MaxChain long.
func (s *Set) Match(f *Facts, chain []string) []*event.Rule {
	if s == nil || len(chain) >= event.MaxChain {
		return nil
	}
	var out []*event.Rule
	for _, r := range s.byTrigger[f.Trigger] {
		if !slices.Contains(chain, r.ID) && Holds(r, f) {
			out = append(out, r)
		}
	}
	return out
}

// Timed are the time rules.
func (s *Set) Timed() []*event.Rule {
	if s == nil {
		return nil
	}
	return s.timed
}

// Rule is the rule of id that runs (nil when none: unknown or disabled).
func (s *Set) Rule(id string) *event.Rule {
	if s == nil {
		return nil
	}
	for _, r := range s.timed {
		if r.ID == id {
			return r
		}
	}
	for _, list := range s.byTrigger {
		for _, r := range list {
			if r.ID == id {
				return r
			}
		}
	}
	return nil
}

// Stopped reports whether a chain is as long as chains go: the rules it
// would fire are not run (a loop, stopped).
func Stopped(chain []string) bool { return len(chain) >= event.MaxChain }
