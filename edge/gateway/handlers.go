package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/journal"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// authenticate checks the hello frame. It fills s and returns the welcome
// frame, or nil with a close code and reason.
func (g *Gateway) authenticate(ctx context.Context, s *session, f *InFrame) (*OutFrame, int, string) {
	if f.Token != "" {
		c, err := g.keys.Verify(f.Token, auth.RoleAgent, auth.RoleCustomer)
		if err != nil {
			return nil, CloseUnauthorized, err.Error()
		}
		s.role, s.tenant, s.id, s.inbox = c.Role, c.Tenant, c.Subject, c.Inbox
		if c.Role == auth.RoleAgent {
			a, err := g.store.Agent(c.Tenant, c.Subject)
			if err != nil {
				return nil, CloseUnauthorized, "agent no longer exists: sign in again"
			}
			switch f.Scope {
			case "", "all":
				s.scope = "all"
			case "assigned":
				s.scope = "assigned"
			default:
				return nil, CloseBadFrames, `scope must be "all" or "assigned"`
			}
			return &OutFrame{Type: OutWelcome, V: ProtocolVersion,
				Session: &Session{Role: auth.RoleAgent, Tenant: s.tenant, ID: s.id, Name: a.Name, Token: f.Token},
				Agents:  g.presence.all(s.tenant)}, 0, ""
		}
		if _, err := g.store.Contact(c.Tenant, c.Subject); err != nil {
			return nil, CloseUnauthorized, "unknown customer: start a new session"
		}
		return g.customerWelcome(s, f.Token, "")
	}
	if f.Inbox == "" {
		return nil, CloseUnauthorized, "hello needs a token (agents) or an inbox (customers)"
	}
	if !event.ValidID(f.Inbox) {
		return nil, CloseUnauthorized, "invalid inbox id"
	}
	in, err := g.store.FindInbox(f.Inbox)
	if err != nil {
		return nil, CloseUnauthorized, "unknown inbox: check the inbox id in the widget snippet"
	}
	s.role, s.tenant, s.inbox = auth.RoleCustomer, in.Tenant, in.ID
	contact := &event.Contact{Inbox: in.ID}
	visitor := ""
	switch {
	case f.User != nil:
		u := f.User
		if u.ID == "" || len(u.ID) > 256 || len(u.Name) > 256 || len(u.Email) > 256 {
			return nil, CloseUnauthorized, "user needs an id (at most 256 bytes) and a hash"
		}
		if err := auth.VerifyIdentity(in.IdentitySecret, u.ID, u.Hash); err != nil {
			return nil, CloseUnauthorized, err.Error()
		}
		contact.ID = g.ids.ID(in.Tenant, in.ID, u.ID)
		if err := g.adoptEarlierContact(ctx, in.Tenant, in.ID, u.ID, contact.ID); err != nil {
			g.log.Warn("move a contact to its keyed id", "err", err)
			return nil, 1011, "could not record the customer: retry"
		}
		contact.ExternalID, contact.Name, contact.Email = u.ID, u.Name, u.Email
		contact.Language = language(u.Language)
		if contact.Attributes, err = attributes(u.Attributes); err != nil {
			return nil, CloseBadFrames, "user attributes: " + err.Error()
		}
	case f.Visitor != "":
		c, err := g.keys.Verify(f.Visitor, auth.RoleVisitor)
		if err != nil {
			return nil, CloseUnauthorized, "visitor " + err.Error()
		}
		if c.Tenant != in.Tenant || c.Inbox != in.ID {
			return nil, CloseForbidden, "visitor token belongs to another inbox"
		}
		contact.ID, visitor = c.Subject, f.Visitor
	default:
		contact.ID = "v" + event.NewID()
	}
	s.id = contact.ID
	existing, err := g.store.Contact(s.tenant, s.id)
	if err != nil || (contact.Name != "" && contact.Name != existing.Name) || (contact.Email != "" && contact.Email != existing.Email) ||
		(contact.Language != "" && contact.Language != existing.Language) || (contact.Attributes != nil && !sameAttributes(contact.Attributes, existing.Attributes)) {
		e := &event.Event{Kind: event.KindContactUpserted, Tenant: s.tenant,
			Actor: event.Actor{Kind: event.ActorCustomer, ID: s.id}, Contact: contact}
		if _, err := g.journal.Append(ctx, e); err != nil {
			g.log.Warn("record contact", "err", err)
			return nil, 1011, "could not record the customer: retry"
		}
	}
	if visitor == "" && f.User == nil {
		visitor, err = g.keys.Issue(auth.RoleVisitor, s.tenant, s.inbox, s.id, g.lim.VisitorTTL)
		if err != nil {
			return nil, 1011, "could not issue a visitor token"
		}
	}
	tok, err := g.keys.Issue(auth.RoleCustomer, s.tenant, s.inbox, s.id, g.lim.CustomerTTL)
	if err != nil {
		return nil, 1011, "could not issue a session token"
	}
	return g.customerWelcome(s, tok, visitor)
}

