package turn

import (
	"errors"
	"net"
	"sync"
	"time"

	pturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// relays makes the relay sockets of allocations: UDP in the configured
// port range, each wrapped so that the user's bandwidth cap applies and
// the relayed bytes are counted. TCP relays (RFC 6062) are not offered:
// WebRTC does not use them, and they would be a second way out to peers.
type relays struct {
	s     *Server
	inner *pturn.RelayAddressGeneratorPortRange
}

var errNoTCPRelay = errors.New("TCP relays (RFC 6062) are not offered")

func (r *relays) Validate() error { return r.inner.Validate() }

func (r *relays) AllocatePacketConn(c pturn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	up, down, done, err := r.s.users.reserve(c.UserID, r.s.cfg.MaxAllocations, r.s.cfg.MaxTotal)
	if err != nil { // requests that arrived together passed the first look
		r.s.m.allocs.WithLabelValues("quota").Inc()
		return nil, nil, err
	}
	conn, addr, err := r.inner.AllocatePacketConn(c)
	if err != nil {
		done()
		r.s.m.allocs.WithLabelValues("no_port").Inc()
		return nil, nil, err
	}
	setBuffers(conn, relayBuffer)
	return &relayConn{PacketConn: conn, up: up, down: down, done: done,
		toPeer: r.s.m.relayed.WithLabelValues("to_peer"), fromPeer: r.s.m.relayed.WithLabelValues("from_peer"),
		droppedTo: r.s.m.dropped.WithLabelValues("to_peer"), droppedFrom: r.s.m.dropped.WithLabelValues("from_peer")}, addr, nil
}

func (r *relays) AllocateListener(pturn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errNoTCPRelay
}

func (r *relays) AllocateConn(pturn.AllocateConnConfig) (net.Conn, error) {
	return nil, errNoTCPRelay
}

// relayConn is an allocation's relay socket: WriteTo sends a client's
// data to a peer, ReadFrom receives a peer's data for the client.
type relayConn struct {
	net.PacketConn
	up, down *bucket // nil: no cap
	done     func()
	once     sync.Once
	// the metrics' counters, looked up once: a lookup per packet costs
	toPeer, fromPeer, droppedTo, droppedFrom prometheus.Counter
}

func (c *relayConn) WriteTo(p []byte, to net.Addr) (int, error) {
	if !c.up.take(len(p)) {
		c.droppedTo.Add(float64(len(p)))
		return len(p), nil // dropped, as an overloaded link would
	}
	n, err := c.PacketConn.WriteTo(p, to)
	c.toPeer.Add(float64(n))
	return n, err
}

func (c *relayConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, from, err := c.PacketConn.ReadFrom(p)
		if err != nil || c.down.take(n) {
			if n > 0 {
				c.fromPeer.Add(float64(n))
			}
			return n, from, err
		}
		c.droppedFrom.Add(float64(n))
	}
}

func (c *relayConn) Close() error {
	err := c.PacketConn.Close()
	c.once.Do(c.done)
	return err
}

// bucket is a token bucket of bytes per second with a burst of one second
// (at least 64 KiB, so that any packet fits).
type bucket struct{ l *rate.Limiter }

func newBucket(perSecond int) *bucket {
	return &bucket{rate.NewLimiter(rate.Limit(perSecond), max(perSecond, 64<<10))}
}

// take reports whether n bytes may pass now; a nil bucket lets all pass.
func (b *bucket) take(n int) bool {
	return b == nil || b.l.AllowN(time.Now(), n)
}
