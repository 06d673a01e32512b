package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

func testKeys(t testing.TB) *Keys {
	t.Helper()
	k, err := NewKeys(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// at returns keys whose clock is fixed at tm.
func at(k *Keys, tm time.Time) *Keys {
	c := *k
	c.now = func() time.Time { return tm }
	return &c
}

func TestNewKeysNeedsLongSecret(t *testing.T) {
	if _, err := NewKeys([]byte("short")); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Fatalf("short secret: %v", err)
	}
}

func TestTokenRoundTrip(t *testing.T) {
	k := testKeys(t)
	for _, role := range []string{RoleAgent, RoleCustomer, RoleVisitor} {
		tok, err := k.Issue(role, "acme", "web", "subject-1", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		c, err := k.Verify(tok, role)
		if err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		if c.Role != role || c.Tenant != "acme" || c.Inbox != "web" || c.Subject != "subject-1" || c.Issuer != "edgedesk" {
			t.Fatalf("%s: claims %+v", role, c)
		}
		if got := c.ExpiresAt.Sub(c.IssuedAt.Time); got != time.Hour {
			t.Fatalf("lifetime %v", got)
		}
		// Another node of the region with the same key accepts it.
		k2, _ := NewKeys(append([]byte{}, testSecret...))
		if _, err := k2.Verify(tok, role); err != nil {
			t.Fatalf("same key, other Keys: %v", err)
		}
	}
}

func TestExpiredToken(t *testing.T) {
	k := testKeys(t)
	t0 := time.Unix(1_700_000_000, 0)
	tok, err := at(k, t0).Issue(RoleAgent, "acme", "", "agent-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := at(k, t0.Add(59*time.Minute)).Verify(tok, RoleAgent); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	_, err = at(k, t0.Add(61*time.Minute)).Verify(tok, RoleAgent)
	if !errors.Is(err, ErrExpiredToken) {
		t.Fatalf("after expiry: %v, want ErrExpiredToken", err)
	}
	if _, err := at(k, t0.Add(365*24*time.Hour)).Verify(tok, RoleAgent); !errors.Is(err, ErrExpiredToken) {
		t.Fatalf("a year later: %v", err)
	}
}

func TestForgedSignature(t *testing.T) {
	k := testKeys(t)
	other, _ := NewKeys([]byte("another-secret-another-secret-0123456789"))
	tok, _ := other.Issue(RoleAgent, "acme", "", "agent-1", time.Hour)
	if _, err := k.Verify(tok, RoleAgent); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of another key: %v", err)
	}
	// Changing the claims of a genuine token breaks its signature.
	good, _ := k.Issue(RoleCustomer, "acme", "web", "c1", time.Hour)
	parts := strings.Split(good, ".")
	payload := base64.RawURLEncoding.EncodeToString([]byte(
		`{"role":"agent","tnt":"acme","sub":"agent-1","iss":"edgedesk","exp":4102444800}`))
	forged := parts[0] + "." + payload + "." + parts[2]
	if _, err := k.Verify(forged, RoleAgent); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("forged payload: %v", err)
	}
	// A signature computed correctly over the forged payload with the
	// right key would pass: check the test is meaningful.
	m := hmac.New(sha256.New, testSecret)
	m.Write([]byte(parts[0] + "." + payload))
	resigned := parts[0] + "." + payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	if c, err := k.Verify(resigned, RoleAgent); err != nil || c.Subject != "agent-1" {
		t.Fatalf("correctly signed token refused: %v", err)
	}
}

func TestAlgorithmsRefused(t *testing.T) {
	k := testKeys(t)
	claims := &Claims{Role: RoleAgent, Tenant: "acme", Subject: "agent-1", RegisteredClaims: jwt.RegisteredClaims{
		Issuer: "edgedesk", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Verify(none, RoleAgent); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf(`alg "none": %v`, err)
	}
	// The same with a hand-made header, with and without a signature part.
	hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	body, _ := json.Marshal(claims)
	raw := hdr + "." + base64.RawURLEncoding.EncodeToString(body)
	for _, tok := range []string{raw + ".", raw} {
		if _, err := k.Verify(tok, RoleAgent); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf(`hand-made alg "none" %q: %v`, tok, err)
		}
	}
	// Other HMAC algorithms with the right key are refused: only HS256.
	for _, m := range []jwt.SigningMethod{jwt.SigningMethodHS384, jwt.SigningMethodHS512} {
		tok, err := jwt.NewWithClaims(m, claims).SignedString(testSecret)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.Verify(tok, RoleAgent); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("%s: %v", m.Alg(), err)
		}
	}
	// HS256 with the right key passes (the claims above are fine).
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(testSecret)
	if _, err := k.Verify(tok, RoleAgent); err != nil {
		t.Fatalf("HS256: %v", err)
	}
}

