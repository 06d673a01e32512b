package turn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/pion/stun/v4"
	pturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Server.
type Config struct {
	// Addr is where the server listens, on UDP and on TCP ("host:port";
	// port 0 picks a free one, the same on both when it can).
	Addr string
	// TLSAddr, with TLS, also listens for TURN over TLS (turns:).
	TLSAddr string
	TLS     *tls.Config
	// Secret is the REST API shared secret credentials are made with.
	Secret []byte
	// Realm names the server in its challenges; default "edgedesk".
	Realm string
	// RelayIP is the address relays are reached at, as clients see it
	// (the machine's public address); default the listening address.
	RelayIP net.IP
	// MinPort and MaxPort bound the relay ports (inclusive); default
	// 49152–65535.
	MinPort, MaxPort uint16
	// Peers are the peers a relay may reach (default: public addresses).
	Peers Peers
	// MaxAllocations bounds a user's allocations at once; default 10.
	MaxAllocations int
	// MaxTotal bounds the server's allocations at once, whoever asks (a
	// flood from many users); default 20,000.
	MaxTotal int
	// Bandwidth caps what a user's relays carry, bytes per second each
	// way, with a burst of one second; 0 is no cap. Packets over the cap
	// are dropped, as a congested link would.
	Bandwidth int
	// Sockets is the number of UDP sockets on Addr (SO_REUSEPORT), each
	// read by its own goroutine; default two per core. Linux only: other
	// systems do not spread clients over sockets, and one listens there.
	Sockets int

	Log     *slog.Logger
	Metrics prometheus.Registerer // nil: not registered
}

// Server is a running TURN server.
type Server struct {
	cfg     Config
	srv     *pturn.Server
	udp     []net.PacketConn
	tcp     *tracked
	tls     *tracked
	m       *metrics
	users   *users
	udpAddr *net.UDPAddr
}

// ErrConfig is wrapped by errors in a Config.
var ErrConfig = errors.New("turn config")

func (c *Config) defaults() error {
	if len(c.Secret) < 16 {
		return fmt.Errorf("%w: the shared secret must be at least 16 bytes", ErrConfig)
	}
	if c.Realm == "" {
		c.Realm = "edgedesk"
	}
	if c.MinPort == 0 && c.MaxPort == 0 {
		c.MinPort, c.MaxPort = 49152, 65535
	}
	if c.MinPort > c.MaxPort {
		return fmt.Errorf("%w: relay ports %d-%d: the first is above the last", ErrConfig, c.MinPort, c.MaxPort)
	}
	if c.MaxAllocations == 0 {
		c.MaxAllocations = 10
	}
	if c.MaxTotal == 0 {
		c.MaxTotal = 20000
	}
	if c.Bandwidth < 0 {
		return fmt.Errorf("%w: a negative bandwidth", ErrConfig)
	}
	if c.Sockets <= 0 {
		c.Sockets = defaultSockets()
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Start listens and serves until Close.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, m: newMetrics(), users: newUsers(cfg.Bandwidth)}
	if cfg.Metrics != nil {
		if err := s.m.register(cfg.Metrics); err != nil {
			return nil, err
		}
	}
	ok := false
	defer func() {
		if !ok {
			s.closeSockets()
		}
	}()
	if err := s.listen(ctx); err != nil {
		return nil, err
	}
	var err error
	relayIP := cfg.RelayIP
	if relayIP == nil {
		relayIP = s.udpAddr.IP
	}
	if relayIP.IsUnspecified() {
		return nil, fmt.Errorf("%w: listening on %s, give the relay address clients reach (RelayIP)", ErrConfig, s.udpAddr.IP)
	}
	gen := &relays{s: s, inner: &pturn.RelayAddressGeneratorPortRange{
		RelayAddress: relayIP, Address: s.udpAddr.IP.String(), MinPort: cfg.MinPort, MaxPort: cfg.MaxPort}}
	permit := func(src net.Addr, peer net.IP) bool {
		if cfg.Peers.Allowed(peer) {
			return true
		}
		s.m.denied.Inc()
		cfg.Log.Warn("turn: a relay to this peer is refused", "client", src.String(), "peer", peer.String())
		return false
	}
	sc := pturn.ServerConfig{
		Realm:         cfg.Realm,
		LoggerFactory: slogFactory{cfg.Log.With("component", "turn")},
		AuthHandler:   s.authenticate,
		QuotaHandler:  s.quota,
		EventHandler:  s.events(),
	}
	for _, c := range s.udp {
		sc.PacketConnConfigs = append(sc.PacketConnConfigs, pturn.PacketConnConfig{
			PacketConn: c, RelayAddressGenerator: gen, PermissionHandler: permit})
	}
	sc.ListenerConfigs = append(sc.ListenerConfigs, pturn.ListenerConfig{
		Listener: s.tcp, RelayAddressGenerator: gen, PermissionHandler: permit})
	if cfg.TLSAddr != "" {
		if cfg.TLS == nil {
			return nil, fmt.Errorf("%w: TLSAddr without a certificate", ErrConfig)
		}
		t := cfg.TLS.Clone()
		t.MinVersion = tls.VersionTLS13
		l, err := tls.Listen("tcp4", cfg.TLSAddr, t)
		if err != nil {
			return nil, fmt.Errorf("turn: listen on TLS %s: %w", cfg.TLSAddr, err)
		}
		s.tls = track(l)
		sc.ListenerConfigs = append(sc.ListenerConfigs, pturn.ListenerConfig{
			Listener: s.tls, RelayAddressGenerator: gen, PermissionHandler: permit})
	}
	if s.srv, err = pturn.NewServer(sc); err != nil {
		return nil, fmt.Errorf("turn: %w", err)
	}
	ok = true
	cfg.Log.Info("turn: listening", "addr", s.udpAddr.String(), "sockets", len(s.udp), "relay_ip", relayIP.String(),
		"ports", fmt.Sprintf("%d-%d", cfg.MinPort, cfg.MaxPort), "loopback_peers", cfg.Peers.Loopback, "private_peers", cfg.Peers.Private)
	return s, nil
}

