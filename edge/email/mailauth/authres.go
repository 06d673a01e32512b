package mailauth

import (
	"strings"

	"github.com/emersion/go-msgauth/authres"
)

// Header returns the result as the value of an Authentication-Results
// field (RFC 8601), for logs and for the copy of the mail the edge keeps:
//
//	edgedesk; spf=pass smtp.mailfrom=shop.example;
//	dkim=pass header.d=shop.example; dmarc=pass header.from=shop.example policy.dmarc=reject
//
// (on one line). It never contains a line break.
func (r Result) Header() string {
	id := r.authServID
	if id == "" {
		id = "edgedesk"
	}
	spf := &authres.SPFResult{Value: value(r.SPF), Reason: clean(r.SPFReason)}
	if r.SPFIdentity == "helo" {
		spf.Helo = r.SPFDomain
	} else {
		spf.From = r.SPFDomain
	}
	results := []authres.Result{spf}
	if len(r.Signatures) == 0 {
		results = append(results, &authres.DKIMResult{Value: value(r.DKIM)})
	}
	for _, s := range r.Signatures {
		d, _ := asciiDomain(s.Domain)
		results = append(results, &authres.DKIMResult{Value: value(s.Verdict), Domain: d, Reason: clean(s.Reason)})
	}
	results = append(results, &authres.GenericResult{Method: "dmarc", Value: value(r.DMARC), Params: map[string]string{
		"reason":       clean(r.DMARCReason),
		"header.from":  r.FromDomain,
		"policy.dmarc": r.DMARCPolicy,
	}})
	return strings.TrimRight(strings.ReplaceAll(authres.Format(id, results), " ;", ";"), " ")
}

func value(v string) authres.ResultValue {
	if v == "" {
		return authres.ResultNone
	}
	return authres.ResultValue(v)
}

// clean keeps a reason to printable ASCII without quotes or backslashes,
// so that it stays one quoted string on one line.
func clean(s string) string {
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' || r == '"' || r == '\\' {
			return ' '
		}
		return r
	}, s)
}
