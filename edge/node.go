package edge

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/edgedesk/edgedesk/edge/api"
	"github.com/edgedesk/edgedesk/edge/attachments"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/automation"
	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/clock"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/edge/email"
	"github.com/edgedesk/edgedesk/edge/email/outbound"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/journal"
	"github.com/edgedesk/edgedesk/edge/metrics"
	"github.com/edgedesk/edgedesk/edge/plugins"
	"github.com/edgedesk/edgedesk/edge/residency"
	"github.com/edgedesk/edgedesk/edge/search"
	"github.com/edgedesk/edgedesk/edge/sfu"
	"github.com/edgedesk/edgedesk/edge/uplink"
	"github.com/edgedesk/edgedesk/edge/webhooks"
	"github.com/edgedesk/edgedesk/internal/admintoken"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/internal/syncproto"
	"github.com/edgedesk/edgedesk/turn"
	"github.com/edgedesk/edgedesk/web"
)

// Node is one running edge.
type Node struct {
	cfg     config.Config
	log     *slog.Logger
	metrics *metrics.Metrics

	bus     *bus.Bus
	store   *state.Store
	journal *journal.Journal
	gateway *gateway.Gateway
	search  *search.Index
	uplink  *uplink.Uplink // nil when the edge runs without a hub
	// sealer seals with the region's key: what leaves for the hub, and
	// webhooks' signing secrets
	sealer  *residency.Sealer
	plugins *plugins.Manager
	// turn is the embedded TURN server (calls.go); nil without turn.addr
	turn          *turn.Server
	turnSecretKey []byte
	sfu           *sfu.SFU // the calls' media (edge/sfu)
	// analyses feeds customer messages to the NLP plugin (plugins.go)
	analyses chan analysisJob
	admin    string // the admin API's bearer token
	keys     *auth.Keys
	httpSrv  *http.Server
	ln       net.Listener
	// mail is the e-mail channel, smtp its server (mail.go); nil without
	// email.inboxes
	mail   *email.Channel
	smtp   *email.Server
	smtpLn net.Listener
	sender atomic.Pointer[outbound.Sender] // replies by e-mail; nil without email.relay
	// channels are the messaging platforms' channels (channels.go):
	// those of the configuration and the hub's, whose changes
	// loadChannels takes (channelVersion: the store's when it last did;
	// channelInfo: the channels as the admin API shows them)
	channels       *channels.Service
	channelDeps    channelDeps
	channelMu      sync.Mutex
	channelVersion uint64
	channelInfo    []ChannelInfo

	cancel   context.CancelFunc
	wg       sync.WaitGroup
	ready    atomic.Bool
	draining atomic.Bool
	dev      *DevCredentials
	started  time.Time
	// lock is held on <data>/LOCK from Start until close (datadir.go)
	lock *dataLock
	// stateDir is where openCore opens the state store; empty is
	// <data>/state (statePath). Rebuild builds the state beside it.
	stateDir string
}

// New returns a node for a validated configuration.
func New(cfg config.Config, log *slog.Logger) *Node {
	return &Node{cfg: cfg, log: log.With("node", cfg.Node.ID, "region", cfg.Node.Region)}
}

func (n *Node) dataPath(parts ...string) string {
	return filepath.Join(append([]string{n.cfg.DataDir}, parts...)...)
}

// attachments is where the node keeps attachments' bytes, fsynced when
// the log's appends are (docs/durability.md).
func (n *Node) attachments() attachments.Dir {
	return attachments.Dir{Path: n.dataPath("attachments"), Fsync: n.bus.Durability() != bus.DurabilityProcess}
}

