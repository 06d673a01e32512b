package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/edgedesk/edgedesk/edge/attachments"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/edge/metrics"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/edge/sfu"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Appender appends an event and returns its log sequence once the state has
// applied it.
type Appender interface {
	Append(ctx context.Context, e *event.Event) (uint64, error)
	// AppendAsync appends without waiting; done runs once the state has
	// applied the event (with the original's sequence and dup set for a
	// repeat), in the order of the calls from one goroutine. done must not
	// block.
	AppendAsync(e *event.Event, done func(seq uint64, dup bool, err error))
}

// DefaultResumeMax is the most items a resume replays by default; a client
// that missed more is sent resync and reloads from history.
const DefaultResumeMax = 1000

// Limits bound what clients may do. Zero values take the defaults.
type Limits struct {
	MaxFrameBytes int64 // largest client frame; default 64 KiB
	MaxTextBytes  int   // longest message text; default 16 KiB
	// Platforms are the messaging platforms' limits on agents' replies.
	Platforms      map[conversation.Channel]conversation.PlatformLimits
	SendQueue      int           // frames queued per client before it must resync; default 1024
	WriteTimeout   time.Duration // one frame write; default 10s
	HelloTimeout   time.Duration // time to authenticate; default 10s
	CustomerRate   float64       // frames per second per customer connection; default 100
	AgentRate      float64       // frames per second per agent connection; default 1000
	MaxBadFrames   int           // bad frames before the connection is closed; default 20
	ResumeMax      int           // most items replayed on resume, else resync; default 1000
	AgentTokenTTL  time.Duration // default 12h
	CustomerTTL    time.Duration // customer session token; default 24h
	VisitorTTL     time.Duration // anonymous visitor token; default 365 days
	MaxUploadBytes int64         // default 10 MiB
	MaxConnections int64         // default 100000
	// PresenceTTL is how long another node's agents stay online without a
	// heartbeat from that node; heartbeats go out every third of it.
	// Default 15s.
	PresenceTTL time.Duration
	// Uploads are the upload quotas (uploads.go); Login throttles failed
	// sign-ins (login.go), per client address: TrustedProxies are the
	// peers whose X-Forwarded-For names the client.
	Uploads        UploadLimits
	Login          LoginLimits
	TrustedProxies []netip.Prefix
}

func (l *Limits) defaults() {
	set := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.MaxFrameBytes <= 0 {
		l.MaxFrameBytes = 64 << 10
	}
	set(&l.MaxTextBytes, 16<<10)
	set(&l.SendQueue, 1024)
	set(&l.MaxBadFrames, 20)
	set(&l.ResumeMax, DefaultResumeMax)
	setD(&l.WriteTimeout, 10*time.Second)
	setD(&l.HelloTimeout, 10*time.Second)
	setD(&l.AgentTokenTTL, 12*time.Hour)
	setD(&l.CustomerTTL, 24*time.Hour)
	setD(&l.VisitorTTL, 365*24*time.Hour)
	setD(&l.PresenceTTL, 15*time.Second)
	if l.CustomerRate <= 0 {
		l.CustomerRate = 100
	}
	if l.AgentRate <= 0 {
		l.AgentRate = 1000
	}
	if l.MaxUploadBytes <= 0 {
		l.MaxUploadBytes = 10 << 20
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = 100000
	}
	l.Uploads.defaults(l.MaxUploadBytes)
	l.Login.defaults()
}

// Options build a Gateway.
type Options struct {
	Store       *state.Store
	Log         Appender
	Keys        *auth.Keys
	NATS        *nats.Conn // live subjects shared by the region's nodes
	Metrics     *metrics.Metrics
	Logger      *slog.Logger
	NodeID      string
	Attachments attachments.Dir
	Limits      Limits
	// Route asks the routing plugin; nil: the built-in rule only.
	Route RouteFunc
	// ICE gives a signed-in client ICE servers for calls; nil: none.
	ICE ICEFunc
	// SFU carries calls' media; nil: no calls.
	SFU *sfu.SFU
	// RecordingsDir holds the recordings of the calls of tenants that
	// record them, as <tenant>/<call>/; "": calls are not recorded.
	RecordingsDir string
	// RingTimeout is how long a call rings unanswered before it ends
	// ("no answer"); 0: 45 s.
	RingTimeout time.Duration
	// Search is the node's full-text index (nil: searching is
	// unavailable).
	Search conversation.Searcher
	// Sealer seals webhooks' signing secrets with the region's key
	// (nil: webhooks cannot be set).
	Sealer conversation.Sealer
	// ContactIDs derives the contact ids of the users websites identify,
	// keyed with the region secret (required).
	ContactIDs *auth.ContactIDs
}

