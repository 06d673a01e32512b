// Package thread is how mail finds its conversation: the reply token in
// an inbox's plus-address (support+<token>@company.example), the
// Message-IDs of the mail the edge sends, and subjects without their
// reply prefixes. The e-mail channel's inbound and outbound halves share
// it.
package thread

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strings"

	"github.com/edgedesk/edgedesk/internal/event"
)

// Tokens makes and checks reply tokens under a key: a token names a
// conversation, and only the edge could have made it.
type Tokens struct {
	key      []byte
	accepted [][]byte // the keys of the region's earlier secrets
}

// NewTokens derives the tokens' key from a region secret (every node of a
// region makes and accepts the same tokens); tokens made under the
// accepted secrets (a rotation) are still taken.
func NewTokens(secret []byte, accepted ...[]byte) *Tokens {
	derive := func(s []byte) []byte {
		m := hmac.New(sha256.New, s)
		m.Write([]byte("edgedesk e-mail reply token v1"))
		return m.Sum(nil)
	}
	t := &Tokens{key: derive(secret)}
	for _, a := range accepted {
		t.accepted = append(t.accepted, derive(a))
	}
	return t
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// macLen is the characters of a token's MAC: 50 bits.
const macLen = 10

func (t *Tokens) mac(tenant, conv string) string { return mac(t.key, tenant, conv) }

func mac(key []byte, tenant, conv string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(tenant))
	m.Write([]byte{0})
	m.Write([]byte(conv))
	return strings.ToLower(b32.EncodeToString(m.Sum(nil)))[:macLen]
}

// Token is conversation conv's reply token: its id, '.', and a MAC.
func (t *Tokens) Token(tenant, conv string) string { return conv + "." + t.mac(tenant, conv) }

// Conv returns the conversation a token names, and false when the token
// is not one this region made for tenant.
func (t *Tokens) Conv(tenant, token string) (string, bool) {
	conv, got, ok := strings.Cut(strings.ToLower(token), ".")
	if !ok || !event.ValidID(conv) || len(got) != macLen {
		return "", false
	}
	for _, k := range append([][]byte{t.key}, t.accepted...) {
		if hmac.Equal([]byte(got), []byte(mac(k, tenant, conv))) {
			return conv, true
		}
	}
	return "", false
}

// ReplyTo is an inbox address's plus-address for conversation conv:
// support@x → support+<token>@x.
func (t *Tokens) ReplyTo(tenant, conv, inboxAddr string) string {
	local, domain, _ := strings.Cut(inboxAddr, "@")
	return local + "+" + t.Token(tenant, conv) + "@" + domain
}

// Plus splits an address into its base address and the tag after '+' in
// its local part: support+abc@x → support@x, abc.
func Plus(addr string) (base, tag string) {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return addr, ""
	}
	l, tag, _ := strings.Cut(local, "+")
	return l + "@" + domain, tag
}

// MessageID is the Message-ID (without angle brackets) of the mail the
// edge sends for message seq of conversation conv: unique, and the same
// on every try, so that a resend is recognised as the same mail.
func MessageID(conv string, seq uint64, hostname string) string {
	return conv + "." + strings.ToLower(b32.EncodeToString(be(seq))) + "@" + hostname
}

func be(v uint64) []byte {
	b := make([]byte, 8)
	for i := range 8 {
		b[7-i] = byte(v >> (8 * i))
	}
	return b
}

// prefixes are the reply and forward prefixes of mail clients' subjects
// (lower case, with their colon): English, German, Dutch, the Nordic
// languages, French, Spanish, Italian, Portuguese, Chinese, Japanese.
var prefixes = []string{"re:", "fw:", "fwd:", "aw:", "wg:", "sv:", "vs:", "antw:", "tr:", "rv:", "r:", "res:", "enc:",
	"回复:", "回复：", "答复:", "答复：", "转发:", "转发：", "返信:", "転送:"}

// Subject is a subject without its reply and forward prefixes, its
// "[tags]" before them, and extra white space: what two mails of one
// thread have in common.
func Subject(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for {
		t := strings.TrimSpace(s)
		low := strings.ToLower(t)
		cut := false
		for _, p := range prefixes {
			if strings.HasPrefix(low, p) {
				t, cut = t[len(p):], true
				break
			}
		}
		// "Re[2]:" and "RE (2):"
		if !cut && (strings.HasPrefix(low, "re[") || strings.HasPrefix(low, "re (")) {
			if i := strings.Index(t, ":"); i > 0 && i < 8 {
				t, cut = t[i+1:], true
			}
		}
		if !cut {
			return strings.TrimSpace(t)
		}
		s = t
	}
}

// ParseMessageID returns the conversation and message seq of a
// Message-ID that MessageID made, and false for any other.
func ParseMessageID(id string) (conv string, seq uint64, ok bool) {
	left, _, found := strings.Cut(strings.Trim(id, "<> "), "@")
	if !found {
		return "", 0, false
	}
	conv, enc, found := strings.Cut(left, ".")
	if !found || !event.ValidID(conv) {
		return "", 0, false
	}
	b, err := b32.DecodeString(strings.ToUpper(enc))
	if err != nil || len(b) != 8 {
		return "", 0, false
	}
	for _, x := range b {
		seq = seq<<8 | uint64(x)
	}
	return conv, seq, seq > 0
}