// Start opens the log and the state, catches the state up with the log
// (rebuilding it if it is missing), seeds the demo data with --dev, and
// starts serving. It returns once the node is ready.
func (n *Node) Start(ctx context.Context) (err error) {
	n.started = time.Now()
	defer func() {
		if err != nil {
			if cerr := n.close(); cerr != nil {
				n.log.Warn("stopping after a failed start", "err", cerr)
			}
		}
	}()
	if err := os.MkdirAll(n.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if n.lock, err = lockDataDir(n.cfg.DataDir); err != nil {
		return err
	}
	if n.cfg.Hub.Addr != "" {
		// a link that can never come up fails the start; a hub out of
		// reach does not (the edge serves alone and retries)
		if err := uplink.Check(n.dataPath("hub"), n.cfg.Hub.EnrollTokenFile); err != nil {
			return fmt.Errorf("hub link (--hub %s): %w", n.cfg.Hub.Addr, err)
		}
	}
	key, err := auth.LoadOrCreateKey(n.cfg.Auth.KeyFile)
	if err != nil {
		return err
	}
	if n.keys, err = auth.NewKeys(key); err != nil {
		return err
	}
	n.metrics = metrics.New()
	if err := n.openCore(ctx); err != nil {
		return err
	}
	if err := n.openPlugins(ctx); err != nil {
		return err
	}
	if err := n.startTURN(ctx); err != nil {
		return err
	}
	sc := sfu.Config{Loopback: n.cfg.Dev, Log: n.log.With("component", "sfu")}
	if a := n.cfg.Calls.MediaAddr; a != "" {
		if sc.UDP, err = net.ListenPacket("udp", a); err != nil {
			return fmt.Errorf("calls.media_addr %s: %w", a, err)
		}
		if u, ok := sc.UDP.(*net.UDPConn); ok {
			// every call's packets queue here: 4 MiB each way (Linux
			// grants up to net.core.rmem_max and wmem_max)
			_ = u.SetReadBuffer(4 << 20)
			_ = u.SetWriteBuffer(4 << 20)
		}
	}
	if n.sfu, err = sfu.New(sc); err != nil {
		if sc.UDP != nil {
			sc.UDP.Close()
		}
		return fmt.Errorf("start the media server: %w", err)
	}
	n.analyses = make(chan analysisJob, analysisQueue)
	secrets, err := n.regionSecrets()
	if err != nil {
		return err
	}
	ids, err := auth.NewContactIDs(secrets.Current, secrets.Accepted...)
	if err != nil {
		return err
	}
	if n.search, err = search.Open(n.dataPath("search"), n.log.With("component", "search")); err != nil {
		return err
	}
	keyFile := n.cfg.Hub.RegionKeyFile
	if keyFile == "" {
		keyFile = n.dataPath("region.key")
	}
	if n.sealer, err = residency.LoadKey(keyFile); err != nil {
		return err
	}
	gw, err := gateway.New(gateway.Options{
		Route: n.route, ICE: n.iceServers, SFU: n.sfu, ContactIDs: ids, Search: n.search, Sealer: n.sealer,
		Store: n.store, Log: n.journal, Keys: n.keys, NATS: n.bus.Conn(), Metrics: n.metrics,
		Logger: n.log.With("component", "gateway"), NodeID: n.cfg.Node.ID,
		Attachments:   n.attachments(),
		RecordingsDir: n.dataPath("recordings"),
		RingTimeout:   n.cfg.Calls.RingTimeout,
		Limits: gateway.Limits{
			MaxFrameBytes: n.cfg.Gateway.MaxFrameBytes, MaxTextBytes: n.cfg.Gateway.MaxTextBytes, Platforms: platformLimits(),
			SendQueue: n.cfg.Gateway.SendQueue, CustomerRate: n.cfg.Gateway.CustomerRate,
			AgentRate: n.cfg.Gateway.AgentRate, MaxConnections: n.cfg.Gateway.MaxConnections,
			AgentTokenTTL: n.cfg.Auth.AgentTokenTTL, CustomerTTL: n.cfg.Auth.CustomerTTL,
			MaxUploadBytes: n.cfg.Attachments.MaxBytes, PresenceTTL: n.cfg.Gateway.PresenceTTL,
			Uploads: uploadLimits(&n.cfg), Login: loginLimits(&n.cfg), TrustedProxies: trustedProxies(&n.cfg),
		},
	})
	if err != nil {
		return fmt.Errorf("start gateway: %w", err)
	}
	n.gateway = gw
	n.journal.SetSink(func(changes []state.Change) {
		gw.Deliver(changes)
		n.observe(changes)
		n.notifyMail(changes)
	})
	runCtx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	for range 2 {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.analyze(runCtx)
		}()
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := n.journal.Run(runCtx); err != nil {
			n.log.Error("projector stopped", "err", err)
			n.ready.Store(false)
		}
	}()
	cctx, ccancel := context.WithTimeout(ctx, 10*time.Minute)
	err = n.journal.CatchUp(cctx)
	ccancel()
	if err != nil {
		return fmt.Errorf("catch the state up with the event log: %w", err)
	}
	if n.cfg.Dev {
		if n.dev, err = n.seedDev(ctx); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}
	n.registerGauges()
	if err := n.openUplink(); err != nil {
		return err
	}
	if n.uplink != nil {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := n.uplink.Run(runCtx); err != nil {
				// GET /api/v1/status shows it too
				n.log.Error("the hub link stopped; the edge serves alone", "err", err)
			}
		}()
	}
	if err := n.openChannels(); err != nil {
		return err
	}
	if err := n.serveHTTP(); err != nil {
		return err
	}
	n.wg.Add(2)
	go func() {
		defer n.wg.Done()
		_ = n.channels.Run(runCtx) // until the node stops
	}()
	go func() {
		defer n.wg.Done()
		n.watchChannels(runCtx)
	}()
	if err := n.startEmail(runCtx, secrets.Current, secrets.Accepted); err != nil {
		return err
	}
	lc := clock.New(clock.Options{Store: n.store, Conversations: n.gateway.Conversations(), CloseAfter: n.cfg.Tickets.CloseAfter,
		Log: n.log.With("component", "clock")})
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		_ = lc.Run(runCtx) // until the node stops
	}()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := n.search.Run(runCtx, n.bus.Read); err != nil && runCtx.Err() == nil {
			n.log.Error("the search index stopped following the log", "err", err)
		}
	}()
	ao := automation.Options{Store: n.store, Conversations: n.gateway.Conversations(), Log: n.log.With("component", "automation")}
	if n.plugins != nil {
		ao.Plugins = n.plugins
	}
	ar := automation.New(ao)
	wc := n.cfg.Webhooks
	hooks, err := webhooks.New(webhooks.Options{Store: n.store, Journal: n.journal, Open: n.sealer.Open, Metrics: n.metrics.Registry,
		Timeout: wc.Timeout, InFlight: wc.InFlight, Schedule: wc.Retry,
		Leader: func() bool { return n.bus.Health().IsLeader }, Log: n.log.With("component", "webhooks")})
	if err != nil {
		return err
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		_ = hooks.Run(runCtx) // until the node stops
	}()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		_ = ar.Run(runCtx) // until the node stops
	}()
	n.ready.Store(true)
	n.log.Info("edge ready", "http", n.Addr(), "durability", n.bus.Durability(),
		"applied_seq", n.store.Applied(), "startup", time.Since(n.started).Round(time.Millisecond))
	return nil
}

