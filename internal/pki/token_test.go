package pki

import (
	"errors"
	"strings"
	"testing"
)

func TestTokenRoundTrip(t *testing.T) {
	tok := NewToken(strings.Repeat("ab", 32))
	got, err := ParseToken(" " + tok.String() + "\n")
	if err != nil || got != tok {
		t.Fatalf("ParseToken(%q) = %+v, %v", tok.String(), got, err)
	}
	if tok.Hash() == tok.Secret || len(tok.Hash()) != 64 {
		t.Fatalf("hash %q", tok.Hash())
	}
}

// FuzzParseToken: a token file's bytes give a token that prints back the
// same, or ErrToken; never a panic.
func FuzzParseToken(f *testing.F) {
	f.Add(NewToken(strings.Repeat("cd", 32)).String())
	f.Add("edt1..")
	f.Add("edt1.x.y.z")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseToken(s)
		if err != nil {
			if !errors.Is(err, ErrToken) {
				t.Fatalf("error without ErrToken: %v", err)
			}
			return
		}
		if again, err := ParseToken(tok.String()); err != nil || again != tok {
			t.Fatalf("%q parses to %+v, which prints %q and parses to %+v, %v", s, tok, tok.String(), again, err)
		}
	})
}
