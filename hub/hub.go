package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/edgedesk/edgedesk/analytics"
	"github.com/edgedesk/edgedesk/internal/admintoken"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/pki"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// Hub owns the hub's subsystems: the authority and registry, the durable
// log of every edge, the per-edge state the projectors build from it, the
// QUIC listener and the HTTP API. New makes it; Run starts them in order
// and stops them in reverse.
type Hub struct {
	cfg   Config
	log   *slog.Logger
	m     *metrics
	codec *event.Codec

	ca    *pki.CA
	reg   *Registry
	elog  *Log
	admin string

	mu    sync.Mutex
	edges map[string]*edgeState

	analytics *analytics.Table // every edge's service facts (hub/analytics.go)
	live      *analytics.Live  // their metrics, kept up to date
	closing   chan struct{}    // closed when the HTTP server shuts down: streams end

	cfgMu   sync.Mutex    // serializes configuration appends
	chanMu  sync.Mutex    // makes a channel id's check and its change one step
	cfgWake chan struct{} // closed, and replaced, at each change
	wg      sync.WaitGroup

	ready            chan struct{}
	quicAddr, httpAd net.Addr
}

// New returns a hub for cfg, which must be valid.
func New(cfg Config, log *slog.Logger) *Hub {
	t := analytics.NewTable()
	return &Hub{cfg: cfg, log: log, m: newMetrics(), codec: event.NewCodec(), edges: map[string]*edgeState{},
		analytics: t, live: analytics.NewLive(t, nil), closing: make(chan struct{}), ready: make(chan struct{}), cfgWake: make(chan struct{})}
}

// Ready is closed once the hub listens.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// QUICAddr is the address edges dial (after Ready).
func (h *Hub) QUICAddr() string { return h.quicAddr.String() }

// HTTPAddr is the address of the API (after Ready).
func (h *Hub) HTTPAddr() string { return h.httpAd.String() }

// DevTokenPath is where --dev writes the reusable enrolment token.
func DevTokenPath(dataDir string) string { return filepath.Join(dataDir, "dev-enroll-token") }

// AdminTokenPath is where --dev writes the admin token.
func AdminTokenPath(dataDir string) string { return filepath.Join(dataDir, "dev-admin-token") }