func (g *Gateway) customerWelcome(s *session, token, visitor string) (*OutFrame, int, string) {
	convs, err := g.store.ContactConversations(s.tenant, s.id, 50)
	if err != nil {
		return nil, 1011, "could not load conversations: retry"
	}
	views := make([]*ConvView, 0, len(convs))
	for i := range convs {
		views = append(views, customerView(&convs[i]))
	}
	available := g.available(s.tenant)
	var prechat []string
	if in, err := g.store.Inbox(s.tenant, s.inbox); err == nil {
		prechat = in.Prechat
	}
	return &OutFrame{Type: OutWelcome, V: ProtocolVersion,
		Session:       &Session{Role: auth.RoleCustomer, Tenant: s.tenant, ID: s.id, Inbox: s.inbox, Token: token, Visitor: visitor},
		Conversations: views, Available: &available, Prechat: prechat}, 0, ""
}

// attributes checks the attributes a website gives for its user and
// makes them an event's: sorted by key, without empty values (and null).
// nil stays nil: the contact keeps the ones it has.
func attributes(in map[string]Scalar) (*event.Attributes, error) {
	if in == nil {
		return nil, nil
	}
	out := &event.Attributes{}
	for k, v := range in {
		if v == "" {
			continue
		}
		if !event.ValidAttributeKey(k) {
			return nil, fmt.Errorf("key %q: 1-%d letters, digits, '_', '-' or '.'", truncate(k, 40), event.MaxAttributeKey)
		}
		if err := event.CheckAttributeValue(string(v)); err != nil {
			return nil, fmt.Errorf("%s: %v", k, err)
		}
		out.Pairs = append(out.Pairs, event.Attribute{Key: k, Value: string(v)})
	}
	if len(out.Pairs) > event.MaxAttributes {
		return nil, fmt.Errorf("%d, at most %d", len(out.Pairs), event.MaxAttributes)
	}
	slices.SortFunc(out.Pairs, func(a, b event.Attribute) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// sameAttributes reports whether a contact has exactly the attributes a.
func sameAttributes(a *event.Attributes, have map[string]string) bool {
	if len(a.Pairs) != len(have) {
		return false
	}
	for _, p := range a.Pairs {
		if v, ok := have[p.Key]; !ok || v != p.Value {
			return false
		}
	}
	return true
}

// agentOnline tracks an agent's connections on this node.
func (g *Gateway) agentOnline(s *session, on bool) {
	status := PresenceOnline
	if !on {
		// another connection of the same agent keeps them online
		g.mu.RLock()
		for o := range g.agents[s.tenant] {
			if o != s && o.id == s.id {
				g.mu.RUnlock()
				return
			}
		}
		g.mu.RUnlock()
		status = PresenceOffline
	}
	g.setPresence(s.tenant, s.id, status)
}

func (g *Gateway) setPresence(tenant, agent, status string) {
	if g.presence.set(tenant, agent, g.node, status) {
		g.announcePresence(tenant, agent)
	}
	g.publishLive(tenant, &liveMsg{Kind: "presence", Agent: agent, Status: status})
	if status == PresenceOnline {
		g.drainQueue(tenant)
	}
}

// drainQueue offers the tenant's waiting conversations to routing again,
// in the background.
func (g *Gateway) drainQueue(tenant string) {
	g.router.ask(tenant)
	g.wg.Add(1) // called from a session, or while one is open: the group is above zero
	go func() {
		defer g.wg.Done()
		g.router.drain(tenant)
	}()
}

// handle runs one client frame.
func (g *Gateway) handle(ctx context.Context, s *session, f *InFrame) {
	var err error
	switch f.Type {
	case TypePing:
		s.enqueue(marshal(&OutFrame{Type: OutPong, ID: f.ID}))
	case TypeStart:
		err = g.start(ctx, s, f)
	case TypeSend:
		err = g.send(ctx, s, f)
	case TypeTyping:
		err = g.typing(s, f)
	case TypeRead:
		err = g.read(ctx, s, f)
	case TypeHistory:
		err = g.history(s, f)
	case TypeConvs:
		err = g.conversations(s, f)
	case TypeAssign:
		err = g.assign(ctx, s, f)
	case TypeStatus:
		err = g.status(ctx, s, f)
	case TypePriority:
		err = g.priority(ctx, s, f)
	case TypeCall:
		err = g.callFrame(ctx, s, f)
	case TypeRate:
		err = g.rate(ctx, s, f)
	case TypePresence:
		err = g.presenceFrame(s, f)
	case TypeContact:
		err = g.contact(s, f)
	case TypeCanned:
		err = g.canned(s, f)
	case TypeCannedSet:
		err = g.cannedSet(ctx, s, f)
	case TypeProfile:
		err = g.profile(ctx, s, f)
	case TypeInboxes:
		err = g.inboxes(s, f)
	case TypeInboxSet:
		err = g.inboxSet(ctx, s, f)
	case TypeAgents:
		err = g.team(s, f)
	case TypeAgentSet:
		err = g.agentSet(ctx, s, f)
	case TypeHello:
		err = &clientError{CodeInvalid, "already authenticated"}
	default:
		err = &clientError{CodeUnknownType, fmt.Sprintf("unknown frame type %q", truncate(f.Type, 40))}
	}
	if err == nil {
		return
	}
	var ce *clientError
	if errors.As(err, &ce) {
		s.sendError(f.ID, ce.code, ce.msg)
		return
	}
	g.log.Warn("frame failed", "type", f.Type, "err", err)
	code, msg := storeFailure(err, "the edge could not store this: retry")
	s.sendError(f.ID, code, msg)
}

// storeFailure is the code and message of a frame the log did not take:
// unavailable (retry) unless the journal refused the event itself, which
// no retry changes.
func storeFailure(err error, retry string) (code, msg string) {
	if errors.Is(err, journal.ErrRefused) {
		return CodeInvalid, "the edge refused to store this (its log could not read it back; the edge's log says why): retrying will not help"
	}
	return CodeUnavailable, retry
}

type clientError struct{ code, msg string }

func (e *clientError) Error() string { return e.code + ": " + e.msg }

func invalid(format string, a ...any) error {
	return &clientError{CodeInvalid, fmt.Sprintf(format, a...)}
}

var errForbidden = &clientError{CodeForbidden, "not your conversation"}

func (s *session) isAgent() bool { return s.role == auth.RoleAgent }

func (s *session) actor() event.Actor {
	if s.isAgent() {
		return event.Actor{Kind: event.ActorAgent, ID: s.id}
	}
	return event.Actor{Kind: event.ActorCustomer, ID: s.id}
}

// conversation loads a conversation the session may use.
func (g *Gateway) conversation(s *session, id string) (*state.ConversationRec, error) {
	if !event.ValidID(id) {
		return nil, invalid("conv must be a conversation id")
	}
	c, err := g.store.Conversation(s.tenant, id)
	if errors.Is(err, state.ErrNotFound) {
		return nil, &clientError{CodeNotFound, "no such conversation"}
	}
	if err != nil {
		return nil, err
	}
	if !s.isAgent() && c.Contact != s.id {
		return nil, errForbidden
	}
	if len(s.convs) >= 1024 {
		clear(s.convs)
	}
	s.convs[id] = c
	return c, nil
}

// usableConversation checks access like conversation, from the session's
// cache when it can: who may use a conversation never changes.
func (g *Gateway) usableConversation(s *session, id string) (*state.ConversationRec, error) {
	if c, ok := s.convs[id]; ok {
		return c, nil
	}
	return g.conversation(s, id)
}

func (g *Gateway) start(ctx context.Context, s *session, f *InFrame) error {
	if s.isAgent() {
		return &clientError{CodeForbidden, "agents answer conversations; customers start them"}
	}
	if !event.ValidID(f.ClientID) {
		return invalid("client_id must be 1-64 letters, digits, '-' or '_'")
	}
	conv := auth.DerivedID("c", s.tenant, s.id, f.ClientID)
	if c, err := g.store.Conversation(s.tenant, conv); err == nil {
		s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Conv: conv, Seq: c.OpenedSeq, Duplicate: true,
			Conversation: customerView(c)}))
		return nil
	}
	lang := language(f.Lang)
	priority := ""
	in, err := g.store.Inbox(s.tenant, s.inbox)
	if err == nil {
		priority = in.Priority
	}
	unlock := g.router.lock(s.tenant)
	g.router.serveWaiting(ctx, s.tenant) // the conversations already waiting come first
	d := g.router.decide(ctx, g.router.request(s.tenant, &state.ConversationRec{ID: conv, Inbox: s.inbox, Contact: s.id,
		Language: lang, Priority: priority}, in))
	e := &event.Event{ID: auth.DerivedID("e", "open", s.tenant, conv), Kind: event.KindConversationOpened,
		Tenant: s.tenant, Actor: s.actor(),
		Conversation: &event.ConvOpened{Conv: conv, Inbox: s.inbox, Contact: s.id, Assignee: d.agent, ClientID: f.ClientID,
			RoutedBy: d.by, RouteNote: d.note, RouteFallback: d.fallback, Language: lang, Priority: priority}}
	seq, err := g.journal.Append(ctx, e)
	unlock()
	if err != nil {
		return err
	}
	c, err := g.store.Conversation(s.tenant, conv)
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Conv: conv, Seq: c.OpenedSeq, Duplicate: c.OpenedSeq != seq,
		Conversation: customerView(c)}))
	return nil
}

