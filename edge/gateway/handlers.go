package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/edge/journal"
	"github.com/edgedesk/edgedesk/edge/protocol"
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
		ct, _, err := g.conv.Identify(ctx, conversation.Actor{Channel: conversation.Web}, in,
			conversation.User{ExternalID: u.ID, Profile: conversation.Profile{Name: u.Name, Email: u.Email, Language: u.Language,
				Attributes: userAttributes(u.Attributes)}})
		if err != nil {
			if conversation.CodeOf(err) == conversation.Invalid {
				return nil, CloseBadFrames, "user " + strings.TrimPrefix(err.Error(), "invalid: ")
			}
			g.log.Warn("record contact", "err", err)
			return nil, 1011, "could not record the customer: retry"
		}
		s.id = ct.ID
	case f.Visitor != "":
		c, err := g.keys.Verify(f.Visitor, auth.RoleVisitor)
		if err != nil {
			return nil, CloseUnauthorized, "visitor " + err.Error()
		}
		if c.Tenant != in.Tenant || c.Inbox != in.ID {
			return nil, CloseForbidden, "visitor token belongs to another inbox"
		}
		s.id, visitor = c.Subject, f.Visitor
	default:
		s.id = "v" + event.NewID()
	}
	if f.User == nil {
		if _, err := g.conv.Visitor(ctx, s.tenant, s.inbox, s.id); err != nil {
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
	// a closed conversation takes no more messages: the widget, which
	// resumes the first it is given, starts a new one instead
	convs = slices.DeleteFunc(convs, func(c state.ConversationRec) bool { return c.Status == event.StatusClosed })
	available := g.available(s.tenant)
	w := &OutFrame{Type: OutWelcome, V: ProtocolVersion,
		Session:       &Session{Role: auth.RoleCustomer, Tenant: s.tenant, ID: s.id, Inbox: s.inbox, Token: token, Visitor: visitor},
		Conversations: conversationsView(convs, false), Available: &available}
	if in, err := g.store.Inbox(s.tenant, s.inbox); err == nil {
		w.Prechat, w.Inbox = in.Prechat, brandView(in)
	}
	return w, 0, ""
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
	if g.draining.Load() {
		return // the node is stopping: the region's other nodes serve the queue
	}
	g.wg.Add(1)
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
	case TypeTags:
		r, terr := g.conv.SetTags(ctx, s.actor(), f.Conv, f.AddTags, f.RemoveTags)
		err = g.ack(s, f, f.Conv, r, terr)
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
	case TypeRules, TypeRulesSet:
		err = g.rules(ctx, s, f)
	case TypeMacros, TypeMacrosSet:
		err = g.macros(ctx, s, f)
	case TypeFields, TypeFieldsSet:
		err = g.fields(ctx, s, f)
	case TypeSetFields:
		r, ferr := g.conv.SetFields(ctx, s.actor(), f.Conv, f.Values, f.Clear)
		err = g.ack(s, f, f.Conv, r, ferr)
	case TypeSLAPolicy, TypeSLAPolicySet:
		err = g.slaPolicy(ctx, s, f)
	case TypeStatuses, TypeStatusesSet:
		err = g.statuses(ctx, s, f)
	case TypeViews, TypeViewsSet:
		err = g.views(ctx, s, f)
	case TypeView:
		err = g.viewFrame(s, f)
	case TypeSearch:
		err = g.searchFrame(ctx, s, f)
	case TypeLink:
		r, lerr := g.conv.Link(ctx, s.actor(), f.Conv, f.Other, f.Delete)
		err = g.ack(s, f, f.Conv, r, lerr)
	case TypeMerge:
		r, merr := g.conv.Merge(ctx, s.actor(), f.Conv, f.Into)
		err = g.ack(s, f, f.Conv, r, merr)
	case TypeSplit:
		c, serr := g.conv.Split(ctx, s.actor(), f.Conv, f.Seq)
		if serr == nil {
			s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Conv: c.ID, Seq: c.OpenedSeq, Conversation: conversationView(c)}))
		}
		err = serr
	case TypeTeams, TypeTeamSet:
		err = g.teams(ctx, s, f)
	case TypeAssignTeam:
		r, terr := g.conv.SetTeam(ctx, s.actor(), f.Conv, f.Team)
		err = g.ack(s, f, f.Conv, r, terr)
	case TypeMacro:
		r, merr := g.conv.ApplyMacro(ctx, s.actor(), f.Conv, f.Macro)
		err = g.ack(s, f, f.Conv, r, merr)
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
	var cv *conversation.Error
	if errors.As(err, &cv) {
		s.sendError(f.ID, string(cv.Code), cv.Msg)
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

// clientError is a frame refused by the gateway itself (the conversation
// core's refusals are conversation.Errors, with the same codes).
type clientError struct{ code, msg string }

func (e *clientError) Error() string { return e.code + ": " + e.msg }

func invalid(format string, a ...any) error {
	return &clientError{CodeInvalid, fmt.Sprintf(format, a...)}
}

func (s *session) isAgent() bool { return s.role == auth.RoleAgent }

// actor is who the session's frames act as, for the conversation core.
func (s *session) actor() conversation.Actor {
	if s.isAgent() {
		return conversation.Agent(s.tenant, s.id, conversation.Web)
	}
	return conversation.Customer(s.tenant, s.inbox, s.id, conversation.Web)
}

// conversation loads a conversation the session may use, and keeps it:
// who may use a conversation never changes.
func (g *Gateway) conversation(s *session, id string) (*state.ConversationRec, error) {
	c, err := g.conv.Conversation(s.actor(), id)
	if err != nil {
		return nil, err
	}
	if len(s.convs) >= 1024 {
		clear(s.convs)
	}
	s.convs[id] = c
	return c, nil
}

func (g *Gateway) start(ctx context.Context, s *session, f *InFrame) error {
	if s.isAgent() {
		return &clientError{CodeForbidden, "agents answer conversations; customers start them"}
	}
	o, err := g.conv.Open(ctx, s.actor(), conversation.Open{ClientID: f.ClientID, Lang: f.Lang})
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Conv: o.Conv.ID, Seq: o.Seq, Duplicate: o.Duplicate,
		Conversation: customerView(o.Conv)}))
	return nil
}