func TestClaimsChecked(t *testing.T) {
	k := testKeys(t)
	sign := func(c *Claims) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(testSecret)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	exp := jwt.NewNumericDate(time.Now().Add(time.Hour))
	wrongIssuer := sign(&Claims{Role: RoleAgent, Tenant: "acme", Subject: "a",
		RegisteredClaims: jwt.RegisteredClaims{Issuer: "someone-else", ExpiresAt: exp}})
	if _, err := k.Verify(wrongIssuer, RoleAgent); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("wrong issuer: %v", err)
	}
	noExpiry := sign(&Claims{Role: RoleAgent, Tenant: "acme", Subject: "a",
		RegisteredClaims: jwt.RegisteredClaims{Issuer: "edgedesk"}})
	if _, err := k.Verify(noExpiry, RoleAgent); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token without expiry: %v", err)
	}
	if _, err := k.Verify(strings.Repeat("a", 4097), RoleAgent); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("oversize token: %v", err)
	}
	if _, err := k.Verify("", RoleAgent); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("empty token: %v", err)
	}
}

func TestWrongRoleRefused(t *testing.T) {
	k := testKeys(t)
	visitor, _ := k.Issue(RoleVisitor, "acme", "web", "v1", time.Hour)
	if _, err := k.Verify(visitor, RoleAgent, RoleCustomer); !errors.Is(err, ErrWrongRole) {
		t.Fatalf("visitor token as agent/customer: %v", err)
	}
	customer, _ := k.Issue(RoleCustomer, "acme", "web", "c1", time.Hour)
	if _, err := k.Verify(customer, RoleAgent); !errors.Is(err, ErrWrongRole) {
		t.Fatalf("customer token as agent: %v", err)
	}
	if _, err := k.Verify(customer, RoleVisitor); !errors.Is(err, ErrWrongRole) {
		t.Fatalf("customer token as visitor: %v", err)
	}
	if c, err := k.Verify(customer, RoleAgent, RoleCustomer); err != nil || c.Role != RoleCustomer {
		t.Fatalf("customer token where customers are allowed: %v", err)
	}
	if _, err := k.Verify(customer); !errors.Is(err, ErrWrongRole) {
		t.Fatalf("no role allowed: %v", err)
	}
	admin, _ := k.Issue("admin", "acme", "", "x", time.Hour)
	if _, err := k.Verify(admin, RoleAgent, RoleCustomer, RoleVisitor); !errors.Is(err, ErrWrongRole) {
		t.Fatalf("unknown role: %v", err)
	}
}

func TestIdentityHash(t *testing.T) {
	// The value a website computes: hex(HMAC-SHA256(secret, user id)).
	m := hmac.New(sha256.New, []byte("site-secret"))
	m.Write([]byte("user-42"))
	want := hex.EncodeToString(m.Sum(nil))
	if got := IdentityHash("site-secret", "user-42"); got != want {
		t.Fatalf("IdentityHash = %s, want %s", got, want)
	}
	if err := VerifyIdentity("site-secret", "user-42", want); err != nil {
		t.Fatal(err)
	}
	if err := VerifyIdentity("site-secret", "user-42", strings.ToUpper(want)); err != nil {
		t.Fatalf("upper-case hex: %v", err)
	}
	for name, c := range map[string][3]string{
		"other user":   {"site-secret", "user-43", want},
		"other secret": {"other-secret", "user-42", want},
		"truncated":    {"site-secret", "user-42", want[:len(want)-2]},
		"empty hash":   {"site-secret", "user-42", ""},
		"no secret":    {"", "user-42", IdentityHash("", "user-42")},
	} {
		if err := VerifyIdentity(c[0], c[1], c[2]); !errors.Is(err, ErrBadIdentity) {
			t.Errorf("%s: %v, want ErrBadIdentity", name, err)
		}
	}
}

