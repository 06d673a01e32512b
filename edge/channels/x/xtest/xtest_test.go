package xtest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dghubble/oauth1"
)

// TestSignatureVector checks the fake's OAuth 1.0a verification against
// the worked example of X's "Creating a signature" page
// (https://developer.x.com/en/docs/authentication/oauth-1-0a/creating-a-signature):
// its parameters, signature base string, and signature.
func TestSignatureVector(t *testing.T) {
	params := url.Values{
		"status":                 {"Hello Ladies + Gentlemen, a signed OAuth request!"},
		"include_entities":       {"true"},
		"oauth_consumer_key":     {"xvz1evFS4wEEPTGEFPHBog"},
		"oauth_nonce":            {"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"},
		"oauth_signature_method": {"HMAC-SHA1"},
		"oauth_timestamp":        {"1318622958"},
		"oauth_token":            {"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"},
		"oauth_version":          {"1.0"},
	}
	base := SignatureBase("POST", "https://api.twitter.com/1.1/statuses/update.json", params)
	const wantBase = "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
	if base != wantBase {
		t.Fatalf("signature base:\n got %s\nwant %s", base, wantBase)
	}
	got := HMACSHA1("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE", base)
	if got != "hCtSmYh+iHYCEqBWrE7C7hYmtUk=" {
		t.Fatalf("signature %s, want X's hCtSmYh+iHYCEqBWrE7C7hYmtUk=", got)
	}
}

func TestOAuthParams(t *testing.T) {
	p, err := OAuthParams(`OAuth oauth_consumer_key="a%2Bb", oauth_nonce="n", oauth_signature="x%3D"`)
	if err != nil || p["oauth_consumer_key"] != "a+b" || p["oauth_signature"] != "x=" {
		t.Fatalf("%v %v", p, err)
	}
	for _, h := range []string{"Bearer x", `OAuth a=b`, `OAuth a="b", a="c"`, `OAuth a="%zz"`} {
		if _, err := OAuthParams(h); err == nil {
			t.Errorf("%q accepted", h)
		}
	}
}

// TestVerify proves the fake enforces the signature: dghubble's client
// signs, and the wrong key, token secret, a tampered URL or a replayed
// nonce are refused with a 401.
func TestVerify(t *testing.T) {
	p := New(t)
	dm := p.APIBase() + "/2/dm_conversations/with/42/messages"
	do := func(ck, cs, ts string, mutate func(*http.Request)) int {
		t.Helper()
		if mutate == nil {
			mutate = func(*http.Request) {}
		}
		// The rewrite runs under the signing transport: after signing.
		ctx := context.WithValue(context.Background(), oauth1.HTTPClient,
			&http.Client{Transport: rewrite{http.DefaultTransport, mutate}})
		c := oauth1.NewConfig(ck, cs).Client(ctx, oauth1.NewToken(AccessToken, ts))
		resp, err := c.Post(dm, "application/json", strings.NewReader(`{"text":"hi"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := do(ConsumerKey, ConsumerSecret, AccessTokenSecret, nil); st != http.StatusCreated {
		t.Fatalf("a good call: %d", st)
	}
	if st := do("other", ConsumerSecret, AccessTokenSecret, nil); st != http.StatusUnauthorized {
		t.Errorf("wrong consumer key: %d", st)
	}
	if st := do(ConsumerKey, "wrong", AccessTokenSecret, nil); st != http.StatusUnauthorized {
		t.Errorf("wrong consumer secret: %d", st)
	}
	if st := do(ConsumerKey, ConsumerSecret, "wrong", nil); st != http.StatusUnauthorized {
		t.Errorf("wrong token secret: %d", st)
	}
	// The signature covers the path: send the signed request elsewhere.
	if st := do(ConsumerKey, ConsumerSecret, AccessTokenSecret, func(r *http.Request) {
		r.URL.Path = "/2/dm_conversations/with/43/messages"
	}); st != http.StatusUnauthorized {
		t.Errorf("tampered path: %d", st)
	}
	// A replayed Authorization header (same nonce).
	var saved string
	do(ConsumerKey, ConsumerSecret, AccessTokenSecret, func(r *http.Request) { saved = r.Header.Get("Authorization") })
	if st := do(ConsumerKey, ConsumerSecret, AccessTokenSecret, func(r *http.Request) {
		r.Header.Set("Authorization", saved)
	}); st != http.StatusUnauthorized {
		t.Errorf("replayed nonce: %d", st)
	}
	if got := p.Received("42"); len(got) != 2 || got[0] != "hi" {
		t.Errorf("received %q", got)
	}
	resp, err := http.Post(dm, "application/json", strings.NewReader(`{"text":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned: %d", resp.StatusCode)
	}
}

// rewrite changes a signed request before it is sent.
type rewrite struct {
	rt http.RoundTripper
	f  func(*http.Request)
}

func (w rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	w.f(r)
	return w.rt.RoundTrip(r)
}

func TestUserIDs(t *testing.T) {
	p := New(t)
	a, b := p.UserID("alice"), p.UserID("bob")
	if a == b || p.UserID("alice") != a || p.UserID("123") != "123" {
		t.Fatalf("ids %s %s", a, b)
	}
}