func (g *Gateway) send(_ context.Context, s *session, f *InFrame) error {
	p := conversation.Post{ClientID: f.ClientID, Text: f.Text, Attachments: f.Attachments, Private: f.Private}
	if len(f.To) > 0 || len(f.Cc) > 0 {
		p.Email = &event.Email{To: addresses(f.To), Cc: addresses(f.Cc)}
	}
	if t := f.Template; t != nil {
		p.Template = &event.Template{Name: t.Name, Language: t.Language, Params: t.Params}
	}
	c, ok := s.convs[f.Conv]
	if !ok {
		// a bad message is refused before its conversation is looked up
		if err := g.conv.CheckPost(s.actor(), &p); err != nil {
			return err
		}
		var err error
		if c, err = g.conversation(s, f.Conv); err != nil {
			return err
		}
	}
	if p.Email == nil && !p.Private && s.isAgent() && c.Channel == "" && g.mailReplies.Load() {
		p.Email = g.awayMail(c)
	}
	select {
	case s.inflight <- struct{}{}:
	case <-s.done:
		return nil
	}
	id, conv := f.ID, c.ID
	err := g.conv.PostAsync(s.actor(), c, p,
		func(r conversation.Result, err error) {
			<-s.inflight
			if err != nil {
				g.log.Warn("append message", "err", err)
				code, msg := storeFailure(err, "the edge could not store this: retry with the same client_id")
				s.sendError(id, code, msg)
				return
			}
			if r.Duplicate {
				g.m.Messages.WithLabelValues("duplicate").Inc()
			} else {
				g.m.Messages.WithLabelValues("accepted").Inc()
			}
			// the uploads it sends no longer count as unreferenced once the
			// sender has the ack, not only when the fan-out of the change
			// comes to it (referenced; releasing twice is nothing)
			g.uploads.release(s.tenant, p.Attachments...)
			s.enqueue(marshal(&OutFrame{Type: OutAck, ID: id, Conv: conv, Seq: r.Seq, Duplicate: r.Duplicate}))
		})
	if err != nil {
		<-s.inflight
	}
	return err
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
	r, err := g.conv.Read(ctx, s.actor(), f.Conv, f.Seq)
	return g.ack(s, f, f.Conv, r, err)
}

