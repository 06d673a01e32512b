package turn

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// defaultSockets is one UDP socket per core: pion reads and handles each
// socket on one goroutine, and one socket tops out near 86,000 packets/s.
func defaultSockets() int { return runtime.GOMAXPROCS(0) }

// listenUDP opens n UDP sockets on one address with SO_REUSEPORT, so that
// the kernel spreads clients over them (by their address and port).
func listenUDP(ctx context.Context, addr string, n int) ([]net.PacketConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	first, err := lc.ListenPacket(ctx, "udp4", addr)
	if err != nil {
		return nil, err
	}
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
		conns = append(conns, c)
	}
	return conns, nil
}