// Gateway serves the WebSocket protocol and the HTTP API.
type Gateway struct {
	store   *state.Store
	journal Appender
	keys    *auth.Keys
	ids     *auth.ContactIDs
	nc      *nats.Conn
	m       *metrics.Metrics
	log     *slog.Logger
	node    string
	att     attachments.Dir
	recDir  string
	lim     Limits
	ice     ICEFunc
	sfu     *sfu.SFU
	ring    time.Duration // how long a call rings unanswered

	callsMu sync.Mutex
	calls   map[string]*call // the calls this node hosts

	membersMu sync.Mutex
	members   map[string]*session // sessions in calls of other nodes, by member name
	callSubs  []*nats.Subscription

	sub      *nats.Subscription
	hbSub    *nats.Subscription
	stop     chan struct{} // closed by Drain: ends the heartbeat
	stopOnce sync.Once

	// mailReplies: agents' replies to customers who left (awayMail) go
	// by e-mail too
	mailReplies atomic.Bool

	mu        sync.RWMutex
	agents    map[string]map[*session]struct{} // tenant → sessions
	customers map[string]map[*session]struct{} // tenant/contact → sessions
	// availableWas is what customers of a tenant were last told of
	// whether an agent is online.
	availableWas map[string]bool

	conv     *conversation.Service
	presence *presence
	router   *router
	uploads  *uploadQuotas  // uploads.go
	logins   *loginThrottle // login.go
	loginSub *nats.Subscription
	sweeping sync.WaitGroup // sweepUploads

	dummyOnce sync.Once
	dummy     string

	conns    atomic.Int64
	draining atomic.Bool
	wg       sync.WaitGroup // sessions
}

// New creates a gateway and subscribes to the region's live subjects.
func New(o Options) (*Gateway, error) {
	o.Limits.defaults()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ContactIDs == nil {
		return nil, errors.New("gateway: no ContactIDs: derive them from the region secret (auth.NewContactIDs)")
	}
	g := &Gateway{
		store: o.Store, journal: o.Log, keys: o.Keys, ids: o.ContactIDs, nc: o.NATS, m: o.Metrics,
		log: o.Logger, node: o.NodeID, att: o.Attachments, recDir: o.RecordingsDir, lim: o.Limits, ice: o.ICE, sfu: o.SFU, ring: o.RingTimeout, calls: map[string]*call{},
		members:   map[string]*session{},
		agents:    map[string]map[*session]struct{}{},
		customers: map[string]map[*session]struct{}{}, availableWas: map[string]bool{},
	}
	if g.ring <= 0 {
		g.ring = defaultRingTimeout
	}
	g.presence = newPresence(o.NodeID)
	g.router = newRouter(g, o.Route)
	g.conv = conversation.New(conversation.Options{Store: o.Store, Log: o.Log, Router: g.router, ContactIDs: o.ContactIDs, Search: o.Search, Sealer: o.Sealer,
		Limits: conversation.Limits{MaxTextBytes: o.Limits.MaxTextBytes, Platforms: o.Limits.Platforms}})
	g.uploads = newUploadQuotas(g.lim.Uploads)
	g.logins = newLoginThrottle(&g.lim.Login)
	sub, err := g.nc.Subscribe("live.>", g.onLive)
	if err != nil {
		return nil, err
	}
	sub.SetPendingLimits(1<<16, 64<<20)
	g.sub = sub
	if g.hbSub, err = g.nc.Subscribe(heartbeatSubject, g.onHeartbeat); err != nil {
		_ = sub.Unsubscribe()
		return nil, err
	}
	if g.loginSub, err = g.nc.Subscribe(loginSubject, g.onLogin); err != nil {
		_ = sub.Unsubscribe()
		_ = g.hbSub.Unsubscribe()
		return nil, err
	}
	if err := g.subscribeCalls(); err != nil {
		_ = sub.Unsubscribe()
		_ = g.hbSub.Unsubscribe()
		_ = g.loginSub.Unsubscribe()
		return nil, err
	}
	if g.m != nil {
		g.m.GaugeFunc("edgedesk_attachments_unreferenced_bytes", "Bytes this node holds of uploads no message references yet, and of uploads under way.",
			func() float64 { return float64(g.uploads.heldBytes()) })
		g.m.GaugeVecFunc("edgedesk_login_tracked", "Accounts and client addresses the sign-in throttle remembers failures of, by scope.", "scope",
			[]string{scopeAccount, scopeAddress}, g.tracked)
	}
	g.stop = make(chan struct{})
	go g.heartbeat()
	g.sweeping.Add(1)
	go g.sweepUploads()
	return g, nil
}

