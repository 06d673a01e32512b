package turn

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
)

// defaultSockets is two UDP sockets per core: pion reads and handles each
// socket on one goroutine, and one socket tops out near 86,000 packets/s;
// the kernel spreads clients over sockets by a hash of their address, so
// more sockets than cores spread a few heavy clients more evenly.
func defaultSockets() int { return 2 * runtime.GOMAXPROCS(0) }

// listenUDP opens n UDP sockets on one address with SO_REUSEPORT, so that
// the kernel spreads clients over them (by their address and port). Where
// the kernel does not spread them (every system but Linux) it opens one.
func listenUDP(ctx context.Context, addr string, n int) ([]net.PacketConn, error) {
	if !spreadsSockets {
		n = 1
	}
	lc := net.ListenConfig{Control: reusePort}
	first, err := lc.ListenPacket(ctx, "udp4", addr)
	if err != nil {
		return nil, err
	}
	setBuffers(first, listenBuffer)
	conns := []net.PacketConn{first}
	at := first.LocalAddr().(*net.UDPAddr)
	for len(conns) < n {
		c, err := lc.ListenPacket(ctx, "udp4", net.JoinHostPort(at.IP.String(), strconv.Itoa(at.Port)))
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return nil, fmt.Errorf("socket %d of %d on %s: %w", len(conns)+1, n, at, err)
		}
		setBuffers(c, listenBuffer)
		conns = append(conns, c)
	}
	return conns, nil
}

// Socket buffers, each way: bursts of media from many clients queue in a
// listening socket while its goroutine catches up, instead of being
// dropped by the kernel; a relay socket carries one user's media. Linux
// grants up to net.core.rmem_max and wmem_max.
const (
	listenBuffer = 4 << 20
	relayBuffer  = 1 << 20
)

func setBuffers(c net.PacketConn, size int) {
	if u, ok := c.(*net.UDPConn); ok {
		_ = u.SetReadBuffer(size)
		_ = u.SetWriteBuffer(size)
	}
}

// tracked is a TCP (or TLS) listener that keeps the connections it
// accepted, so that the server's Close ends them too: pion's closes only
// its listeners, and a connected client could go on allocating.
type tracked struct {
	net.Listener
	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

func track(l net.Listener) *tracked { return &tracked{Listener: l, conns: map[*trackedConn]struct{}{}} }

func (l *tracked) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	return tc, nil
}

// closeAll closes the listener and every connection it accepted.
func (l *tracked) closeAll() {
	l.mu.Lock()
	l.closed = true
	conns := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	l.Listener.Close()
	for _, c := range conns {
		c.Close()
	}
}

type trackedConn struct {
	net.Conn
	l    *tracked
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
