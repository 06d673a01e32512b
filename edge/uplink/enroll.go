package uplink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/edgedesk/edgedesk/internal/pki"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// Files of an enrolled edge, in its hub directory.
const (
	keyFile  = "edge.key"
	certFile = "edge.crt"
	caFile   = "ca.crt"
)

// Enrolled reports whether dir holds an edge certificate.
func Enrolled(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, certFile))
	return err == nil
}

// Enroll obtains the edge's certificate from the hub at addr with the
// token in tokenFile, and writes it, its key and the hub's authority to
// dir.
func Enroll(ctx context.Context, addr, tokenFile, name, region, dir string, qc *quic.Config) error {
	tok, err := readToken(tokenFile)
	if err != nil {
		return err
	}
	key, csr, err := pki.NewRequest(name)
	if err != nil {
		return err
	}
	tc := pki.EnrollClientTLS(tok)
	tc.NextProtos = []string{syncproto.ALPNEnroll}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := quic.DialAddr(dctx, addr, tc, qc)
	if err != nil {
		return fmt.Errorf("enrol with the hub at %s: %w", addr, err)
	}
	defer conn.CloseWithError(0, "")
	s, err := conn.OpenStreamSync(dctx)
	if err != nil {
		return fmt.Errorf("enrol with the hub at %s: %w", addr, err)
	}
	req, err := syncproto.Append(nil, &syncproto.Frame{Type: syncproto.TypeEnroll,
		Enroll: &syncproto.Enroll{Secret: tok.Secret, Edge: name, Region: region, CSR: csr}})
	if err != nil {
		return err
	}
	if _, err := s.Write(req); err != nil {
		return fmt.Errorf("enrol with the hub at %s: %w", addr, err)
	}
	_ = s.SetReadDeadline(time.Now().Add(10 * time.Second))
	f, err := syncproto.NewReader(s).Read()
	if err != nil {
		return fmt.Errorf("enrol with the hub at %s: %w", addr, err)
	}
	switch {
	case f.Type == syncproto.TypeError:
		return fmt.Errorf("the hub refused the enrolment: %w", f.Error)
	case f.Type != syncproto.TypeEnrolled:
		return fmt.Errorf("the hub answered the enrolment with a %s frame", f.Type)
	}
	if pki.Fingerprint(f.Enrolled.CA) != tok.CA {
		return errors.New("the hub's authority is not the one the token names")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := pki.WriteKey(filepath.Join(dir, keyFile), key); err != nil {
		return err
	}
	if err := pki.WriteCert(filepath.Join(dir, caFile), f.Enrolled.CA); err != nil {
		return err
	}
	// the certificate last: its presence means enrolled
	return pki.WriteCert(filepath.Join(dir, certFile), f.Enrolled.Cert)
}

// readToken reads an enrolment token from a file.
func readToken(file string) (pki.Token, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return pki.Token{}, fmt.Errorf("read the enrolment token: %w", err)
	}
	tok, err := pki.ParseToken(strings.TrimSpace(string(b)))
	if err != nil {
		return pki.Token{}, fmt.Errorf("%s: %w", file, err)
	}
	return tok, nil
}

// loadIdentity reads what Enroll wrote.
func loadIdentity(dir string) (tls.Certificate, *pki.CA, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, certFile), filepath.Join(dir, keyFile))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("the edge's hub certificate: %w", err)
	}
	ca, err := pki.ReadCert(filepath.Join(dir, caFile))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("the hub's authority: %w", err)
	}
	return cert, &pki.CA{Cert: ca}, nil
}
