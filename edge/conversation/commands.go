package conversation

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/sla"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// Conversation loads a conversation a may use: any of the tenant's for
// agents and the system, their own for a customer. Who may use a
// conversation never changes, so a caller may keep the answer for the
// commands that take one (Post).
func (s *Service) Conversation(a Actor, id string) (*state.ConversationRec, error) {
	if !event.ValidID(id) {
		return nil, invalid("conv must be a conversation id")
	}
	c, err := s.store.Conversation(a.Tenant, id)
	if err != nil {
		return nil, readErr(err, "no such conversation")
	}
	if !a.staff() && c.Contact != a.ID {
		return nil, forbidden("not your conversation")
	}
	return c, nil
}

// Open is a new conversation.
type Open struct {
	// ClientID names the conversation for its opener: opening again with
	// the same ClientID gives the same conversation.
	ClientID string
	// Lang is the customer's language tag (a routing hint).
	Lang string
	// Contact and Inbox: whom a system actor opens it for (a customer
	// opens their own, in their inbox). Inbox defaults to the contact's.
	Contact, Inbox string
}

// Opened is an opened conversation.
type Opened struct {
	Conv *state.ConversationRec
	Result
}

// Open opens a conversation for a customer, routed to an agent at once
// when one can take it, else queued. Customers open their own; agents and
// the system (the API) open one for a contact of the tenant (outreach, a
// back end relaying its own channel).
func (s *Service) Open(ctx context.Context, a Actor, o Open) (Opened, error) {
	if !event.ValidID(o.ClientID) {
		return Opened{}, invalid("client_id must be 1-64 letters, digits, '-' or '_'")
	}
	contact, inbox := a.ID, a.Inbox
	switch a.Kind {
	case event.ActorCustomer:
	case event.ActorSystem, event.ActorAgent:
		if !event.ValidID(o.Contact) {
			return Opened{}, invalid("contact must be a contact id")
		}
		ct, err := s.store.Contact(a.Tenant, o.Contact)
		if err != nil {
			return Opened{}, readErr(err, "no such contact")
		}
		contact, inbox = ct.ID, ct.Inbox
		if o.Inbox != "" {
			inbox = o.Inbox
		}
		if inbox == "" {
			return Opened{}, invalid("inbox: the contact has none; name the inbox")
		}
	default:
		return Opened{}, forbidden("unknown actor kind " + a.Kind)
	}
	conv := auth.DerivedID("c", a.Tenant, contact, o.ClientID)
	if c, err := s.store.Conversation(a.Tenant, conv); err == nil {
		return Opened{Conv: c, Result: Result{Seq: c.OpenedSeq, Duplicate: true}}, nil
	}
	in, err := s.store.Inbox(a.Tenant, inbox)
	if err != nil {
		if a.IsCustomer() && errors.Is(err, state.ErrNotFound) {
			in = &state.InboxRec{ID: inbox, Tenant: a.Tenant} // the inbox of a session in flight was removed
		} else {
			return Opened{}, readErr(err, "no such inbox")
		}
	}
	lang := Language(o.Lang)
	rec := &state.ConversationRec{ID: conv, Tenant: a.Tenant, Inbox: inbox, Contact: contact, Language: lang, Priority: in.Priority}
	var res Result
	commit := func(d Decision) error {
		e := &event.Event{ID: auth.DerivedID("e", "open", a.Tenant, conv), Kind: event.KindConversationOpened,
			Tenant: a.Tenant, Actor: a.event(),
			Conversation: &event.ConvOpened{Conv: conv, Inbox: inbox, Contact: contact, Assignee: d.Agent, ClientID: o.ClientID,
				RoutedBy: d.By, RouteNote: d.Note, RouteFallback: d.Fallback, Language: lang, Priority: in.Priority,
				Channel: a.Channel.stored()}}
		var err error
		res, err = s.append(ctx, e)
		return err
	}
	if s.router != nil {
		err = s.router.Route(ctx, rec, in, commit)
	} else {
		err = commit(Decision{})
	}
	if err != nil {
		return Opened{}, err
	}
	c, err := s.store.Conversation(a.Tenant, conv)
	if err != nil {
		return Opened{}, err
	}
	return Opened{Conv: c, Result: Result{Seq: c.OpenedSeq, Duplicate: res.Duplicate || c.OpenedSeq != res.Seq}}, nil
}

