package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/email"
	"github.com/edgedesk/edgedesk/edge/email/imapsource"
	"github.com/edgedesk/edgedesk/edge/email/mailauth"
	"github.com/edgedesk/edgedesk/edge/email/outbound"
	"github.com/edgedesk/edgedesk/edge/email/thread"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// startEmail starts the e-mail channel when email.inboxes names any
// (docs/email.md): the inbound channel and its SMTP server on
// email.smtp, and the sender of replies through email.relay.
func (n *Node) startEmail(ctx context.Context, secret []byte, accepted [][]byte) error {
	c := n.cfg.Email
	if len(c.Inboxes) == 0 {
		if c.SMTP != "" {
			n.log.Warn("email.smtp is set but email.inboxes is empty: no SMTP server, it would refuse every recipient")
		}
		return nil
	}
	for _, in := range c.Inboxes {
		if _, err := n.store.Inbox(in.Tenant, in.Inbox); err != nil {
			n.log.Warn("an e-mail address's inbox is not in the state (yet): its mail is refused until it is",
				"address", in.Address, "tenant", in.Tenant, "inbox", in.Inbox)
		}
	}
	tokens := thread.NewTokens(secret, accepted...)
	appendEvent := func(ctx context.Context, e *event.Event) (uint64, error) { return n.journal.Append(ctx, e) }
	o := email.Options{
		Conversations: n.gateway.Conversations(), Store: n.store, Append: appendEvent,
		Attachments: n.attachments(), Tokens: tokens, Inboxes: c.Inboxes,
		Limits: email.Limits{MaxBytes: c.MaxMessageBytes}, SenderRate: c.SenderRate,
		Bounce: outbound.ParseDSN, Log: n.log.With("component", "email"),
	}
	if c.DNS != "off" {
		v := mailauth.New(mailauth.Options{Resolver: resolver(c.DNS), AuthServID: c.Hostname})
		o.Verify = func(ctx context.Context, raw []byte, env email.Envelope) email.Verdicts {
			r := v.Verify(ctx, raw, env.RemoteIP, env.Helo, env.From)
			return email.Verdicts{SPF: r.SPF, DKIM: r.DKIM, DMARC: r.DMARC}
		}
	}
	ch, err := email.New(o)
	if err != nil {
		return err
	}
	n.mail = ch
	for _, in := range c.Inboxes {
		if in.IMAP == nil {
			continue
		}
		src, err := imapsource.New(imapsource.Options{Config: *in.IMAP, Name: in.Address,
			StateFile: n.dataPath("imap", url.PathEscape(strings.ToLower(in.Address))+".json"),
			Deliver: func(ctx context.Context, raw []byte) error {
				return ch.Deliver(ctx, raw, email.Envelope{To: []string{in.Address}})
			},
			MaxBytes: c.MaxMessageBytes, Log: n.log})
		if err != nil {
			return fmt.Errorf("email.inboxes %s: %w", in.Address, err)
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := src.Run(ctx); err != nil {
				n.log.Error("the mailbox reader stopped", "address", in.Address, "err", err)
			}
		}()
	}
	if c.Relay.Addr != "" {
		s, err := outbound.New(outbound.Options{Store: n.store, Append: appendEvent, Relay: c.Relay, DKIM: c.DKIM,
			Hostname: c.Hostname, Inboxes: c.Inboxes, Tokens: tokens, Attachments: n.attachments(),
			NodeID: n.cfg.Node.ID, Log: n.log.With("component", "email-out")})
		if err != nil {
			return fmt.Errorf("email.relay: %w", err)
		}
		n.sender.Store(s)
		n.gateway.SetMailReplies(true)
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				n.log.Error("the e-mail sender stopped: replies wait in the outbox", "err", err)
			}
		}()
	}
	if c.SMTP == "" {
		return nil
	}
	var tc *tls.Config
	if c.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			return fmt.Errorf("email.tls_cert_file: %w", err)
		}
		// mail servers speak TLS 1.2 still; STARTTLS with less is refused
		tc = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	} else {
		n.log.Warn("the SMTP server offers no STARTTLS: give email.tls_cert_file and email.tls_key_file", "addr", c.SMTP)
	}
	ln, err := net.Listen("tcp", c.SMTP)
	if err != nil {
		return fmt.Errorf("listen on email.smtp %s: %w", c.SMTP, err)
	}
	n.smtp = email.NewServer(ch, email.ServerOptions{Hostname: c.Hostname, TLS: tc, MaxBytes: c.MaxMessageBytes,
		MaxRecipients: c.MaxRecipients, Log: n.log.With("component", "smtp")})
	n.smtpLn = ln
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := n.smtp.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
			n.log.Error("the SMTP server stopped", "err", err)
		}
	}()
	n.log.Info("SMTP server listening", "addr", ln.Addr().String(), "starttls", tc != nil, "inboxes", len(c.Inboxes))
	return nil
}

// resolver is the DNS resolver of mail authentication: the system's, or
// the DNS server at addr.
func resolver(addr string) *net.Resolver {
	if addr == "" {
		return net.DefaultResolver
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
}

// notifyMail wakes the e-mail sender for replies that joined the outbox.
func (n *Node) notifyMail(changes []state.Change) {
	s := n.sender.Load()
	if s == nil {
		return
	}
	for _, ch := range changes {
		if e := ch.Event; e.Kind == event.KindMessageCreated && !ch.Duplicate && state.MailsOut(e) &&
			!e.Message.Private && ch.Conv != nil && (ch.Conv.Channel == "email" || e.Message.Email != nil) {
			s.Notify()
			return
		}
	}
}

// SMTPAddr is the address the SMTP server listens on ("" without one).
func (n *Node) SMTPAddr() string {
	if n.smtpLn == nil {
		return ""
	}
	return n.smtpLn.Addr().String()
}

// Mail is the e-mail channel (nil without email.inboxes).
func (n *Node) Mail() *email.Channel { return n.mail }
