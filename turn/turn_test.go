package turn_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"

	"github.com/edgedesk/edgedesk/internal/testcert"
	"github.com/edgedesk/edgedesk/turn"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var secret = []byte("a shared secret of the tests, 32b")

// start runs a server on loopback; the tests' peers are on loopback too,
// so they are allowed unless cfg says otherwise.
func start(t *testing.T, cfg turn.Config) (*turn.Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Secret == nil {
		cfg.Secret = secret
	}
	cfg.Metrics, cfg.Sockets = reg, 2
	s, err := turn.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, reg
}

func creds(t *testing.T, key []byte, user string, ttl time.Duration) turn.Credentials {
	t.Helper()
	c, err := turn.NewCredentials(key, user, time.Now(), ttl)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// client connects a pion TURN client over UDP, or over TCP.
func client(t *testing.T, s *turn.Server, c turn.Credentials, overTCP bool) *pturn.Client {
	t.Helper()
	var conn net.PacketConn
	if overTCP {
		tc, err := net.Dial("tcp4", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn = pturn.NewSTUNConn(tc)
	} else {
		uc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn = uc
	}
	cl, err := pturn.NewClient(&pturn.ClientConfig{TURNServerAddr: s.Addr().String(), STUNServerAddr: s.Addr().String(),
		Conn: conn, Username: c.Username, Password: c.Password, Realm: "edgedesk", RTO: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close(); conn.Close() })
	return cl
}

// allocate asks for a relay, closed when the test ends.
func allocate(t *testing.T, cl *pturn.Client) (net.PacketConn, error) {
	t.Helper()
	r, err := cl.Allocate()
	if err == nil {
		t.Cleanup(func() { r.Close() })
	}
	return r, err
}

func peer(t *testing.T) net.PacketConn {
	t.Helper()
	p, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func read(t *testing.T, c net.PacketConn) ([]byte, net.Addr) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 1600)
	n, from, err := c.ReadFrom(b)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return b[:n], from
}

// A client relays through the server to a peer and back, over UDP and
// over TCP to the server; the peer sees the relay's address.
func TestRelayBothWays(t *testing.T) {
	s, reg := start(t, turn.Config{Peers: turn.Peers{Loopback: true}})
	for _, overTCP := range []bool{false, true} {
		cl := client(t, s, creds(t, secret, "demo.alice", time.Minute), overTCP)
		relay, err := allocate(t, cl)
		if err != nil {
			t.Fatalf("allocate (tcp %v): %v", overTCP, err)
		}
		p := peer(t)
		if _, err := relay.WriteTo([]byte("hello peer"), p.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		got, from := read(t, p)
		if string(got) != "hello peer" || from.String() != relay.LocalAddr().String() {
			t.Fatalf("the peer got %q from %s, want it from the relay %s", got, from, relay.LocalAddr())
		}
		if _, err := p.WriteTo([]byte("hello client"), from); err != nil {
			t.Fatal(err)
		}
		if got, _ := read(t, relay); string(got) != "hello client" {
			t.Fatalf("the client got %q", got)
		}
		relay.Close()
	}
	// the server counts after it sent: the peer may read first
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got := metric(t, reg, "edgedesk_turn_relayed_bytes_total", "to_peer")
		if got >= 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("relayed bytes to peers = %v, want at least 20", got)
		}
	}
}

// metric is the value of a counter or gauge of reg, of the series with
// the label value (any series when label is ""), or 0.
func metric(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label != "" && !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetValue() == label }) {
				continue
			}
			if m.Counter != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}

// Expired, forged and malformed credentials get no allocation.
func TestCredentialsRefused(t *testing.T) {
	s, reg := start(t, turn.Config{Peers: turn.Peers{Loopback: true}})
	for name, c := range map[string]turn.Credentials{
		"expired":   creds(t, secret, "demo.alice", -time.Minute),
		"forged":    creds(t, []byte("another secret entirely, 32 by"), "demo.alice", time.Minute),
		"malformed": {Username: "alice", Password: "x"},
	} {
		cl := client(t, s, c, false)
		if _, err := allocate(t, cl); err == nil {
			t.Errorf("%s credentials got an allocation", name)
		}
	}
	if s.Allocations() != 0 {
		t.Fatalf("%d allocations", s.Allocations())
	}
	refused := metric(t, reg, "edgedesk_turn_auth_total", "refused") +
		metric(t, reg, "edgedesk_turn_auth_total", "bad_integrity")
	if refused < 3 {
		t.Fatalf("authentications refused = %v, want at least 3", refused)
	}
}

