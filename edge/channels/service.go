package channels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgedesk/edgedesk/edge/attachments"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Channel is a configured channel and its adapter.
type Channel struct {
	ID, Tenant, Inbox string
	Kind              Kind
	Adapter           Adapter
}

// ServiceOptions configure a Service.
type ServiceOptions struct {
	Conversations *conversation.Service
	Store         *state.Store
	// Append adds an event to the log and returns once the state has
	// applied it.
	Append      func(ctx context.Context, e *event.Event) (uint64, error)
	Attachments attachments.Dir
	Channels    []Channel
	// NodeID is this node's: it sends the replies it accepted.
	NodeID string
	// Retry are the waits before each new attempt of a reply the
	// platform could not take; after the last the reply has failed
	// (nil: Retry).
	Retry   []time.Duration
	Metrics prometheus.Registerer
	Log     *slog.Logger
	Now     func() time.Time
}

// Retry is the default schedule of a reply's attempts: a platform's
// outage of a day is ridden out.
var Retry = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 4 * time.Hour, 12 * time.Hour}

// MaxMedia bounds a customer's file fetched from a platform.
const MaxMedia = 64 << 20

// Service carries the configured channels' traffic: their webhooks in
// (ServeHTTP) and the replies out (Run).
type Service struct {
	o   ServiceOptions
	log *slog.Logger
	// static are the channels of the node's configuration; byID those and
	// the hub's (SetChannels), the static winning an id both give
	static map[string]*Channel
	byID   atomic.Pointer[map[string]*Channel]

	mu      sync.Mutex
	pulling map[string]string // channel id → the newest token while its pull runs
	busy    map[string]bool   // conversations with a reply being sent
	wake    chan struct{}
	wg      sync.WaitGroup
	// ctx bounds the pulls, which outlive the webhook that asked for
	// them; Run's end cancels it
	ctx    context.Context
	cancel context.CancelFunc

	requests *prometheus.CounterVec
	refused  *prometheus.CounterVec
	sent     *prometheus.CounterVec
	recorded *prometheus.CounterVec
}