// Open prepares the data directory: the authority, the registry and, with
// Dev, the dev tokens. Run calls it; `hub enroll-token` uses it alone.
func (h *Hub) Open() error {
	if err := os.MkdirAll(h.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	var err error
	if h.ca, err = pki.LoadOrCreateCA(filepath.Join(h.cfg.DataDir, "ca")); err != nil {
		return fmt.Errorf("certificate authority: %w", err)
	}
	if h.reg, err = OpenRegistry(h.cfg.DataDir); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	return nil
}

// IssueToken issues a one-time enrolment token for an edge.
func (h *Hub) IssueToken(edge, region string) (string, error) {
	t, err := h.reg.IssueToken(h.ca.Fingerprint(), edge, region, h.cfg.TokenTTL, false)
	return t.String(), err
}

// Revoke revokes an edge.
func (h *Hub) Revoke(edge string) error {
	if err := h.reg.Revoke(edge); err != nil {
		return err
	}
	h.mu.Lock()
	e := h.edges[edge]
	h.mu.Unlock()
	if e != nil {
		e.mu.Lock()
		c := e.conn
		e.mu.Unlock()
		if c != nil {
			_ = c.CloseWithError(closeRefused, "revoked: enrol the edge again with a new token")
		}
	}
	return nil
}

// Run serves until ctx ends, then stops in order: listeners, connections,
// projectors, stores.
func (h *Hub) Run(ctx context.Context) error {
	if err := h.Open(); err != nil {
		return err
	}
	tokenFile := h.cfg.AdminTokenFile
	if tokenFile == "" {
		tokenFile = AdminTokenPath(h.cfg.DataDir)
	}
	var err error
	if h.admin, err = admintoken.Load(tokenFile, h.cfg.Dev); err != nil {
		return err
	}
	if h.cfg.Dev {
		if _, err := os.Stat(DevTokenPath(h.cfg.DataDir)); errors.Is(err, os.ErrNotExist) {
			t, err := h.reg.IssueToken(h.ca.Fingerprint(), "", "", 10*365*24*time.Hour, true)
			if err != nil {
				return err
			}
			if err := os.WriteFile(DevTokenPath(h.cfg.DataDir), []byte(t.String()+"\n"), 0o600); err != nil {
				return err
			}
		}
	}
	if h.elog, err = OpenLog(filepath.Join(h.cfg.DataDir, "log")); err != nil {
		return err
	}
	defer h.elog.Close()
	// the analytics table's rolled segments, before the projectors add the
	// events after them
	dir := filepath.Join(h.cfg.DataDir, "analytics")
	opened, err := h.analytics.Open(dir, time.Now().Add(-h.cfg.Analytics.Memory).UnixMilli())
	if len(opened.Damaged) > 0 {
		h.log.Error("analytics segments set aside; their events are read from the logs again", "err", err)
	} else if err != nil {
		return err
	}
	h.log.Info("analytics table opened", "dir", dir, "segments", opened.Segments, "rows", opened.Rows)
	cert, err := h.ca.ServerCert()
	if err != nil {
		return err
	}
	udp, err := net.ListenPacket("udp", h.cfg.QUIC)
	if err != nil {
		return fmt.Errorf("listen for edges on %s: %w", h.cfg.QUIC, err)
	}
	defer udp.Close() // the transport does not close a socket it was given
	tr := &quic.Transport{Conn: udp}
	defer tr.Close()
	ln, err := tr.Listen(h.serverTLS(cert), syncproto.QUICConfig())
	if err != nil {
		return fmt.Errorf("listen for edges on %s: %w", h.cfg.QUIC, err)
	}
	hl, err := net.Listen("tcp", h.cfg.HTTP)
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen for HTTP on %s: %w", h.cfg.HTTP, err)
	}
	h.quicAddr, h.httpAd = udp.LocalAddr(), hl.Addr()
	srv := &http.Server{Handler: h.routes(), ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(func() { close(h.closing) })
	go func() { _ = srv.Serve(hl) }()

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	// Every known edge's projector starts now, so the state catches up
	// with the log whether or not the edge connects.
	if recs, err := h.reg.Edges(); err == nil {
		for _, r := range recs {
			if _, err := h.edge(runCtx, r.Name, r.Region); err != nil {
				h.log.Error("cannot open an edge's state", "edge", r.Name, "err", err)
			}
		}
	}
	go h.serve(runCtx, ln)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.followAnalytics(runCtx)
	}()
	h.log.Info("hub ready", "quic", h.QUICAddr(), "http", h.HTTPAddr(), "data", h.cfg.DataDir)
	close(h.ready)

	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if srv.Shutdown(sctx) != nil {
		_ = srv.Close() // a stream whose client does not read: cut it
	}
	ln.Close()
	h.mu.Lock()
	for _, e := range h.edges {
		e.mu.Lock()
		if e.conn != nil {
			_ = e.conn.CloseWithError(closeShutdown, "the hub is shutting down")
		}
		e.mu.Unlock()
	}
	h.mu.Unlock()
	stop()
	h.wg.Wait()
	var errs []error
	for _, e := range h.edges {
		errs = append(errs, e.store.Close())
	}
	return errors.Join(errs...)
}

// EdgeStatuses lists every enrolled edge with its sync figures.
func (h *Hub) EdgeStatuses() []EdgeStatus {
	recs, _ := h.reg.Edges()
	now := time.Now()
	out := make([]EdgeStatus, 0, len(recs))
	for _, r := range recs {
		h.mu.Lock()
		e := h.edges[r.Name]
		h.mu.Unlock()
		var s EdgeStatus
		if e != nil {
			s = e.status(now)
		} else {
			s = EdgeStatus{ID: r.Name, Region: r.Region}
			s.LastSeqReceived, _ = h.elog.Stored(r.Name)
			s.EventsTotal = s.LastSeqReceived
		}
		s.Revoked = !r.RevokedAt.IsZero()
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ReadLog calls fn with the entries of edge's log the hub holds, in order.
func (h *Hub) ReadLog(edge string, fn func(seq uint64, data []byte) bool) error {
	return h.elog.Read(edge, 1, ^uint64(0), fn)
}