// Language is the primary subtag of a language tag ("zh-CN" → "zh"), or
// "" when it is not one.
func Language(tag string) string {
	primary, _, _ := strings.Cut(tag, "-")
	if len(primary) < 2 || len(primary) > 3 {
		return ""
	}
	for _, c := range primary {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return ""
		}
	}
	return strings.ToLower(primary)
}

// Post is a message.
type Post struct {
	// ClientID names the message for its sender: posting again with the
	// same ClientID gives the first post's result.
	ClientID    string
	Text        string
	Attachments []string
	// Private makes it an internal note: agents (and the system) only,
	// never shown to the customer.
	Private bool
	// Email is a mail's headers (the e-mail channel's), or the recipients
	// an agent chose for a reply sent as mail (To and Cc only).
	Email *event.Email
	// Platform is, for a customer's message that came by a messaging
	// platform (edge/channels), who sent it there and the platform's id.
	Platform *event.Platform
	// Template is an agent's (or the system's) reply as a platform's
	// pre-approved template (WhatsApp's); the text, when empty, says
	// which.
	Template *event.Template
}

// MaxAttachments is the most attachments of one message.
const MaxAttachments = 10

// CheckPost checks what a message says, without the store: a caller that
// must load the conversation first refuses a bad message before it does.
func (s *Service) CheckPost(a Actor, p *Post) error {
	if t := p.Template; t != nil {
		if err := t.Check(); err != nil {
			return invalid("%v", err)
		}
		if !a.staff() || p.Private {
			return invalid("a template is an agent's reply, not a note or a customer's message")
		}
		if strings.TrimSpace(p.Text) == "" {
			p.Text = TemplateText(t)
		}
	}
	switch {
	case !event.ValidID(p.ClientID):
		return invalid("client_id must be 1-64 letters, digits, '-' or '_'")
	case len(p.Text) > s.lim.MaxTextBytes:
		return invalid("text longer than %d bytes", s.lim.MaxTextBytes)
	case !utf8.ValidString(p.Text):
		return invalid("text is not valid UTF-8")
	case strings.TrimSpace(p.Text) == "" && len(p.Attachments) == 0:
		return invalid("a message needs text or attachments")
	case len(p.Attachments) > MaxAttachments:
		return invalid("at most %d attachments per message", MaxAttachments)
	case p.Private && a.IsCustomer():
		return invalid("only agents write private notes")
	}
	if m := p.Email; m != nil {
		if err := m.Check(); err != nil {
			return invalid("email: %v", err)
		}
		if a.Kind == event.ActorAgent && (m.MessageID != "" || m.InReplyTo != "" || len(m.References) > 0 || m.Subject != "" ||
			m.From != nil || m.Quoted != "" || m.SPF != "" || m.DKIM != "" || m.DMARC != "" || m.Auto) {
			return invalid("an agent's reply names only to and cc; the edge writes the rest of the mail")
		}
		if a.IsCustomer() && a.Channel != ChannelEmail {
			return invalid("only mail has e-mail headers")
		}
	}
	if p.Platform != nil && (!a.IsCustomer() || !slices.Contains(event.SocialChannels, string(a.Channel))) {
		return invalid("only a customer's message on a messaging platform says where it came from there")
	}
	return nil
}

// message checks p for a in conversation c and makes its event; it
// returns c as it is now for a message (not a note).
func (s *Service) message(a Actor, c *state.ConversationRec, p *Post) (*event.Event, *state.ConversationRec, error) {
	if err := s.CheckPost(a, p); err != nil {
		return nil, nil, err
	}
	if c.Tenant != a.Tenant || !a.staff() && c.Contact != a.ID {
		return nil, nil, forbidden("not your conversation")
	}
	if !p.Private {
		// c may have been kept by the caller: its status is read anew
		cur, err := s.store.Conversation(c.Tenant, c.ID)
		if err != nil {
			return nil, nil, readErr(err, "no such conversation")
		}
		c = cur
	}
	if c.Status == event.StatusClosed && !p.Private {
		if a.IsCustomer() {
			return nil, nil, invalid("the conversation is closed: open a new one")
		}
		return nil, nil, invalid("the conversation is closed: it takes private notes only")
	}
	if err := s.CheckAttachments(a, p.Attachments); err != nil {
		return nil, nil, err
	}
	if err := s.checkPlatform(a, c, p); err != nil {
		return nil, nil, err
	}
	// The event id is derived from the client id, so a resend is dropped
	// by the log's dedupe window or, later, by the projector; either way
	// the answer carries the original sequence.
	return &event.Event{ID: auth.DerivedID("m", a.Tenant, c.ID, p.ClientID), Kind: event.KindMessageCreated,
		Tenant: a.Tenant, Actor: a.event(),
		Message: &event.Message{Conv: c.ID, ClientID: p.ClientID, Text: p.Text, Attachments: p.Attachments, Private: p.Private,
			Channel: a.Channel.stored(), Email: p.Email, Platform: p.Platform, Template: p.Template}}, c, nil
}