// New checks o and makes a Service.
func New(o ServiceOptions) (*Service, error) {
	if o.Conversations == nil || o.Store == nil || o.Append == nil {
		return nil, errors.New("channels: Conversations, Store and Append are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Retry == nil {
		o.Retry = Retry
	}
	s := &Service{o: o, log: o.Log, static: map[string]*Channel{}, pulling: map[string]string{}, busy: map[string]bool{},
		wake: make(chan struct{}, 1),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_channel_requests_total",
			Help: "Platforms' webhook requests, by channel kind and result: accepted, refused (not the platform's, or malformed: see edgedesk_channel_refused_total), failed (the edge could not record it now; the platform retries)."},
			[]string{"kind", "result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_channel_refused_total",
			Help: "Webhook requests refused before any work, by channel kind and why: signature, timestamp, replay, appid, decrypt, malformed, too_large, method."},
			[]string{"kind", "code"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_channel_replies_total",
			Help: "Replies sent to platforms, by channel kind and result: sent, deferred (tried again later), failed."},
			[]string{"kind", "result"}),
		recorded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_channel_messages_total",
			Help: "Customers' messages recorded from platforms, by channel kind (a platform's retry of one is not counted again)."},
			[]string{"kind"}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for i := range o.Channels {
		c := &o.Channels[i]
		if s.static[c.ID] != nil {
			return nil, fmt.Errorf("channels: channel id %q given twice", c.ID)
		}
		s.static[c.ID] = c
	}
	s.SetChannels(nil)
	if o.Metrics != nil {
		for _, c := range []prometheus.Collector{s.requests, s.refused, s.sent, s.recorded} {
			if err := o.Metrics.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// SetChannels makes chs, the channels the hub configured, the ones served
// besides the static ones: a channel whose id a static one has is not.
// Replies and pulls under way finish with the adapter they started with.
func (s *Service) SetChannels(chs []Channel) {
	m := make(map[string]*Channel, len(s.static)+len(chs))
	for i := range chs {
		m[chs[i].ID] = &chs[i]
	}
	for id, c := range s.static {
		m[id] = c
	}
	s.byID.Store(&m)
}

// Static reports whether id is a channel of the node's configuration.
func (s *Service) Static(id string) bool { return s.static[id] != nil }

func (s *Service) channel(id string) *Channel { return (*s.byID.Load())[id] }

// Prefix is where the webhooks are: /channels/<kind>/<id>.
const Prefix = "/channels/"

// ServeHTTP takes a platform's webhook request: the channel's adapter
// verifies it before anything it says is read, then each message is
// recorded (once, by the platform's id) before the platform is answered.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	kind, id, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, Prefix), "/")
	ch := s.channel(id)
	if ch == nil || ch.Kind.Name != kind {
		http.Error(w, "no such channel: the webhook URL is /channels/<kind>/<id> of a configured channel", http.StatusNotFound)
		return
	}
	k := ch.Kind.Name
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, ch.Kind.Limits.MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.refuse(w, ch, Refuse(http.StatusRequestEntityTooLarge, RefuseTooLarge, "the body is over %d bytes", ch.Kind.Limits.MaxBody), r)
			return
		}
		s.requests.WithLabelValues(k, "failed").Inc()
		http.Error(w, "the body could not be read", http.StatusBadRequest)
		return
	}
	req := &Request{Method: r.Method, Query: r.URL.Query(), Header: r.Header, Body: body, Now: s.o.Now()}
	ctx, cancel := context.WithTimeout(r.Context(), max(ch.Kind.Limits.Deadline*8/10, time.Second))
	defer cancel()
	resp, ins, err := ch.Adapter.Receive(ctx, req)
	if err != nil {
		var ref *Refusal
		if errors.As(err, &ref) {
			s.refuse(w, ch, ref, r)
			return
		}
		s.requests.WithLabelValues(k, "failed").Inc()
		s.log.Warn("a channel's webhook request could not be read", "channel", ch.ID, "kind", k, "err", err)
		http.Error(w, "the request could not be taken now: send it again", http.StatusServiceUnavailable)
		return
	}
	var conv string // the conversation of the request's one message
	for _, in := range ins {
		c, err := s.take(ctx, ch, in)
		if len(ins) == 1 {
			conv = c
		}
		if err != nil {
			s.requests.WithLabelValues(k, "failed").Inc()
			s.log.Warn("a platform's message could not be recorded: the platform sends it again", "channel", ch.ID, "kind", k, "err", err)
			http.Error(w, "the message could not be recorded now: send it again", http.StatusServiceUnavailable)
			return
		}
	}
	s.requests.WithLabelValues(k, "accepted").Inc()
	if p, ok := ch.Adapter.(Passive); ok && conv != "" {
		if r, ok := s.passive(ctx, ch, p, req, ins[0], conv); ok {
			resp = r
		}
	}
	if resp.ContentType != "" {
		w.Header().Set("Content-Type", resp.ContentType)
	}
	w.WriteHeader(cmpStatus(resp.Status))
	_, _ = w.Write(resp.Body)
}

func cmpStatus(s int) int {
	if s == 0 {
		return http.StatusOK
	}
	return s
}

// refuse answers a refused request with the platform's status, counts it
// and logs why (never the body).
func (s *Service) refuse(w http.ResponseWriter, ch *Channel, ref *Refusal, r *http.Request) {
	s.requests.WithLabelValues(ch.Kind.Name, "refused").Inc()
	s.refused.WithLabelValues(ch.Kind.Name, ref.Code).Inc()
	s.log.Warn("a channel's webhook request was refused", "channel", ch.ID, "kind", ch.Kind.Name, "code", ref.Code,
		"reason", ref.Reason, "remote", r.RemoteAddr)
	http.Error(w, "refused: "+ref.Code+": "+ref.Reason, cmpStatus(ref.Status))
}

