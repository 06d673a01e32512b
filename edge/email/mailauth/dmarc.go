package mailauth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/emersion/go-msgauth/dmarc"
)

// policy is the From domain's DMARC record, as found before the SPF and
// DKIM checks end.
type policy struct {
	from    string        // the From domain
	rec     *dmarc.Record // nil when verdict is set
	sub     bool          // rec is the organisational domain's
	verdict string        // none, temperror or permerror when there is no usable record
	reason  string
}

// lookupDMARC finds the From domain's DMARC record (RFC 7489 section
// 6.6.3): the domain's own, else its organisational domain's.
func (v *Verifier) lookupDMARC(ctx context.Context, h *header) policy {
	from, err := fromDomain(h)
	if err != nil {
		return policy{verdict: PermError, reason: err.Error()}
	}
	p := policy{from: from}
	lookup := &dmarc.LookupOptions{LookupTXT: func(name string) ([]string, error) { return v.res.LookupTXT(ctx, name) }}
	p.rec, err = dmarc.LookupWithOptions(from, lookup)
	if errors.Is(err, dmarc.ErrNoPolicy) {
		if org := orgDomain(from); org != from {
			p.rec, err = dmarc.LookupWithOptions(org, lookup)
			p.sub = true
		}
	}
	switch {
	case errors.Is(err, dmarc.ErrNoPolicy):
		p.rec, p.verdict = nil, None
	case dmarc.IsTempFail(err):
		p.rec, p.verdict, p.reason = nil, TempError, err.Error()
	case err != nil:
		p.rec, p.verdict, p.reason = nil, PermError, err.Error()
	}
	return p
}

// checkDMARC sets r's DMARC verdict from the record p and r's SPF and
// DKIM verdicts: pass when either passed for a domain aligned with the
// From domain. Without an SMTP session (spfChecked false) only DKIM can
// pass it, and the verdict is none rather than fail.
func checkDMARC(r *Result, p policy, spfChecked bool) {
	r.FromDomain = p.from
	if p.rec == nil {
		r.DMARC, r.DMARCReason = p.verdict, p.reason
		return
	}
	r.DMARCPolicy = string(p.rec.Policy)
	if p.sub && p.rec.SubdomainPolicy != "" {
		r.DMARCPolicy = string(p.rec.SubdomainPolicy)
	}
	for _, d := range r.DKIMDomains {
		if aligned(d, p.from, p.rec.DKIMAlignment) {
			r.DMARC, r.DMARCReason = Pass, "DKIM aligned: "+d
			return
		}
	}
	if !spfChecked {
		// read from a mailbox: the server that took it knew the sending
		// IP, the edge does not; SPF may have passed there
		r.DMARC, r.DMARCReason = None, "no SMTP session to check SPF, and no aligned DKIM signature passed"
		return
	}
	if r.SPF == Pass && aligned(r.SPFDomain, p.from, p.rec.SPFAlignment) {
		r.DMARC, r.DMARCReason = Pass, "SPF aligned: "+r.SPFDomain
		return
	}
	// Nothing aligned passed. When a check could not be made for now,
	// the same mail may pass later: say so rather than fail it.
	if r.SPF == TempError || r.DKIM == TempError {
		r.DMARC, r.DMARCReason = TempError, "SPF or DKIM could not be checked"
		return
	}
	r.DMARC, r.DMARCReason = Fail, "neither SPF nor DKIM passed aligned with the From domain"
}

// aligned compares an authenticated domain with the From domain: equal
// in strict mode, the same organisational domain in relaxed mode.
func aligned(d, from string, mode dmarc.AlignmentMode) bool {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	if d == "" {
		return false
	}
	if d == from {
		return true
	}
	return mode != dmarc.AlignmentStrict && orgDomain(d) == orgDomain(from)
}

// fromDomain is the domain of the mail's author: the one address of its
// one From field (RFC 7489 section 6.6.1).
func fromDomain(h *header) (string, error) {
	vs := h.get("From")
	if len(vs) != 1 {
		return "", fmt.Errorf("%d From fields (DMARC needs exactly one)", len(vs))
	}
	addrs, err := mail.ParseAddressList(vs[0])
	if err != nil {
		return "", fmt.Errorf("the From field is unreadable: %v", err)
	}
	if len(addrs) != 1 {
		return "", fmt.Errorf("%d addresses in From (DMARC needs exactly one)", len(addrs))
	}
	a := addrs[0].Address
	d, ok := asciiDomain(a[strings.LastIndexByte(a, '@')+1:])
	if !ok {
		return "", errors.New("the From address has no valid domain")
	}
	return d, nil
}
