package config

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Email configures the e-mail channel (docs/email.md): an SMTP server that
// receives the inboxes' mail, mailboxes polled over IMAP, and the relay
// that carries agents' replies out.
type Email struct {
	// SMTP is where the edge's SMTP server listens (e.g. 0.0.0.0:25, or
	// 127.0.0.1:2525 behind a relay); empty: no server.
	SMTP string `yaml:"smtp"`
	// Hostname names this edge in the SMTP greeting and in the Message-IDs
	// of the mail it sends (default: node.id + ".edgedesk.invalid").
	Hostname string `yaml:"hostname"`
	// TLSCertFile and TLSKeyFile (PEM) offer STARTTLS (TLS 1.2 and up, as
	// mail servers speak it); without them the server speaks plain text
	// and says so at start.
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// MaxMessageBytes is the largest mail accepted (SIZE; default 25 MiB).
	MaxMessageBytes int64 `yaml:"max_message_bytes"`
	// MaxRecipients is the most RCPT TO of one mail (default 50).
	MaxRecipients int `yaml:"max_recipients"`
	// SenderRate is how many mails one sender address may have accepted
	// per hour (default 60); more are refused with 450 until the hour
	// has room again.
	SenderRate int `yaml:"sender_rate"`
	// DNS is where the edge looks up SPF, DKIM and DMARC records to
	// authenticate received mail: "" the system's resolver, host:port a
	// DNS server of your own, "off" no checks (the verdicts are absent).
	DNS string `yaml:"dns"`
	// Inboxes are the addresses mail arrives at, each an inbox of a
	// tenant.
	Inboxes []EmailInbox `yaml:"inboxes"`
	// Relay carries agents' replies out.
	Relay Relay `yaml:"relay"`
	// DKIM signs the mail the edge sends.
	DKIM DKIM `yaml:"dkim"`
}

// EmailInbox is an address a tenant's inbox receives mail at.
type EmailInbox struct {
	// Address is the inbox's address (support@company.example); mail to
	// its plus-addresses (support+<token>@…) reaches it too.
	Address string `yaml:"address"`
	Tenant  string `yaml:"tenant"`
	Inbox   string `yaml:"inbox"`
	// Name is the name its mail goes out under (default: the inbox's).
	Name string `yaml:"name"`
	// Signature ends every reply sent from it (plain text).
	Signature string `yaml:"signature"`
	// Resolved is what a customer's reply to a resolved conversation
	// does: reopen it (the default) or open a follow_up that links it.
	Resolved string `yaml:"resolved"`
	// IMAP, when set, polls an existing mailbox for the inbox's mail.
	IMAP *IMAP `yaml:"imap"`
}

// IMAP is a mailbox the edge fetches an inbox's mail from.
type IMAP struct {
	// Addr is the IMAP server's host:port (993 for implicit TLS, 143).
	Addr string `yaml:"addr"`
	// TLS: implicit (the default), starttls, or none (loopback tests only).
	TLS string `yaml:"tls"`
	// User, and PasswordFile or TokenFile (an OAuth2 access token, sent
	// with XOAUTH2): files, so that no secret sits in the config.
	User         string `yaml:"user"`
	PasswordFile string `yaml:"password_file"`
	TokenFile    string `yaml:"token_file"`
	// Mailbox to read (default INBOX).
	Mailbox string `yaml:"mailbox"`
	// After a mail is in the log it is marked seen (the default) or, with
	// MoveTo, moved to that mailbox.
	MoveTo string `yaml:"move_to"`
	// Poll is how often it looks when the server has no IDLE (default 1m).
	Poll time.Duration `yaml:"poll"`
}

// Relay is the SMTP server replies go out through.
type Relay struct {
	// Addr is host:port (587 for STARTTLS submission, 465 for implicit
	// TLS); empty: replies are not sent as mail.
	Addr string `yaml:"addr"`
	// TLS: starttls (the default), implicit, or none (loopback only).
	TLS string `yaml:"tls"`
	// User and PasswordFile authenticate (AUTH PLAIN, over TLS only).
	User         string `yaml:"user"`
	PasswordFile string `yaml:"password_file"`
}