// take records one thing the platform told; for a message, it returns
// its conversation.
func (s *Service) take(ctx context.Context, ch *Channel, in Inbound) (string, error) {
	switch {
	case in.Status != nil:
		return "", s.status(ctx, ch, in.Status)
	case in.Sync != "":
		s.pull(ch, in.Sync)
		return "", nil
	case in.Event != "" && in.Text == "" && len(in.Media) == 0:
		s.log.Debug("a platform's event", "channel", ch.ID, "event", in.Event)
		return "", nil
	}
	return s.record(ctx, ch, in)
}

// actor is the channel acting as the system (it records contacts and
// opens conversations).
func (ch *Channel) actor() conversation.Actor {
	return conversation.Actor{Tenant: ch.Tenant, Kind: event.ActorSystem, ID: ch.Kind.Name, Channel: conversation.Channel(ch.Kind.Name)}
}

// record posts a customer's message in their conversation of the
// channel's inbox (a new one when they have none open), once: its client
// id is derived from the platform's id of it.
func (s *Service) record(ctx context.Context, ch *Channel, in Inbound) (string, error) {
	t := ch.Tenant
	if in.ID == "" || in.From == "" || len(in.ID) > event.MaxPlatformID || len(in.From) > event.MaxPlatformID || len(in.Chat) > event.MaxPlatformID {
		return "", fmt.Errorf("the %s adapter gave a message without a valid id or sender", ch.Kind.Name)
	}
	key := auth.DerivedID("x", t, ch.ID, in.ID)
	switch conv, err := s.o.Store.PlatformMessage(t, key); {
	case err == nil:
		return conv, nil // a retry: recorded before
	case !errors.Is(err, state.ErrNotFound):
		return "", err
	}
	sys := ch.actor()
	contact, err := s.contact(ctx, ch, in)
	if err != nil {
		return "", err
	}
	conv, err := s.conversation(ctx, ch, contact, key)
	if err != nil {
		return "", err
	}
	cust := conversation.Customer(t, conv.Inbox, conv.Contact, sys.Channel)
	text := in.Text
	if in.Location != "" {
		text = strings.TrimSpace(text + "\n📍 " + in.Location)
	}
	var files []string
	for i, m := range in.Media {
		id, err := s.media(ctx, ch, cust, auth.DerivedID("f", t, key, strconv.Itoa(i)), m)
		if err != nil {
			text = strings.TrimSpace(text + "\n[" + m.Kind + " not fetched from " + ch.Kind.Label + ": " + err.Error() + "]")
			continue
		}
		files = append(files, id)
	}
	if len(files) > conversation.MaxAttachments {
		files = files[:conversation.MaxAttachments]
	}
	if strings.TrimSpace(text) == "" && len(files) == 0 {
		text = "[" + ch.Kind.Label + " message]"
	}
	if limit := s.o.Conversations.MaxTextBytes(); len(text) > limit {
		text = cut(text, limit-len("\n[…]")) + "\n[…]"
	}
	p := conversation.Post{ClientID: key, Text: text, Attachments: files,
		Platform: &event.Platform{Channel: ch.ID, From: in.From, Chat: in.Chat, ID: in.ID}}
	res, err := s.o.Conversations.Post(ctx, cust, conv, p)
	if err != nil {
		return "", fmt.Errorf("record the message: %w", err)
	}
	if !res.Duplicate {
		s.recorded.WithLabelValues(ch.Kind.Name).Inc()
	}
	return conv.ID, nil
}

// contact is the customer's contact: one per channel and platform id.
func (s *Service) contact(ctx context.Context, ch *Channel, in Inbound) (string, error) {
	p := in.Profile
	name := strings.TrimSpace(p.Name)
	if name == "" && p.Handle != "" {
		name = p.Handle
	}
	if name == "" {
		name = ch.Kind.Label + " user " + tail(in.From, 4)
	}
	attrs := map[string]string{"channel": ch.Kind.Label, "handle": p.Handle, "avatar": p.Avatar, "profile_url": p.URL}
	for k, v := range attrs {
		if event.CheckAttributeValue(v) != nil {
			delete(attrs, k)
		}
	}
	rec, _, err := s.o.Conversations.NewContact(ctx, ch.actor(), ch.Inbox, ch.ID+"\x00"+in.From,
		conversation.Profile{Name: cut(name, 200), Language: p.Language, Attributes: attrs})
	if err != nil {
		return "", fmt.Errorf("record the customer: %w", err)
	}
	return rec.ID, nil
}