// language is the primary subtag of a browser language tag ("zh-CN" →
// "zh"), or "" when it is not one.
func language(tag string) string {
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

func (g *Gateway) send(_ context.Context, s *session, f *InFrame) error {
	if !event.ValidID(f.ClientID) {
		return invalid("client_id must be 1-64 letters, digits, '-' or '_'")
	}
	if len(f.Text) > g.lim.MaxTextBytes {
		return invalid("text longer than %d bytes", g.lim.MaxTextBytes)
	}
	if !utf8.ValidString(f.Text) {
		return invalid("text is not valid UTF-8")
	}
	if strings.TrimSpace(f.Text) == "" && len(f.Attachments) == 0 {
		return invalid("a message needs text or attachments")
	}
	if len(f.Attachments) > 10 {
		return invalid("at most 10 attachments per message")
	}
	if f.Private && !s.isAgent() {
		return invalid("only agents write private notes")
	}
	c, err := g.usableConversation(s, f.Conv)
	if err != nil {
		return err
	}
	for _, a := range f.Attachments {
		if !event.ValidID(a) {
			return invalid("bad attachment id")
		}
		rec, err := g.store.Attachment(s.tenant, a)
		if err != nil {
			return &clientError{CodeNotFound, "no such attachment: upload it first"}
		}
		if !s.isAgent() && rec.Uploader != event.ActorCustomer+":"+s.id {
			return &clientError{CodeForbidden, "attachment was uploaded by someone else"}
		}
	}
	// The event id is derived from the client id, so a resend is dropped
	// by the log's dedupe window or, later, by the projector; either way
	// the ack carries the original sequence.
	e := &event.Event{ID: auth.DerivedID("m", s.tenant, c.ID, f.ClientID), Kind: event.KindMessageCreated,
		Tenant: s.tenant, Actor: s.actor(),
		Message: &event.Message{Conv: c.ID, ClientID: f.ClientID, Text: f.Text, Attachments: f.Attachments, Private: f.Private}}
	select {
	case s.inflight <- struct{}{}:
	case <-s.done:
		return nil
	}
	id, conv := f.ID, c.ID
	g.journal.AppendAsync(e, func(seq uint64, dup bool, err error) {
		<-s.inflight
		if err != nil {
			g.log.Warn("append message", "err", err)
			code, msg := storeFailure(err, "the edge could not store this: retry with the same client_id")
			s.sendError(id, code, msg)
			return
		}
		if dup {
			g.m.Messages.WithLabelValues("duplicate").Inc()
		} else {
			g.m.Messages.WithLabelValues("accepted").Inc()
		}
		s.enqueue(marshal(&OutFrame{Type: OutAck, ID: id, Conv: conv, Seq: seq, Duplicate: dup}))
	})
	return nil
}

func (g *Gateway) typing(s *session, f *InFrame) error {
	c, err := g.conversation(s, f.Conv)
	if err != nil {
		return err
	}
	g.publishLive(s.tenant, &liveMsg{Kind: "typing", Conv: c.ID, Contact: c.Contact, ActorKind: s.role, ActorID: s.id, On: f.On})
	return nil
}

func (g *Gateway) read(ctx context.Context, s *session, f *InFrame) error {
	c, err := g.conversation(s, f.Conv)
	if err != nil {
		return err
	}
	if f.Seq == 0 || f.Seq > c.LastSeq {
		return invalid("seq must be a sequence of this conversation (1..%d)", c.LastSeq)
	}
	e := &event.Event{Kind: event.KindReadMarked, Tenant: s.tenant, Actor: s.actor(),
		Read: &event.ReadMark{Conv: c.ID, Seq: f.Seq}}
	return g.appendAck(ctx, s, f, c.ID, e)
}

func (g *Gateway) history(s *session, f *InFrame) error {
	c, err := g.conversation(s, f.Conv)
	if err != nil {
		return err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 200 {
		return invalid("limit is at most 200")
	}
	items, more, err := g.store.Timeline(s.tenant, c.ID, f.Before, limit, s.isAgent())
	if err != nil {
		return err
	}
	if items == nil {
		items = []state.Item{}
	}
	out := &OutFrame{Type: OutHistory, ID: f.ID, Conv: c.ID, Items: items, More: more}
	if s.isAgent() {
		out.Conversation = c
		if ct, err := g.store.Contact(s.tenant, c.Contact); err == nil {
			out.Extra = map[string]any{"contact": ct}
		}
	} else {
		out.Conversation = customerView(c)
	}
	s.enqueue(marshal(out))
	return nil
}

func (g *Gateway) conversations(s *session, f *InFrame) error {
	if !s.isAgent() {
		convs, err := g.store.ContactConversations(s.tenant, s.id, 50)
		if err != nil {
			return err
		}
		views := make([]*ConvView, 0, len(convs))
		for i := range convs {
			views = append(views, customerView(&convs[i]))
		}
		s.enqueue(marshal(&OutFrame{Type: OutConvs, ID: f.ID, Conversations: views}))
		return nil
	}
	var statuses []string
	if f.Status != "" {
		if !event.ValidStatus(f.Status) {
			return invalid("status must be open, pending, snoozed or resolved")
		}
		statuses = []string{f.Status}
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	convs, more, err := g.store.Conversations(s.tenant, statuses, f.Before, limit)
	if err != nil {
		return err
	}
	if convs == nil {
		convs = []state.ConversationRec{}
	}
	s.enqueue(marshal(&OutFrame{Type: OutConvs, ID: f.ID, Conversations: convs, More: more}))
	return nil
}

// contact answers an agent with a customer's record and conversations.
func (g *Gateway) contact(s *session, f *InFrame) error {
	if !s.isAgent() {
		return &clientError{CodeForbidden, "only agents look up customers"}
	}
	if !event.ValidID(f.Contact) {
		return invalid("contact must be a contact id")
	}
	c, err := g.store.Contact(s.tenant, f.Contact)
	if errors.Is(err, state.ErrNotFound) {
		return &clientError{CodeNotFound, "no such contact"}
	}
	if err != nil {
		return err
	}
	convs, err := g.store.ContactConversations(s.tenant, f.Contact, 50)
	if err != nil {
		return err
	}
	if convs == nil {
		convs = []state.ConversationRec{}
	}
	s.enqueue(marshal(&OutFrame{Type: OutContact, ID: f.ID, Contact: c, Conversations: convs}))
	return nil
}

// profile records the name and e-mail address an anonymous visitor gives
// (a pre-chat or away form). A website's signed-in user has them from the
// website and cannot change them here.
func (g *Gateway) profile(ctx context.Context, s *session, f *InFrame) error {
	if s.isAgent() {
		return &clientError{CodeForbidden, "agents have no customer profile"}
	}
	c, err := g.store.Contact(s.tenant, s.id)
	if err != nil {
		return err
	}
	if c.ExternalID != "" {
		return &clientError{CodeForbidden, "your website gives your name and e-mail address"}
	}
	name, email := strings.TrimSpace(f.Name), strings.TrimSpace(f.Email)
	switch {
	case name == "" && email == "":
		return invalid("give a name, an e-mail address or both")
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > 100:
		return invalid("name must be at most 100 characters of UTF-8")
	case email != "" && !plainAddress(email):
		return invalid("email must be an e-mail address like name@example.com")
	}
	e := &event.Event{Kind: event.KindContactUpserted, Tenant: s.tenant, Actor: s.actor(),
		Contact: &event.Contact{ID: s.id, Inbox: s.inbox, Name: name, Email: email}}
	return g.appendAck(ctx, s, f, "", e)
}

// plainAddress reports whether s is one bare e-mail address of at most 254
// bytes.
func plainAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// canned answers an agent with the tenant's canned responses.
func (g *Gateway) canned(s *session, f *InFrame) error {
	if !s.isAgent() {
		return &clientError{CodeForbidden, "only agents use canned responses"}
	}
	list, err := g.store.CannedResponses(s.tenant)
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutCanned, ID: f.ID, Canned: list}))
	return nil
}

