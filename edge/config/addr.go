package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// addrProblem says what is wrong with addr, a host:port setting, or returns
// "". The port is a decimal number from 0 (any free port) to 65535; the host
// is empty (every interface), an IP address or a DNS host name. An address
// to dial (dial) needs a host and a port from 1.
func addrProblem(addr string, dial bool) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if strings.Count(addr, ":") > 1 && !strings.HasPrefix(addr, "[") {
			return "use host:port, with an IPv6 address in brackets ([::1]:port)"
		}
		return "use host:port"
	}
	minPort := 0
	if dial {
		minPort = 1
	}
	if port == "" || strings.Trim(port, "0123456789") != "" {
		return fmt.Sprintf("port %q is not a number: use %d to 65535", port, minPort)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n < uint64(minPort) {
		return fmt.Sprintf("port %s is out of range: use %d to 65535", port, minPort)
	}
	return hostProblem(host, dial)
}

// hostProblem says what is wrong with the host of an address, or returns "".
func hostProblem(host string, dial bool) string {
	if host == "" {
		if dial {
			return "the host is missing"
		}
		return ""
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return ""
	}
	name := strings.TrimSuffix(host, ".") // a fully qualified name may end in a dot
	labels := strings.Split(name, ".")
	if last := labels[len(labels)-1]; last != "" && strings.Trim(last, "0123456789") == "" {
		// All-numeric: meant as an IPv4 address (a top-level domain is
		// never a number).
		return fmt.Sprintf("%s is not an IP address (each part 0-255) nor a host name", host)
	}
	ok := len(name) <= 253
	for _, l := range labels {
		ok = ok && l != "" && len(l) <= 63 && l[0] != '-' && l[len(l)-1] != '-' &&
			strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == ""
	}
	if !ok {
		return fmt.Sprintf("%q is not an IP address nor a host name (letters, digits and '-' between dots, at most 253 characters)", host)
	}
	return ""
}

// routeProblem says what is wrong with a NATS route, a URL
// nats-route://host:port (or nats://, which NATS accepts too), or returns
// "". Besides the problem it returns an example to show: the route with the
// scheme it lacks, or a generic one.
func routeProblem(route string) (problem, example string) {
	example = "nats-route://10.0.0.2:6222"
	const use = "use nats-route://host:port"
	if !strings.Contains(route, "://") {
		if _, _, err := net.SplitHostPort(route); err == nil {
			example = "nats-route://" + route
		}
		return use, example
	}
	u, err := url.Parse(route)
	if err != nil || u.Scheme != "nats-route" && u.Scheme != "nats" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return use, example
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return use, example
	}
	return addrProblem(u.Host, true), example
}
