package mailauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// checkDKIM verifies the mail's first MaxSignatures DKIM signatures.
func (v *Verifier) checkDKIM(ctx context.Context, r *Result, raw []byte, h *header) {
	sigs := h.get("DKIM-Signature")
	if len(sigs) == 0 {
		r.DKIM = None
		return
	}
	if len(sigs) > MaxSignatures {
		sigs = sigs[:MaxSignatures]
	}
	if err := h.dkimWork(sigs); err != nil {
		r.DKIM = PermError
		r.Signatures = []Signature{{Verdict: PermError, Reason: err.Error()}}
		return
	}
	msg := raw
	if !h.complete {
		// All header, no body: end the header as the verifier expects.
		msg = slices.Concat(raw, []byte("\r\n\r\n"))
		if bytes.HasSuffix(raw, []byte("\n")) {
			msg = msg[:len(msg)-2]
		}
	}
	verifs, err := dkim.VerifyWithOptions(&ctxReader{ctx: ctx, r: bytes.NewReader(msg)}, &dkim.VerifyOptions{
		LookupTXT:        func(name string) ([]string, error) { return v.keyRecord(ctx, name) },
		MaxVerifications: MaxSignatures,
	})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		// Not a verdict on a signature but a failure to read the mail:
		// the verifications, if any, are not to be trusted (the library
		// clears the failing one's error).
		verdict := PermError
		if ctx.Err() != nil {
			verdict = TempError
		}
		r.DKIM = verdict
		r.Signatures = []Signature{{Verdict: verdict, Reason: err.Error()}}
		return
	}
	for _, vf := range verifs {
		s := Signature{Domain: strings.ToLower(strings.TrimSuffix(vf.Domain, "."))}
		switch {
		case vf.Err == nil:
			s.Verdict = Pass
			if !slices.Contains(r.DKIMDomains, s.Domain) {
				r.DKIMDomains = append(r.DKIMDomains, s.Domain)
			}
		case ctx.Err() != nil || dkim.IsTempFail(vf.Err):
			// A timeout cuts the body short, so a hash that did not
			// match then says nothing.
			s.Verdict, s.Reason = TempError, vf.Err.Error()
		case dkim.IsPermFail(vf.Err):
			s.Verdict, s.Reason = PermError, vf.Err.Error()
		default:
			s.Verdict, s.Reason = Fail, vf.Err.Error()
		}
		r.Signatures = append(r.Signatures, s)
	}
	r.DKIM = PermError
	for _, best := range []string{Pass, TempError, Fail} {
		if slices.ContainsFunc(r.Signatures, func(s Signature) bool { return s.Verdict == best }) {
			r.DKIM = best
			break
		}
	}
}

// maxKeyRecord bounds a DKIM key record: an RSA key of 16384 bits takes
// under 3 KiB, and a larger key (which the sender's DNS may serve, up to
// 64 KiB over TCP) would cost the verifier seconds of arithmetic.
const maxKeyRecord = 4 << 10

// keyRecord looks up a DKIM key record, refusing one over maxKeyRecord.
func (v *Verifier) keyRecord(ctx context.Context, name string) ([]string, error) {
	txts, err := v.res.LookupTXT(ctx, name)
	n := 0
	for _, t := range txts {
		n += len(t)
	}
	if err == nil && n > maxKeyRecord {
		return nil, &net.DNSError{Err: fmt.Sprintf("key record of %d bytes (over %d)", n, maxKeyRecord), Name: name}
	}
	return txts, err
}

// ctxReader ends the mail early (io.EOF, not an error: on an error the
// library's parallel verification leaves its goroutines blocked) when
// ctx ends, so hashing a large body stops at the deadline.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, io.EOF
	}
	if len(p) > 64<<10 {
		p = p[:64<<10]
	}
	return c.r.Read(p)
}