// maxCannedText bounds a canned response's text.
const maxCannedText = 4096

// cannedSet adds, changes or deletes a canned response (admins), then
// answers like canned.
func (g *Gateway) cannedSet(ctx context.Context, s *session, f *InFrame) error {
	if err := g.admin(s, "change canned responses"); err != nil {
		return err
	}
	c := &event.Canned{ID: f.Canned, Shortcut: f.Shortcut, Text: f.Text, Deleted: f.Delete}
	switch {
	case c.Deleted && !event.ValidID(c.ID):
		return invalid("canned must be the id of the canned response to delete")
	case c.Deleted:
		c.Shortcut, c.Text = "", ""
	case c.ID != "" && !event.ValidID(c.ID):
		return invalid("canned must be a canned response id, or empty for a new one")
	case !event.ValidID(c.Shortcut) || len(c.Shortcut) > 32:
		return invalid("shortcut must be 1-32 letters, digits, '-' or '_'")
	case strings.TrimSpace(c.Text) == "" || len(c.Text) > maxCannedText || !utf8.ValidString(c.Text):
		return invalid("text must be 1-%d bytes of UTF-8", maxCannedText)
	}
	if c.ID == "" {
		c.ID = event.NewID()
	}
	e := &event.Event{Kind: event.KindCannedUpserted, Tenant: s.tenant, Actor: s.actor(), Canned: c}
	if _, err := g.journal.Append(ctx, e); err != nil {
		return err
	}
	return g.canned(s, f)
}

