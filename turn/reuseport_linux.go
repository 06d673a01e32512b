package turn

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// spreadsSockets: Linux spreads the datagrams of an address over every
// socket bound to it with SO_REUSEPORT, by a hash of the client's address.
const spreadsSockets = true

// reusePort sets SO_REUSEPORT on a socket before it binds.
func reusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
