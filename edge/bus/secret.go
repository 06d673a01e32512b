package bus

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"hash"
	"math/big"
	"time"
)

// Secrets are the region secret (auth.key_file) this node uses and the
// others it accepts. Everything the region proves to itself comes from
// them: the key that signs each appended event and the authority whose
// certificates the NATS routes present. A node holding the secret can
// already sign tokens for any agent of any tenant, so deriving the log's
// and the routes' keys from it adds no one who could forge them.
type Secrets struct {
	// Current signs new events and makes this node's route certificate.
	Current []byte
	// Accepted are other secrets of the region (a rotation under way, or
	// the secrets before it): events they signed verify, route
	// certificates made with them are accepted.
	Accepted [][]byte
}

// minSecret is the shortest region secret taken (auth.key_file's own
// minimum).
const minSecret = 32

func (s Secrets) check() error {
	if len(s.Current) < minSecret {
		return fmt.Errorf("%w: the region secret has %d bytes; it needs at least %d (auth.key_file)", ErrNoSecret, len(s.Current), minSecret)
	}
	for i, a := range s.Accepted {
		if len(a) < minSecret {
			return fmt.Errorf("%w: accepted region secret %d has %d bytes; it needs at least %d", ErrNoSecret, i+1, len(a), minSecret)
		}
	}
	return nil
}

// derive returns 32 bytes for one use of a secret, so that no two uses
// share a key.
func derive(secret []byte, use string) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, "edgedesk/"+use, 32)
	if err != nil {
		panic(err) // only for a length beyond 255*32
	}
	return k
}

// logKey signs events: HMAC-SHA256 under a key derived from one secret,
// named by a short id so that a verifier picks the right key at once.
type logKey struct {
	id  string // 8 hex digits
	key []byte
}

func newLogKey(secret []byte) logKey {
	k := derive(secret, "event-log-mac/v1")
	sum := sha256.Sum256(k)
	return logKey{id: hex.EncodeToString(sum[:4]), key: k}
}

func (k logKey) mac() hash.Hash { return hmac.New(sha256.New, k.key) }

// routeServerName is the name every route certificate carries and every
// route checks: routes are dialled by address, and what a peer proves is
// membership of the region, not a host name.
const routeServerName = "route.region.edgedesk.invalid"

// routeCA is the region's route authority for one secret. Its key and
// certificate are a pure function of the secret (Ed25519 signatures are
// deterministic), so every node of the region makes the same one and no
// authority key is ever stored.
func routeCA(secret []byte) (*x509.Certificate, ed25519.PrivateKey, error) {
	key := ed25519.NewKeyFromSeed(derive(secret, "nats-route-ca/v1"))
	serial := new(big.Int).SetBytes(derive(secret, "nats-route-ca-serial/v1")[:16])
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"Edgedesk"}, CommonName: "Edgedesk region route authority"},
		NotBefore:             time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2126, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("make the region's route authority: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// routeTLS is the TLS configuration of the region's NATS routes: TLS 1.3,
// each side presenting a certificate of the region's route authority and
// requiring one from the other. The node's own certificate is made at
// start with a fresh key that never leaves memory.
func routeTLS(s Secrets, node string) (*tls.Config, error) {
	pool := x509.NewCertPool()
	var signer *x509.Certificate
	var signerKey ed25519.PrivateKey
	for i, secret := range append([][]byte{s.Current}, s.Accepted...) {
		ca, key, err := routeCA(secret)
		if err != nil {
			return nil, err
		}
		pool.AddCert(ca)
		if i == 0 {
			signer, signerKey = ca, key
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	leaf := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"Edgedesk"}, CommonName: node},
		DNSNames:     []string{routeServerName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, signer, pub, signerKey)
	if err != nil {
		return nil, fmt.Errorf("make this node's route certificate: %w", err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: priv}},
		RootCAs:      pool,
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ServerName:   routeServerName,
	}, nil
}