// Conversations is the conversation core the gateway runs its frames
// through, for the edge's other channels (the REST API) to share: one
// router, one set of rules.
func (g *Gateway) Conversations() *conversation.Service { return g.conv }

// SetMailReplies says whether the edge sends mail: then an agent's reply
// in a widget conversation whose customer left, with an e-mail address,
// goes to that address too.
func (g *Gateway) SetMailReplies(on bool) { g.mailReplies.Store(on) }

// Presence is the presence of the tenant's agents in the region now
// (agent id → online or away; absent agents are offline).
func (g *Gateway) Presence(tenant string) map[string]string { return g.presence.all(tenant) }

// heartbeatSubject carries each node's id, every PresenceTTL/3, so that the
// other nodes of the region can forget the agents of a node that died
// without saying goodbye.
const heartbeatSubject = "edgedesk.node.heartbeat"

func (g *Gateway) heartbeat() {
	t := time.NewTicker(g.lim.PresenceTTL / 3)
	defer t.Stop()
	for {
		if err := g.nc.Publish(heartbeatSubject, []byte(g.node)); err != nil {
			g.log.Debug("publish heartbeat", "err", err)
		}
		for _, ta := range g.presence.expire(time.Now().Add(-g.lim.PresenceTTL)) {
			g.announcePresence(ta[0], ta[1])
		}
		select {
		case <-g.stop:
			return
		case <-t.C:
		}
	}
}

func (g *Gateway) onHeartbeat(msg *nats.Msg) {
	if node := string(msg.Data); node != g.node && event.ValidID(node) {
		g.presence.touch(node, time.Now())
	}
}

// announcePresence tells the local agents of a tenant an agent's status,
// and its customers when whether anyone is online changed.
func (g *Gateway) announcePresence(tenant, agent string) {
	f := marshal(&OutFrame{Type: OutPresence, Agent: agent, Presence: g.presence.status(tenant, agent)})
	available := g.available(tenant)
	g.mu.Lock() // availableWas changes; delivering takes only each session's lock
	defer g.mu.Unlock()
	changed := g.availableWas[tenant] != available
	g.availableWas[tenant] = available
	for s := range g.agents[tenant] {
		s.deliver(0, f)
	}
	if !changed {
		return
	}
	af := marshal(&OutFrame{Type: OutAvailability, Available: &available})
	prefix := tenant + "/"
	for key, sessions := range g.customers {
		if strings.HasPrefix(key, prefix) {
			for s := range sessions {
				s.deliver(0, af)
			}
		}
	}
}

// available reports whether an agent of the tenant is online on some node
// of the region.
func (g *Gateway) available(tenant string) bool { return len(g.presence.online(tenant)) > 0 }

// Drain stops accepting connections and asks every client to reconnect
// elsewhere, then waits for the sessions to end or ctx.
func (g *Gateway) Drain(ctx context.Context) {
	g.draining.Store(true)
	g.mu.RLock()
	var all []*session
	for _, m := range g.agents {
		for s := range m {
			all = append(all, s)
		}
	}
	for _, m := range g.customers {
		for s := range m {
			all = append(all, s)
		}
	}
	g.mu.RUnlock()
	for _, s := range all {
		s.closeWith(CloseDraining, "server restarting: reconnect and resume")
	}
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	g.stopOnce.Do(func() {
		_ = g.sub.Unsubscribe()
		_ = g.hbSub.Unsubscribe()
		_ = g.loginSub.Unsubscribe()
		for _, s := range g.callSubs {
			_ = s.Unsubscribe()
		}
		close(g.stop)
		g.sweeping.Wait()
	})
}

// Connections is the number of open WebSocket connections.
func (g *Gateway) Connections() int64 { return g.conns.Load() }

func (g *Gateway) register(s *session) {
	g.mu.Lock()
	defer g.mu.Unlock()
	idx, key := g.index(s)
	m := idx[key]
	if m == nil {
		m = map[*session]struct{}{}
		idx[key] = m
	}
	m[s] = struct{}{}
}

func (g *Gateway) unregister(s *session) {
	g.mu.Lock()
	defer g.mu.Unlock()
	idx, key := g.index(s)
	if m := idx[key]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(idx, key)
		}
	}
}

func (g *Gateway) index(s *session) (map[string]map[*session]struct{}, string) {
	if s.role == auth.RoleAgent {
		return g.agents, s.tenant
	}
	return g.customers, s.tenant + "/" + s.id
}

