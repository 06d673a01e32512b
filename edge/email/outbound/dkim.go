package outbound

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/edgedesk/edgedesk/edge/config"
)

// signedHeaders are the header fields a DKIM signature covers: those a
// reader sees and threading uses (RFC 6376 section 5.4.1).
var signedHeaders = []string{"From", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type"}

// LoadKey reads a DKIM private key: PEM, PKCS#8 (RSA or Ed25519) or
// PKCS#1 (RSA, of at least 1024 bits).
func LoadKey(file string) (crypto.Signer, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("outbound: read the DKIM key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("outbound: the DKIM key %s is not PEM: give a PKCS#8 or PKCS#1 private key (openssl genpkey -algorithm ed25519, or -algorithm rsa)", file)
	}
	var k any
	switch blk.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("outbound: the DKIM key %s (%s): %w", file, blk.Type, err)
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("outbound: the DKIM key %s has %d bits: receivers ignore RSA keys under 1024 bits; use 2048", file, k.N.BitLen())
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("outbound: the DKIM key %s is a %T: use RSA or Ed25519", file, k)
}

// sign returns raw with a DKIM-Signature header field first.
func sign(raw []byte, d config.DKIM, key crypto.Signer) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(raw) + 512)
	err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{
		Domain: d.Domain, Selector: d.Selector, Signer: key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             signedHeaders,
	})
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