// admin refuses a session that is not an admin agent's, saying what only
// admins do.
func (g *Gateway) admin(s *session, what string) error {
	if !s.isAgent() {
		return &clientError{CodeForbidden, "only admin agents " + what}
	}
	if a, err := g.store.Agent(s.tenant, s.id); err != nil || a.Role != "admin" {
		return &clientError{CodeForbidden, "only admins " + what}
	}
	return nil
}

// inboxes answers an agent with the tenant's inboxes (never their identity
// secrets).
func (g *Gateway) inboxes(s *session, f *InFrame) error {
	if !s.isAgent() {
		return &clientError{CodeForbidden, "only agents list inboxes"}
	}
	list, err := g.store.Inboxes(s.tenant)
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutInboxes, ID: f.ID, Inboxes: list}))
	return nil
}

// inboxSet changes what an inbox's pre-chat form asks (admins) and, when
// the frame has them, the skills its conversations need and the priority
// they start with; then it answers like inboxes. Visitors who connect
// afterwards get the new form.
func (g *Gateway) inboxSet(ctx context.Context, s *session, f *InFrame) error {
	if err := g.admin(s, "change inboxes"); err != nil {
		return err
	}
	if !event.ValidID(f.Inbox) {
		return invalid("inbox must be an inbox id")
	}
	if err := event.ValidPrechat(f.Prechat); err != nil {
		return invalid("prechat: %v", err)
	}
	f.Skills = event.NormalizeTags(f.Skills)
	if f.Skills != nil {
		if err := event.ValidSkills(f.Skills); err != nil {
			return invalid("skills: %v", err)
		}
	}
	if f.Priority != "" && !event.ValidPriority(f.Priority) {
		return invalid("priority must be %s", strings.Join(event.Priorities, ", "))
	}
	in, err := g.store.Inbox(s.tenant, f.Inbox)
	if errors.Is(err, state.ErrNotFound) {
		return &clientError{CodeNotFound, "no such inbox"}
	} else if err != nil {
		return err
	}
	skills, priority := in.Skills, in.Priority
	if f.Skills != nil {
		skills = f.Skills
	}
	if f.Priority != "" {
		priority = event.StoredPriority(f.Priority)
	}
	e := &event.Event{Kind: event.KindInboxUpserted, Tenant: s.tenant, Actor: s.actor(), Inbox: &event.Inbox{
		ID: in.ID, Name: in.Name, Channel: in.Channel, IdentitySecret: in.IdentitySecret, Prechat: f.Prechat,
		Skills: skills, Priority: priority}}
	if _, err := g.journal.Append(ctx, e); err != nil {
		return err
	}
	return g.inboxes(s, f)
}

