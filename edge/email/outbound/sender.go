// Package outbound sends agents' replies in e-mail conversations as mail
// through the region's relay. The state keeps an outbox of replies still
// to send (state.OutboxRec), rebuilt from the log; a Sender sends the ones
// its node accepted, signs them with DKIM, and records each attempt's
// outcome as an email.delivery event: sent, deferred (tried again with
// back-off) or failed. ParseDSN reads the bounces that come back.
package outbound

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/attachments"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/email/thread"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// The retry schedule: a reply the relay could not take now is tried again
// after FirstRetry, then after twice as long each time up to MaxRetry, and
// given up as failed once it is GiveUpAfter old.
const (
	FirstRetry  = time.Minute
	MaxRetry    = 6 * time.Hour
	GiveUpAfter = 72 * time.Hour
)

// Options configure a Sender.
type Options struct {
	// Store holds the outbox and what a reply is made of.
	Store *state.Store
	// Append appends an event to the log and returns once the state has
	// applied it (the node's journal).
	Append func(ctx context.Context, e *event.Event) (uint64, error)
	Relay  config.Relay
	DKIM   config.DKIM
	// Hostname names the edge in EHLO and in the Message-IDs it makes.
	Hostname string
	Inboxes  []config.EmailInbox
	Tokens   *thread.Tokens
	// Attachments hold the uploads.
	Attachments attachments.Dir
	// NodeID is this node's: it sends the replies it accepted (their
	// events' Origin), so that one node of a region sends each.
	NodeID string
	Log    *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// RootCAs verify the relay's certificate (nil: the system's roots).
	RootCAs *x509.CertPool
}

// Sender sends the outbox's replies of its node.
type Sender struct {
	o    Options
	log  *slog.Logger
	now  func() time.Time
	key  crypto.Signer // DKIM; nil: mail goes out unsigned
	wake chan struct{}

	mu sync.Mutex
	// unrecorded are outcomes of attempts whose event could not be
	// appended yet, by outbox entry: appended again before anything else,
	// and their entries not sent again meanwhile.
	unrecorded map[string]*event.Event
}

// New checks the options and returns a Sender; it loads the DKIM key and
// checks that the relay's password file can be read.
func New(o Options) (*Sender, error) {
	if o.Store == nil || o.Append == nil || o.Tokens == nil {
		return nil, errors.New("outbound: Store, Append and Tokens are required")
	}
	if o.NodeID == "" || o.Hostname == "" {
		return nil, errors.New("outbound: NodeID and Hostname are required (email.hostname defaults to the node id)")
	}
	if err := checkRelay(o.Relay); err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Sender{o: o, log: o.Log.With("component", "email-outbound"), now: o.Now,
		wake: make(chan struct{}, 1), unrecorded: map[string]*event.Event{}}
	if s.now == nil {
		s.now = time.Now
	}
	if o.Relay.PasswordFile != "" {
		if _, err := readSecret(o.Relay.PasswordFile); err != nil {
			return nil, err
		}
	}
	if d := o.DKIM; d.KeyFile != "" {
		if d.Domain == "" || d.Selector == "" {
			return nil, errors.New("outbound: email.dkim: give domain, selector and key_file together")
		}
		k, err := LoadKey(d.KeyFile)
		if err != nil {
			return nil, err
		}
		s.key = k
	}
	return s, nil
}

func checkRelay(r config.Relay) error {
	if r.Addr == "" {
		return errors.New("outbound: email.relay.addr is empty: name the relay (host:port) replies go out through")
	}
	host, _, err := net.SplitHostPort(r.Addr)
	if err != nil {
		return fmt.Errorf("outbound: email.relay.addr %q: give host:port, e.g. smtp.company.example:587", r.Addr)
	}
	switch r.TLS {
	case "", "starttls", "implicit":
	case "none":
		if !loopback(host) {
			return fmt.Errorf("outbound: email.relay.tls none with %s: plain text is for a relay on a loopback address (127.0.0.1, ::1, localhost) only; use starttls or implicit", host)
		}
		if r.User != "" {
			return errors.New("outbound: email.relay: no user with tls none: a password is sent over TLS only")
		}
	default:
		return fmt.Errorf("outbound: email.relay.tls %q: use starttls (the default), implicit or none", r.TLS)
	}
	if (r.User == "") != (r.PasswordFile == "") {
		return errors.New("outbound: email.relay: user and password_file go together")
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func readSecret(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("outbound: read the relay's password file: %w", err)
	}
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return "", fmt.Errorf("outbound: the relay's password file %s is empty", file)
	}
	return string(b), nil
}

// Notify wakes the sender: the node calls it when it has applied an
// outbox entry (an agent's reply in an e-mail conversation).
func (s *Sender) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// idle is the longest the sender sleeps without being notified: entries
// other nodes of the region appended are seen within it.
const idle = time.Minute

// Run sends due replies until ctx ends.
func (s *Sender) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-t.C:
		}
		wait := s.round(ctx)
		t.Stop()
		select {
		case <-t.C:
		default:
		}
		t.Reset(wait)
	}
}

