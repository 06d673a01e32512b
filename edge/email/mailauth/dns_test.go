package mailauth

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// zone is the DNS data a test serves: names (lower case, without the
// final dot) to records. A name in drop gets no answer at all, as a dead
// server would give.
type zone struct {
	mu   sync.Mutex
	txt  map[string][]string
	a    map[string][]net.IP
	mx   map[string][]string
	drop map[string]bool
}

func newZone() *zone {
	return &zone{txt: map[string][]string{}, a: map[string][]net.IP{}, mx: map[string][]string{}, drop: map[string]bool{}}
}

func (z *zone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	z.mu.Lock()
	defer z.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(req)
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
	if z.drop[name] {
		return
	}
	hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Rrtype: q.Qtype, Ttl: 60}
	_, hasTXT := z.txt[name]
	_, hasA := z.a[name]
	_, hasMX := z.mx[name]
	switch {
	case !hasTXT && !hasA && !hasMX:
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeTXT:
		for _, t := range z.txt[name] {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: chunks(t)})
		}
	case q.Qtype == dns.TypeA:
		for _, ip := range z.a[name] {
			if ip4 := ip.To4(); ip4 != nil {
				m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: ip4})
			}
		}
	case q.Qtype == dns.TypeMX:
		for i, host := range z.mx[name] {
			m.Answer = append(m.Answer, &dns.MX{Hdr: hdr, Preference: uint16(10 * (i + 1)), Mx: dns.Fqdn(host)})
		}
	}
	if _, udp := w.LocalAddr().(*net.UDPAddr); udp {
		// Too large for the datagram: truncated, and the resolver asks
		// again over TCP.
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// chunks splits a TXT record's text into the 255-byte strings DNS
// carries; the resolver joins them again.
func chunks(s string) []string {
	var cs []string
	for len(s) > 255 {
		cs = append(cs, s[:255])
		s = s[255:]
	}
	return append(cs, s)
}

// serveDNS starts a DNS server for z on 127.0.0.1 (UDP and TCP) and
// returns a real *net.Resolver that asks only it.
func serveDNS(t testing.TB, z *zone) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: z}, {Listener: ln, Handler: z}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	udp, tcp := pc.LocalAddr().String(), ln.Addr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		if strings.HasPrefix(network, "tcp") {
			return d.DialContext(ctx, "tcp", tcp)
		}
		return d.DialContext(ctx, "udp", udp)
	}}
}
