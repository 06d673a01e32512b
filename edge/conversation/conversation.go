// Package conversation holds the rules of a conversation: its commands
// (open, post a message or a private note, assign, status, priority, read,
// rate, the customer's profile) and the tenant's settings that shape them
// (canned responses, inboxes, agents' skills), each validated and
// authorised here and turned into events through a narrow store reader and
// an appender. Every channel is a client of it: the WebSocket gateway, the
// REST API, and the channels to come (e-mail, social). The channel is data
// (Actor.Channel); this package knows no transport.
package conversation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Channel is how a command reached the edge.
type Channel string

// Channels. New ones (e-mail, social) add theirs.
const (
	Web Channel = "web" // the widget and the console, over the WebSocket
	API Channel = "api" // the REST API
	// ChannelEmail is mail: received over SMTP or from a mailbox, answered
	// through a relay (edge/email).
	ChannelEmail Channel = "email"
)

// stored is the channel as events keep it: "" for the web, as in the
// events before channels.
func (c Channel) stored() string {
	if c == Web {
		return ""
	}
	return string(c)
}

// Actor is who runs a command: an agent, a customer, or the system (an
// API key acting for the tenant's back end).
type Actor struct {
	Tenant string
	Kind   string // event.ActorAgent, ActorCustomer or ActorSystem
	ID     string
	// Inbox is a customer's inbox.
	Inbox string
	// Admin marks a system actor that may change the tenant's settings
	// (an admin API key, the operator). An agent's role is read from the
	// store at each command, so a demotion takes effect at once.
	Admin   bool
	Channel Channel
}

// Agent is an agent acting.
func Agent(tenant, id string, ch Channel) Actor {
	return Actor{Tenant: tenant, Kind: event.ActorAgent, ID: id, Channel: ch}
}

// Customer is a customer acting.
func Customer(tenant, inbox, id string, ch Channel) Actor {
	return Actor{Tenant: tenant, Kind: event.ActorCustomer, ID: id, Inbox: inbox, Channel: ch}
}

// IsAgent reports whether a is an agent.
func (a Actor) IsAgent() bool { return a.Kind == event.ActorAgent }

// IsCustomer reports whether a is a customer.
func (a Actor) IsCustomer() bool { return a.Kind == event.ActorCustomer }

// staff: agents and the system see every conversation of the tenant.
func (a Actor) staff() bool { return a.Kind == event.ActorAgent || a.Kind == event.ActorSystem }

func (a Actor) event() event.Actor { return event.Actor{Kind: a.Kind, ID: a.ID} }

// Code classifies an Error. The values are the WebSocket protocol's error
// codes; the REST API maps them to HTTP statuses.
type Code string

// Codes.
const (
	Invalid     Code = "invalid"
	NotFound    Code = "not_found"
	Forbidden   Code = "forbidden"
	Unavailable Code = "unavailable"
)

// Error is a command refused: what was wrong, said so that the caller
// knows what to do.
type Error struct {
	Code Code
	Msg  string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Msg }

func invalid(format string, a ...any) error {
	return &Error{Invalid, fmt.Sprintf(format, a...)}
}

func forbidden(msg string) error { return &Error{Forbidden, msg} }

func notFound(msg string) error { return &Error{NotFound, msg} }

// CodeOf is err's code: an Error's, else Unavailable (the store or the log
// did not answer; a retry may work).
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Unavailable
}

// Store is what the commands read.
type Store interface {
	Tenant(t string) (*state.TenantRec, error)
	Conversation(t, id string) (*state.ConversationRec, error)
	Conversations(t string, statuses []string, before uint64, limit int) ([]state.ConversationRec, bool, error)
	ContactConversations(t, contact string, limit int) ([]state.ConversationRec, error)
	Timeline(t, conv string, before uint64, limit int, includePrivate bool) ([]state.Item, bool, error)
	TimelineItem(t, conv string, seq uint64) (*state.Item, error)
	Contact(t, id string) (*state.ContactRec, error)
	Contacts(t string, f state.ContactFilter, limit int) ([]state.ContactRec, bool, error)
	Inbox(t, id string) (*state.InboxRec, error)
	Inboxes(t string) ([]state.InboxRec, error)
	Agent(t, id string) (*state.AgentRec, error)
	Agents(t string) ([]state.AgentRec, error)
	Attachment(t, id string) (*state.AttachmentRec, error)
	CannedResponses(t string) ([]state.CannedRec, error)
	Rules(t string) ([]event.Rule, error)
	Macros(t string) ([]event.Macro, error)
	Teams(t string) ([]state.TeamRec, error)
	Team(t, id string) (*state.TeamRec, error)
	Hook(t, id string) (*state.HookRec, error)
	TenantHooks(t string) ([]state.HookRec, error)
	HookDeliveries(t, id string, dead bool, after uint64, limit int) ([]state.Delivery, error)
	FieldDefs(t string) ([]event.FieldDef, error)
	Views(t string) ([]event.View, error)
	CustomStatuses(t string) ([]event.CustomStatus, error)
}