// team answers an agent with the tenant's agents: id, e-mail address,
// name, role, skills, languages and chat limit (never a password hash).
func (g *Gateway) team(s *session, f *InFrame) error {
	if !s.isAgent() {
		return &clientError{CodeForbidden, "only agents list agents"}
	}
	list, err := g.store.Agents(s.tenant)
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAgents, ID: f.ID, Team: list}))
	return nil
}

// agentSet changes an agent's skills and languages (admins), each when
// the frame has it, trimmed and lower-cased; then it answers like team.
// Routing uses them from the next decision, and the queue is offered to
// routing again.
func (g *Gateway) agentSet(ctx context.Context, s *session, f *InFrame) error {
	if err := g.admin(s, "change agents"); err != nil {
		return err
	}
	if !event.ValidID(f.Agent) {
		return invalid("agent must be an agent id")
	}
	skills, langs := event.NormalizeTags(f.Skills), event.NormalizeTags(f.Languages)
	if skills == nil && langs == nil {
		return invalid("give skills, languages or both ([] clears them)")
	}
	if err := event.ValidSkills(skills); err != nil {
		return invalid("skills: %v", err)
	}
	if err := event.ValidLanguages(langs); err != nil {
		return invalid("languages: %v", err)
	}
	a, err := g.store.Agent(s.tenant, f.Agent)
	if errors.Is(err, state.ErrNotFound) {
		return &clientError{CodeNotFound, "no such agent"}
	} else if err != nil {
		return err
	}
	if skills == nil {
		skills = a.Skills
	}
	if langs == nil {
		langs = a.Languages
	}
	// the password hash stays the agent's: the projector keeps it when the
	// event has none
	e := &event.Event{Kind: event.KindAgentUpserted, Tenant: s.tenant, Actor: s.actor(), Agent: &event.Agent{
		ID: a.ID, Email: a.Email, Name: a.Name, Role: a.Role, Skills: skills, Languages: langs, MaxChats: a.MaxChats}}
	if _, err := g.journal.Append(ctx, e); err != nil {
		return err
	}
	return g.team(s, f)
}

