package email

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edgedesk/edgedesk/edge/attachments"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/edge/email/thread"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Verdicts are what the edge found of a mail's authentication (SPF, DKIM,
// DMARC): pass, fail, softfail, neutral, none, temperror or permerror.
type Verdicts struct{ SPF, DKIM, DMARC string }

// Options configure a Channel.
type Options struct {
	Conversations *conversation.Service
	Store         *state.Store
	// Append adds an event to the log and waits until it is in the state.
	Append func(ctx context.Context, e *event.Event) (uint64, error)
	// Attachments hold attachments' bytes.
	Attachments attachments.Dir
	Tokens      *thread.Tokens
	Inboxes     []config.EmailInbox
	Limits      Limits
	// SenderRate is how many mails one sender may have accepted per hour.
	SenderRate int
	// Verify, when set, authenticates a mail that came over SMTP.
	Verify func(ctx context.Context, raw []byte, env Envelope) Verdicts
	// Bounce reads a delivery status notification: the Message-ID of the
	// mail that failed and why.
	Bounce func(raw []byte) (messageID, reason string, ok bool)
	Log    *slog.Logger
	Now    func() time.Time
}

// Envelope is how a mail reached the edge: the SMTP session's, or the
// mailbox it was fetched from.
type Envelope struct {
	From     string   // MAIL FROM ("" for a bounce)
	To       []string // RCPT TO, or the polled inbox's address
	RemoteIP net.IP   // nil for a fetched mail
	Helo     string
}

// Channel is the e-mail channel's inbound half: it reads mails, finds the
// conversation each belongs to, and records it there, once.
type Channel struct {
	o       Options
	parser  *Parser
	log     *slog.Logger
	inboxes map[string]config.EmailInbox // by lower-case address
	rate    *senderRate
}

// New makes a Channel.
func New(o Options) (*Channel, error) {
	if o.Conversations == nil || o.Store == nil || o.Append == nil || o.Tokens == nil {
		return nil, errors.New("email: Conversations, Store, Append and Tokens are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SenderRate <= 0 {
		o.SenderRate = 60
	}
	c := &Channel{o: o, parser: NewParser(o.Limits), log: o.Log, inboxes: map[string]config.EmailInbox{},
		rate: newSenderRate(o.SenderRate, time.Hour, 100000)}
	for _, in := range o.Inboxes {
		c.inboxes[strings.ToLower(in.Address)] = in
	}
	return c, nil
}

// Parser is the channel's mail parser.
func (c *Channel) Parser() *Parser { return c.parser }

// Inbox returns the inbox configuration an address (or one of its
// plus-addresses) reaches, and the plus tag.
func (c *Channel) Inbox(addr string) (config.EmailInbox, string, bool) {
	base, tag := thread.Plus(strings.ToLower(strings.TrimSpace(addr)))
	in, ok := c.inboxes[base]
	return in, tag, ok
}

// Allow counts a mail from sender against the sender's hourly rate, and
// says whether it may be taken.
func (c *Channel) Allow(sender string) bool {
	return c.rate.allow(strings.ToLower(sender), c.o.Now())
}

// Temporary is a failure that sending the mail again later can overcome
// (the log is not reachable, the sender is over its rate).
type Temporary struct{ Reason string }

func (e *Temporary) Error() string   { return e.Reason }
func (e *Temporary) Permanent() bool { return false }

// Deliver records a mail: in the conversation it answers (by its reply
// token, then its In-Reply-To and References), else in a new one for its
// sender's contact. It returns once the mail is durable, or an error: a
// ParseError (or another error whose Permanent() is true) for a mail that
// will never be taken, otherwise one worth retrying. The same mail
// delivered again (a retry, another recipient of the tenant) is recorded
// once.
func (c *Channel) Deliver(ctx context.Context, raw []byte, env Envelope) error {
	type target struct {
		in  config.EmailInbox
		tag string
	}
	var targets []target
	for _, to := range env.To {
		in, tag, ok := c.Inbox(to)
		if !ok || slices.ContainsFunc(targets, func(t target) bool { return t.in.Tenant == in.Tenant && t.in.Inbox == in.Inbox }) {
			continue
		}
		targets = append(targets, target{in, tag})
	}
	if len(targets) == 0 {
		return &ParseError{Reason: errNoRecipient.Error()}
	}
	m, err := c.parser.Parse(raw)
	if err != nil {
		return err
	}
	if m.Report || env.From == "" {
		if done, err := c.bounce(ctx, raw, targets[0].in.Tenant); done || err != nil {
			return err
		}
	}
	var v Verdicts
	if c.o.Verify != nil {
		// also a mail read from a mailbox: DKIM and DMARC only
		v = c.o.Verify(ctx, raw, env)
	}
	for i := range targets {
		if targets[i].tag == "" {
			targets[i].tag = c.tagIn(targets[i].in, m)
		}
	}
	for _, t := range targets {
		if err := c.deliverTo(ctx, t.in, t.tag, m, v, raw); err != nil {
			return err
		}
	}
	return nil
}

// tagIn is the plus tag of in's address among a mail's To and Cc, for a
// mail whose envelope did not carry it (read from a mailbox, or passed on
// by a relay that rewrote the recipient): the reply token is checked as
// any other.
func (c *Channel) tagIn(in config.EmailInbox, m *Mail) string {
	for _, a := range slices.Concat(m.To, m.Cc) {
		if got, tag, ok := c.Inbox(a.Addr); ok && tag != "" && got.Tenant == in.Tenant && got.Inbox == in.Inbox {
			return tag
		}
	}
	return ""
}

// bounce records a delivery status notification about a mail the edge
// sent as that mail's failure, and reports whether it did.
func (c *Channel) bounce(ctx context.Context, raw []byte, tenant string) (bool, error) {
	if c.o.Bounce == nil {
		return false, nil
	}
	id, reason, ok := c.o.Bounce(raw)
	if !ok {
		return false, nil
	}
	conv, seq, ok := thread.ParseMessageID(id)
	if !ok {
		return false, nil
	}
	// only a mail the edge sent (its delivery recorded the Message-ID):
	// a forged report about another message is kept as a mail
	if sent, err := c.o.Store.ConversationByMailID(tenant, id); err != nil || sent != conv {
		return false, nil
	}
	e := &event.Event{ID: auth.DerivedID("e", "bounce", tenant, conv, strconv.FormatUint(seq, 10)), Kind: event.KindEmailDelivery,
		Tenant: tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "email"},
		Delivery: &event.Delivery{Conv: conv, Ref: seq, Status: event.DeliveryFailed, MessageID: id,
			Detail: truncate("bounced: "+clean(reason, 900), 1000)}}
	if _, err := c.o.Append(ctx, e); err != nil {
		return false, &Temporary{Reason: "the event log is not reachable: " + err.Error()}
	}
	c.log.Info("a sent mail bounced", "tenant", tenant, "conv", conv, "seq", seq)
	return true, nil
}