// Appender appends an event to the region's log. done runs once the
// node's state has applied it, with its sequence (the original's, and dup
// set, for a repeat), or with the error that stopped it; events appended
// from one goroutine are applied in order. done must not block.
type Appender interface {
	AppendAsync(e *event.Event, done func(seq uint64, dup bool, err error))
}

// Decision is who gets a new conversation ("" queues it) and how that was
// decided.
type Decision struct {
	Agent, By, Note string
	Fallback        bool
}

// Router assigns new conversations (the gateway's, which knows who is
// online).
type Router interface {
	// Route decides who gets conv, then runs commit with the decision
	// while the tenant's decisions are held: commit appends the opening,
	// so the next decision sees this one.
	Route(ctx context.Context, conv *state.ConversationRec, in *state.InboxRec, commit func(Decision) error) error
	// Freed says an agent of tenant has a chat slot free: the queue is
	// offered to routing again.
	Freed(tenant string)
}

// Limits bound what commands take. Zero values take the defaults.
type Limits struct {
	MaxTextBytes int // a message's text; default 16 KiB
	// Platforms are the messaging platforms' limits on a reply, by
	// channel ("whatsapp", …): an agent's reply that breaks one is
	// refused with the platform's rule, before it is in the log.
	Platforms map[Channel]PlatformLimits
}

// PlatformLimits are what a messaging platform takes of a reply.
type PlatformLimits struct {
	Label string // "WhatsApp"
	// Window is how long after the customer's last message a reply may
	// go (0: no window).
	Window time.Duration
	// MaxText is a reply's longest text, in characters; MaxFile its
	// largest file, in bytes (0: no limit).
	MaxText int
	MaxFile int64
	// MaxTextBytes is the longest text in bytes of UTF-8, where the
	// platform counts bytes (0: no limit).
	MaxTextBytes int
	// Templates says the platform sends pre-approved templates, also
	// past its window.
	Templates bool
}

// Options build a Service.
type Options struct {
	Store  Store
	Log    Appender
	Router Router // nil: conversations open unassigned
	// ContactIDs derives the ids of contacts a website or a back end
	// identifies (required for Identify).
	ContactIDs *auth.ContactIDs
	Limits     Limits
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// Search is the full-text index (nil: Search is unavailable).
	Search Searcher
	// Sealer seals webhooks' signing secrets (nil: webhooks cannot be
	// set).
	Sealer Sealer
}

// Service runs the commands of the conversations of one edge.
type Service struct {
	store  Store
	log    Appender
	router Router
	ids    *auth.ContactIDs
	lim    Limits
	now    func() time.Time
	search Searcher
	sealer Sealer
}

// New returns a Service.
func New(o Options) *Service {
	if o.Limits.MaxTextBytes <= 0 {
		o.Limits.MaxTextBytes = 16 << 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{store: o.Store, log: o.Log, router: o.Router, ids: o.ContactIDs, lim: o.Limits, now: o.Now, search: o.Search, sealer: o.Sealer}
}

// MaxTextBytes is the longest text of a message.
func (s *Service) MaxTextBytes() int { return s.lim.MaxTextBytes }

// Result is what the log made of a command: the event's sequence, and
// whether it repeated an earlier one (the same client id or idempotency
// key), in which case Seq is the original's.
type Result struct {
	Seq       uint64
	Duplicate bool
}

// append appends e and waits until the state has applied it.
func (s *Service) append(ctx context.Context, e *event.Event) (Result, error) {
	type answer struct {
		r   Result
		err error
	}
	ch := make(chan answer, 1)
	s.log.AppendAsync(e, func(seq uint64, dup bool, err error) { ch <- answer{Result{seq, dup}, err} })
	select {
	case a := <-ch:
		return a.r, a.err
	case <-ctx.Done():
		return Result{}, fmt.Errorf("append %s: %w", e.Kind, ctx.Err())
	}
}

// readErr turns a store error into the command's: not found as notFound
// with msg, anything else as is (unavailable).
func readErr(err error, msg string) error {
	if errors.Is(err, state.ErrNotFound) {
		return notFound(msg)
	}
	return err
}