func (g *Gateway) assign(ctx context.Context, s *session, f *InFrame) error {
	if !s.isAgent() {
		return &clientError{CodeForbidden, "only agents assign conversations"}
	}
	c, err := g.conversation(s, f.Conv)
	if err != nil {
		return err
	}
	if f.Agent != "" {
		if !event.ValidID(f.Agent) {
			return invalid("agent must be an agent id")
		}
		if _, err := g.store.Agent(s.tenant, f.Agent); err != nil {
			return &clientError{CodeNotFound, "no such agent"}
		}
	}
	e := &event.Event{Kind: event.KindConversationAssign, Tenant: s.tenant, Actor: s.actor(),
		Assign: &event.Assignment{Conv: c.ID, Agent: f.Agent}}
	return g.appendAck(ctx, s, f, c.ID, e)
}

func (g *Gateway) status(ctx context.Context, s *session, f *InFrame) error {
	if !s.isAgent() {
		return &clientError{CodeForbidden, "only agents change a conversation's status"}
	}
	if !event.ValidStatus(f.Status) {
		return invalid("status must be open, pending, snoozed or resolved")
	}
	if f.Status == event.StatusSnoozed && f.SnoozeUntil <= time.Now().UnixMilli() {
		return invalid("snoozed needs snooze_until in the future (unix milliseconds)")
	}
	c, err := g.conversation(s, f.Conv)
	if err != nil {
		return err
	}
	e := &event.Event{Kind: event.KindStatusChanged, Tenant: s.tenant, Actor: s.actor(),
		Status: &event.StatusChange{Conv: c.ID, Status: f.Status, SnoozeUntil: f.SnoozeUntil}}
	if err := g.appendAck(ctx, s, f, c.ID, e); err != nil {
		return err
	}
	if f.Status == event.StatusResolved && c.Assignee != "" {
		g.drainQueue(s.tenant) // a chat slot is free
	}
	return nil
}

