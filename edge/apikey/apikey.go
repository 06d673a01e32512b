// Package apikey makes and checks the tenants' keys of the public REST API
// (docs/api.md). A token is
//
//	edk_<id>_<secret>
//
// where id (k + 24 lower-case hex digits) names the key in the log and in
// the store, and secret is 32 random bytes in unpadded base64url. The log
// and the store hold SHA-256("edgedesk-api-key/v1\x00" + secret) and never
// the secret: the token is shown once, to whoever created it. A secret of
// 256 random bits needs no slow hash; the prefix makes a leaked hash of
// this system useless as the hash of anything else.
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"github.com/edgedesk/edgedesk/internal/event"
)

// Prefix starts every token, so that a scanner of leaked secrets can find
// them and a reader can tell one from other credentials.
const Prefix = "edk_"

const (
	idHexLen  = 24
	secretLen = 32
)

// ErrMalformed is returned for a token that is not one of this format.
var ErrMalformed = errors.New("not an Edgedesk API key (edk_<id>_<secret>)")

// New makes a key: its token (shown once), id and hash (for the log).
func New() (token, id string, hash []byte) {
	var raw [idHexLen / 2]byte
	var secret [secretLen]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go 1.24)
	_, _ = rand.Read(secret[:])
	id = "k" + hex.EncodeToString(raw[:])
	s := base64.RawURLEncoding.EncodeToString(secret[:])
	return Prefix + id + "_" + s, id, Hash(s)
}

// Hash is what the log keeps of a secret.
func Hash(secret string) []byte {
	h := sha256.New()
	h.Write([]byte("edgedesk-api-key/v1\x00"))
	h.Write([]byte(secret))
	return h.Sum(nil)
}

// Parse splits a token into its id and secret, or says it is malformed.
func Parse(token string) (id, secret string, err error) {
	rest, ok := strings.CutPrefix(token, Prefix)
	if !ok {
		return "", "", ErrMalformed
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != 1+idHexLen || id[0] != 'k' || len(secret) != base64.RawURLEncoding.EncodedLen(secretLen) {
		return "", "", ErrMalformed
	}
	if _, err := hex.DecodeString(id[1:]); err != nil || strings.ToLower(id) != id {
		return "", "", ErrMalformed
	}
	if b, err := base64.RawURLEncoding.DecodeString(secret); err != nil || len(b) != secretLen {
		return "", "", ErrMalformed
	}
	return id, secret, nil
}

// Matches reports, in constant time, whether secret is the one hash was
// made from.
func Matches(hash []byte, secret string) bool {
	return len(hash) == sha256.Size && subtle.ConstantTimeCompare(hash, Hash(secret)) == 1
}

// Allows reports whether a key with scopes may act where need is required:
// admin grants write and read, write grants read.
func Allows(scopes []string, need string) bool {
	rank := func(s string) int { return slices.Index(event.Scopes, s) }
	want := rank(need)
	if want < 0 {
		return false
	}
	for _, s := range scopes {
		if rank(s) >= want {
			return true
		}
	}
	return false
}
