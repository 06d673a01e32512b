package edge_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/internal/event"
)

// TestRegionRefusesStrangers runs a three-node region the way the docs
// describe it, each node with a client port for tools, and attacks it with
// the official NATS client and a foreign nats-server: no connection
// without credentials, the tools' nkey reads but cannot write, delete,
// purge or elect, no foreign server joins the routes, an agent.upserted
// that did not come through the edge's append path creates no admin, and
// /readyz follows the stream's quorum.
func TestRegionRefusesStrangers(t *testing.T) {
	if testing.Short() {
		t.Skip("three clustered nodes; skipped with -short")
	}
	ports := freePorts(t, 3)
	cfgs := regionConfigs(t, ports)
	// a client port for tools on node a only: b and c show that a
	// clustered node without one opens none
	cfgs[0].NATS.ClientListen = "127.0.0.1:0"
	// node a's log, at the level an operator runs it: what it says about
	// strangers and lost peers is counted
	alog := &lineLog{t: t}
	nodes := startRegion(t, cfgs, slog.New(slog.NewTextHandler(alog, &slog.HandlerOptions{Level: slog.LevelInfo})))
	a := nodes[0]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clientURL := "nats://" + a.Bus().Server().Addr().String()

	t.Run("no credentials", func(t *testing.T) {
		nc, err := nats.Connect(clientURL, nats.MaxReconnects(0), nats.Timeout(5*time.Second))
		if err == nil {
			nc.Close()
			t.Fatal("connected to the region's NATS without credentials")
		}
		if !strings.Contains(strings.ToLower(err.Error()), "authorization") {
			t.Fatalf("refused, but not for authorization: %v", err)
		}
		nc, err = nats.Connect(clientURL, nats.UserInfo("admin", "admin"), nats.MaxReconnects(0))
		if err == nil {
			nc.Close()
			t.Fatal("connected with a made-up user and password")
		}
	})

	nkeyOpt, err := nats.NkeyOptionFromSeed(cfgs[0].NATS.ToolsNkeyFile)
	if err != nil {
		t.Fatal(err)
	}
	var denied atomic.Int32 // permission errors reported to the tools' connection
	tools, err := nats.Connect(clientURL, nkeyOpt, nats.MaxReconnects(0),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrPermissionViolation) {
				denied.Add(1)
			}
		}))
	if err != nil {
		t.Fatalf("the tools' nkey from %s: %v", cfgs[0].NATS.ToolsNkeyFile, err)
	}
	defer tools.Close()
	js, err := jetstream.New(tools)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("tools read", func(t *testing.T) {
		s, err := js.Stream(ctx, bus.StreamName)
		if err != nil {
			t.Fatalf("stream info with the read-only nkey: %v", err)
		}
		cfg := s.CachedInfo().Config
		if !cfg.DenyDelete || !cfg.DenyPurge {
			t.Fatalf("stream config deny_delete %v deny_purge %v, want both", cfg.DenyDelete, cfg.DenyPurge)
		}
		cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatalf("a reading consumer: %v", err)
		}
		// in a cluster the consumer may live on another node, where it
		// answers once its creation has reached it: a reader asks again
		var m jetstream.Msg
		for deadline := time.Now().Add(10 * time.Second); ; {
			m, err = cons.Next(jetstream.FetchMaxWait(5 * time.Second))
			if err == nil || !errors.Is(err, nats.ErrNoResponders) || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("read the first event: %v", err)
		}
		if m.Headers().Get(bus.SignatureHeader) == "" {
			t.Fatalf("the first event carries no %s header", bus.SignatureHeader)
		}
	})

	t.Run("tools cannot write", func(t *testing.T) {
		wctx, wcancel := context.WithTimeout(ctx, 3*time.Second)
		defer wcancel()
		if _, err := js.Publish(wctx, bus.Subject(edge.DemoTenant), []byte("forged")); err == nil {
			t.Fatal("published an event with the read-only nkey")
		}
		s, err := js.Stream(ctx, bus.StreamName)
		if err != nil {
			t.Fatal(err)
		}
		for what, op := range map[string]func(context.Context) error{
			"delete a message": func(c context.Context) error { return s.DeleteMsg(c, 1) },
			"purge":            func(c context.Context) error { return s.Purge(c) },
			"delete the stream": func(c context.Context) error {
				return js.DeleteStream(c, bus.StreamName)
			},
			"update the stream": func(c context.Context) error {
				cfg := s.CachedInfo().Config
				cfg.MaxAge = time.Minute
				_, err := js.UpdateStream(c, cfg)
				return err
			},
			"step the leader down": func(c context.Context) error {
				_, err := tools.RequestWithContext(c, "$JS.API.STREAM.LEADER.STEPDOWN."+bus.StreamName, nil)
				return err
			},
		} {
			octx, ocancel := context.WithTimeout(ctx, time.Second)
			err := op(octx)
			ocancel()
			if err == nil {
				t.Errorf("%s with the read-only nkey: allowed", what)
			}
		}
		// the edge's own connection cannot purge or delete either
		own, err := a.Bus().Conn().RequestWithContext(ctx, "$JS.API.STREAM.PURGE."+bus.StreamName, nil)
		if err != nil || !strings.Contains(string(own.Data), "error") {
			t.Errorf("purge by the edge's own connection: %v %s", err, own.Data)
		}
		// permission errors arrive asynchronously
		for deadline := time.Now().Add(5 * time.Second); denied.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if denied.Load() == 0 {
			t.Error("the server reported no permission violation to the tools' connection")
		}
	})

	t.Run("forged agent", func(t *testing.T) {
		hash, err := bcrypt.GenerateFromPassword([]byte("forged-password"), 4)
		if err != nil {
			t.Fatal(err)
		}
		forged := &event.Event{ID: "forged-admin", Kind: event.KindAgentUpserted, Tenant: edge.DemoTenant,
			Origin: cfgs[0].Node.ID, TS: time.Now().UnixMilli(), Actor: event.Actor{Kind: event.ActorSystem},
			Agent: &event.Agent{ID: "mallory", Email: "mallory@demo.test", Name: "Mallory", PasswordHash: string(hash), Role: "admin"}}
		data, err := a.Journal().Codec().Encode(forged)
		if err != nil {
			t.Fatal(err)
		}
		// through the tools' nkey: refused by the server
		if err := tools.Publish(bus.Subject(edge.DemoTenant), data); err != nil {
			t.Fatal(err)
		}
		_ = tools.Flush()
		// through the edge's own connection, bypassing its append path
		// (a bug, or a process that took the connection): stored, but not
		// signed by the region
		ack, err := a.Bus().Conn().RequestWithContext(ctx, bus.Subject(edge.DemoTenant), data)
		if err != nil {
			t.Fatal(err)
		}
		var pa struct {
			Seq uint64 `json:"seq"`
		}
		if err := json.Unmarshal(ack.Data, &pa); err != nil || pa.Seq == 0 {
			t.Fatalf("the unsigned event was not stored (%v %s): the test needs it in the log", err, ack.Data)
		}
		for _, n := range nodes {
			if err := waitApplied(ctx, n, pa.Seq); err != nil {
				t.Fatal(err)
			}
			if rec, err := n.Store().AgentByEmail("mallory@demo.test"); err == nil && rec != nil {
				t.Fatalf("node %s: the forged event created agent %+v", n.Addr(), rec)
			}
		}
		if _, err := client.Login(ctx, "http://"+a.Addr(), "mallory@demo.test", "forged-password"); err == nil {
			t.Fatal("signed in with the forged admin")
		}
		if got := metric(t, a, "edgedesk_events_refused_total"); got < 1 {
			t.Fatalf("edgedesk_events_refused_total %v, want at least 1", got)
		}
	})

	t.Run("foreign server", func(t *testing.T) {
		if n := a.Bus().Peers(); n != 2 {
			t.Fatalf("node a has routes to %d peers, want 2", n)
		}
		routeURL, _ := url.Parse(fmt.Sprintf("nats-route://127.0.0.1:%d", ports[0]))
		for _, withTLS := range []bool{false, true} {
			o := &server.Options{ServerName: fmt.Sprintf("stranger-%v", withTLS), Host: "127.0.0.1", Port: -1, NoSigs: true,
				Cluster: server.ClusterOpts{Name: cfgs[0].NATS.Cluster.Name, Host: "127.0.0.1", Port: -1}, Routes: []*url.URL{routeURL}}
			if withTLS {
				o.Cluster.TLSConfig = strangerTLS(t)
				o.Cluster.TLSTimeout = 2
			}
			s, err := server.NewServer(o)
			if err != nil {
				t.Fatal(err)
			}
			s.SetLoggerV2(discardNATS{}, false, false, false)
			go s.Start()
			if !s.ReadyForConnections(10 * time.Second) {
				t.Fatal("the stranger's server did not start")
			}
			time.Sleep(3 * time.Second) // it retries every second
			if n := s.NumRoutes(); n != 0 {
				t.Errorf("a stranger's server (TLS %v) has %d routes into the region", withTLS, n)
			}
			if n := a.Bus().Peers(); n != 2 {
				t.Errorf("node a has routes to %d servers with a stranger knocking, want its 2 peers", n)
			}
			s.Shutdown()
		}
		// two strangers, several attempts a second each: one line
		if n := alog.count("refused a route connection"); n != 1 {
			t.Errorf("node a logged %d lines about refused routes, want 1:\n%s", n, alog.dump())
		}
	})

	t.Run("no hidden listener", func(t *testing.T) {
		// a clustered node without a client port opens none
		if addr := nodes[1].Bus().Server().Addr(); addr != nil {
			t.Fatalf("node b has no nats.client_listen but listens for clients on %s", addr)
		}
		// node a's client port tells clients of no other server
		if urls := tools.DiscoveredServers(); len(urls) > 0 {
			t.Fatalf("node a's client port advertises %v", urls)
		}
		// a plain NATS client on the route port gets nowhere
		if nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", ports[1]), nats.MaxReconnects(0), nats.Timeout(3*time.Second)); err == nil {
			nc.Close()
			t.Fatal("a NATS client connected to the route port")
		}
	})

	t.Run("readyz follows quorum", func(t *testing.T) {
		if code := readyz(t, a); code != http.StatusOK {
			t.Fatalf("/readyz %d before the loss", code)
		}
		before := alog.count("")
		stopNode(nodes[1], 20*time.Second)
		stopNode(nodes[2], 20*time.Second)
		waitReadyz(t, a, http.StatusServiceUnavailable, 30*time.Second)
		// the peers stay dead a while: node a says so a bounded number
		// of times, not once per reconnect attempt or health check
		time.Sleep(8 * time.Second)
		if n := alog.count("") - before; n > 12 {
			t.Errorf("node a logged %d lines while it lost both peers and for 8 s after, want a handful:\n%s", n, alog.dump())
		} else {
			t.Logf("node a logged %d lines after losing both peers", n)
		}
		if alog.count("the event log cannot take writes") != 1 {
			t.Errorf("node a did not say once that the log cannot take writes:\n%s", alog.dump())
		}
		b := edge.New(cfgs[1], edgetest.Logger(t))
		sctx, scancel := context.WithTimeout(ctx, time.Minute)
		defer scancel()
		if err := b.Start(sctx); err != nil {
			t.Fatalf("restart node b: %v", err)
		}
		t.Cleanup(func() { stopNode(b, 20*time.Second) })
		waitReadyz(t, a, http.StatusOK, 30*time.Second)
	})
}