// CheckAttachments checks that a may send the uploads ids: each stored in
// the tenant, and a customer's uploaded by that customer.
func (s *Service) CheckAttachments(a Actor, ids []string) error {
	for _, id := range ids {
		if !event.ValidID(id) {
			return invalid("bad attachment id")
		}
		rec, err := s.store.Attachment(a.Tenant, id)
		if err != nil {
			return readErr(err, "no such attachment: upload it first")
		}
		if a.IsCustomer() && rec.Uploader != event.ActorCustomer+":"+a.ID {
			return forbidden("attachment was uploaded by someone else")
		}
	}
	return nil
}

// Post posts a message to conversation c (from Conversation: its access
// is checked there) and waits until it is in the state.
func (s *Service) Post(ctx context.Context, a Actor, c *state.ConversationRec, p Post) (Result, error) {
	e, c, err := s.message(a, c, &p)
	if err != nil {
		return Result{}, err
	}
	if err := s.answering(ctx, a, c, e); err != nil {
		return Result{}, err
	}
	return s.append(ctx, e)
}

// answering records, before an agent's answer e, the breaches of the
// waits it ends that are past their target unrecorded.
func (s *Service) answering(ctx context.Context, a Actor, c *state.ConversationRec, e *event.Event) error {
	if a.Kind != event.ActorAgent || e.Message.Private || len(c.SLA) == 0 {
		return nil
	}
	return s.overdue(ctx, c, sla.FirstResponse, sla.NextResponse)
}

// PostAsync checks a message like Post and appends it without waiting:
// a refusal is returned, the log's answer goes to done (which must not
// block). Messages posted from one goroutine keep their order.
func (s *Service) PostAsync(a Actor, c *state.ConversationRec, p Post, done func(Result, error)) error {
	e, c, err := s.message(a, c, &p)
	if err != nil {
		return err
	}
	if err := s.answering(context.Background(), a, c, e); err != nil {
		return err
	}
	s.log.AppendAsync(e, func(seq uint64, dup bool, err error) { done(Result{seq, dup}, err) })
	return nil
}

// Read marks conversation conv read by a up to seq.
func (s *Service) Read(ctx context.Context, a Actor, conv string, seq uint64) (Result, error) {
	c, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	if seq == 0 || seq > c.LastSeq {
		return Result{}, invalid("seq must be a sequence of this conversation (1..%d)", c.LastSeq)
	}
	return s.append(ctx, &event.Event{Kind: event.KindReadMarked, Tenant: a.Tenant, Actor: a.event(),
		Read: &event.ReadMark{Conv: c.ID, Seq: seq}})
}

// Assign gives conversation conv to agent ("" unassigns it): agents and
// the system.
func (s *Service) Assign(ctx context.Context, a Actor, conv, agent string) (Result, error) {
	if !a.staff() {
		return Result{}, forbidden("only agents assign conversations")
	}
	c, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	if agent != "" {
		if !event.ValidID(agent) {
			return Result{}, invalid("agent must be an agent id")
		}
		if _, err := s.store.Agent(a.Tenant, agent); err != nil {
			return Result{}, readErr(err, "no such agent")
		}
	}
	return s.append(ctx, &event.Event{Kind: event.KindConversationAssign, Tenant: a.Tenant, Actor: a.event(),
		Assign: &event.Assignment{Conv: c.ID, Agent: agent}})
}