// Deliver hands applied changes to the connected clients. It is the
// journal's sink: it runs on the projector goroutine and never blocks.
func (g *Gateway) Deliver(changes []state.Change) {
	g.referenced(changes)
	g.mu.RLock()
	defer g.mu.RUnlock()
	for i := range changes {
		ch := &changes[i]
		t := ch.Event.Tenant
		if k := ch.Event.Kind; (k == event.KindInboxUpserted || k == event.KindAgentUpserted) && len(g.agents[t]) > 0 {
			// an inbox's skills or an agent's changed: waiting conversations
			// may have someone now (an agent's session is open, so the
			// session group is above zero)
			g.drainQueue(t)
		}
		if ch.Item == nil {
			continue
		}
		// Each frame is built and encoded once, for all its connections,
		// when the first of them wants it; both share the item's view.
		var item *protocol.Item
		var agentFrame []byte
		for s := range g.agents[t] {
			if !s.wants(ch) {
				continue
			}
			if agentFrame == nil {
				item = itemView(ch.Item)
				f := &OutFrame{Type: OutEvent, Seq: ch.Item.Seq, Item: item}
				if ch.Conv != nil {
					f.Conversation = conversationView(ch.Conv)
				}
				agentFrame = marshal(f)
			}
			s.deliver(ch.Item.Seq, agentFrame)
		}
		if ch.Contact == "" {
			continue
		}
		var custFrame []byte
		for s := range g.customers[t+"/"+ch.Contact] {
			if custFrame == nil {
				if item == nil {
					item = itemView(ch.Item)
				}
				f := &OutFrame{Type: OutEvent, Seq: ch.Item.Seq, Item: customerItem(item)}
				if ch.Conv != nil {
					f.Conversation = customerView(ch.Conv)
				}
				custFrame = marshal(f)
			}
			s.deliver(ch.Item.Seq, custFrame)
		}
	}
}

// liveMsg is what nodes publish on live.<tenant>.<kind> subjects.
type liveMsg struct {
	Kind      string `json:"kind"` // typing | presence
	Node      string `json:"node"`
	Conv      string `json:"conv,omitempty"`
	Contact   string `json:"contact,omitempty"`
	ActorKind string `json:"actor_kind,omitempty"`
	ActorID   string `json:"actor_id,omitempty"`
	On        bool   `json:"on,omitempty"`
	Agent     string `json:"agent,omitempty"`
	Status    string `json:"status,omitempty"`
}

// DecodeLive parses a live message from another node of the region.
func DecodeLive(b []byte) (*liveMsg, string, error) {
	var m liveMsg
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, "", fmt.Errorf("%w: %v", errLive, err)
	}
	switch m.Kind {
	case "typing":
		if !event.ValidID(m.Conv) || !event.ValidID(m.ActorID) {
			return nil, "", errLive
		}
	case "presence":
		if !event.ValidID(m.Agent) || !validPresence(m.Status) {
			return nil, "", errLive
		}
	default:
		return nil, "", errLive
	}
	return &m, m.Kind, nil
}

func (g *Gateway) publishLive(tenant string, m *liveMsg) {
	m.Node = g.node
	b, _ := json.Marshal(m)
	if err := g.nc.Publish("live."+tenant+"."+m.Kind, b); err != nil {
		g.log.Warn("publish live update", "err", err)
	}
}

func (g *Gateway) onLive(msg *nats.Msg) {
	// subject: live.<tenant>.<kind>
	tenant, ok := liveTenant(msg.Subject)
	if !ok {
		return
	}
	m, kind, err := DecodeLive(msg.Data)
	if err != nil {
		g.log.Debug("ignoring malformed live message", "subject", msg.Subject, "err", err)
		return
	}
	switch kind {
	case "typing":
		f := marshal(&OutFrame{Type: OutTyping, Conv: m.Conv, ActorKind: m.ActorKind, ActorID: m.ActorID, On: m.On})
		g.mu.RLock()
		for s := range g.agents[tenant] {
			if !(m.ActorKind == auth.RoleAgent && m.ActorID == s.id) {
				s.deliver(0, f)
			}
		}
		if m.ActorKind == auth.RoleAgent && m.Contact != "" {
			for s := range g.customers[tenant+"/"+m.Contact] {
				s.deliver(0, f)
			}
		}
		g.mu.RUnlock()
	case "presence":
		if m.Node == g.node {
			return // applied locally when it was published
		}
		g.presence.touch(m.Node, time.Now())
		if g.presence.set(tenant, m.Agent, m.Node, m.Status) {
			g.announcePresence(tenant, m.Agent)
		}
	}
}

func liveTenant(subject string) (string, bool) {
	const p = "live."
	if len(subject) <= len(p) {
		return "", false
	}
	rest := subject[len(p):]
	for i := 0; i < len(rest); i++ {
		if rest[i] == '.' {
			t := rest[:i]
			return t, event.ValidID(t)
		}
	}
	return "", false
}
