package event

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// APIKey is a tenant's key of the public REST API (apikey.created,
// apikey.revoked; docs/api.md). The log holds the SHA-256 of its secret,
// never the secret: the token is shown once, to whoever created it.
type APIKey struct {
	ID     string   `cbor:"1,keyasint"`
	Name   string   `cbor:"2,keyasint,omitempty"`
	Scopes []string `cbor:"3,keyasint,omitempty"`
	Hash   []byte   `cbor:"4,keyasint,omitempty"` // SHA-256 of the secret, domain-separated (edge/apikey)
}

// API key scopes: each grants the ones before it.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
	ScopeAdmin = "admin"
)

// Scopes are the API key scopes, weakest first.
var Scopes = []string{ScopeRead, ScopeWrite, ScopeAdmin}

// MaxAPIKeyName bounds an API key's name, in bytes.
const MaxAPIKeyName = 100

// ValidAPIKeyName reports whether s can name an API key: 1 to
// MaxAPIKeyName bytes of UTF-8 text, no control characters.
func ValidAPIKeyName(s string) bool {
	if s == "" || len(s) > MaxAPIKeyName || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// ValidScopes reports whether scopes is a non-empty list of known scopes,
// each once.
func ValidScopes(scopes []string) bool {
	if len(scopes) == 0 || len(scopes) > len(Scopes) {
		return false
	}
	for i, s := range scopes {
		if !slices.Contains(Scopes, s) || slices.Contains(scopes[:i], s) {
			return false
		}
	}
	return true
}

func validAPIKey(k *APIKey, created bool) bool {
	if k == nil || !ValidID(k.ID) {
		return false
	}
	if !created {
		return true
	}
	return ValidAPIKeyName(k.Name) && ValidScopes(k.Scopes) && len(k.Hash) == 32
}
