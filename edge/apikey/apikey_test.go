package apikey_test

import (
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/apikey"
	"github.com/edgedesk/edgedesk/internal/event"
)

func TestTokenRoundTrip(t *testing.T) {
	token, id, hash := apikey.New()
	if !strings.HasPrefix(token, "edk_"+id+"_") || !event.ValidID(id) || len(hash) != 32 {
		t.Fatalf("token %q id %q hash %d bytes", token, id, len(hash))
	}
	gotID, secret, err := apikey.Parse(token)
	if err != nil || gotID != id {
		t.Fatalf("Parse(%q) = %q, %v", token, gotID, err)
	}
	if !apikey.Matches(hash, secret) {
		t.Fatal("the secret does not match its own hash")
	}
	_, _, other := apikey.New()
	if apikey.Matches(other, secret) {
		t.Fatal("a secret matches another key's hash")
	}
	if t2, _, _ := apikey.New(); t2 == token {
		t.Fatal("two keys with one token")
	}
}

func TestParseRefusesWhatIsNotAToken(t *testing.T) {
	token, _, _ := apikey.New()
	for _, bad := range []string{
		"", "edk_", "Bearer " + token, strings.TrimPrefix(token, "edk_"), token + "x", token[:len(token)-1],
		strings.ToUpper(token), strings.Replace(token, "_", "-", 2), "edk_k0123_abc",
		"edk_kzz0000000000000000000000_" + strings.Repeat("A", 43),
		"edk_k000000000000000000000000_" + strings.Repeat("*", 43),
	} {
		if _, _, err := apikey.Parse(bad); err == nil {
			t.Errorf("Parse(%q) took it", bad)
		}
	}
}

func TestScopesGrantTheWeakerOnes(t *testing.T) {
	for _, c := range []struct {
		scopes []string
		need   string
		want   bool
	}{
		{[]string{"read"}, "read", true}, {[]string{"read"}, "write", false}, {[]string{"read"}, "admin", false},
		{[]string{"write"}, "read", true}, {[]string{"write"}, "write", true}, {[]string{"write"}, "admin", false},
		{[]string{"admin"}, "read", true}, {[]string{"admin"}, "admin", true},
		{nil, "read", false}, {[]string{"read"}, "owner", false},
	} {
		if got := apikey.Allows(c.scopes, c.need); got != c.want {
			t.Errorf("Allows(%v, %q) = %v, want %v", c.scopes, c.need, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	token, _, _ := apikey.New()
	f.Add(token)
	f.Add("edk_k000000000000000000000000_")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, secret, err := apikey.Parse(s)
		if err != nil {
			return
		}
		if !event.ValidID(id) || apikey.Prefix+id+"_"+secret != s {
			t.Fatalf("Parse(%q) = %q %q: not what it read", s, id, secret)
		}
	})
}
