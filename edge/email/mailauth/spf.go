package mailauth

import (
	"context"
	"errors"
	"net"
	"strings"

	"blitiri.com.ar/go/spf"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

type spfResult struct{ verdict, domain, identity, reason string }

// checkSPF checks whether ip may send for the MAIL FROM domain, or for
// the HELO name when MAIL FROM is empty (RFC 7208 section 2.4).
func (v *Verifier) checkSPF(ctx context.Context, ip net.IP, helo, mailFrom string) spfResult {
	if ip == nil {
		return spfResult{verdict: None, reason: "no SMTP session to check"}
	}
	if ip4 := ip.To4(); ip4 != nil {
		ip = ip4
	}
	helo = strings.TrimSpace(helo)
	local, domain, identity := "", "", "mailfrom"
	addr := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(mailFrom), "<"), ">")
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		local, domain = addr[:at], addr[at+1:]
	}
	if domain == "" {
		local, domain, identity = "postmaster", helo, "helo"
	}
	if local == "" {
		local = "postmaster"
	}
	ascii, ok := asciiDomain(domain)
	if !ok {
		return spfResult{verdict: None, identity: identity, reason: "no domain name to check"}
	}
	res, err := spf.CheckHostWithSender(ip, helo, local+"@"+ascii,
		spf.WithContext(ctx), spf.WithResolver(v.res),
		spf.OverrideLookupLimit(MaxSPFLookups), spf.OverrideVoidLookupLimit(2))
	out := spfResult{verdict: string(res), domain: ascii, identity: identity}
	if isLocal := ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast(); isLocal &&
		(res != spf.Pass || errors.Is(err, spf.ErrMatchedAll)) {
		// A relay on this host or network: only a record that names
		// the address says anything about it.
		out.verdict, out.reason = None, "local or private address the record does not list"
		return out
	}
	if res == spf.TempError && ctx.Err() != nil {
		out.reason = "timed out"
	} else if res != spf.Pass && err != nil && !isMatch(err) {
		out.reason = err.Error()
	}
	return out
}

// isMatch says err only tells which term decided (not worth a reason).
func isMatch(err error) bool {
	for _, m := range []error{spf.ErrMatchedAll, spf.ErrMatchedA, spf.ErrMatchedIP, spf.ErrMatchedMX, spf.ErrMatchedPTR, spf.ErrMatchedExists} {
		if errors.Is(err, m) {
			return true
		}
	}
	return false
}

// asciiDomain returns d as a lower-case A-label domain name of at least
// two labels, or false when d is not one (an IP literal, a single label,
// a name with invalid characters).
func asciiDomain(d string) (string, bool) {
	d = strings.TrimSuffix(strings.TrimSpace(d), ".")
	if d == "" || len(d) > 253 || !strings.Contains(d, ".") {
		return "", false
	}
	a, err := idna.Lookup.ToASCII(d)
	if err != nil || len(a) > 253 {
		return "", false
	}
	for l := range strings.SplitSeq(a, ".") {
		if l == "" || len(l) > 63 {
			return "", false
		}
	}
	return strings.ToLower(a), true
}

// orgDomain is d's organisational domain (RFC 7489 section 3.2): its
// public suffix and one more label; d itself when d is a public suffix.
func orgDomain(d string) string {
	o, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return o
}
