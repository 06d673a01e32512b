// Package mailauth authenticates received mail: it computes the SPF, DKIM
// and DMARC verdicts of a message itself, from DNS, and never trusts the
// Authentication-Results or Received-SPF fields a mail arrives with (anyone
// can write those).
//
// SPF (RFC 7208) is checked with blitiri.com.ar/go/spf against the SMTP
// session's remote IP, HELO and MAIL FROM; DKIM (RFC 6376) and DMARC
// (RFC 7489) with github.com/emersion/go-msgauth. The organisational domain
// that relaxed DMARC alignment compares is found with the public-suffix
// list (golang.org/x/net/publicsuffix). Every lookup goes through the
// Resolver of the Options, and the whole of Verify is bounded by
// Options.Timeout. The work a hostile mail can cause is bounded too: see
// the limits below.
package mailauth

import (
	"context"
	"net"
	"sync"
	"time"
)

// Verdicts, as RFC 8601 names them. Every verdict in a Result is one of
// these.
const (
	Pass      = "pass"      // the identity is authenticated
	Fail      = "fail"      // the identity is explicitly not authorised or the signature is wrong
	SoftFail  = "softfail"  // SPF: the domain says "probably not authorised" (~all)
	Neutral   = "neutral"   // SPF: the domain makes no assertion (?all)
	None      = "none"      // nothing to check: no record, no signature, no session
	TempError = "temperror" // DNS failed or timed out; the same check later may succeed
	PermError = "permerror" // a record or signature is broken; retrying cannot help
)

// Limits on the work one mail may cause.
const (
	// DefaultTimeout bounds a whole Verify when Options.Timeout is zero.
	DefaultTimeout = 5 * time.Second
	// MaxHeaderBytes is the largest header section considered; a mail
	// with a larger one gets DKIM and DMARC permerror.
	MaxHeaderBytes = 1 << 20
	// MaxSignatures is the most DKIM signatures checked; later ones are
	// ignored.
	MaxSignatures = 5
	// MaxSPFLookups is RFC 7208's limit of DNS-querying terms (include,
	// a, mx, ptr, exists, redirect) in one SPF evaluation; over it SPF is
	// permerror. At most 2 of them may find nothing (void lookups).
	MaxSPFLookups = 10
)

// Resolver looks up the DNS records that SPF, DKIM and DMARC need. A
// *net.Resolver satisfies it; tests point one at a DNS server of their
// own.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

var _ Resolver = (*net.Resolver)(nil)

// Options configure a Verifier. The zero value is usable.
type Options struct {
	// Resolver answers DNS queries (default net.DefaultResolver).
	Resolver Resolver
	// Timeout bounds one Verify, every DNS lookup included (default
	// DefaultTimeout). A check that has not finished by then is
	// temperror.
	Timeout time.Duration
	// AuthServID names this verifier in Result.Header (default
	// "edgedesk"); usually the edge's host name.
	AuthServID string
}

// Verifier computes SPF, DKIM and DMARC verdicts. It is safe for
// concurrent use.
type Verifier struct {
	res        guarded
	timeout    time.Duration
	authServID string
}

// New makes a Verifier; zero fields of o take their defaults.
func New(o Options) *Verifier {
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.AuthServID == "" {
		o.AuthServID = "edgedesk"
	}
	return &Verifier{res: guarded{o.Resolver}, timeout: o.Timeout, authServID: o.AuthServID}
}

// Result is what Verify found. Verdicts are the constants above; the
// domains are lower-case A-labels.
type Result struct {
	// SPF is whether remote IP may send for SPFDomain: the MAIL FROM
	// domain or, when MAIL FROM is empty (a bounce), the HELO name
	// (SPFIdentity says which: "mailfrom" or "helo"). None when there was
	// no SMTP session (remote IP nil) or the IP is loopback or private
	// and the domain's record does not list it.
	SPF, SPFDomain, SPFIdentity, SPFReason string

	// DKIM is pass when at least one signature verified (whatever its
	// d= domain), none when the mail has no signature; otherwise the best
	// of the signatures' verdicts (temperror, fail, permerror in that
	// order). DKIMDomains are the d= domains whose signatures verified.
	DKIM        string
	DKIMDomains []string
	// Signatures are the checked signatures, in header order.
	Signatures []Signature

	// DMARC is the From domain's verdict: pass when an SPF pass or a DKIM
	// pass is aligned with FromDomain, fail when neither is (whatever the
	// policy), none when the domain publishes no DMARC record, temperror
	// when its record or an unaligned-failing check could not be looked
	// up, permerror when the record or the From field is broken.
	// DMARCPolicy is what the domain asks of failing mail: "none",
	// "quarantine" or "reject" (its sp= when the record is the
	// organisational domain's); empty when there is no record.
	DMARC, DMARCPolicy, FromDomain, DMARCReason string

	authServID string
}

// Signature is the verdict on one DKIM signature.
type Signature struct {
	Domain  string // its d= tag, lower case, as the mail says
	Verdict string // pass, fail, temperror or permerror
	Reason  string // why it did not pass
}

// Verify authenticates one received mail. raw is the mail as received
// (header and body, CRLF or LF line ends). remoteIP, helo and mailFrom
// are the SMTP session's: the client's IP, its HELO/EHLO name and the
// MAIL FROM address ("" or "<>" for a bounce). A mail that did not come
// over SMTP (fetched by IMAP, say) passes a nil remoteIP: SPF is then
// none and DMARC rests on DKIM alone: pass for an aligned signature that
// verifies, else none (not fail: SPF may have passed where it arrived).
//
// Verify always returns a Result; it never panics on hostile input and
// returns within the Options' Timeout.
func (v *Verifier) Verify(ctx context.Context, raw []byte, remoteIP net.IP, helo, mailFrom string) Result {
	ctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()

	// SPF, DKIM and the DMARC record's lookup run side by side; DMARC's
	// verdict needs all three.
	r := Result{authServID: v.authServID}
	var s spfResult
	var wg sync.WaitGroup
	wg.Go(func() { s = v.checkSPF(ctx, remoteIP, helo, mailFrom) })

	h, herr := scanHeader(raw, MaxHeaderBytes)
	if herr != nil {
		wg.Wait()
		r.SPF, r.SPFDomain, r.SPFIdentity, r.SPFReason = s.verdict, s.domain, s.identity, s.reason
		r.DKIM, r.DMARC, r.DMARCReason = PermError, PermError, herr.Error()
		r.Signatures = []Signature{{Verdict: PermError, Reason: herr.Error()}}
		return r
	}
	var p policy
	wg.Go(func() { p = v.lookupDMARC(ctx, h) })
	v.checkDKIM(ctx, &r, raw, h)
	wg.Wait()
	r.SPF, r.SPFDomain, r.SPFIdentity, r.SPFReason = s.verdict, s.domain, s.identity, s.reason
	checkDMARC(&r, p, remoteIP != nil)
	return r
}