// round sends the due entries of this node and returns how long to wait
// for the next.
func (s *Sender) round(ctx context.Context) time.Duration {
	s.flush(ctx)
	ob, err := s.o.Store.Outbox(0)
	if err != nil {
		s.log.Error("read the outbox; trying again in a minute", "err", err)
		return idle
	}
	wait := idle
	for _, r := range ob {
		if ctx.Err() != nil {
			return 0
		}
		if r.Origin != s.o.NodeID || s.pending(r) {
			continue
		}
		if d := time.UnixMilli(r.Next).Sub(s.now()); d > 0 {
			wait = min(wait, d)
			continue
		}
		s.attempt(ctx, r)
	}
	return wait
}

func outboxKey(r state.OutboxRec) string {
	return r.Tenant + "/" + r.Conv + "/" + strconv.FormatUint(r.Seq, 10)
}

func (s *Sender) pending(r state.OutboxRec) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unrecorded[outboxKey(r)] != nil
}

// flush appends the outcomes that could not be appended before.
func (s *Sender) flush(ctx context.Context) {
	s.mu.Lock()
	evs := make(map[string]*event.Event, len(s.unrecorded))
	for k, e := range s.unrecorded {
		evs[k] = e
	}
	s.mu.Unlock()
	for k, e := range evs {
		if _, err := s.o.Append(ctx, e); err != nil {
			s.log.Warn("record a delivery outcome; trying again", "tenant", e.Tenant, "conv", e.Delivery.Conv, "err", err)
			continue
		}
		s.mu.Lock()
		delete(s.unrecorded, k)
		s.mu.Unlock()
	}
}

// attempt tries to send one reply and records the outcome.
func (s *Sender) attempt(ctx context.Context, r state.OutboxRec) {
	n := r.Attempts + 1
	d := s.deliver(ctx, r, n)
	if ctx.Err() != nil && d.Status != event.DeliverySent {
		return // stopped mid-attempt: not the relay's doing; tried again on start
	}
	e := &event.Event{V: event.Version, Kind: event.KindEmailDelivery, Tenant: r.Tenant,
		ID:    auth.DerivedID("e", "delivery", r.Tenant, r.Conv, strconv.FormatUint(r.Seq, 10), strconv.Itoa(n)),
		Actor: event.Actor{Kind: event.ActorSystem}, Delivery: d}
	log := s.log.With("tenant", r.Tenant, "conv", r.Conv, "seq", r.Seq, "attempt", n, "status", d.Status)
	switch d.Status {
	case event.DeliverySent:
		log.Info("reply sent as e-mail", "message_id", d.MessageID)
	case event.DeliveryDeferred:
		log.Warn("reply deferred", "detail", d.Detail, "next", time.UnixMilli(d.Next).UTC())
	default:
		log.Warn("reply failed", "detail", d.Detail)
	}
	if _, err := s.o.Append(ctx, e); err != nil {
		log.Error("record the delivery outcome; keeping it to record again", "err", err)
		s.mu.Lock()
		s.unrecorded[outboxKey(r)] = e
		s.mu.Unlock()
	}
}

// Backoff is how long after attempt n (from 1) failed for now the next
// one is due.
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 20 {
		return MaxRetry
	}
	return min(FirstRetry<<(n-1), MaxRetry)
}

// deliver composes, signs and sends a reply, and says what became of it.
func (s *Sender) deliver(ctx context.Context, r state.OutboxRec, n int) *event.Delivery {
	d := &event.Delivery{Conv: r.Conv, Ref: r.Seq, Attempts: n,
		MessageID: thread.MessageID(r.Conv, r.Seq, s.o.Hostname)}
	m, err := s.compose(r)
	var created time.Time
	if m != nil {
		created = m.created
	}
	if err == nil {
		err = s.send(ctx, m)
	}
	switch {
	case err == nil:
		d.Status = event.DeliverySent
		return d
	case errors.As(err, new(*permanent)):
		d.Status, d.Detail = event.DeliveryFailed, detail(err)
		return d
	}
	now := s.now()
	if !created.IsZero() && now.Sub(created) >= GiveUpAfter {
		d.Status = event.DeliveryFailed
		d.Detail = detail(fmt.Errorf("given up after %d attempts over %s: %w", n, GiveUpAfter, err))
		return d
	}
	d.Status, d.Detail = event.DeliveryDeferred, detail(err)
	d.Next = now.Add(Backoff(n)).UnixMilli()
	return d
}

// permanent is an error that sending again will not mend: the relay's
// 5xx answer, or a reply that cannot be made into mail.
type permanent struct{ err error }

func (p *permanent) Error() string { return p.err.Error() }
func (p *permanent) Unwrap() error { return p.err }

func permanentf(format string, a ...any) error { return &permanent{fmt.Errorf(format, a...)} }

// detail is an error as a Delivery's Detail: one line, at most 1000 bytes.
func detail(err error) string {
	b := []byte(err.Error())
	for i, c := range b {
		if c == '\r' || c == '\n' || c == '\t' {
			b[i] = ' '
		}
	}
	if len(b) > 1000 {
		b = b[:997]
		for !utf8.Valid(b) { // not mid-rune
			b = b[:len(b)-1]
		}
		b = append(b, "..."...)
	}
	return string(b)
}
