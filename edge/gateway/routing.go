package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/plugins/routing/rules"
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// RouteFunc asks a routing plugin who gets a conversation (edge/plugins);
// by names the plugin that answered.
type RouteFunc func(ctx context.Context, req *abi.RouteRequest) (d abi.RouteDecision, by string, err error)

// router assigns new conversations. With a routing plugin it asks the
// plugin, and checks the answer: the agent must be online and under their
// chat limit. When the plugin fails, or answers what cannot be, the
// built-in rule decides and the event says so. The built-in rule: of the
// online agents with every skill the conversation's inbox needs, the one
// with the fewest unresolved conversations relative to their limit; among
// equals, the one who waited longest since their last assignment.
// Decisions of one tenant are made one at a time, each after
// the previous assignment is in the state, so concurrent openings never
// over-assign.
type router struct {
	g     *Gateway
	route RouteFunc // nil: the built-in rule only
	mu    sync.Mutex
	locks map[string]*sync.Mutex
	last  map[string]time.Time // tenant/agent → last assignment
	// pending: tenants whose queue is to be served (a drain was asked
	// for and has not run yet); a new conversation is routed after it
	pending map[string]bool
}

func newRouter(g *Gateway, route RouteFunc) *router {
	return &router{g: g, route: route, locks: map[string]*sync.Mutex{}, last: map[string]time.Time{}, pending: map[string]bool{}}
}