// priority sets a conversation's priority (agents): waiting conversations
// are offered to agents highest priority first.
func (g *Gateway) priority(ctx context.Context, s *session, f *InFrame) error {
	if !s.isAgent() {
		return &clientError{CodeForbidden, "only agents change a conversation's priority"}
	}
	if !event.ValidPriority(f.Priority) {
		return invalid("priority must be %s", strings.Join(event.Priorities, ", "))
	}
	c, err := g.conversation(s, f.Conv)
	if err != nil {
		return err
	}
	e := &event.Event{Kind: event.KindPriorityChanged, Tenant: s.tenant, Actor: s.actor(),
		Priority: &event.PriorityChange{Conv: c.ID, Priority: f.Priority}}
	return g.appendAck(ctx, s, f, c.ID, e)
}

// appendAck appends e and acknowledges frame f with its log sequence.
func (g *Gateway) appendAck(ctx context.Context, s *session, f *InFrame, conv string, e *event.Event) error {
	seq, err := g.journal.Append(ctx, e)
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Conv: conv, Seq: seq}))
	return nil
}

func (g *Gateway) presenceFrame(s *session, f *InFrame) error {
	if !s.isAgent() {
		return &clientError{CodeForbidden, "only agents have presence"}
	}
	if !validPresence(f.Presence) {
		return invalid("presence must be online, away or offline")
	}
	g.setPresence(s.tenant, s.id, f.Presence)
	s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID}))
	return nil
}

// rate records a customer's rating of one of their conversations once it
// is resolved (CSAT); a new rating replaces the last in the figures.
func (g *Gateway) rate(ctx context.Context, s *session, f *InFrame) error {
	if s.isAgent() {
		return &clientError{CodeForbidden, "only the customer rates a conversation"}
	}
	if f.Score < 1 || f.Score > 5 {
		return invalid("score: 1 (very unhappy) to 5 (very happy)")
	}
	conv, err := g.conversation(s, f.Conv)
	if err != nil {
		return err
	}
	if cur, err := g.store.Conversation(s.tenant, conv.ID); err != nil || cur.Status != event.StatusResolved {
		return invalid("a conversation is rated once it is resolved")
	}
	seq, err := g.journal.Append(ctx, &event.Event{Kind: event.KindConversationRated, Tenant: s.tenant, Actor: s.actor(),
		Rating: &event.Rating{Conv: conv.ID, Score: f.Score}})
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Conv: conv.ID, Seq: seq}))
	return nil
}