// openCore starts the bus, opens the store and creates the journal.
func (n *Node) openCore(ctx context.Context) error {
	var err error
	secrets, err := n.regionSecrets()
	if err != nil {
		return err
	}
	n.bus, err = bus.Start(ctx, bus.Options{
		Dir:             n.dataPath("eventlog"),
		ServerName:      n.cfg.Node.ID,
		ClientListen:    n.cfg.NATS.ClientListen,
		ClientAccess:    n.cfg.NATS.ClientAccess,
		ToolsNkeyFile:   n.cfg.NATS.ToolsNkeyFile,
		SystemNkeyFile:  n.cfg.NATS.SystemNkeyFile,
		Secrets:         secrets,
		Cluster:         bus.ClusterOptions{Name: n.cfg.NATS.Cluster.Name, Listen: n.cfg.NATS.Cluster.Listen, Routes: n.cfg.NATS.Cluster.Routes},
		Replicas:        n.cfg.NATS.Replicas,
		Durability:      n.cfg.Durability,
		DuplicateWindow: n.cfg.NATS.DuplicateWindow,
		Log:             n.log,
	})
	if err != nil {
		return err
	}
	n.store, err = state.Open(n.statePath(), state.Options{}, n.log)
	if err != nil {
		return err
	}
	if l := n.store.Layout(); l != state.Layout {
		n.log.Warn("the state store was written with another layout: rebuilding it from the event log",
			"store_layout", l, "layout", state.Layout, "applied_seq", n.store.Applied())
		old := n.store
		n.store = nil
		if err := old.Close(); err != nil {
			return fmt.Errorf("close state store of layout %d: %w", l, err)
		}
		if err := os.RemoveAll(n.statePath()); err != nil {
			return fmt.Errorf("remove state store of layout %d: %w (remove %s by hand to rebuild it)", l, err, n.statePath())
		}
		if n.store, err = state.Open(n.statePath(), state.Options{}, n.log); err != nil {
			return err
		}
	}
	if n.store.Applied() == 0 {
		n.log.Info("state is empty: building it from the event log")
	}
	var obs journal.Observer
	if n.metrics != nil {
		obs = journal.Observer{
			AppendSeconds: n.metrics.AppendSeconds.Observe,
			Applied:       func(k int) { n.metrics.Applied.Add(float64(k)) },
			Malformed:     n.metrics.Malformed.Inc,
			Refused:       n.metrics.Refused.Inc,
		}
	}
	n.journal = journal.New(n.bus, n.store, journal.Options{Origin: n.cfg.Node.ID,
		Log: n.log.With("component", "projector"), Obs: obs, Linger: n.cfg.Projector.Linger})
	return nil
}

