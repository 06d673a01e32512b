package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/internal/atomicfile"
)

// HubName is the name in the hub's certificate; edges ask for it
// whatever address they dial, so the hub's address may change freely.
const HubName = "edgedesk-hub"

// CA is the hub's certificate authority.
type CA struct {
	Cert *x509.Certificate
	key  crypto.Signer
}

// LoadOrCreateCA reads ca.crt and ca.key in dir, creating them (an ECDSA
// P-256 key, valid ten years) when neither exists.
func LoadOrCreateCA(dir string) (*CA, error) {
	certPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if _, err := os.Stat(certPath); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber:          serial(),
			Subject:               pkix.Name{CommonName: "Edgedesk hub CA"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().AddDate(10, 0, 0),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true,
			IsCA:                  true,
			MaxPathLenZero:        true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			return nil, err
		}
		if err := WriteKey(keyPath, key); err != nil {
			return nil, err
		}
		if err := WriteCert(certPath, der); err != nil {
			return nil, err
		}
	}
	cert, err := ReadCert(certPath)
	if err != nil {
		return nil, err
	}
	key, err := ReadKey(keyPath)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, key: key}, nil
}

// Fingerprint is the hex SHA-256 of the authority's certificate: what an
// enrolment token pins.
func (ca *CA) Fingerprint() string { return Fingerprint(ca.Cert.Raw) }

// Fingerprint is the hex SHA-256 of a DER certificate.
func Fingerprint(der []byte) string {
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:])
}

// Pool is a pool holding the authority alone.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// ServerCert issues the hub's TLS certificate (HubName), valid a year.
func (ca *CA) ServerCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: HubName},
		DNSNames:     []string{HubName},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.Cert.Raw}, PrivateKey: key}, nil
}

// SignEdge issues an edge's client certificate from its certificate
// request: the subject is the edge's name and region (from the token, not
// the request), valid for ttl.
func (ca *CA) SignEdge(csrDER []byte, name, region string, ttl time.Duration) ([]byte, error) {
	csr, err := x509.ParseCertificateRequest(csrDER)
	if err != nil {
		return nil, fmt.Errorf("certificate request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("certificate request signature: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name, OrganizationalUnit: []string{region}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(ttl),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, csr.PublicKey, ca.key)
}

// EdgeIdentity is the name and region an edge certificate was issued for.
func EdgeIdentity(c *x509.Certificate) (name, region string) {
	if len(c.Subject.OrganizationalUnit) > 0 {
		region = c.Subject.OrganizationalUnit[0]
	}
	return c.Subject.CommonName, region
}

// NewRequest makes an edge's key and a certificate request for it.
func NewRequest(name string) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: name}}, key)
	return key, csr, err
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return n
}

// WriteKey writes a private key as PKCS#8 PEM, readable by its owner only.
func WriteKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

// WriteCert writes a DER certificate as PEM.
func WriteCert(path string, der []byte) error {
	return atomicfile.Write(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

// ReadKey reads a key written by WriteKey.
func ReadKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, _ := pem.Decode(b)
	if p == nil || p.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(p.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: not a signing key", path)
	}
	return s, nil
}

// ReadCert reads a certificate written by WriteCert.
func ReadCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, _ := pem.Decode(b)
	if p == nil || p.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: not a PEM certificate", path)
	}
	return x509.ParseCertificate(p.Bytes)
}

// Token is an enrolment token as an operator passes it to an edge:
// "edt1." + the secret (base64url) + "." + the authority's fingerprint.
// The secret lets the edge in once; the fingerprint lets the edge trust the
// hub before it has any certificate.
type Token struct {
	Secret string
	CA     string
}

// NewToken makes a token for the authority with fingerprint ca.
func NewToken(ca string) Token {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return Token{Secret: base64.RawURLEncoding.EncodeToString(b), CA: ca}
}

func (t Token) String() string { return "edt1." + t.Secret + "." + t.CA }

// Hash is what the hub keeps of the token: never the secret itself.
func (t Token) Hash() string {
	h := sha256.Sum256([]byte(t.Secret))
	return hex.EncodeToString(h[:])
}

// ErrToken is wrapped by ParseToken's errors.
var ErrToken = errors.New("malformed enrolment token")

// ParseToken reads a token, as written by String.
func ParseToken(s string) (Token, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) != 3 || parts[0] != "edt1" {
		return Token{}, fmt.Errorf("%w: want edt1.SECRET.FINGERPRINT, as `hub enroll-token` prints", ErrToken)
	}
	if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err != nil || len(b) != 24 {
		return Token{}, fmt.Errorf("%w: the secret is not 24 bytes of base64url", ErrToken)
	}
	if b, err := hex.DecodeString(parts[2]); err != nil || len(b) != sha256.Size {
		return Token{}, fmt.Errorf("%w: the fingerprint is not a hex SHA-256", ErrToken)
	}
	return Token{Secret: parts[1], CA: parts[2]}, nil
}

// PinnedTo returns a TLS verification that accepts a hub certificate
// chain only when it ends in the authority with fingerprint ca and names
// HubName: how an edge with only a token trusts the hub.
func PinnedTo(ca string) func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
	return func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
		if len(rawCerts) < 2 {
			return errors.New("the hub sent no certificate authority: is this an Edgedesk hub?")
		}
		root := rawCerts[len(rawCerts)-1]
		if subtle.ConstantTimeCompare([]byte(Fingerprint(root)), []byte(ca)) != 1 {
			return fmt.Errorf("the hub's certificate authority %s is not the one in the enrolment token (%s): wrong hub, or a token of another hub", Fingerprint(root)[:16], ca[:16])
		}
		rootCert, err := x509.ParseCertificate(root)
		if err != nil {
			return err
		}
		leaf, err := x509.ParseCertificate(rawCerts[0])
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		pool.AddCert(rootCert)
		_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: HubName, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		return err
	}
}

// EnrollClientTLS is the edge's TLS configuration for enrolment: no client
// certificate, the hub checked against the token's fingerprint.
func EnrollClientTLS(t Token) *tls.Config {
	return &tls.Config{
		MinVersion:            tls.VersionTLS13,
		ServerName:            HubName,
		InsecureSkipVerify:    true, // verified by VerifyPeerCertificate against the pinned authority
		VerifyPeerCertificate: PinnedTo(t.CA),
	}
}

// EdgeTLS is the edge's TLS configuration for sync: its certificate, and
// the hub checked against the authority it enrolled with.
func EdgeTLS(cert tls.Certificate, ca *x509.CertPool, alpn string) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		ServerName:   HubName,
		RootCAs:      ca,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{alpn},
	}
}