// By default a relay reaches public peers only: loopback, private,
// link-local and reserved peers are refused.
func TestPrivatePeersRefused(t *testing.T) {
	s, reg := start(t, turn.Config{})
	cl := client(t, s, creds(t, secret, "demo.alice", time.Minute), false)
	relay, err := allocate(t, cl)
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	p := peer(t)
	for _, to := range []net.Addr{p.LocalAddr(), &net.UDPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 9}, &net.UDPAddr{IP: net.IPv4(169, 254, 169, 254), Port: 80}} {
		if _, err := relay.WriteTo([]byte("x"), to); err == nil {
			t.Errorf("a relay to %s was allowed", to)
		}
	}
	p.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, _, err := p.ReadFrom(make([]byte, 10)); err == nil {
		t.Fatalf("the loopback peer got %d bytes through the relay", n)
	}
	if got := metric(t, reg, "edgedesk_turn_peers_denied_total", ""); got < 3 {
		t.Fatalf("peers denied = %v, want 3", got)
	}
}

// A user holds at most MaxAllocations at once; another user is not
// affected, and a freed allocation can be taken again.
func TestAllocationQuota(t *testing.T) {
	s, _ := start(t, turn.Config{Peers: turn.Peers{Loopback: true}, MaxAllocations: 2})
	alice := creds(t, secret, "demo.alice", time.Minute)
	var relays []net.PacketConn
	for range 2 {
		r, err := allocate(t, client(t, s, alice, false))
		if err != nil {
			t.Fatal(err)
		}
		relays = append(relays, r)
	}
	if _, err := allocate(t, client(t, s, alice, false)); err == nil {
		t.Fatal("a third allocation of one user was granted")
	}
	if _, err := allocate(t, client(t, s, creds(t, secret, "demo.bob", time.Minute), false)); err != nil {
		t.Fatalf("another user: %v", err)
	}
	relays[0].Close() // a refresh with lifetime 0: the allocation ends
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := allocate(t, client(t, s, alice, false))
		if err == nil {
			r.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after one allocation ended, a new one is refused: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Whoever asks, the server holds at most MaxTotal allocations.
func TestServerAllocationLimit(t *testing.T) {
	s, _ := start(t, turn.Config{Peers: turn.Peers{Loopback: true}, MaxTotal: 3})
	for i := range 3 {
		if _, err := allocate(t, client(t, s, creds(t, secret, fmt.Sprint("demo.user", i), time.Minute), false)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := allocate(t, client(t, s, creds(t, secret, "demo.another", time.Minute), false))
	if err == nil || !strings.Contains(err.Error(), "486") {
		t.Fatalf("a fourth allocation: %v, want 486 Allocation Quota Reached", err)
	}
}

// What a user relays beyond the bandwidth cap is dropped.
func TestBandwidthCap(t *testing.T) {
	const capacity = 64 << 10 // bytes/s, and the burst
	s, reg := start(t, turn.Config{Peers: turn.Peers{Loopback: true}, Bandwidth: capacity})
	relay, err := allocate(t, client(t, s, creds(t, secret, "demo.alice", time.Minute), false))
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	p := peer(t)
	if _, err := relay.WriteTo([]byte("open"), p.LocalAddr()); err != nil { // the permission
		t.Fatal(err)
	}
	read(t, p)
	payload := bytes.Repeat([]byte("x"), 1000)
	start := time.Now()
	for range 400 { // 400 KB at once: six times the burst
		relay.WriteTo(payload, p.LocalAddr())
	}
	elapsed := time.Since(start)
	got := 0
	p.SetReadDeadline(time.Now().Add(time.Second))
	for {
		n, _, err := p.ReadFrom(make([]byte, 1600))
		if err != nil {
			break
		}
		got += n
	}
	allowed := capacity + int(elapsed.Seconds()*capacity) + 4*1000 // the burst, what refilled, slack
	if got > allowed || got < capacity/2 {
		t.Fatalf("the peer got %d bytes of 400,000 sent in %s under a cap of %d B/s; want %d..%d", got, elapsed, capacity, capacity/2, allowed)
	}
	if d := metric(t, reg, "edgedesk_turn_dropped_bytes_total", "to_peer"); d < 100000 {
		t.Fatalf("dropped bytes = %v", d)
	}
}

// Close leaves no socket behind: the address can be bound again.
func TestCloseFreesTheAddress(t *testing.T) {
	s, err := turn.Start(context.Background(), turn.Config{Addr: "127.0.0.1:0", Secret: secret, Sockets: 2})
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, network := range []string{"udp4", "tcp4"} {
		var err error
		if network == "udp4" {
			var c net.PacketConn
			if c, err = net.ListenPacket(network, addr); err == nil {
				c.Close()
			}
		} else {
			var l net.Listener
			if l, err = net.Listen(network, addr); err == nil {
				l.Close()
			}
		}
		if err != nil {
			t.Fatalf("%s %s is still taken after Close: %v", network, addr, err)
		}
	}
}

func TestConfigRefused(t *testing.T) {
	for name, cfg := range map[string]turn.Config{
		"short secret": {Addr: "127.0.0.1:0", Secret: []byte("short")},
		"ports":        {Addr: "127.0.0.1:0", Secret: secret, MinPort: 60000, MaxPort: 50000},
		"unspecified":  {Addr: "0.0.0.0:0", Secret: secret},
	} {
		s, err := turn.Start(context.Background(), cfg)
		if err == nil {
			s.Close()
			t.Errorf("%s: started", name)
		} else if !errors.Is(err, turn.ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}

// Credentials that expire during a call keep its relay: refreshes and new
// permissions go on; a new allocation with them is refused.
func TestRelayOutlivesItsCredentials(t *testing.T) {
	s, _ := start(t, turn.Config{Peers: turn.Peers{Loopback: true}})
	c := creds(t, secret, "demo.alice", 1500*time.Millisecond)
	relay, err := allocate(t, client(t, s, c, false))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(c.Expires) + 100*time.Millisecond)
	p := peer(t) // a new permission, asked with the expired credentials
	if _, err := relay.WriteTo([]byte("still here"), p.LocalAddr()); err != nil {
		t.Fatalf("after the credentials expired: %v", err)
	}
	if got, _ := read(t, p); string(got) != "still here" {
		t.Fatalf("the peer got %q", got)
	}
	if _, err := allocate(t, client(t, s, c, false)); err == nil {
		t.Fatal("a new allocation with expired credentials was granted")
	}
}

// TURN over TLS (turns:) relays like the rest.
func TestRelayOverTLS(t *testing.T) {
	cert := testcert.New(t, "turn.test").TLS
	s, _ := start(t, turn.Config{Peers: turn.Peers{Loopback: true}, TLSAddr: "127.0.0.1:0",
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	tc, err := tls.Dial("tcp4", s.TLSAddr().String(), &tls.Config{RootCAs: pool, ServerName: "turn.test"})
	if err != nil {
		t.Fatal(err)
	}
	conn := pturn.NewSTUNConn(tc)
	c := creds(t, secret, "demo.alice", time.Minute)
	cl, err := pturn.NewClient(&pturn.ClientConfig{TURNServerAddr: s.TLSAddr().String(), STUNServerAddr: s.TLSAddr().String(),
		Conn: conn, Username: c.Username, Password: c.Password, Realm: "edgedesk"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close(); conn.Close() })
	relay, err := allocate(t, cl)
	if err != nil {
		t.Fatalf("allocate over TLS: %v", err)
	}
	p := peer(t)
	if _, err := relay.WriteTo([]byte("over tls"), p.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if got, _ := read(t, p); string(got) != "over tls" {
		t.Fatalf("the peer got %q", got)
	}
}

// Allocations asked at once never pass a user's limit.
func TestQuotaUnderConcurrentRequests(t *testing.T) {
	s, _ := start(t, turn.Config{Peers: turn.Peers{Loopback: true}, MaxAllocations: 1})
	c := creds(t, secret, "demo.alice", time.Minute)
	clients := make([]*pturn.Client, 20)
	for i := range clients {
		clients[i] = client(t, s, c, i%2 == 0)
	}
	var wg sync.WaitGroup
	var granted atomic.Int32
	for _, cl := range clients {
		wg.Go(func() {
			if _, err := allocate(t, cl); err == nil {
				granted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := granted.Load(); n != 1 {
		t.Fatalf("%d allocations granted to one user at once, limit 1", n)
	}
}

// Close ends TCP clients' connections too: a connected client cannot
// allocate afterwards.
func TestCloseEndsTCPClients(t *testing.T) {
	s, err := turn.Start(context.Background(), turn.Config{Addr: "127.0.0.1:0", Secret: secret, Sockets: 1})
	if err != nil {
		t.Fatal(err)
	}
	cl := client(t, s, creds(t, secret, "demo.alice", time.Minute), true)
	if _, err := allocate(t, cl); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := allocate(t, cl); err == nil {
		t.Fatal("a TCP client allocated after the server closed")
	}
}