// regionSecrets reads the region secret (auth.key_file, made when
// missing) and the other secrets the region accepts.
func (n *Node) regionSecrets() (bus.Secrets, error) {
	cur, err := auth.LoadOrCreateKey(n.cfg.Auth.KeyFile)
	if err != nil {
		return bus.Secrets{}, err
	}
	s := bus.Secrets{Current: cur}
	for _, f := range n.cfg.Auth.AcceptedKeyFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return bus.Secrets{}, fmt.Errorf("auth.accepted_key_files: %w", err)
		}
		k := []byte(strings.TrimSpace(string(b)))
		if len(k) < 32 {
			return bus.Secrets{}, fmt.Errorf("auth.accepted_key_files: %s has %d bytes; a region secret has at least 32", f, len(k))
		}
		s.Accepted = append(s.Accepted, k)
	}
	return s, nil
}

// openUplink prepares the admin token and, with a hub address, the link
// to the hub.
func (n *Node) openUplink() error {
	tokenFile := n.cfg.Auth.AdminTokenFile
	if tokenFile == "" {
		tokenFile = n.dataPath("admin-token")
		if n.cfg.Dev {
			tokenFile = n.dataPath("dev-admin-token")
		}
	}
	var err error
	if n.admin, err = admintoken.Load(tokenFile, n.cfg.Auth.AdminTokenFile == ""); err != nil {
		return err
	}
	if n.cfg.Hub.Addr == "" {
		return nil
	}
	n.uplink = uplink.New(uplink.Options{
		Addr: n.cfg.Hub.Addr, Dir: n.dataPath("hub"), Log: n.log.With("component", "uplink"),
		EnrollTokenFile: n.cfg.Hub.EnrollTokenFile, Name: n.cfg.Node.ID, Region: n.cfg.Node.Region,
		QUIC: syncproto.QUICConfig(), Read: n.bus.Read, Head: n.bus.LastSeq, Sealer: n.sealer,
		ApplyConfig: n.applyConfig, Staff: n.staff,
		Policy: func(t string) residency.Policy {
			rec, err := n.store.Tenant(t)
			if err != nil {
				return residency.Policy{}
			}
			return residency.Policy{Fields: rec.Residency, Redact: rec.ResidencyMode == "redact"}
		},
	})
	return nil
}

// staff is the region's agents by tenant, for the hub's live figures.
func (n *Node) staff() []syncproto.TenantStatus {
	if n.gateway == nil {
		return nil
	}
	var out []syncproto.TenantStatus
	for _, s := range n.gateway.Staff() {
		out = append(out, syncproto.TenantStatus{Tenant: s.Tenant, Online: uint32(s.Online), Away: uint32(s.Away), Busy: uint32(s.Busy)})
	}
	return out
}

