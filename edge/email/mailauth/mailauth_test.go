package mailauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"go.uber.org/goleak"
)

// No goroutine of a Verify outlives it (the test DNS servers are shut
// down by then, and the stalling resolver released).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The test world: shop.example signs its mail and publishes SPF and a
// DMARC reject policy; other.example signs too but is not the author.
var (
	ipShop  = net.ParseIP("192.0.2.10")   // listed by shop.example's SPF
	ipOther = net.ParseIP("198.51.100.7") // listed by nobody
	ipLocal = net.ParseIP("127.0.0.1")
	ipLAN   = net.ParseIP("10.1.2.3")
)

type keys struct {
	rsa *rsa.PrivateKey
	ed  ed25519.PrivateKey
}

var (
	testKeysOnce sync.Once
	testKeys     keys
)

func getKeys(t testing.TB) keys {
	testKeysOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		_, ed, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		testKeys = keys{rsa: k, ed: ed}
	})
	return testKeys
}

func dkimRecordRSA(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
}

func dkimRecordEd(k ed25519.PrivateKey) string {
	return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey))
}

// world fills z with the test domains' records.
func world(t testing.TB, z *zone) {
	k := getKeys(t)
	z.txt["shop.example"] = []string{"v=spf1 ip4:192.0.2.0/24 -all"}
	z.txt["_dmarc.shop.example"] = []string{"v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@shop.example"}
	z.txt["rsa._domainkey.shop.example"] = []string{dkimRecordRSA(k.rsa)}
	z.txt["ed._domainkey.shop.example"] = []string{dkimRecordEd(k.ed)}
	z.txt["rsa._domainkey.mail.shop.example"] = []string{dkimRecordRSA(k.rsa)}
	z.txt["rsa._domainkey.other.example"] = []string{dkimRecordRSA(k.rsa)}
	z.txt["other.example"] = []string{"v=spf1 ip4:198.51.100.0/24 -all"}
	z.txt["_dmarc.strict.example"] = []string{"v=DMARC1; p=quarantine; adkim=s; aspf=s"}
	z.txt["strict.example"] = []string{"v=spf1 ip4:192.0.2.0/24 -all"}
	z.txt["rsa._domainkey.strict.example"] = []string{dkimRecordRSA(k.rsa)}
	z.txt["rsa._domainkey.mail.strict.example"] = []string{dkimRecordRSA(k.rsa)}
	z.txt["mail.strict.example"] = []string{"v=spf1 ip4:192.0.2.0/24 -all"}
	z.txt["big._domainkey.shop.example"] = []string{"v=DKIM1; k=rsa; p=" + strings.Repeat("A", 6000)}
	z.txt["_dmarc.lax.example"] = []string{"v=DMARC1; p=none"}
	z.txt["lax.example"] = []string{"v=spf1 -all"}
	z.txt["nodmarc.example"] = []string{"v=spf1 ip4:192.0.2.0/24 -all"}
	z.txt["_dmarc.broken.example"] = []string{"v=DMARC1; p=maybe"}

	// SPF shapes.
	z.txt["soft.example"] = []string{"v=spf1 ip4:192.0.2.10 ~all"}
	z.txt["neutral.example"] = []string{"v=spf1 ip4:192.0.2.10 ?all"}
	z.txt["include.example"] = []string{"v=spf1 include:shop.example -all"}
	z.txt["redirect.example"] = []string{"v=spf1 redirect=soft.example"}
	z.txt["plain.example"] = []string{"google-site-verification=abc"}
	z.txt["a.example"] = []string{"v=spf1 a -all"}
	z.a["a.example"] = []net.IP{net.ParseIP("192.0.2.20")}
	z.txt["mx.example"] = []string{"v=spf1 mx -all"}
	z.mx["mx.example"] = []string{"in.mx.example"}
	z.a["in.mx.example"] = []net.IP{net.ParseIP("192.0.2.30")}
	z.txt["loop.example"] = []string{"v=spf1 include:loop.example -all"}
	z.txt["junk.example"] = []string{"v=spf1 frobnicate ip4:192.0.2.0/24 -all"}
	z.txt["two.example"] = []string{"v=spf1 -all", "v=spf1 +all"}
	z.txt["local.example"] = []string{"v=spf1 ip4:127.0.0.1 ip4:10.0.0.0/8 -all"}
	z.txt["open.example"] = []string{"v=spf1 +all"}
	var chain []string
	for i := range 12 {
		name := fmt.Sprintf("c%d.example", i)
		chain = append(chain, "include:"+name)
		z.txt[name] = []string{"v=spf1 -all"}
	}
	z.txt["many.example"] = []string{"v=spf1 " + strings.Join(chain, " ") + " -all"}

	// A DNS server that never answers.
	z.drop["slow.example"] = true
	z.drop["_dmarc.slow.example"] = true
	z.drop["rsa._domainkey.slow.example"] = true
	z.txt["_dmarc.slowkey.example"] = []string{"v=DMARC1; p=reject"}
	z.drop["rsa._domainkey.slowkey.example"] = true
}