func (g *Gateway) history(s *session, f *InFrame) error {
	c, items, more, err := g.conv.History(s.actor(), f.Conv, f.Before, f.Limit)
	if err != nil {
		return err
	}
	out := &OutFrame{Type: OutHistory, ID: f.ID, Conv: c.ID, Items: itemsView(items), More: more}
	if s.isAgent() {
		out.Conversation = conversationView(c)
		if ct, err := g.store.Contact(s.tenant, c.Contact); err == nil {
			out.Extra = &protocol.Extra{Contact: contactView(ct)}
		}
	} else {
		out.Conversation = customerView(c)
		for i := range out.Items {
			out.Items[i] = *customerItem(&out.Items[i])
		}
		// how far agents have read: the widget's "Seen" after a reload
		if read, err := g.store.AgentsRead(s.tenant, c.ID); err == nil {
			out.Conversation.ReadSeq = read
		}
	}
	s.enqueue(marshal(out))
	return nil
}

func (g *Gateway) conversations(s *session, f *InFrame) error {
	var filter conversation.Filter
	if f.Status != "" {
		filter.Statuses = []string{f.Status}
	}
	filter.Before = f.Before
	convs, more, err := g.conv.List(s.actor(), filter, f.Limit)
	if err != nil {
		return err
	}
	if !s.isAgent() {
		s.enqueue(marshal(&OutFrame{Type: OutConvs, ID: f.ID, Conversations: conversationsView(convs, false)}))
		return nil
	}
	s.enqueue(marshal(&OutFrame{Type: OutConvs, ID: f.ID, Conversations: conversationsView(convs, true), More: more}))
	return nil
}

// contact answers an agent with a customer's record and conversations.
func (g *Gateway) contact(s *session, f *InFrame) error {
	if !s.isAgent() {
		return &clientError{CodeForbidden, "only agents look up customers"}
	}
	c, err := g.conv.Contact(s.actor(), f.Contact)
	if err != nil {
		return err
	}
	convs, _, err := g.conv.List(s.actor(), conversation.Filter{Contact: c.ID}, 50)
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutContact, ID: f.ID, Contact: contactView(c), Conversations: conversationsView(convs, true)}))
	return nil
}

// profile records the name and e-mail address an anonymous visitor gives
// (a pre-chat or away form).
func (g *Gateway) profile(ctx context.Context, s *session, f *InFrame) error {
	r, err := g.conv.SetProfile(ctx, s.actor(), f.Name, f.Email)
	return g.ack(s, f, "", r, err)
}

// canned answers an agent with the tenant's canned responses.
func (g *Gateway) canned(s *session, f *InFrame) error {
	list, err := g.conv.CannedResponses(s.actor())
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutCanned, ID: f.ID, Canned: cannedView(list)}))
	return nil
}

// cannedSet adds, changes or deletes a canned response (admins), then
// answers like canned.
func (g *Gateway) cannedSet(ctx context.Context, s *session, f *InFrame) error {
	if _, err := g.conv.SetCanned(ctx, s.actor(), conversation.Canned{ID: f.Canned, Shortcut: f.Shortcut, Text: f.Text, Delete: f.Delete}); err != nil {
		return err
	}
	return g.canned(s, f)
}

// inboxes answers an agent with the tenant's inboxes (never their identity
// secrets).
func (g *Gateway) inboxes(s *session, f *InFrame) error {
	list, err := g.conv.Inboxes(s.actor())
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutInboxes, ID: f.ID, Inboxes: inboxesView(list)}))
	return nil
}

// inboxSet changes an inbox (admins), then answers like inboxes.
func (g *Gateway) inboxSet(ctx context.Context, s *session, f *InFrame) error {
	err := g.conv.SetInbox(ctx, s.actor(), f.Inbox, conversation.InboxSettings{Prechat: f.Prechat, Skills: f.Skills, Priority: f.Priority,
		Color: f.Color, Greeting: f.Greeting, ReplyTime: f.ReplyTime})
	if err != nil {
		return err
	}
	return g.inboxes(s, f)
}

