package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
)

// Roles carried in tokens.
const (
	RoleAgent    = "agent"
	RoleCustomer = "customer"
	RoleVisitor  = "visitor"
)

// Errors. Messages say what to do; none includes the secret or the token.
var (
	ErrInvalidToken = errors.New("invalid token")
	ErrExpiredToken = errors.New("token expired: sign in again")
	ErrWrongRole    = errors.New("token is not valid here")
	ErrBadIdentity  = errors.New("identity signature does not match: sign the user id with the inbox's identity secret (HMAC-SHA256, hex)")
	ErrBadPassword  = errors.New("wrong e-mail address or password")
)

const issuer = "edgedesk"

// Claims are what a token says about its holder.
type Claims struct {
	Role    string `json:"role"`
	Tenant  string `json:"tnt"`
	Inbox   string `json:"inb,omitempty"`
	Subject string `json:"sub"`
	jwt.RegisteredClaims
}

// Keys signs and verifies tokens with one HMAC key.
type Keys struct {
	secret []byte
	now    func() time.Time
}

// NewKeys uses secret (at least 32 bytes).
func NewKeys(secret []byte) (*Keys, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("signing key has %d bytes; it needs at least 32", len(secret))
	}
	return &Keys{secret: secret, now: time.Now}, nil
}

// LoadOrCreateKey reads a key (a signing key, a shared secret) from path,
// or creates one of 32 random bytes (mode 0600) when the file does not
// exist.
func LoadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k := []byte(strings.TrimSpace(string(b)))
		if len(k) < 32 {
			return nil, fmt.Errorf("key %s has %d bytes; it needs at least 32", path, len(k))
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	k := []byte(hex.EncodeToString(raw))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, append(k, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("write key: %w", err)
	}
	return k, nil
}

// Issue signs a token for role with a lifetime.
func (k *Keys) Issue(role, tenant, inbox, subject string, ttl time.Duration) (string, error) {
	now := k.now()
	c := Claims{Role: role, Tenant: tenant, Inbox: inbox, Subject: subject,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   subject,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, &c).SignedString(k.secret)
}

// Verify checks a token's signature, issuer and expiry and that its role is
// one of roles.
func (k *Keys) Verify(token string, roles ...string) (*Claims, error) {
	if len(token) > 4096 {
		return nil, fmt.Errorf("%w: longer than 4096 bytes", ErrInvalidToken)
	}
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return k.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer), jwt.WithExpirationRequired(), jwt.WithTimeFunc(k.now), jwt.WithStrictDecoding())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, ErrExpiredToken
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, shortJWTError(err))
	}
	for _, r := range roles {
		if c.Role == r {
			return &c, nil
		}
	}
	return nil, ErrWrongRole
}

func shortJWTError(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "bad signature"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "unverifiable"
	}
	return "rejected"
}

// IdentityHash is the signature a website computes for a logged-in user:
// hex(HMAC-SHA256(identity secret, user id)).
func IdentityHash(secret, userID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(userID))
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyIdentity checks a website's identity signature in constant time.
func VerifyIdentity(secret, userID, hash string) error {
	if secret == "" {
		return fmt.Errorf("%w (the inbox has no identity secret)", ErrBadIdentity)
	}
	want := IdentityHash(secret, userID)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(hash))) {
		return ErrBadIdentity
	}
	return nil
}

// HashPassword returns a bcrypt hash with the given cost (0: bcrypt's
// default).
func HashPassword(pw string, cost int) (string, error) {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	b, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	return string(b), err
}

// CheckPassword compares a password with its bcrypt hash.
func CheckPassword(hash, pw string) error {
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) != nil {
		return ErrBadPassword
	}
	return nil
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// DerivedID returns a stable id from its parts (sha256, base32, 26
// characters) with a one-letter prefix: the same parts always give the same
// id, so two nodes that create "the same" thing agree on its id.
func DerivedID(prefix string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return prefix + strings.ToLower(b32.EncodeToString(h.Sum(nil)[:16]))
}
