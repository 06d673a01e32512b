package thread

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	a, b := NewTokens([]byte("region secret one")), NewTokens([]byte("region secret two"))
	tok := a.Token("acme", "c123")
	if conv, ok := a.Conv("acme", tok); !ok || conv != "c123" {
		t.Fatalf("a token does not name its conversation: %q → %q %v", tok, conv, ok)
	}
	if conv, ok := a.Conv("acme", strings.ToUpper(tok)); !ok || conv != "c123" {
		t.Fatalf("a token in upper case (some mail servers fold local parts) is refused: %v", ok)
	}
	for _, bad := range []struct{ tenant, token string }{
		{"other", tok},                    // another tenant's
		{"acme", b.Token("acme", "c123")}, // another region's key
		{"acme", "c124" + tok[4:]},        // another conversation, the same MAC
		{"acme", "c123"}, {"acme", ""}, {"acme", "c123."}, {"acme", "c/1.abcdefghij"},
	} {
		if _, ok := a.Conv(bad.tenant, bad.token); ok {
			t.Errorf("token %q of tenant %q accepted", bad.token, bad.tenant)
		}
	}
	if got := a.ReplyTo("acme", "c123", "support@shop.example"); got != "support+"+tok+"@shop.example" {
		t.Errorf("ReplyTo = %q", got)
	}
	if base, tag := Plus("support+" + tok + "@shop.example"); base != "support@shop.example" || tag != tok {
		t.Errorf("Plus = %q %q", base, tag)
	}
}

func TestMessageID(t *testing.T) {
	id := MessageID("c123", 4242, "edge-1.example")
	conv, seq, ok := ParseMessageID("<" + id + ">")
	if !ok || conv != "c123" || seq != 4242 {
		t.Fatalf("ParseMessageID(%q) = %q %d %v", id, conv, seq, ok)
	}
	for _, other := range []string{"CAF=abc@mail.gmail.com", "c123@x", "c123.zz@x", "", "<>"} {
		if _, _, ok := ParseMessageID(other); ok {
			t.Errorf("%q read as the edge's own Message-ID", other)
		}
	}
}

func TestSubject(t *testing.T) {
	for in, want := range map[string]string{
		"Re: Fwd: RE:  Where is my order?": "Where is my order?",
		"AW: WG: Rechnung":                 "Rechnung",
		"回复：订单问题":                          "订单问题",
		"Re[2]: Invoice":                   "Invoice",
		"Where is my order?":               "Where is my order?",
		"Re:":                              "",
		"Reply needed":                     "Reply needed",
	} {
		if got := Subject(in); got != want {
			t.Errorf("Subject(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokensAfterRotation(t *testing.T) {
	old := NewTokens([]byte("the secret before"))
	now := NewTokens([]byte("the secret now"), []byte("the secret before"))
	if conv, ok := now.Conv("acme", old.Token("acme", "c9")); !ok || conv != "c9" {
		t.Fatal("a token made under the region's earlier secret is refused")
	}
	if _, ok := NewTokens([]byte("the secret now")).Conv("acme", old.Token("acme", "c9")); ok {
		t.Fatal("a token of a secret no longer accepted is taken")
	}
}