// lock serializes assignment decisions of a tenant; call the returned
// function when the decision is in the log.
func (r *router) lock(tenant string) func() {
	r.mu.Lock()
	l := r.locks[tenant]
	if l == nil {
		l = &sync.Mutex{}
		r.locks[tenant] = l
	}
	r.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// Route decides who gets a new conversation and runs commit (which
// appends the opening) while the tenant's decisions are held: the
// conversation core's Router.
func (r *router) Route(ctx context.Context, c *state.ConversationRec, in *state.InboxRec, commit func(conversation.Decision) error) error {
	unlock := r.lock(c.Tenant)
	defer unlock()
	r.serveWaiting(ctx, c.Tenant) // the conversations already waiting come first
	d := r.decide(ctx, r.request(c.Tenant, c, in))
	return commit(conversation.Decision{Agent: d.agent, By: d.by, Note: d.note, Fallback: d.fallback})
}

// Freed offers the tenant's queue to routing again: a chat slot is free.
func (r *router) Freed(tenant string) { r.g.drainQueue(tenant) }

// decision is who gets a conversation ("" queues it) and how that was
// decided.
type decision struct {
	agent    string
	by       string
	note     string
	fallback bool
}

// candidates are the tenant's online agents as routing sees them.
func (r *router) candidates(tenant string) []abi.AgentStatus {
	var out []abi.AgentStatus
	for _, a := range r.g.presence.online(tenant) {
		rec, err := r.g.store.Agent(tenant, a)
		if err != nil {
			continue
		}
		load, err := r.g.store.AgentLoad(tenant, a)
		if err != nil {
			continue
		}
		r.mu.Lock()
		last := r.last[tenant+"/"+a]
		r.mu.Unlock()
		out = append(out, abi.AgentStatus{ID: a, Online: true, Skills: rec.Skills, Languages: rec.Languages,
			Load: load, MaxChats: rec.MaxChats, IdleSince: last.UnixMilli()})
	}
	return out
}

// request is the routing request for conversation c (as it is recorded,
// or is about to be when it opens) of inbox in (its record, nil when
// unknown): the skills the inbox needs, its channel, the conversation's
// priority and language, the NLP plugin's reading of it, and what the
// edge knows of the customer.
func (r *router) request(tenant string, c *state.ConversationRec, in *state.InboxRec) *abi.RouteRequest {
	req := &abi.RouteRequest{Tenant: tenant, Conversation: c.ID, Inbox: c.Inbox, Language: c.Language,
		Priority: event.PriorityRank(c.Priority), Channel: "web", Team: c.Team}
	if in != nil {
		req.Skills = in.Skills
		if in.Channel != "" {
			req.Channel = in.Channel
		}
	}
	if c.Intent != "" || c.Sentiment != "" {
		req.Reading = &abi.Reading{Language: c.Language, Intent: c.Intent, Sentiment: c.Sentiment}
	}
	req.Contact = r.contact(tenant, c.Contact, c.ID)
	return req
}

// contact is a customer as routing sees them, nil when the state cannot
// say: whether the website identified them, their attributes and
// language, and how many other conversations they had.
func (r *router) contact(tenant, id, conv string) *abi.Contact {
	rec, err := r.g.store.Contact(tenant, id)
	if err != nil {
		return nil
	}
	n, err := r.g.store.CountContactConversations(tenant, id, conv, abi.MaxConversations)
	if err != nil {
		return nil
	}
	c := &abi.Contact{Identified: rec.ExternalID != "", Language: rec.Language, Conversations: n}
	if len(rec.Attributes) > 0 {
		c.Attributes = rec.Attributes
	}
	return c
}

// decide picks the agent for a new conversation: of the team's members
// when it is given to a team (a team that no longer exists is none).
func (r *router) decide(ctx context.Context, req *abi.RouteRequest) decision {
	req.Agents = r.candidates(req.Tenant)
	if req.Team != "" {
		if tm, err := r.g.store.Team(req.Tenant, req.Team); err == nil {
			req.Agents = slices.DeleteFunc(req.Agents, func(a abi.AgentStatus) bool { return !tm.Has(a.ID) })
		} else {
			req.Team = ""
		}
	}
	d := decision{by: "builtin"}
	if r.route != nil {
		pd, by, err := r.route(ctx, req)
		if err == nil {
			err = valid(pd.Agent, req.Agents)
		}
		switch {
		case err == nil:
			d = decision{agent: pd.Agent, by: by, note: note(pd.Reason)}
		case errors.Is(err, ErrNoRoutingPlugin):
			d.agent = builtin(req)
		default:
			d.fallback = true
			d.note = note(by + " failed: " + firstLine(err.Error()))
			if r.g.m != nil {
				r.g.m.RoutingFallbacks.Inc()
			}
			if !errors.Is(err, ErrPluginSuspended) { // a suspension is logged once, where it happens
				r.g.log.Warn("routing plugin failed; the built-in rule decided", "plugin", by, "err", err)
			}
			d.agent = builtin(req)
		}
	} else {
		d.agent = builtin(req)
	}
	if d.agent != "" {
		r.mu.Lock()
		r.last[req.Tenant+"/"+d.agent] = time.Now()
		r.mu.Unlock()
	}
	return d
}

// maxWaiting bounds the waiting conversations one drain looks at.
const maxWaiting = 500

// drain offers a tenant's waiting conversations (open and unassigned),
// highest priority first and then oldest first, to routing again: called
// when an agent comes online or resolves a conversation, or an inbox or
// agent changes, so the queue moves on its own. A conversation nobody can take (no agent with its
// skills has room) does not hold up the ones behind it; the drain stops
// when no online agent has room left.
func (r *router) drain(tenant string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	unlock := r.lock(tenant)
	defer unlock()
	r.serve(ctx, tenant)
}

// ask records that the tenant's queue is to be served: a chat slot may
// have freed up, or an agent come online. drain will serve it; a new
// conversation routed before then serves it first (serveWaiting), so that
// it does not take the slot from those waiting.
func (r *router) ask(tenant string) {
	r.mu.Lock()
	r.pending[tenant] = true
	r.mu.Unlock()
}

// serveWaiting serves the tenant's queue when a drain is pending; the
// caller holds the tenant's lock.
func (r *router) serveWaiting(ctx context.Context, tenant string) {
	r.mu.Lock()
	pending := r.pending[tenant]
	r.mu.Unlock()
	if pending {
		r.serve(ctx, tenant)
	}
}

// serve offers the waiting conversations to routing in the queue's order;
// the caller holds the tenant's lock. Once a conversation found nobody,
// the others of its inbox and language are skipped: they need the same.
func (r *router) serve(ctx context.Context, tenant string) {
	r.mu.Lock()
	delete(r.pending, tenant)
	r.mu.Unlock()
	if len(r.g.presence.online(tenant)) == 0 {
		return
	}
	waiting, err := r.g.store.Waiting(tenant, maxWaiting)
	if err != nil {
		r.g.log.Warn("cannot list waiting conversations", "tenant", tenant, "err", err)
		return
	}
	nobody := map[string]bool{}             // inbox/language of conversations that found nobody
	inboxes := map[string]*state.InboxRec{} // read once a pass
	for _, c := range waiting {
		if nobody[c.Inbox+"/"+c.Language+"/"+c.Team] {
			continue
		}
		in, ok := inboxes[c.Inbox]
		if !ok {
			in, _ = r.g.store.Inbox(tenant, c.Inbox)
			inboxes[c.Inbox] = in
		}
		req := r.request(tenant, &c, in)
		d := r.decide(ctx, req)
		if d.agent == "" {
			if !roomLeft(req.Agents) {
				return
			}
			nobody[c.Inbox+"/"+c.Language+"/"+c.Team] = true
			continue // it needs what no agent with room has: the next may not
		}
		e := &event.Event{Kind: event.KindConversationAssign, Tenant: tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "routing"},
			Assign: &event.Assignment{Conv: c.ID, Agent: d.agent, RoutedBy: d.by, RouteNote: d.note, RouteFallback: d.fallback}}
		if _, err := r.g.journal.Append(ctx, e); err != nil {
			r.g.log.Warn("cannot assign a waiting conversation", "conv", c.ID, "err", err)
			return
		}
	}
}