// SetStatus moves a conversation to a status (agents and the system), as
// the lifecycle's table allows (internal/ticket, docs/tickets.md): a
// refused transition is an invalid error that says why. on_hold with
// snoozeUntil (unix ms, in the future) wakes up at that time, back to
// open; the legacy names resolved and snoozed are solved and on_hold.
// Solving an assigned conversation frees a chat slot: the queue is
// offered to routing again.
func (s *Service) SetStatus(ctx context.Context, a Actor, conv, status string, snoozeUntil int64) (Result, error) {
	if !a.staff() {
		return Result{}, forbidden("only agents change a conversation's status")
	}
	to, custom := s.customStatus(a.Tenant, status)
	if to == "" {
		return Result{}, invalid("status must be one of %s, or one of the tenant's custom statuses", strings.Join(event.Statuses, ", "))
	}
	switch {
	case status == event.StatusSnoozed && snoozeUntil <= s.now().UnixMilli():
		return Result{}, invalid("snoozed needs snooze_until in the future")
	case to == event.StatusOnHold && snoozeUntil != 0 && snoozeUntil <= s.now().UnixMilli():
		return Result{}, invalid("snooze_until must be in the future")
	case to != event.StatusOnHold && snoozeUntil != 0:
		return Result{}, invalid("snooze_until goes with on_hold only")
	}
	by := ticket.ActorOf(a.event())
	if by == ticket.Timer {
		return Result{}, forbidden("the clock's changes of status are Elapse's")
	}
	c, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	if err := ticket.Check(c.Status, to, by); err != nil {
		return Result{}, invalid("%v", err)
	}
	if to == c.Status && snoozeUntil == c.SnoozeUntil && custom == c.CustomStatus {
		return Result{Seq: c.LastSeq, Duplicate: true}, nil
	}
	if to == event.StatusSolved && c.Status != event.StatusSolved {
		if err := s.requiredToSolve(a.Tenant, c); err != nil {
			return Result{}, err
		}
	}
	if event.Done(to) {
		// solving ends the resolution: past its target, that first
		if err := s.overdue(ctx, c, sla.Resolution); err != nil {
			return Result{}, err
		}
	}
	r, err := s.append(ctx, &event.Event{Kind: event.KindStatusChanged, Tenant: a.Tenant, Actor: a.event(),
		Status: &event.StatusChange{Conv: c.ID, Status: to, SnoozeUntil: snoozeUntil, Custom: custom}})
	if err == nil && event.Done(to) && c.Assignee != "" && s.router != nil {
		s.router.Freed(a.Tenant)
	}
	return r, err
}

// Elapse is the log's clock at work (edge/clock): tenant's conversation
// conv moves to status to because the time due has come, the end of its
// snooze (to open) or its solving whose days are up (to closed). The
// projector applies it only while the conversation still waits for due.
// The event's id is derived from the change, so that every node of a
// region may elapse the same time and the log keeps one.
func (s *Service) Elapse(ctx context.Context, tenant, conv, to string, due int64) (Result, error) {
	a := Actor{Tenant: tenant, Kind: event.ActorSystem, ID: ticket.TimerID}
	c, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	if err := ticket.Check(c.Status, to, ticket.Timer); err != nil {
		return Result{}, invalid("%v", err)
	}
	r, err := s.append(ctx, &event.Event{ID: auth.DerivedID("e", "elapse", tenant, conv, to, strconv.FormatInt(due, 10)),
		Kind: event.KindStatusChanged, Tenant: tenant, Actor: a.event(), Status: &event.StatusChange{Conv: c.ID, Status: to, Due: due}})
	if err == nil && event.Done(to) && c.Assignee != "" && s.router != nil {
		s.router.Freed(tenant)
	}
	return r, err
}

// SetPriority changes a conversation's priority (agents and the system):
// waiting conversations are offered to agents highest priority first.
func (s *Service) SetPriority(ctx context.Context, a Actor, conv, priority string) (Result, error) {
	if !a.staff() {
		return Result{}, forbidden("only agents change a conversation's priority")
	}
	if !event.ValidPriority(priority) {
		return Result{}, invalid("priority must be %s", strings.Join(event.Priorities, ", "))
	}
	c, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	return s.append(ctx, &event.Event{Kind: event.KindPriorityChanged, Tenant: a.Tenant, Actor: a.event(),
		Priority: &event.PriorityChange{Conv: c.ID, Priority: priority}})
}

// Rate records a customer's score (1 to 5) of one of their resolved
// conversations (CSAT); a new rating replaces the last in the figures.
func (s *Service) Rate(ctx context.Context, a Actor, conv string, score int) (Result, error) {
	if !a.IsCustomer() {
		return Result{}, forbidden("only the customer rates a conversation")
	}
	if score < 1 || score > 5 {
		return Result{}, invalid("score: 1 (very unhappy) to 5 (very happy)")
	}
	c, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	if !event.Done(c.Status) {
		return Result{}, invalid("a conversation is rated once it is solved")
	}
	return s.append(ctx, &event.Event{Kind: event.KindConversationRated, Tenant: a.Tenant, Actor: a.event(),
		Rating: &event.Rating{Conv: c.ID, Score: score}})
}
