// Package ticket is a conversation's lifecycle as a ticket: its six
// statuses (event.Statuses), who causes each change of status (Actor),
// and the table of the transitions allowed (Table). Nothing else decides
// a status: the conversation service checks a change against the table
// before it is appended, the projector again when it applies one (so
// that of two changes that raced, the second is dropped on every node
// alike), and docs/tickets.md prints the same table.
package ticket

import (
	"fmt"
	"slices"
	"strings"

	"github.com/edgedesk/edgedesk/internal/event"
)

// Actor is who causes a change of status.
type Actor string

// The actors.
const (
	// Customer changes a status only by writing: a reply reopens.
	Customer Actor = "customer"
	// Agent is an agent in the console (or with a session token).
	Agent Actor = "agent"
	// System is the REST API (an API key), the operator, a channel.
	System Actor = "system"
	// Automation is a rule or a macro.
	Automation Actor = "automation"
	// Timer is the log's clock: a snooze that ends, a solved ticket
	// closed after its days.
	Timer Actor = "timer"
)

// Actors are the actors, in the table's order.
var Actors = []Actor{Customer, Agent, System, Automation, Timer}

// The event.Actor IDs of the system actors that are not the API: a timer
// is event.Actor{Kind: system, ID: TimerID}; a rule or macro's ID starts
// with AutomationPrefix.
const (
	TimerID          = "timer"
	AutomationPrefix = "automation:"
)

// ActorOf is who an event's actor is to the lifecycle.
func ActorOf(a event.Actor) Actor {
	switch a.Kind {
	case event.ActorCustomer:
		return Customer
	case event.ActorAgent:
		return Agent
	}
	switch {
	case a.ID == TimerID:
		return Timer
	case strings.HasPrefix(a.ID, AutomationPrefix):
		return Automation
	}
	return System
}

// Transition is a change of status the table allows, and who may make
// it.
type Transition struct {
	From, To string
	By       []Actor
	// How says what makes it, for docs/tickets.md.
	How string
}

var staff = []Actor{Agent, System, Automation}

// Table is every transition of the lifecycle. A change of status that is
// not here cannot happen; a status set to itself is no transition (an
// on_hold given a new time to wake up, say).
var Table = []Transition{
	{event.StatusNew, event.StatusOpen, staff, "an agent answers it, or sets it open"},
	{event.StatusNew, event.StatusPending, staff, "set pending: waiting on the customer"},
	{event.StatusNew, event.StatusOnHold, staff, "set on hold, or snoozed"},
	{event.StatusNew, event.StatusSolved, staff, "solved without a word (spam, a duplicate)"},
	{event.StatusOpen, event.StatusPending, staff, "set pending: waiting on the customer"},
	{event.StatusOpen, event.StatusOnHold, staff, "set on hold, or snoozed"},
	{event.StatusOpen, event.StatusSolved, staff, "solved"},
	{event.StatusPending, event.StatusOpen, []Actor{Customer, Agent, System, Automation}, "the customer replies, or it is set open"},
	{event.StatusPending, event.StatusOnHold, staff, "set on hold, or snoozed"},
	{event.StatusPending, event.StatusSolved, staff, "solved (a rule: no answer for days)"},
	{event.StatusOnHold, event.StatusOpen, []Actor{Customer, Agent, System, Automation, Timer}, "the customer writes, the snooze ends, or it is set open"},
	{event.StatusOnHold, event.StatusPending, staff, "set pending"},
	{event.StatusOnHold, event.StatusSolved, staff, "solved"},
	{event.StatusSolved, event.StatusOpen, []Actor{Customer, Agent, System, Automation}, "the customer replies, or it is reopened"},
	{event.StatusSolved, event.StatusPending, staff, "reopened as waiting on the customer"},
	{event.StatusSolved, event.StatusOnHold, staff, "reopened on hold"},
	{event.StatusSolved, event.StatusClosed, []Actor{Agent, System, Automation, Timer}, "closed: by hand, or its days after solving are up"},
}

// Find is the table's transition from → to, if there is one.
func Find(from, to string) (Transition, bool) {
	i := slices.IndexFunc(Table, func(t Transition) bool { return t.From == from && t.To == to })
	if i < 0 {
		return Transition{}, false
	}
	return Table[i], true
}

// Check says why by may not move a conversation from status from to
// status to, or nil when the table allows it (or to is from). Both are
// taken by their legacy names too (event.CanonicalStatus).
func Check(from, to string, by Actor) error {
	f, t := event.CanonicalStatus(from), event.CanonicalStatus(to)
	switch {
	case t == "":
		return fmt.Errorf("status %q: give one of %s", to, strings.Join(event.Statuses, ", "))
	case f == "":
		return fmt.Errorf("the conversation's status %q is unknown", from)
	case !slices.Contains(Actors, by):
		return fmt.Errorf("actor %q: the lifecycle knows %v", by, Actors)
	case f == t:
		if by == Customer || by == Timer {
			return fmt.Errorf("a %s does not set a status", by)
		}
		return nil
	}
	tr, ok := Find(f, t)
	switch {
	case !ok && t == event.StatusNew:
		return fmt.Errorf("%s → new: a conversation is new only until someone takes it up", f)
	case !ok && f == event.StatusClosed:
		return fmt.Errorf("closed → %s: a closed conversation is final; a customer's reply starts a new one", t)
	case !ok && t == event.StatusClosed:
		return fmt.Errorf("%s → closed: only a solved conversation is closed; solve it first", f)
	case !ok:
		return fmt.Errorf("%s → %s is no transition of the lifecycle (docs/tickets.md)", f, t)
	case !slices.Contains(tr.By, by):
		return fmt.Errorf("%s → %s is made by %s, not by a %s", f, t, joinActors(tr.By), by)
	}
	return nil
}

func joinActors(as []Actor) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// AfterMessage is the status a conversation in status from moves to when
// by writes in it: a customer's reply reopens a pending, on-hold or
// solved one; an agent's answer (not a private note) takes up a new one.
// A closed conversation takes no message (the conversation service
// starts a new one); one that raced in leaves it closed.
func AfterMessage(from string, by Actor, private bool) string {
	from = event.CanonicalStatus(from)
	switch {
	case by == Customer && (from == event.StatusPending || from == event.StatusOnHold || from == event.StatusSolved):
		return event.StatusOpen
	case by == Agent && !private && from == event.StatusNew:
		return event.StatusOpen
	}
	return from
}

// ForCustomer is how a status reads to the customer: in the statuses the
// chat widget has always known, open (new, open, on hold), pending
// (waiting on their reply) and resolved (solved), and closed, which a
// widget that does not know it shows as it would open (a newer one
// starts a new conversation at the customer's next message).
func ForCustomer(status string) string {
	switch s := event.CanonicalStatus(status); s {
	case event.StatusPending, event.StatusClosed:
		return s
	case event.StatusSolved:
		return event.StatusResolved
	}
	return event.StatusOpen
}