func newVerifier(t testing.TB, timeout time.Duration) *Verifier {
	t.Helper()
	z := newZone()
	world(t, z)
	return New(Options{Resolver: serveDNS(t, z), Timeout: timeout})
}

// mail builds a mail from author, with extra header lines.
func newMail(from string, extra ...string) []byte {
	h := []string{
		"From: Ana <" + from + ">",
		"To: support@desk.example",
		"Subject: Where is my order?",
		"Date: Mon, 6 Jan 2025 10:00:00 +0000",
		"Message-ID: <1@" + from[strings.IndexByte(from, '@')+1:] + ">",
	}
	h = append(h, extra...)
	return []byte(strings.Join(h, "\r\n") + "\r\n\r\nHello,\r\nmy order 1234 has not arrived.\r\n")
}

func sign(t testing.TB, raw []byte, domain, selector string, signer crypto.Signer) []byte {
	t.Helper()
	var b bytes.Buffer
	err := dkim.Sign(&b, bytes.NewReader(raw), &dkim.SignOptions{
		Domain: domain, Selector: selector, Signer: signer,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var verdicts = []string{Pass, Fail, SoftFail, Neutral, None, TempError, PermError}

func checkWellFormed(t testing.TB, r Result) {
	t.Helper()
	for name, v := range map[string]string{"SPF": r.SPF, "DKIM": r.DKIM, "DMARC": r.DMARC} {
		if !slices.Contains(verdicts, v) {
			t.Errorf("%s verdict %q is not one of %v", name, v, verdicts)
		}
	}
	if h := r.Header(); strings.ContainsAny(h, "\r\n") {
		t.Errorf("Authentication-Results value has a line break: %q", h)
	}
}

func TestSPF(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, 5*time.Second)
	raw := newMail("ana@unsigned.example")
	for _, c := range []struct {
		name, helo, mailFrom string
		ip                   net.IP
		want, domain, ident  string
	}{
		{"ip4 listed", "mx.shop.example", "ana@shop.example", ipShop, Pass, "shop.example", "mailfrom"},
		{"ip4 not listed, -all", "mx.other.example", "ana@shop.example", ipOther, Fail, "shop.example", "mailfrom"},
		{"~all", "h", "ana@soft.example", ipOther, SoftFail, "soft.example", "mailfrom"},
		{"?all", "h", "ana@neutral.example", ipOther, Neutral, "neutral.example", "mailfrom"},
		{"include matches", "h", "ana@include.example", ipShop, Pass, "include.example", "mailfrom"},
		{"include does not match", "h", "ana@include.example", ipOther, Fail, "include.example", "mailfrom"},
		{"redirect", "h", "ana@redirect.example", ipOther, SoftFail, "redirect.example", "mailfrom"},
		{"redirect passes", "h", "ana@redirect.example", ipShop, Pass, "redirect.example", "mailfrom"},
		{"a mechanism", "h", "ana@a.example", net.ParseIP("192.0.2.20"), Pass, "a.example", "mailfrom"},
		{"mx mechanism", "h", "ana@mx.example", net.ParseIP("192.0.2.30"), Pass, "mx.example", "mailfrom"},
		{"mx mechanism, other IP", "h", "ana@mx.example", ipShop, Fail, "mx.example", "mailfrom"},
		{"IPv4-mapped IPv6 address", "h", "ana@shop.example", net.ParseIP("::ffff:192.0.2.10"), Pass, "shop.example", "mailfrom"},
		{"TXT but no SPF record", "h", "ana@plain.example", ipShop, None, "plain.example", "mailfrom"},
		{"no such domain", "h", "ana@nowhere.example", ipShop, None, "nowhere.example", "mailfrom"},
		{"include loop: over 10 lookups", "h", "ana@loop.example", ipShop, PermError, "loop.example", "mailfrom"},
		{"12 includes: over 10 lookups", "h", "ana@many.example", ipShop, PermError, "many.example", "mailfrom"},
		{"unknown mechanism", "h", "ana@junk.example", ipShop, PermError, "junk.example", "mailfrom"},
		{"two SPF records", "h", "ana@two.example", ipShop, PermError, "two.example", "mailfrom"},
		{"bounce: HELO checked", "shop.example", "", ipShop, Pass, "shop.example", "helo"},
		{"bounce <>: HELO checked", "shop.example", "<>", ipOther, Fail, "shop.example", "helo"},
		{"angle brackets", "h", "<ana@shop.example>", ipShop, Pass, "shop.example", "mailfrom"},
		{"upper case", "h", "Ana@SHOP.Example", ipShop, Pass, "shop.example", "mailfrom"},
		{"bounce from an IP literal HELO", "[192.0.2.10]", "", ipShop, None, "", "helo"},
		{"loopback relay, record does not list it", "localhost", "ana@shop.example", ipLocal, None, "shop.example", "mailfrom"},
		{"private relay, record does not list it", "relay", "ana@shop.example", ipLAN, None, "shop.example", "mailfrom"},
		{"loopback relay, +all does not count", "localhost", "ana@open.example", ipLocal, None, "open.example", "mailfrom"},
		{"loopback relay the record lists", "localhost", "ana@local.example", ipLocal, Pass, "local.example", "mailfrom"},
		{"private relay the record lists", "relay", "ana@local.example", ipLAN, Pass, "local.example", "mailfrom"},
		{"no SMTP session", "", "", nil, None, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := v.Verify(context.Background(), raw, c.ip, c.helo, c.mailFrom)
			checkWellFormed(t, r)
			if r.SPF != c.want || r.SPFDomain != c.domain || r.SPFIdentity != c.ident {
				t.Errorf("SPF = %s for %q (%s), want %s for %q (%s); reason %q", r.SPF, r.SPFDomain, r.SPFIdentity, c.want, c.domain, c.ident, r.SPFReason)
			}
		})
	}
}

func TestDKIM(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, 2*time.Second)
	k := getKeys(t)
	base := newMail("ana@shop.example")
	signed := sign(t, base, "shop.example", "rsa", k.rsa)
	for _, c := range []struct {
		name    string
		raw     []byte
		want    string
		domains []string
	}{
		{"RSA signature", signed, Pass, []string{"shop.example"}},
		{"Ed25519 signature", sign(t, base, "shop.example", "ed", k.ed), Pass, []string{"shop.example"}},
		{"LF line ends", bytes.ReplaceAll(signed, []byte("\r\n"), []byte("\n")), Pass, []string{"shop.example"}},
		{"body altered", bytes.Replace(signed, []byte("1234"), []byte("9999"), 1), Fail, nil},
		{"signed header altered", bytes.Replace(signed, []byte("Where is"), []byte("Here is"), 1), Fail, nil},
		{"no signature", base, None, nil},
		{"forged Authentication-Results ignored",
			newMail("ana@shop.example", "Authentication-Results: mx.shop.example; dkim=pass header.d=shop.example; dmarc=pass"), None, nil},
		{"key not in DNS", sign(t, base, "shop.example", "gone", k.rsa), PermError, nil},
		{"wrong key", sign(t, base, "shop.example", "ed", k.rsa), PermError, nil},
		{"one good signature of two", sign(t, sign(t, base, "other.example", "rsa", k.ed), "shop.example", "rsa", k.rsa), Pass, []string{"shop.example"}},
		{"two good signatures", sign(t, signed, "other.example", "rsa", k.rsa), Pass, []string{"other.example", "shop.example"}},
		{"unaligned signature still passes DKIM", sign(t, base, "other.example", "rsa", k.rsa), Pass, []string{"other.example"}},
		{"key lookup times out", sign(t, newMail("ana@slowkey.example"), "slowkey.example", "rsa", k.rsa), TempError, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := v.Verify(context.Background(), c.raw, ipOther, "h", "ana@shop.example")
			checkWellFormed(t, r)
			got := slices.Clone(r.DKIMDomains)
			slices.Sort(got)
			if r.DKIM != c.want || !slices.Equal(got, c.domains) {
				t.Errorf("DKIM = %s %v, want %s %v; signatures %+v", r.DKIM, got, c.want, c.domains, r.Signatures)
			}
		})
	}
}