func (c *Channel) deliverTo(ctx context.Context, in config.EmailInbox, tag string, m *Mail, v Verdicts, raw []byte) error {
	t := in.Tenant
	if _, err := c.o.Store.ConversationByMailID(t, m.MessageID); err == nil {
		return nil // recorded before: a retry, or another of the tenant's addresses
	} else if !errors.Is(err, state.ErrNotFound) {
		return &Temporary{Reason: "the state store is not readable: " + err.Error()}
	}
	sys := conversation.Actor{Tenant: t, Kind: event.ActorSystem, ID: "email", Channel: conversation.ChannelEmail}
	conv := c.thread(t, tag, m)
	if conv != nil && (conv.Status == event.StatusClosed || conv.Status == event.StatusSolved && in.Resolved == "follow_up") {
		conv = nil // a follow-up: a new conversation
	}
	key := auth.DerivedID("m", t, m.MessageID) // names the mail's conversation and message: once
	if conv == nil {
		contact, err := c.contact(ctx, sys, in, m)
		if err != nil {
			return err
		}
		o, err := c.o.Conversations.Open(ctx, sys, conversation.Open{ClientID: key, Contact: contact, Inbox: in.Inbox})
		if err != nil {
			return classify(err, "open a conversation")
		}
		conv = o.Conv
	}
	cust := conversation.Customer(t, conv.Inbox, conv.Contact, conversation.ChannelEmail)
	text, extra := c.fit(m)
	files := make([]string, 0, len(m.Attachments)+len(extra))
	for i, a := range append(slices.Clone(m.Attachments), extra...) {
		id, err := c.storeFile(ctx, t, cust, auth.DerivedID("f", t, m.MessageID, strconv.Itoa(i)), a)
		if err != nil {
			return err
		}
		files = append(files, id)
	}
	em := &event.Email{MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References, Subject: m.Subject,
		From: &m.From, To: m.To, Cc: m.Cc, Quoted: truncate(m.Quoted, event.MaxQuoted), SPF: v.SPF, DKIM: v.DKIM, DMARC: v.DMARC, Auto: m.Auto}
	// a message holds at most conversation.MaxAttachments files: more
	// go in messages of their own after it
	for part := 0; part == 0 || len(files) > 0; part++ {
		n := min(len(files), conversation.MaxAttachments)
		p := conversation.Post{ClientID: key, Text: text, Attachments: files[:n], Email: em}
		if part > 0 {
			p = conversation.Post{ClientID: key + "-" + strconv.Itoa(part), Text: fmt.Sprintf("More files of “%s”", truncate(m.Subject, 200)),
				Attachments: files[:n]}
		}
		files = files[n:]
		if _, err := c.o.Conversations.Post(ctx, cust, conv, p); err != nil {
			return classify(err, "record the mail")
		}
	}
	c.log.Debug("mail recorded", "tenant", t, "conv", conv.ID, "auto", m.Auto)
	return nil
}