// lineLog records a node's log lines (and passes them to the test's log).
type lineLog struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.Split(strings.TrimRight(string(b), "\n"), "\n")...)
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// count is the number of lines holding s.
func (l *lineLog) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

func (l *lineLog) dump() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func readyz(t *testing.T, n *edge.Node) int {
	t.Helper()
	resp, err := http.Get("http://" + n.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitReadyz(t *testing.T, n *edge.Node, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if readyz(t, n) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz did not answer %d within %s", want, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// metric reads one series of a node's /metrics.
func metric(t *testing.T, n *edge.Node, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + n.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
			var v float64
			if _, err := fmt.Sscan(f[1], &v); err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("no series %s", name)
	return 0
}

// strangerTLS is a route TLS configuration of a CA that is not the
// region's.
func strangerTLS(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "stranger"},
		DNSNames: []string{"route.region.edgedesk.invalid"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		RootCAs: pool, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, ServerName: "route.region.edgedesk.invalid"}
}

type discardNATS struct{}

func (discardNATS) Noticef(string, ...any) {}
func (discardNATS) Warnf(string, ...any)   {}
func (discardNATS) Fatalf(string, ...any)  {}
func (discardNATS) Errorf(string, ...any)  {}
func (discardNATS) Debugf(string, ...any)  {}
func (discardNATS) Tracef(string, ...any)  {}