// listen opens the UDP sockets and the TCP listener on one port. With port
// 0 the UDP sockets pick one; when another program holds that port on TCP
// it tries again with another.
func (s *Server) listen(ctx context.Context) error {
	_, port, err := net.SplitHostPort(s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("%w: addr %q: %v", ErrConfig, s.cfg.Addr, err)
	}
	for try := 0; ; try++ {
		if s.udp, err = listenUDP(ctx, s.cfg.Addr, s.cfg.Sockets); err != nil {
			return fmt.Errorf("turn: listen on UDP %s: %w", s.cfg.Addr, err)
		}
		s.udpAddr = s.udp[0].LocalAddr().(*net.UDPAddr)
		tcpAddr := net.JoinHostPort(s.udpAddr.IP.String(), strconv.Itoa(s.udpAddr.Port))
		var lc net.ListenConfig
		var l net.Listener
		if l, err = lc.Listen(ctx, "tcp4", tcpAddr); err == nil {
			s.tcp = track(l)
			return nil
		}
		for _, c := range s.udp {
			c.Close()
		}
		s.udp = nil
		if port != "0" || try == 9 {
			return fmt.Errorf("turn: listen on TCP %s: %w", tcpAddr, err)
		}
	}
}

// Addr is the UDP (and TCP) address the server listens on.
func (s *Server) Addr() *net.UDPAddr { return s.udpAddr }

// TLSAddr is the TURN-over-TLS address, or nil.
func (s *Server) TLSAddr() net.Addr {
	if s.tls == nil {
		return nil
	}
	return s.tls.Addr()
}

// Allocations is the number of allocations now.
func (s *Server) Allocations() int { return s.srv.AllocationCount() }

// Close stops the server and closes every allocation, socket and TCP
// connection.
func (s *Server) Close() error {
	err := s.srv.Close() // closes the listeners and sockets it was given
	for _, l := range []*tracked{s.tcp, s.tls} {
		if l != nil {
			l.closeAll()
		}
	}
	return err
}

func (s *Server) closeSockets() {
	for _, c := range s.udp {
		c.Close()
	}
	for _, l := range []*tracked{s.tcp, s.tls} {
		if l != nil {
			l.closeAll()
		}
	}
}

