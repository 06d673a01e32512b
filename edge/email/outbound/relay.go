package outbound

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Timeouts of a conversation with the relay.
const (
	dialTimeout       = 30 * time.Second
	commandTimeout    = 2 * time.Minute
	submissionTimeout = 10 * time.Minute
)

// send hands a mail to the relay. The relay's 5xx answer to the mail is a
// permanent error; anything else (its 4xx, the network, TLS, its refusing
// our credentials) is for now.
func (s *Sender) send(ctx context.Context, m *message) (err error) {
	r := s.o.Relay
	host, _, _ := net.SplitHostPort(r.Addr)
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", r.Addr)
	if err != nil {
		return fmt.Errorf("relay %s: %w", r.Addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, RootCAs: s.o.RootCAs}

	var c *smtp.Client
	switch r.TLS {
	case "implicit":
		t := tls.Client(conn, tc)
		if err := t.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("relay %s: TLS: %w", r.Addr, err)
		}
		c = smtp.NewClient(t)
	case "none":
		c = smtp.NewClient(conn)
	default: // starttls, required
		c, err = smtp.NewClientStartTLS(conn, tc)
		if err != nil {
			conn.Close()
			return fmt.Errorf("relay %s: STARTTLS (required; set email.relay.tls to implicit for port 465): %w", r.Addr, err)
		}
	}
	defer c.Close()
	c.CommandTimeout, c.SubmissionTimeout = commandTimeout, submissionTimeout
	if err := c.Hello(s.o.Hostname); err != nil {
		return fmt.Errorf("relay %s: EHLO: %w", r.Addr, err)
	}
	if r.TLS != "none" {
		if st, ok := c.TLSConnectionState(); !ok || st.Version < tls.VersionTLS12 {
			return fmt.Errorf("relay %s: the connection is not TLS 1.2 or later", r.Addr)
		}
	}
	if r.User != "" {
		if !c.SupportsAuth(sasl.Plain) {
			return fmt.Errorf("relay %s: it does not offer AUTH PLAIN, which email.relay.user needs", r.Addr)
		}
		pw, err := readSecret(r.PasswordFile)
		if err != nil {
			return err
		}
		if err := c.Auth(sasl.NewPlainClient("", r.User, pw)); err != nil {
			return fmt.Errorf("relay %s: AUTH as %s (check email.relay.user and password_file): %w", r.Addr, r.User, err)
		}
	}

	// From here on the relay answers for this mail.
	opts := &smtp.MailOptions{Size: int64(len(m.raw))}
	if !ascii(m.from) || !allASCII(m.rcpts) {
		if ok, _ := c.Extension("SMTPUTF8"); !ok {
			return permanentf("the relay does not take internationalised addresses (SMTPUTF8)")
		}
		opts.UTF8 = true
	}
	if err := c.Mail(m.from, opts); err != nil {
		return answer("MAIL FROM:<"+m.from+">", err)
	}
	for _, to := range m.rcpts {
		if err := c.Rcpt(to, nil); err != nil {
			return answer("RCPT TO:<"+to+">", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return answer("DATA", err)
	}
	if _, err := w.Write(m.raw); err != nil {
		return fmt.Errorf("relay %s: sending the mail: %w", r.Addr, err)
	}
	if err := w.Close(); err != nil {
		return answer("end of DATA", err)
	}
	_ = c.Quit() // the relay has the mail
	return nil
}

// answer makes the relay's answer to a command an error: permanent for
// 5xx, showing the answer as the relay gave it.
func answer(cmd string, err error) error {
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d", se.Code)
	if e := se.EnhancedCode; e != smtp.NoEnhancedCode && e != smtp.EnhancedCodeNotSet {
		fmt.Fprintf(&b, " %d.%d.%d", e[0], e[1], e[2])
	}
	if se.Message != "" {
		b.WriteString(" " + se.Message)
	}
	e := fmt.Errorf("%s: the relay answered %s", cmd, b.String())
	if se.Code >= 500 && se.Code < 600 {
		return &permanent{e}
	}
	return e
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func allASCII(ss []string) bool {
	for _, s := range ss {
		if !ascii(s) {
			return false
		}
	}
	return true
}