// thread finds the conversation of tenant t a mail answers: the one its
// plus-address's reply token names, else the newest one its In-Reply-To
// or References name; nil for a new one.
func (c *Channel) thread(t, tag string, m *Mail) *state.ConversationRec {
	if tag != "" {
		if id, ok := c.o.Tokens.Conv(t, tag); ok {
			if conv, err := c.o.Store.Conversation(t, id); err == nil {
				return conv
			}
		}
	}
	ids := append([]string{m.InReplyTo}, m.References...)
	slices.Reverse(ids[1:]) // the newest reference first
	for _, id := range ids {
		if id == "" {
			continue
		}
		// the index holds the mails received and those the edge sent
		// (their delivery records the Message-ID): a Message-ID merely
		// shaped like the edge's names nothing
		conv, err := c.o.Store.ConversationByMailID(t, id)
		if err != nil {
			continue
		}
		if rec, err := c.o.Store.Conversation(t, conv); err == nil {
			return rec
		}
	}
	return nil
}

// contact is the sender's contact: the tenant's contact with the sender's
// address (one met in the widget too), else a new one of the inbox.
func (c *Channel) contact(ctx context.Context, sys conversation.Actor, in config.EmailInbox, m *Mail) (string, error) {
	if rec, err := c.o.Store.ContactByEmail(in.Tenant, m.From.Addr); err == nil {
		return rec.ID, nil
	}
	rec, _, err := c.o.Conversations.NewContact(ctx, sys, in.Inbox, strings.ToLower(m.From.Addr),
		conversation.Profile{Name: m.From.Name, Email: m.From.Addr})
	if err != nil {
		return "", classify(err, "record the sender")
	}
	return rec.ID, nil
}

// fit makes a mail's text fit a message: one cut at the core's limit
// keeps the whole as a file, and so does a quote over event.MaxQuoted.
func (c *Channel) fit(m *Mail) (string, []Attachment) {
	var extra []Attachment
	text, limit := m.Text, c.o.Conversations.MaxTextBytes()
	if len(text) > limit {
		extra = append(extra, Attachment{Name: "message.txt", Type: "text/plain", Data: []byte(m.Text)})
		text = truncate(text, limit-len("\n[…]")) + "\n[…]"
	}
	if len(m.Quoted) > event.MaxQuoted {
		extra = append(extra, Attachment{Name: "quoted.txt", Type: "text/plain", Data: []byte(m.Quoted)})
	}
	if strings.TrimSpace(text) == "" {
		text = m.Subject
		if strings.TrimSpace(text) == "" {
			text = "(empty mail)"
		}
	}
	return text, extra
}

// storeFile keeps a mail's file as an attachment of the tenant, uploaded
// by the customer (so the message may carry it): the bytes on disk first,
// then the attachment.stored event. The id is the mail's, so a mail
// delivered again stores nothing new.
func (c *Channel) storeFile(ctx context.Context, tenant string, by conversation.Actor, id string, a Attachment) (string, error) {
	if _, err := c.o.Store.Attachment(tenant, id); err == nil {
		return id, nil
	}
	size, sum, err := c.o.Attachments.Write(tenant, id, bytes.NewReader(a.Data))
	if err != nil {
		return "", &Temporary{Reason: "cannot store an attachment: " + err.Error()}
	}
	e := &event.Event{ID: auth.DerivedID("e", "mailfile", tenant, id), Kind: event.KindAttachmentStored, Tenant: tenant,
		Actor:      event.Actor{Kind: event.ActorCustomer, ID: by.ID},
		Attachment: &event.Attachment{ID: id, Name: a.Name, Type: a.Type, Size: size, SHA256: sum}}
	if _, err := c.o.Append(ctx, e); err != nil {
		return "", &Temporary{Reason: "the event log is not reachable: " + err.Error()}
	}
	return id, nil
}

// classify turns the core's refusal into a permanent one (the mail is
// wrong) and anything else into a temporary one.
func classify(err error, what string) error {
	if conversation.CodeOf(err) == conversation.Invalid {
		return &ParseError{Reason: "cannot " + what + ": " + err.Error()}
	}
	return &Temporary{Reason: "cannot " + what + " now: " + err.Error()}
}

// senderRate counts mails per sender in fixed windows, for at most max
// senders (the least recent window's are dropped first).
type senderRate struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	max    int
	start  time.Time
	counts map[string]int
}

func newSenderRate(limit int, window time.Duration, max int) *senderRate {
	return &senderRate{limit: limit, window: window, max: max, counts: map[string]int{}}
}

func (r *senderRate) allow(sender string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.start) >= r.window || len(r.counts) >= r.max {
		r.start, r.counts = now, map[string]int{}
	}
	if r.counts[sender] >= r.limit {
		return false
	}
	r.counts[sender]++
	return true
}

// ReplyTo is the plus-address replies to conversation conv of an inbox
// come back to (support+<token>@…): what outbound mail's Reply-To says.
func (c *Channel) ReplyTo(in config.EmailInbox, conv string) string {
	return c.o.Tokens.ReplyTo(in.Tenant, conv, in.Address)
}