func TestDMARC(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, 2*time.Second)
	k := getKeys(t)
	for _, c := range []struct {
		name           string
		raw            []byte
		ip             net.IP
		mailFrom       string
		want, policy   string
		spf, dkim, why string
	}{
		{"aligned DKIM only", sign(t, newMail("ana@shop.example"), "shop.example", "rsa", k.rsa), ipOther, "ana@shop.example", Pass, "reject", Fail, Pass, "DKIM"},
		{"aligned SPF only", newMail("ana@shop.example"), ipShop, "bounces@shop.example", Pass, "reject", Pass, None, "SPF"},
		{"relaxed: DKIM of a subdomain", sign(t, newMail("ana@shop.example"), "mail.shop.example", "rsa", k.rsa), ipOther, "", Pass, "reject", None, Pass, "DKIM"},
		{"relaxed: SPF of the parent domain", newMail("ana@mail.shop.example"), ipShop, "b@shop.example", Pass, "quarantine", Pass, None, "SPF"},
		{"strict: DKIM of a subdomain fails", sign(t, newMail("ana@strict.example"), "mail.strict.example", "rsa", k.rsa), ipOther, "b@other.example", Fail, "quarantine", Pass, Pass, ""},
		{"strict: SPF of a subdomain fails", newMail("ana@strict.example"), ipShop, "b@mail.strict.example", Fail, "quarantine", Pass, None, ""},
		{"strict: exact DKIM passes", sign(t, newMail("ana@strict.example"), "strict.example", "rsa", k.rsa), ipOther, "", Pass, "quarantine", None, Pass, "DKIM"},
		{"neither aligned, p=reject", sign(t, newMail("ana@shop.example"), "other.example", "rsa", k.rsa), ipOther, "b@other.example", Fail, "reject", Pass, Pass, ""},
		{"forged, p=reject", newMail("ana@shop.example", "Authentication-Results: shop.example; dmarc=pass"), ipOther, "ana@shop.example", Fail, "reject", Fail, None, ""},
		{"neither aligned, p=none", newMail("ana@lax.example"), ipOther, "ana@lax.example", Fail, "none", Fail, None, ""},
		{"subdomain without a record: org policy sp=", newMail("ana@news.shop.example"), ipOther, "ana@news.shop.example", Fail, "quarantine", None, None, ""},
		{"no DMARC record", newMail("ana@nodmarc.example"), ipShop, "ana@nodmarc.example", None, "", Pass, None, ""},
		{"broken DMARC record", newMail("ana@broken.example"), ipShop, "ana@broken.example", PermError, "", None, None, ""},
		{"DMARC lookup times out", newMail("ana@slow.example"), ipOther, "ana@shop.example", TempError, "", Fail, None, ""},
		{"DKIM key times out, nothing else aligned", sign(t, newMail("ana@slowkey.example"), "slowkey.example", "rsa", k.rsa), ipOther, "", TempError, "reject", None, TempError, ""},
		{"two From fields", newMail("ana@shop.example", "From: eve@evil.example"), ipShop, "ana@shop.example", PermError, "", Pass, None, ""},
		{"no From field", []byte("Subject: hi\r\n\r\nbody\r\n"), ipShop, "ana@shop.example", PermError, "", Pass, None, ""},
		{"From with two addresses", []byte("From: a@shop.example, b@shop.example\r\n\r\nbody\r\n"), ipShop, "ana@shop.example", PermError, "", Pass, None, ""},
		// no SMTP session (a mail read from a mailbox): SPF is unknown, so
		// only an aligned DKIM signature decides, and nothing fails
		{"no session, aligned DKIM", sign(t, newMail("ana@shop.example"), "shop.example", "rsa", k.rsa), nil, "", Pass, "reject", None, Pass, "DKIM"},
		{"no session, no signature", newMail("ana@shop.example"), nil, "", None, "reject", None, None, ""},
		{"no session, unaligned DKIM", sign(t, newMail("ana@shop.example"), "other.example", "rsa", k.rsa), nil, "", None, "reject", None, Pass, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := v.Verify(context.Background(), c.raw, c.ip, "h.example", c.mailFrom)
			checkWellFormed(t, r)
			if r.DMARC != c.want || r.DMARCPolicy != c.policy || r.SPF != c.spf || r.DKIM != c.dkim {
				t.Errorf("DMARC = %s (p=%q), SPF %s, DKIM %s; want %s (p=%q), SPF %s, DKIM %s; reason %q",
					r.DMARC, r.DMARCPolicy, r.SPF, r.DKIM, c.want, c.policy, c.spf, c.dkim, r.DMARCReason)
			}
			if c.why != "" && !strings.HasPrefix(r.DMARCReason, c.why+" aligned") {
				t.Errorf("DMARC passed because %q, want by %s", r.DMARCReason, c.why)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, 5*time.Second)
	k := getKeys(t)
	r := v.Verify(context.Background(), sign(t, newMail("ana@shop.example"), "shop.example", "rsa", k.rsa), ipShop, "mx.shop.example", "ana@shop.example")
	want := "edgedesk; spf=pass smtp.mailfrom=shop.example; dkim=pass header.d=shop.example; " +
		`dmarc=pass reason="DKIM aligned: shop.example" header.from=shop.example policy.dmarc=reject`
	if got := r.Header(); got != want {
		t.Errorf("Header() =\n%s\nwant\n%s", got, want)
	}
	r = v.Verify(context.Background(), newMail("ana@nodmarc.example"), nil, "", "")
	want = `edgedesk; spf=none reason="no SMTP session to check"; dkim=none; dmarc=none header.from=nodmarc.example`
	if got := r.Header(); got != want {
		t.Errorf("Header() =\n%s\nwant\n%s", got, want)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	v := newVerifier(t, timeout)
	k := getKeys(t)
	raw := sign(t, newMail("ana@slow.example"), "slow.example", "rsa", k.rsa)
	start := time.Now()
	r := v.Verify(context.Background(), raw, ipShop, "h", "ana@slow.example")
	if took := time.Since(start); took > timeout+time.Second {
		t.Errorf("Verify took %v with a %v timeout", took, timeout)
	}
	if r.SPF != TempError || r.DKIM != TempError || r.DMARC != TempError {
		t.Errorf("DNS timing out gave SPF %s, DKIM %s, DMARC %s; want temperror for all", r.SPF, r.DKIM, r.DMARC)
	}

	// The caller's context ending counts the same.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r = v.Verify(ctx, sign(t, newMail("ana@shop.example"), "shop.example", "rsa", k.rsa), ipShop, "h", "ana@shop.example")
	if r.SPF != TempError || r.DKIM != TempError || r.DMARC != TempError {
		t.Errorf("a cancelled context gave SPF %s, DKIM %s, DMARC %s; want temperror for all", r.SPF, r.DKIM, r.DMARC)
	}
}

// stallResolver never answers and ignores its context: Verify must still
// return on time.
type stallResolver struct{ release chan struct{} }

func (s stallResolver) LookupTXT(context.Context, string) ([]string, error) {
	<-s.release
	return nil, nil
}

func (s stallResolver) LookupIPAddr(context.Context, string) ([]net.IPAddr, error) {
	<-s.release
	return nil, nil
}

func (s stallResolver) LookupMX(context.Context, string) ([]*net.MX, error) {
	<-s.release
	return nil, nil
}
func (s stallResolver) LookupAddr(context.Context, string) ([]string, error) {
	<-s.release
	return nil, nil
}

func TestTimeoutResolverIgnoringContext(t *testing.T) {
	t.Parallel()
	s := stallResolver{release: make(chan struct{})}
	defer close(s.release)
	v := New(Options{Resolver: s, Timeout: 100 * time.Millisecond})
	k := getKeys(t)
	start := time.Now()
	r := v.Verify(context.Background(), sign(t, newMail("ana@shop.example"), "shop.example", "rsa", k.rsa), ipShop, "h", "ana@shop.example")
	if took := time.Since(start); took > time.Second {
		t.Errorf("Verify took %v with a 100ms timeout", took)
	}
	if r.SPF != TempError || r.DKIM != TempError || r.DMARC != TempError {
		t.Errorf("got SPF %s, DKIM %s, DMARC %s; want temperror for all", r.SPF, r.DKIM, r.DMARC)
	}
}

func TestHostile(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, 5*time.Second)
	k := getKeys(t)
	big := strings.Repeat("x", 900<<10)
	// Signed first, folded after: the signer would choke on it too.
	folded := slices.Concat([]byte("X-Filler: "+strings.Repeat("y\r\n ", 200<<10)+"y\r\n"), sign(t, newMail("ana@shop.example"), "shop.example", "rsa", k.rsa))
	sevenSigs := newMail("ana@shop.example")
	for range 7 {
		sevenSigs = sign(t, sevenSigs, "shop.example", "ed", k.ed)
	}
	hugeH := "DKIM-Signature: v=1; a=rsa-sha256; d=shop.example; s=rsa; bh=x; b=x; h=" + strings.Repeat("from:", 100<<10) + "from"
	manyFields := strings.Repeat("X-A: b\r\n", 50<<10)
	for _, c := range []struct {
		name        string
		raw         []byte
		dkim, dmarc string
		sigs        int
		reason      string
	}{
		{"header over 1 MiB", newMail("ana@shop.example", "X-Big: "+big, "X-Big2: "+big), PermError, PermError, 1, ""},
		{"signature over a 900 KiB header", sign(t, newMail("ana@shop.example", "X-Big: "+big), "shop.example", "rsa", k.rsa), Pass, Pass, 1, ""},
		{"signature over a header folded 200k times", folded, PermError, Fail, 1, "too complex"},
		{"h= naming 100k fields over 50k fields", append([]byte(hugeH+"\r\n"+manyFields), newMail("ana@shop.example")...), PermError, Fail, 1, ""},
		{"seven signatures: five checked", sevenSigs, Pass, Pass, MaxSignatures, ""},
		{"malformed tags", newMail("ana@shop.example", "DKIM-Signature: v=1; a; ;;==; d"), PermError, Fail, 1, ""},
		{"missing tags", newMail("ana@shop.example", "DKIM-Signature: v=1; d=shop.example"), PermError, Fail, 1, ""},
		{"garbage base64", newMail("ana@shop.example", "DKIM-Signature: v=1; a=rsa-sha256; d=shop.example; s=rsa; h=from; bh=!!!; b=???"), PermError, Fail, 1, ""},
		{"l= tag", newMail("ana@shop.example", "DKIM-Signature: v=1; a=rsa-sha256; d=shop.example; s=rsa; h=from; l=1; bh=AAAA; b=AAAA"), Fail, Fail, 1, ""},
		{"key record over 4 KiB", newMail("ana@shop.example", "DKIM-Signature: v=1; a=rsa-sha256; d=shop.example; s=big; h=from; bh=AAAA; b=AAAA"), PermError, Fail, 1, "key record of 6018 bytes"},
		{"sha1", newMail("ana@shop.example", "DKIM-Signature: v=1; a=rsa-sha1; d=shop.example; s=rsa; h=from; bh=AAAA; b=AAAA"), PermError, Fail, 1, ""},
		{"no body, no blank line", []byte("From: ana@shop.example\r\nDKIM-Signature: v=1"), PermError, Fail, 1, ""},
		{"empty mail", nil, None, PermError, 0, ""},
		{"continuation first", []byte(" From: ana@shop.example\r\n\r\n"), None, Fail, 0, ""},
		{"NUL and 8-bit bytes", []byte("From: \x00\xff <ana@shop.example>\r\nDKIM-Signature: \x00\xff\r\n\r\n\xff"), PermError, PermError, 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			r := v.Verify(context.Background(), c.raw, ipOther, "h", "ana@shop.example")
			checkWellFormed(t, r)
			if r.DKIM != c.dkim || r.DMARC != c.dmarc || len(r.Signatures) != c.sigs {
				t.Errorf("DKIM %s (%d signatures), DMARC %s; want %s (%d), %s; %+v %q", r.DKIM, len(r.Signatures), r.DMARC, c.dkim, c.sigs, c.dmarc, r.Signatures, r.DMARCReason)
			}
			if c.reason != "" && !strings.Contains(r.Signatures[0].Reason, c.reason) {
				t.Errorf("DKIM %s because %q, want a reason with %q", r.DKIM, r.Signatures[0].Reason, c.reason)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
}