func TestDerivedID(t *testing.T) {
	a := DerivedID("c", "acme", "contact-1", "client-1")
	if a != DerivedID("c", "acme", "contact-1", "client-1") {
		t.Fatal("DerivedID is not stable")
	}
	// Fixed value, computed outside Go as
	// "c" + base32(sha256("acme\0contact-1\0client-1\0")[:16]) in lower
	// case: ids are stored in the log and must never change.
	if want := "c7etqnzfykiki3t4ghrqunax3ry"; a != want {
		t.Fatalf("DerivedID changed: %s, want %s", a, want)
	}
	if len(a) != 27 || a[0] != 'c' {
		t.Fatalf("DerivedID %q: want the prefix and 26 characters", a)
	}
	for _, r := range a[1:] {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			t.Fatalf("DerivedID %q has %q", a, r)
		}
	}
	// Part boundaries matter: ("ab","c") and ("a","bc") differ.
	if DerivedID("x", "ab", "c") == DerivedID("x", "a", "bc") {
		t.Fatal("parts are not separated")
	}
	if DerivedID("x", "a") == DerivedID("y", "a") || DerivedID("x", "a") == DerivedID("x", "b") {
		t.Fatal("different inputs give the same id")
	}
}

func TestPassword(t *testing.T) {
	if testing.Short() {
		t.Skip("bcrypt")
	}
	h := mustHash(t, "correct horse")
	if err := CheckPassword(h, "correct horse"); err != nil {
		t.Fatal(err)
	}
	if err := CheckPassword(h, "wrong"); !errors.Is(err, ErrBadPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := CheckPassword("not a hash", "x"); !errors.Is(err, ErrBadPassword) {
		t.Fatalf("bad hash: %v", err)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "signing.key")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) < 32 {
		t.Fatalf("key of %d bytes", len(k1))
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", err, st)
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || string(k1) != string(k2) {
		t.Fatalf("second load differs: %v", err)
	}
	short := filepath.Join(t.TempDir(), "short.key")
	_ = os.WriteFile(short, []byte("tiny\n"), 0o600)
	if _, err := LoadOrCreateKey(short); err == nil {
		t.Fatal("short key file accepted")
	}
}

// FuzzVerify: Verify never panics on arbitrary strings, and the only
// tokens that verify are the ones this key issued: a mutated token never
// verifies with claims other than the issued ones.
func FuzzVerify(f *testing.F) {
	k := testKeys(f)
	t0 := time.Unix(1_700_000_000, 0)
	k = at(k, t0)
	issued := map[string]bool{}
	for _, role := range []string{RoleAgent, RoleCustomer, RoleVisitor} {
		tok, err := k.Issue(role, "acme", "web", "subject-1", time.Hour)
		if err != nil {
			f.Fatal(err)
		}
		issued[tok] = true
		f.Add(tok)
		parts := strings.Split(tok, ".")
		f.Add(parts[0] + "." + parts[1] + ".")
		f.Add(parts[0] + "." + parts[1])
		f.Add(tok + ".extra")
		f.Add(tok[:len(tok)-1])
	}
	f.Add("")
	f.Add("..")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWdlbnQifQ.")
	f.Add("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.AAAA")
	f.Add(strings.Repeat("eyJ.", 1000))
	f.Add("\xff\xfe.\x00.\x01")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := k.Verify(tok, RoleAgent, RoleCustomer, RoleVisitor)
		if err != nil {
			if c != nil {
				t.Fatal("claims returned with an error")
			}
			if !errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrExpiredToken) && !errors.Is(err, ErrWrongRole) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// It verified: it must carry exactly the claims of a token we
		// issued, signed over exactly that token's header and payload.
		if issued[tok] {
			return
		}
		parts := strings.Split(tok, ".")
		match := false
		for good := range issued {
			gp := strings.Split(good, ".")
			if len(parts) == 3 && parts[0] == gp[0] && parts[1] == gp[1] {
				match = true
			}
		}
		if !match {
			t.Fatalf("a token we never issued verified: %q → %+v", tok, c)
		}
	})
}

func mustHash(t *testing.T, pw string) string {
	t.Helper()
	h, err := HashPassword(pw, 4)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
