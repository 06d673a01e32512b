// Package sealbox seals a region's secrets where the region's key is not:
// at the hub, which never holds it. Every edge of a region derives the
// same key pair from the region's key; the hub keeps only the public half
// (each edge gives it in its hello) and seals to it with HPKE (RFC 9180:
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM), so what it
// stores and pushes opens only in the region (docs/channels.md).
package sealbox

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Prefix starts every sealed value: "hpke1:" + base64(enc | ciphertext).
const Prefix = "hpke1:"

// KeySize is a public key's size in bytes.
const KeySize = 32

// MaxSealed bounds a sealed value, in bytes.
const MaxSealed = 32 << 10

var kem = hpke.DHKEM(ecdh.X25519())

func suite() (hpke.KDF, hpke.AEAD) { return hpke.HKDFSHA256(), hpke.AES256GCM() }

// Opener opens what was sealed to its public key.
type Opener struct {
	priv hpke.PrivateKey
}

// NewOpener derives the region's key pair from the region's key.
func NewOpener(regionKey []byte) (*Opener, error) {
	if len(regionKey) != 32 {
		return nil, fmt.Errorf("the region key has %d bytes: want 32", len(regionKey))
	}
	ikm, err := hkdf.Key(sha256.New, regionKey, nil, "edgedesk sealbox v1", 32)
	if err != nil {
		return nil, err
	}
	priv, err := kem.DeriveKeyPair(ikm)
	if err != nil {
		return nil, err
	}
	return &Opener{priv: priv}, nil
}

// PublicKey is the key to seal to.
func (o *Opener) PublicKey() []byte { return o.priv.PublicKey().Bytes() }

// ErrOpen is returned for a value that does not open under this key.
var ErrOpen = errors.New("cannot open a sealed value")

// Seal seals plaintext to the public key pub, bound to context (a value
// sealed for one context does not open in another).
func Seal(pub []byte, context string, plaintext []byte) (string, error) {
	if len(pub) != KeySize {
		return "", fmt.Errorf("a region's public key has %d bytes, not %d", KeySize, len(pub))
	}
	pk, err := kem.NewPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("a region's public key: %w", err)
	}
	kdf, aead := suite()
	ct, err := hpke.Seal(pk, kdf, aead, []byte(context), plaintext)
	if err != nil {
		return "", err
	}
	out := Prefix + base64.RawStdEncoding.EncodeToString(ct)
	if len(out) > MaxSealed {
		return "", fmt.Errorf("%d bytes sealed, at most %d", len(out), MaxSealed)
	}
	return out, nil
}

// Open opens what Seal sealed to this key for context.
func (o *Opener) Open(sealed, context string) ([]byte, error) {
	b64, ok := strings.CutPrefix(sealed, Prefix)
	if !ok {
		return nil, fmt.Errorf("%w: it does not start with %q", ErrOpen, Prefix)
	}
	if len(sealed) > MaxSealed {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrOpen, len(sealed), MaxSealed)
	}
	ct, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64 (%v)", ErrOpen, err)
	}
	kdf, aead := suite()
	p, err := hpke.Open(o.priv, kdf, aead, []byte(context), ct)
	if err != nil {
		return nil, fmt.Errorf("%w: sealed to another region's key, for another channel, or damaged (%v)", ErrOpen, err)
	}
	return p, nil
}
