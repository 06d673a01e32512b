package sealbox

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func opener(t testing.TB, b byte) *Opener {
	t.Helper()
	o, err := NewOpener(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// A value sealed to a region's public key opens with the region's key
// (derived the same on every edge), in its context only, and nowhere else.
func TestSealOpens(t *testing.T) {
	a, a2, b := opener(t, 1), opener(t, 1), opener(t, 2)
	if !bytes.Equal(a.PublicKey(), a2.PublicKey()) || bytes.Equal(a.PublicKey(), b.PublicKey()) {
		t.Fatal("the public key is not a function of the region's key")
	}
	s, err := Seal(a.PublicKey(), "channel\x00acme\x00wa", []byte(`{"access_token":"EAAG"}`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "EAAG") || !strings.HasPrefix(s, Prefix) {
		t.Fatalf("sealed: %s", s)
	}
	p, err := a2.Open(s, "channel\x00acme\x00wa")
	if err != nil || string(p) != `{"access_token":"EAAG"}` {
		t.Fatalf("open: %q %v", p, err)
	}
	for name, try := range map[string]func() ([]byte, error){
		"another region":  func() ([]byte, error) { return b.Open(s, "channel\x00acme\x00wa") },
		"another channel": func() ([]byte, error) { return a.Open(s, "channel\x00acme\x00wb") },
		"not sealed":      func() ([]byte, error) { return a.Open("EAAG", "channel\x00acme\x00wa") },
		"truncated":       func() ([]byte, error) { return a.Open(s[:len(s)-5], "channel\x00acme\x00wa") },
		"not base64":      func() ([]byte, error) { return a.Open(Prefix+"!!", "channel\x00acme\x00wa") },
		"too short":       func() ([]byte, error) { return a.Open(Prefix+"AAAA", "channel\x00acme\x00wa") },
	} {
		if p, err := try(); !errors.Is(err, ErrOpen) || p != nil {
			t.Errorf("%s: %q %v, want ErrOpen", name, p, err)
		}
	}
	if _, err := Seal([]byte("short"), "c", nil); err == nil {
		t.Error("sealed to a 5-byte key")
	}
}

// Whatever bytes come as a sealed value, Open refuses them with ErrOpen
// or opens them; it never panics.
func FuzzOpen(f *testing.F) {
	o := opener(f, 7)
	s, _ := Seal(o.PublicKey(), "c", []byte("secret"))
	f.Add(s)
	f.Add(Prefix)
	f.Add(Prefix + strings.Repeat("A", 60))
	f.Fuzz(func(t *testing.T, v string) {
		p, err := o.Open(v, "c")
		if err != nil && !errors.Is(err, ErrOpen) {
			t.Fatalf("error %v is not ErrOpen", err)
		}
		if err == nil && string(p) != "secret" {
			t.Fatalf("opened %q", p)
		}
	})
}