// authenticate checks a REST API username and gives pion the key its
// password makes; pion checks the request's MESSAGE-INTEGRITY with it.
// The expiry is checked when a client allocates: a relay made in time
// keeps being refreshed (and given permissions) with the same
// credentials, so that a call outlasts them, as it does with coturn.
func (s *Server) authenticate(ra *pturn.RequestAttributes) (string, []byte, bool) {
	exp, user, err := ParseUsername(ra.Username)
	if err == nil && ra.Method == stun.MethodAllocate && time.Now().After(exp) {
		err = errors.New("the credentials expired")
	}
	if err != nil {
		s.m.auth.WithLabelValues("refused").Inc()
		s.cfg.Log.Debug("turn: credentials refused", "client", ra.SrcAddr.String(), "username", ra.Username, "err", err)
		return "", nil, false
	}
	return user, pturn.GenerateAuthKey(ra.Username, ra.Realm, password(s.cfg.Secret, ra.Username)), true
}

// quota refuses an allocation beyond the user's limit or the server's
// (486 Allocation Quota Reached). It is a first look; the relay socket
// reserves the slot (relays.AllocatePacketConn), so that requests arriving
// together cannot pass the limit.
func (s *Server) quota(user, _ string, src net.Addr) bool {
	if err := s.users.full(user, s.cfg.MaxAllocations, s.cfg.MaxTotal); err != nil {
		s.refused(err, user, src)
		return false
	}
	return true
}

func (s *Server) refused(err error, user string, src net.Addr) {
	result := "quota"
	if errors.Is(err, errServerFull) {
		result = "server_full"
	}
	s.m.allocs.WithLabelValues(result).Inc()
	s.cfg.Log.Warn("turn: allocation refused", "user", user, "client", src.String(), "why", err.Error())
}

func (s *Server) events() pturn.EventHandler {
	return pturn.EventHandler{
		OnAuth: func(_, _ net.Addr, _, _, _, _ string, verdict bool) {
			if verdict {
				s.m.auth.WithLabelValues("ok").Inc()
			} else {
				s.m.auth.WithLabelValues("bad_integrity").Inc()
			}
		},
		OnAllocationCreated: func(_, _ net.Addr, _, _, _ string, _ net.Addr, _ int) {
			s.m.allocs.WithLabelValues("ok").Inc()
			s.m.active.Inc()
		},
		OnAllocationDeleted: func(_, _ net.Addr, _, _, _ string) {
			s.m.active.Dec()
		},
	}
}

// users keeps each user's relay sockets (one per allocation) and
// bandwidth buckets, and the server's total.
type users struct {
	mu    sync.Mutex
	bw    int
	total int
	m     map[string]*user
}

type user struct {
	relays int
	up     *bucket
	down   *bucket
}

var (
	errUserFull   = errors.New("the user holds their limit of allocations")
	errServerFull = errors.New("the server holds its limit of allocations")
)

func newUsers(bw int) *users { return &users{bw: bw, m: map[string]*user{}} }

// full says why one more allocation of name would pass a limit, or nil.
func (u *users) full(name string, perUser, total int) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.fullLocked(name, perUser, total)
}

func (u *users) fullLocked(name string, perUser, total int) error {
	if u.total >= total {
		return errServerFull
	}
	if x := u.m[name]; x != nil && x.relays >= perUser {
		return errUserFull
	}
	return nil
}

// reserve takes a relay slot of name within the limits, with the user's
// buckets; release gives it back.
func (u *users) reserve(name string, perUser, total int) (up, down *bucket, release func(), err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.fullLocked(name, perUser, total); err != nil {
		return nil, nil, nil, err
	}
	x := u.m[name]
	if x == nil {
		x = &user{}
		if u.bw > 0 {
			x.up, x.down = newBucket(u.bw), newBucket(u.bw)
		}
		u.m[name] = x
	}
	x.relays++
	u.total++
	return x.up, x.down, func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		x.relays--
		u.total--
		if x.relays <= 0 {
			delete(u.m, name)
		}
	}, nil
}