// applyConfig appends the hub's configuration events to the log and waits
// until the state has them. Only configuration kinds are taken.
func (n *Node) applyConfig(ctx context.Context, evs [][]byte) error {
	for _, b := range evs {
		e, err := n.journal.Codec().Decode(b)
		if err != nil {
			return err
		}
		switch e.Kind {
		case event.KindTenantUpserted, event.KindInboxUpserted, event.KindAgentUpserted, event.KindCannedUpserted,
			event.KindPluginConfigured, event.KindChannelConfigured:
		default:
			return fmt.Errorf("the hub sent a %s event as configuration", e.Kind)
		}
		if _, err := n.journal.Append(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// EdgeStatus is GET /api/v1/status.
type EdgeStatus struct {
	EdgeID  string         `json:"edge_id"`
	Region  string         `json:"region"`
	LastSeq uint64         `json:"last_seq"`
	Hub     *uplink.Status `json:"hub"`
}

func (n *Node) status(w http.ResponseWriter, r *http.Request) {
	last, err := n.bus.LastSeq(r.Context())
	if err != nil {
		http.Error(w, "the event log does not answer: retry", http.StatusServiceUnavailable)
		return
	}
	st := EdgeStatus{EdgeID: n.cfg.Node.ID, Region: n.cfg.Node.Region, LastSeq: last}
	if n.uplink != nil {
		s := n.uplink.Status()
		st.Hub = &s
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(st)
}

// Uplink is the node's link to its hub, nil without one.
func (n *Node) Uplink() *uplink.Uplink { return n.uplink }

func (n *Node) serveHTTP() error {
	mux := http.NewServeMux()
	mux.Handle("GET /api/v1/status", admintoken.Guard(n.admin, http.HandlerFunc(n.status)))
	n.pluginsAPI(mux, func(h http.Handler) http.Handler { return admintoken.Guard(n.admin, h) })
	n.channelsAPI(mux, func(h http.Handler) http.Handler { return admintoken.Guard(n.admin, h) })
	n.gateway.RegisterAdmin(mux, func(h http.Handler) http.Handler { return admintoken.Guard(n.admin, h) })
	api.New(api.Options{Store: n.store, Journal: n.journal, Conversations: n.gateway.Conversations(), Keys: n.keys,
		Presence: n.gateway.Presence, AdminToken: n.admin, Logger: n.log.With("component", "api")}).Register(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", n.readyz)
	guard, err := metricsGuard(n.cfg.Auth.MetricsTokenFile)
	if err != nil {
		return err
	}
	mux.Handle("GET /metrics", guard(promhttp.HandlerFor(n.metrics.Registry, promhttp.HandlerOpts{})))
	n.gateway.Register(mux)
	mux.Handle(channels.Prefix, n.channels) // each platform's methods: verified by its adapter
	mux.Handle("GET /widget.js", web.Widget())
	mux.Handle("GET /console/", web.Console())
	mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	mux.Handle("GET /favicon.ico", web.Favicon())
	if n.cfg.Dev {
		mux.Handle("GET /demo", web.Demo(DemoInbox))
		mux.Handle("GET /demo/prechat", web.Demo(DemoPrechatInbox))
	}
	ln, err := net.Listen("tcp", n.cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another edge running? set --http)", n.cfg.HTTP.Addr, err)
	}
	n.ln = ln
	n.httpSrv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := n.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

type readiness struct {
	Ready   bool              `json:"ready"`
	Checks  map[string]string `json:"checks"`
	Applied uint64            `json:"applied_seq"`
}

func (n *Node) readyz(w http.ResponseWriter, r *http.Request) {
	rd := readiness{Ready: true, Checks: map[string]string{}, Applied: n.store.Applied()}
	check := func(name string, ok bool, why string) {
		if ok {
			rd.Checks[name] = "ok"
			return
		}
		rd.Ready = false
		rd.Checks[name] = why
	}
	check("started", n.ready.Load(), "starting or projector stopped")
	check("draining", !n.draining.Load(), "shutting down")
	check("jetstream", n.bus.Healthy(), "embedded NATS/JetStream not running")
	h := n.bus.Health()
	check("log_writable", h.Writable, h.Why)
	check("badger", n.store.Healthy(), "state store closed")
	check("projector", n.journal.Running(), "projector not running")
	w.Header().Set("Content-Type", "application/json")
	if !rd.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rd)
}

func (n *Node) registerGauges() {
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	m := n.metrics
	m.GaugeFunc("edgedesk_jetstream_up", "1 when the embedded NATS server runs with JetStream.", func() float64 { return b2f(n.bus.Healthy()) })
	m.GaugeFunc("edgedesk_badger_up", "1 when the Badger state store is open.", func() float64 { return b2f(n.store.Healthy()) })
	m.GaugeFunc("edgedesk_state_applied_seq", "Last event-log sequence applied to the state.", func() float64 { return float64(n.store.Applied()) })
	m.GaugeFunc("edgedesk_badger_lsm_bytes", "Size of Badger's LSM tree.", func() float64 { l, _ := n.store.Sizes(); return float64(l) })
	m.GaugeFunc("edgedesk_badger_vlog_bytes", "Size of Badger's value log.", func() float64 { _, v := n.store.Sizes(); return float64(v) })
	// the log's figures come from the bus's health check (one stream-info
	// request a second), not from a request per scrape
	health := func(f func(h bus.Health) float64) func() float64 {
		return func() float64 {
			h := n.bus.Health()
			if h.Checked.IsZero() {
				return -1
			}
			return f(h)
		}
	}
	m.GaugeFunc("edgedesk_jetstream_stream_messages", "Events in the JetStream log.", health(func(h bus.Health) float64 { return float64(h.Msgs) }))
	m.GaugeFunc("edgedesk_jetstream_stream_bytes", "Bytes in the JetStream log.", health(func(h bus.Health) float64 { return float64(h.Bytes) }))
	m.GaugeFunc("edgedesk_jetstream_last_seq", "Last sequence of the JetStream log.", health(func(h bus.Health) float64 { return float64(h.LastSeq) }))
	m.GaugeFunc("edgedesk_jetstream_writable", "1 when the event stream has a leader with a quorum of its replicas (appends can be stored).",
		health(func(h bus.Health) float64 { return b2f(h.Writable) }))
	m.GaugeFunc("edgedesk_jetstream_stream_leader", "1 when this node leads the event stream.", health(func(h bus.Health) float64 { return b2f(h.IsLeader) }))
	m.GaugeFunc("edgedesk_jetstream_stream_replicas", "Replicas the event stream is configured with.", health(func(h bus.Health) float64 { return float64(h.Replicas) }))
	m.GaugeVecFunc("edgedesk_jetstream_stream_peers", "The stream leader's peers by state: current, lagging (reachable, behind) or offline.", "state",
		[]string{"current", "lagging", "offline"}, func(state string) float64 {
			h := n.bus.Health()
			switch state {
			case "current":
				return float64(h.Current)
			case "lagging":
				return float64(h.Lagging)
			default:
				return float64(h.Offline)
			}
		})
	m.GaugeFunc("edgedesk_nats_route_peers", "Other NATS servers of the region this node has routes to.", health(func(h bus.Health) float64 { return float64(h.Peers) }))
	m.GaugeFunc("edgedesk_projector_lag_events", "Events in the log not yet applied to the state (last sequence minus applied sequence).",
		health(func(h bus.Health) float64 {
			if a := n.store.Applied(); h.LastSeq > a {
				return float64(h.LastSeq - a)
			}
			return 0
		}))
}

// metricsGuard protects /metrics: with a token file, every scrape must send
// the token as a bearer token; without one, only loopback clients are
// answered, so a node reachable from outside does not expose its metrics.
func metricsGuard(tokenFile string) (func(http.Handler) http.Handler, error) {
	var token []byte
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return nil, fmt.Errorf("read metrics token: %w", err)
		}
		token = []byte(strings.TrimSpace(string(b)))
		if len(token) < 16 {
			return nil, fmt.Errorf("metrics token in %s has %d bytes; use at least 16", tokenFile, len(token))
		}
	}
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if token != nil {
				got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
				if subtle.ConstantTimeCompare([]byte(got), token) != 1 {
					http.Error(w, "send the metrics token as Authorization: Bearer <token>", http.StatusUnauthorized)
					return
				}
			} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err != nil || !net.ParseIP(host).IsLoopback() {
				http.Error(w, "metrics are served to loopback only: set auth.metrics_token_file to scrape from elsewhere", http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		})
	}, nil
}

// Addr is the HTTP address the node listens on.
func (n *Node) Addr() string {
	if n.ln == nil {
		return ""
	}
	return n.ln.Addr().String()
}

// Dev returns the demo credentials when started with --dev.
func (n *Node) Dev() *DevCredentials { return n.dev }

// Store is the node's state store (tests read it).
func (n *Node) Store() *state.Store { return n.store }

// SFU is the node's media server.
func (n *Node) SFU() *sfu.SFU { return n.sfu }

// Journal is the node's event log.
func (n *Node) Journal() *journal.Journal { return n.journal }

// Conversations is the node's conversation core (tests drive its clocks).
func (n *Node) Conversations() *conversation.Service { return n.gateway.Conversations() }

// Bus is the node's event log.
func (n *Node) Bus() *bus.Bus { return n.bus }

// Keys are the node's token keys.
func (n *Node) Keys() *auth.Keys { return n.keys }

// Shutdown drains: /readyz answers 503 for http.drain_delay while the
// node still serves, so that a load balancer stops sending first; then it
// stops accepting, tells clients to reconnect, lets in-flight appends
// finish, stops the projector once it has applied them, and closes the
// state and the log. ctx bounds the drain, the delay included.
func (n *Node) Shutdown(ctx context.Context) error {
	n.draining.Store(true)
	if n.bus != nil {
		// another node takes the event stream over while this one still
		// serves: writes pause for an election round, not a timeout
		hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := n.bus.HandOver(hctx); err != nil {
			n.log.Warn("draining: the event stream stays led by this node until it stops", "err", err)
		}
		cancel()
	}
	if d := n.cfg.HTTP.DrainDelay; d > 0 && n.httpSrv != nil {
		n.log.Info("draining: /readyz answers 503; closing the listener in " + d.String())
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if n.httpSrv != nil {
		// Shutdown stops the listener; hijacked WebSockets are drained
		// by the gateway.
		go func() { _ = n.httpSrv.Shutdown(ctx) }()
	}
	if n.smtp != nil {
		// a mail in DATA finishes (its 250 waits for the log); new
		// connections are refused, and senders retry
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = n.smtp.Shutdown(sctx)
		cancel()
	}
	if n.gateway != nil {
		n.gateway.Drain(ctx)
	}
	var errs []error
	if n.journal != nil && n.journal.Running() {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		switch err := n.journal.CatchUp(cctx); {
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
			// ctx bounds the drain: out of time is no failure, and the
			// next start catches up from the log
			n.log.Warn("draining: the state did not catch up with the log before the stop", "err", err)
		case err != nil:
			errs = append(errs, fmt.Errorf("the state did not catch up with the log before the stop: %w", err))
		}
		cancel()
	}
	errs = append(errs, n.close())
	if err := errors.Join(errs...); err != nil {
		n.log.Error("edge stopped with errors", "err", err)
		return err
	}
	n.log.Info("edge stopped")
	return nil
}

// close stops everything Start started, in reverse, and releases the data
// directory last. It goes on past a failure and returns them all.
func (n *Node) close() error {
	var errs []error
	if n.httpSrv != nil {
		_ = n.httpSrv.Close()
	}
	if n.smtp != nil {
		_ = n.smtp.Close()
	}
	if n.cancel != nil {
		n.cancel()
	}
	n.wg.Wait()
	if n.sfu != nil {
		n.sfu.Close()
	}
	if n.turn != nil {
		if err := n.turn.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close the TURN server: %w", err))
		}
	}
	if n.plugins != nil {
		if err := n.plugins.Close(context.Background()); err != nil {
			errs = append(errs, fmt.Errorf("close plugins: %w", err))
		}
	}
	if n.search != nil {
		if err := n.search.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close the search index: %w", err))
		}
	}
	if n.store != nil {
		if err := n.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close the state store: %w", err))
		}
	}
	if n.bus != nil {
		n.bus.Close()
	}
	if err := n.lock.release(); err != nil {
		errs = append(errs, fmt.Errorf("release the data directory's lock: %w", err))
	}
	return errors.Join(errs...)
}