// conversation is the contact's newest conversation of the inbox that is
// not closed, or a new one (named by the message's key, so a retry opens
// the same).
func (s *Service) conversation(ctx context.Context, ch *Channel, contact, key string) (*state.ConversationRec, error) {
	convs, err := s.o.Store.ContactConversations(ch.Tenant, contact, 20)
	if err != nil {
		return nil, err
	}
	for i := range convs {
		if c := &convs[i]; c.Inbox == ch.Inbox && c.Status != event.StatusClosed && c.Channel == ch.Kind.Name {
			return c, nil
		}
	}
	o, err := s.o.Conversations.Open(ctx, ch.actor(), conversation.Open{ClientID: key, Contact: contact, Inbox: ch.Inbox})
	if err != nil {
		return nil, fmt.Errorf("open a conversation: %w", err)
	}
	return o.Conv, nil
}

// media fetches a customer's file from the platform and stores it as an
// attachment the customer uploaded; the id is the message's, so a retry
// stores nothing new.
func (s *Service) media(ctx context.Context, ch *Channel, by conversation.Actor, id string, m Media) (string, error) {
	if _, err := s.o.Store.Attachment(ch.Tenant, id); err == nil {
		return id, nil
	}
	d, err := ch.Adapter.Fetch(ctx, m)
	if err != nil {
		return "", err
	}
	defer d.Body.Close()
	lr := &io.LimitedReader{R: d.Body, N: MaxMedia + 1}
	size, sum, err := s.o.Attachments.Write(ch.Tenant, id, lr)
	if err != nil {
		return "", err
	}
	if size > MaxMedia {
		_ = os.Remove(s.o.Attachments.File(ch.Tenant, id))
		return "", fmt.Errorf("over %d MiB", MaxMedia>>20)
	}
	name := cut(strings.Map(func(r rune) rune {
		if r < ' ' || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, cmpString(d.Name, m.Name, m.Kind)), 200)
	typ := cmpString(d.Type, m.Type, "application/octet-stream")
	e := &event.Event{ID: auth.DerivedID("e", "chfile", ch.Tenant, id), Kind: event.KindAttachmentStored, Tenant: ch.Tenant,
		Actor:      event.Actor{Kind: event.ActorCustomer, ID: by.ID},
		Attachment: &event.Attachment{ID: id, Name: name, Type: cut(typ, 100), Size: size, SHA256: sum}}
	if _, err := s.o.Append(ctx, e); err != nil {
		return "", err
	}
	return id, nil
}

// status records what the platform says became of a reply.
func (s *Service) status(ctx context.Context, ch *Channel, st *Status) error {
	conv, seq, err := s.o.Store.PlatformSent(ch.Tenant, st.MessageID)
	if errors.Is(err, state.ErrNotFound) {
		return nil // not a reply this edge sent (or not yet recorded as sent)
	}
	if err != nil {
		return err
	}
	status := map[string]string{StateDelivered: event.DeliveryDelivered, StateRead: event.DeliveryRead, StateFailed: event.DeliveryFailed}[st.State]
	if status == "" {
		return nil
	}
	e := &event.Event{ID: auth.DerivedID("e", "chstatus", ch.Tenant, st.MessageID, status), Kind: event.KindChannelDelivery, Tenant: ch.Tenant,
		Actor:    event.Actor{Kind: event.ActorSystem, ID: ch.Kind.Name},
		Delivery: &event.Delivery{Conv: conv, Ref: seq, Status: status, MessageID: st.MessageID, Detail: cut(st.Detail, 1000)}}
	_, err = s.o.Append(ctx, e)
	return err
}

func cmpString(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// cut shortens s to at most n bytes on a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func tail(s string, n int) string {
	r := []rune(s)
	return string(r[max(len(r)-n, 0):])
}