// DKIM is the key the edge signs its mail with.
type DKIM struct {
	// Domain (d=) and Selector (s=): the public key is published at
	// <selector>._domainkey.<domain>.
	Domain   string `yaml:"domain"`
	Selector string `yaml:"selector"`
	// KeyFile is the private key (PEM: PKCS#8 or PKCS#1 RSA, or Ed25519).
	KeyFile string `yaml:"key_file"`
}

func (c *Config) validateEmail(bad func(string, ...any), addr func(key, v, example string, dial bool)) {
	e := &c.Email
	if e.SMTP != "" {
		addr("email.smtp", e.SMTP, "0.0.0.0:25", false)
	}
	if e.DNS != "" && e.DNS != "off" {
		addr("email.dns", e.DNS, "127.0.0.1:53, or off", true)
	}
	if (e.TLSCertFile == "") != (e.TLSKeyFile == "") {
		bad("email.tls_cert_file and email.tls_key_file go together: give both for STARTTLS, or neither")
	}
	if e.MaxMessageBytes == 0 {
		e.MaxMessageBytes = 25 << 20
	}
	if e.MaxMessageBytes < 1<<10 || e.MaxMessageBytes > 1<<30 {
		bad("email.max_message_bytes %d: use 1024 to 1073741824 (25 MiB is the usual)", e.MaxMessageBytes)
	}
	if e.MaxRecipients == 0 {
		e.MaxRecipients = 50
	}
	if e.MaxRecipients < 1 || e.MaxRecipients > 1000 {
		bad("email.max_recipients %d: use 1 to 1000 (50 is the usual)", e.MaxRecipients)
	}
	if e.SenderRate == 0 {
		e.SenderRate = 60
	}
	if e.SenderRate < 1 {
		bad("email.sender_rate %d: mails per sender and hour, at least 1 (60 is the usual)", e.SenderRate)
	}
	if e.Hostname == "" {
		e.Hostname = strings.ToLower(c.Node.ID) + ".edgedesk.invalid"
	}
	seen := map[string]bool{}
	for i, in := range e.Inboxes {
		key := fmt.Sprintf("email.inboxes[%d]", i)
		a, err := mail.ParseAddress(in.Address)
		switch {
		case err != nil || a.Name != "" || a.Address != in.Address:
			bad("%s.address %q: give a bare address, e.g. support@company.example", key, in.Address)
		case strings.Contains(strings.SplitN(in.Address, "@", 2)[0], "+"):
			bad("%s.address %q: no '+' in it; replies come to its plus-addresses", key, in.Address)
		case seen[strings.ToLower(in.Address)]:
			bad("%s.address %q: given twice", key, in.Address)
		}
		seen[strings.ToLower(in.Address)] = true
		if in.Tenant == "" || in.Inbox == "" {
			bad("%s: name its tenant and inbox", key)
		}
		switch in.Resolved {
		case "", "reopen", "follow_up":
		default:
			bad("%s.resolved %q: use reopen (the default) or follow_up", key, in.Resolved)
		}
		if m := in.IMAP; m != nil {
			addr(key+".imap.addr", m.Addr, "imap.company.example:993", true)
			switch m.TLS {
			case "", "implicit", "starttls", "none":
			default:
				bad("%s.imap.tls %q: use implicit (the default), starttls or none", key, m.TLS)
			}
			if m.User == "" || (m.PasswordFile == "") == (m.TokenFile == "") {
				bad("%s.imap: give user and one of password_file or token_file", key)
			}
			if m.Poll < 0 || m.Poll > time.Hour {
				bad("%s.imap.poll %s: use up to 1h (1m is the usual)", key, m.Poll)
			}
		}
	}
	if r := e.Relay; r.Addr != "" {
		addr("email.relay.addr", r.Addr, "smtp.company.example:587", true)
		switch r.TLS {
		case "", "starttls", "implicit", "none":
		default:
			bad("email.relay.tls %q: use starttls (the default), implicit or none", r.TLS)
		}
		if (r.User == "") != (r.PasswordFile == "") {
			bad("email.relay: user and password_file go together")
		}
	}
	if d := e.DKIM; d.Domain != "" || d.Selector != "" || d.KeyFile != "" {
		if d.Domain == "" || d.Selector == "" || d.KeyFile == "" {
			bad("email.dkim: give domain, selector and key_file, or none of them")
		}
	}
}
