// Package residency keeps a tenant's personal data in its region: before an
// edge's events leave for the hub, the fields the tenant's policy names are
// encrypted with AES-256-GCM under the region's key, which the hub never
// holds, or blanked (docs/sync.md).
package residency

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/sealbox"
)

// Prefix starts every encrypted field: "enc1:" + key id + ":" +
// base64(nonce | ciphertext | tag).
const Prefix = "enc1:"

// Redacted replaces a blanked field.
const Redacted = "[kept in region]"

// Policy is a tenant's residency policy.
type Policy struct {
	Fields []string
	Redact bool // blank the fields instead of encrypting them
}

func (p Policy) has(field string) bool { return slices.Contains(p.Fields, field) }

// Sealer encrypts and opens fields under a region's key.
type Sealer struct {
	aead  cipher.AEAD
	keyID string
	box   *sealbox.Opener
}

// LoadKey reads the region's 32-byte key from path, creating it (mode
// 0600) when absent. Every edge of a region should hold the same key.
func LoadKey(path string) (*Sealer, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
		if err := os.WriteFile(path, key, 0o600); err != nil {
			return nil, fmt.Errorf("write the region key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read the region key: %w", err)
	}
	return NewSealer(key)
}

// NewSealer uses a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("the region key has %d bytes: want 32 (AES-256)", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	id := sha256.Sum256(append([]byte("edgedesk region key id\x00"), key...))
	box, err := sealbox.NewOpener(key)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, keyID: hex.EncodeToString(id[:4]), box: box}, nil
}

// PublicKey is the public key of the region's key pair: the hub seals
// the region's secrets to it (internal/sealbox).
func (s *Sealer) PublicKey() []byte { return s.box.PublicKey() }

// OpenBox opens what the hub sealed to PublicKey for context.
func (s *Sealer) OpenBox(sealed, context string) ([]byte, error) { return s.box.Open(sealed, context) }

// Seal encrypts v, bound to the event and field it belongs to (so a
// ciphertext cannot be moved to another event or field unnoticed).
func (s *Sealer) Seal(v, eventID, field string) string {
	if v == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(v)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	out := s.aead.Seal(nonce, nonce, []byte(v), []byte(eventID+"\x00"+field))
	return Prefix + s.keyID + ":" + base64.RawStdEncoding.EncodeToString(out)
}

// ErrOpen is returned for a field that does not decrypt under this key.
var ErrOpen = errors.New("cannot open a sealed field")

// Open decrypts what Seal made.
func (s *Sealer) Open(v, eventID, field string) (string, error) {
	rest, ok := strings.CutPrefix(v, Prefix)
	if !ok {
		return "", fmt.Errorf("%w: not sealed", ErrOpen)
	}
	kid, b64, ok := strings.Cut(rest, ":")
	if !ok || kid != s.keyID {
		return "", fmt.Errorf("%w: sealed under key %q, this is %q", ErrOpen, kid, s.keyID)
	}
	b, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(b) < s.aead.NonceSize()+s.aead.Overhead() {
		return "", fmt.Errorf("%w: malformed", ErrOpen)
	}
	n := s.aead.NonceSize()
	p, err := s.aead.Open(nil, b[:n], b[n:], []byte(eventID+"\x00"+field))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrOpen, err)
	}
	return string(p), nil
}

// Apply changes e in place so that the fields p keeps in region are sealed
// or blanked, and reports whether it changed anything.
func (s *Sealer) Apply(e *event.Event, p Policy) bool {
	if len(p.Fields) == 0 {
		return false
	}
	changed := false
	do := func(field string, v *string) {
		if *v == "" || !p.has(field) {
			return
		}
		if p.Redact {
			*v = Redacted
		} else {
			*v = s.Seal(*v, e.ID, field)
		}
		changed = true
	}
	if m := e.Message; m != nil {
		do("message.text", &m.Text)
		if tp := m.Template; tp != nil {
			for i := range tp.Params {
				do("message.text", &tp.Params[i])
			}
		}
		if pl := m.Platform; pl != nil {
			// a platform's id of the customer (a phone number, an openid)
			do("contact.external_id", &pl.From)
			do("contact.external_id", &pl.Chat)
		}
		if em := m.Email; em != nil {
			// what a mail says is its text; who it is from and to, contacts'
			do("message.text", &em.Subject)
			do("message.text", &em.Quoted)
			// Message-IDs may carry the sender's address or host
			do("message.text", &em.MessageID)
			do("message.text", &em.InReplyTo)
			for i := range em.References {
				do("message.text", &em.References[i])
			}
			addrs := []*event.Address{}
			if em.From != nil {
				addrs = append(addrs, em.From)
			}
			for i := range em.To {
				addrs = append(addrs, &em.To[i])
			}
			for i := range em.Cc {
				addrs = append(addrs, &em.Cc[i])
			}
			for _, a := range addrs {
				do("contact.email", &a.Addr)
				do("contact.name", &a.Name)
			}
		}
	}
	if c := e.Contact; c != nil {
		do("contact.name", &c.Name)
		do("contact.email", &c.Email)
		do("contact.external_id", &c.ExternalID)
		if c.Attributes != nil && p.has("contact.attributes") {
			// the values, each bound to its key; the keys stay readable
			for i := range c.Attributes.Pairs {
				a := &c.Attributes.Pairs[i]
				if p.Redact {
					a.Value = Redacted
				} else {
					a.Value = s.Seal(a.Value, e.ID, "contact.attributes."+a.Key)
				}
				changed = true
			}
		}
	}
	if a := e.Attachment; a != nil {
		do("attachment.name", &a.Name)
	}
	if x := e.AutoExpand; x != nil {
		// an automation plugin's replies and notes may quote the customer
		for i := range x.Actions {
			do("message.text", &x.Actions[i].Text)
		}
		do("message.text", &x.Note)
	}
	if d := e.Delivery; d != nil {
		// a relay's answer names the recipient ("550 <ann@…>: no such user")
		do("contact.email", &d.Detail)
	}
	return changed
}