// team answers an agent with the tenant's agents: id, e-mail address,
// name, role, skills, languages and chat limit (never a password hash).
func (g *Gateway) team(s *session, f *InFrame) error {
	list, err := g.conv.Agents(s.actor())
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAgents, ID: f.ID, Team: teamView(list)}))
	return nil
}

// agentSet changes an agent's skills and languages (admins), then answers
// like team.
func (g *Gateway) agentSet(ctx context.Context, s *session, f *InFrame) error {
	if err := g.conv.SetAgent(ctx, s.actor(), f.Agent, conversation.AgentSettings{Skills: f.Skills, Languages: f.Languages}); err != nil {
		return err
	}
	return g.team(s, f)
}

func (g *Gateway) assign(ctx context.Context, s *session, f *InFrame) error {
	r, err := g.conv.Assign(ctx, s.actor(), f.Conv, f.Agent)
	return g.ack(s, f, f.Conv, r, err)
}

func (g *Gateway) status(ctx context.Context, s *session, f *InFrame) error {
	r, err := g.conv.SetStatus(ctx, s.actor(), f.Conv, f.Status, f.SnoozeUntil)
	return g.ack(s, f, f.Conv, r, err)
}

// priority sets a conversation's priority (agents).
func (g *Gateway) priority(ctx context.Context, s *session, f *InFrame) error {
	r, err := g.conv.SetPriority(ctx, s.actor(), f.Conv, f.Priority)
	return g.ack(s, f, f.Conv, r, err)
}

// ack acknowledges frame f with the sequence of what the core appended,
// or returns the core's refusal.
func (g *Gateway) ack(s *session, f *InFrame, conv string, r conversation.Result, err error) error {
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Conv: conv, Seq: r.Seq}))
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

// rate records a customer's rating of one of their resolved conversations.
func (g *Gateway) rate(ctx context.Context, s *session, f *InFrame) error {
	r, err := g.conv.Rate(ctx, s.actor(), f.Conv, f.Score)
	return g.ack(s, f, f.Conv, r, err)
}

// eventActor is the session's actor in the events the gateway appends
// itself (calls).
func (s *session) eventActor() event.Actor {
	if s.isAgent() {
		return event.Actor{Kind: event.ActorAgent, ID: s.id}
	}
	return event.Actor{Kind: event.ActorCustomer, ID: s.id}
}

// userAttributes are a website's attributes for its user as text (nil
// stays nil: the contact keeps the ones it has).
func userAttributes(in map[string]Scalar) map[string]string {
	if in == nil {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = string(v)
	}
	return out
}

// attributes makes a website's attributes an event's, as the conversation
// core checks them.
func attributes(in map[string]Scalar) (*event.Attributes, error) {
	return conversation.Attributes(userAttributes(in))
}

// awayMail is the recipient of an agent's reply in a widget conversation
// whose customer is not connected to this edge but left an e-mail address
// (the widget's away form, or the pre-chat form): the reply goes to it by
// e-mail too, when the edge sends mail (SetMailReplies; docs/email.md).
// nil otherwise.
func (g *Gateway) awayMail(c *state.ConversationRec) *event.Email {
	g.mu.RLock()
	online := len(g.customers[c.Tenant+"/"+c.Contact]) > 0
	g.mu.RUnlock()
	if online {
		return nil
	}
	ct, err := g.store.Contact(c.Tenant, c.Contact)
	if err != nil || ct.Email == "" {
		return nil
	}
	a := event.Address{Name: ct.Name, Addr: ct.Email}
	if a.Check() != nil {
		return nil
	}
	return &event.Email{To: []event.Address{a}}
}

// addresses are a frame's e-mail addresses as the log keeps them.
func addresses(as []protocol.Address) []event.Address {
	out := make([]event.Address, len(as))
	for i, a := range as {
		out[i] = event.Address{Name: a.Name, Addr: a.Address}
	}
	return out
}