// roomLeft reports whether any of the agents is under their chat limit.
func roomLeft(agents []abi.AgentStatus) bool {
	for _, a := range agents {
		if a.MaxChats <= 0 || a.Load < a.MaxChats {
			return true
		}
	}
	return false
}

// ErrNoRoutingPlugin is what a RouteFunc returns (wrapped or not) when no
// routing plugin is installed: the built-in rule decides, and that is no
// failure.
var ErrNoRoutingPlugin = errors.New("no routing plugin is installed")

// ErrPluginSuspended is what a RouteFunc returns (wrapped) while the
// routing plugin rests after failing: the built-in rule decides, quietly.
var ErrPluginSuspended = errors.New("the routing plugin is suspended")

// valid checks a plugin's choice: nobody (the queue), or an online agent
// under their chat limit.
func valid(agent string, agents []abi.AgentStatus) error {
	if agent == "" {
		return nil
	}
	for _, a := range agents {
		if a.ID == agent {
			if a.MaxChats > 0 && a.Load >= a.MaxChats {
				return fmt.Errorf("it chose %s, who is at their limit of %d chats", agent, a.MaxChats)
			}
			return nil
		}
	}
	return fmt.Errorf("it chose %q, who is not an online agent of the tenant", agent)
}

// builtin is the built-in rule: the routing plugin's own logic, run
// natively, over skills, load, limits and time idle; without language,
// a preference only.
func builtin(req *abi.RouteRequest) string {
	return rules.Decide(&abi.RouteRequest{Agents: req.Agents, Skills: req.Skills}).Agent
}

// note makes what a plugin said, or an error that may quote it, fit a
// route note: at most 200 bytes of UTF-8 on one line, without control
// characters. The plugin's answers are checked before they get here
// (edge/plugins), but an error's text is not, and an event with a string
// that is not UTF-8 is refused by the journal.
func note(s string) string {
	s = strings.Map(func(r rune) rune {
		// bidirectional overrides and isolates would reorder the
		// console's text around the note; marks (U+200E…) are harmless
		if unicode.IsControl(r) || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\ufffd"))
	return truncate(s, 200)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 { // not inside a UTF-8 sequence
		n--
	}
	return s[:n]
}
