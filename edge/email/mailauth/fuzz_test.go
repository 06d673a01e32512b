package mailauth

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// mapResolver answers from memory: a fixed world for fuzzing, where no
// lookup waits on a network.
type mapResolver struct{ txt map[string][]string }

func notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (m mapResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	if t, ok := m.txt[strings.ToLower(strings.TrimSuffix(name, "."))]; ok {
		return t, nil
	}
	return nil, notFound(name)
}

func (m mapResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	return nil, notFound(host)
}

func (m mapResolver) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	return nil, notFound(name)
}

func (m mapResolver) LookupAddr(_ context.Context, addr string) ([]string, error) {
	return nil, notFound(addr)
}

// FuzzVerify feeds Verify arbitrary mails: whatever their header, it must
// not panic, must return known verdicts, and its Authentication-Results
// value must stay on one line.
func FuzzVerify(f *testing.F) {
	k := getKeys(f)
	z := newZone()
	world(f, z)
	v := New(Options{Resolver: mapResolver{txt: z.txt}, Timeout: 2 * time.Second})

	signed := sign(f, newMail("ana@shop.example"), "shop.example", "rsa", k.rsa)
	f.Add(signed)
	f.Add(sign(f, newMail("ana@shop.example"), "shop.example", "ed", k.ed))
	f.Add(sign(f, signed, "other.example", "rsa", k.rsa))
	f.Add(newMail("ana@shop.example"))
	f.Add([]byte("From: a@b.example\nDKIM-Signature: v=1; a=rsa-sha256; d=shop.example; s=rsa; h=from; bh=; b=\n\nx"))
	f.Add([]byte("DKIM-Signature: v=1; a=ed25519-sha256; d=; s=; h=:::; bh==; b==; l=-1; x=99999999999999999999\r\n\r\n"))
	f.Add([]byte("From: =?utf-8?q?=E2=98=83?= <a@xn--n3h.example>\r\n\tcontinued\r\n\r\n"))
	f.Add([]byte(" \r\n:\r\n\r\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := v.Verify(context.Background(), raw, ipShop, "mx.shop.example", "ana@shop.example")
		checkWellFormed(t, r)
		if r.DKIM == Pass && len(r.DKIMDomains) == 0 {
			t.Errorf("DKIM pass without a verified domain: %+v", r.Signatures)
		}
		if r.DMARC == Pass && r.FromDomain == "" {
			t.Errorf("DMARC pass without a From domain")
		}
	})
}
