package turn

import (
	"net"
	"net/netip"
)

// Peers a relay may reach. By default only public unicast addresses: a
// TURN server that relays to whatever a client names lets anyone with
// credentials reach the edge's loopback services and the private network
// behind it (server-side request forgery).
type Peers struct {
	Loopback bool // 127.0.0.0/8, ::1: for local tests and development
	Private  bool // RFC 1918, RFC 4193, CGNAT: for deployments inside one network
}

var (
	cgnat      = netip.MustParsePrefix("100.64.0.0/10")
	thisNet    = netip.MustParsePrefix("0.0.0.0/8")
	ietf       = netip.MustParsePrefix("192.0.0.0/24")
	benchmark  = netip.MustParsePrefix("198.18.0.0/15")
	reserved   = netip.MustParsePrefix("240.0.0.0/4") // and broadcast
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48") // RFC 8215: any mapping, private by design
	compat     = netip.MustParsePrefix("::/96")          // IPv4-compatible, deprecated
	siteLocal  = netip.MustParsePrefix("fec0::/10")      // deprecated, private in practice
	teredo     = netip.MustParsePrefix("2001::/32")
	sixToFour  = netip.MustParsePrefix("2002::/16")
)

// Allowed reports whether a relay may send to ip.
func (p Peers) Allowed(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	a = a.Unmap()
	if nat64.Contains(a) { // a NAT64 address reaches the IPv4 address inside it
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:]))
	}
	switch {
	case a.IsLoopback():
		return p.Loopback
	case a.IsPrivate() || cgnat.Contains(a) || nat64Local.Contains(a) || siteLocal.Contains(a):
		return p.Private
	case a.IsUnspecified(), a.IsMulticast(), a.IsLinkLocalUnicast(), a.IsInterfaceLocalMulticast(),
		thisNet.Contains(a), ietf.Contains(a), benchmark.Contains(a), reserved.Contains(a),
		teredo.Contains(a), sixToFour.Contains(a), a.Is6() && compat.Contains(a):
		return false
	}
	return a.IsGlobalUnicast()
}
