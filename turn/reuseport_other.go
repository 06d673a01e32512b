//go:build !linux

package turn

import "syscall"

// spreadsSockets: elsewhere SO_REUSEPORT does not spread one address's
// datagrams over its sockets (macOS hands them all to one), so one socket
// listens.
const spreadsSockets = false

// reusePort leaves the one socket as it is.
func reusePort(_, _ string, _ syscall.RawConn) error { return nil }
