// Package webhooks delivers a tenant's outbound webhooks (docs/webhooks.md):
// the projector queues a delivery for each endpoint that asks for what a
// change is, at the change's place in the log (internal/state); the
// Sender of the node that leads the region's event stream posts the first
// delivery of each conversation, signed as the Standard Webhooks
// specification says, and writes what became of it to the log in batches
// (webhook.results), so that every node knows and another one goes on
// after a fail-over. A failed delivery is tried again on a schedule over
// about a day, then kept as dead until an admin replays it. Each endpoint
// has its own deliveries in flight, bounded, so a slow or failing one
// never holds up the others, and the chat never waits for any.
package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Schedule is the wait before each attempt after a failed one: the
// delivery is dead after the last (8 attempts over 27 h 35 min 5 s).
var Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Journal appends to the region's log; Append returns once the node's
// state has applied the event.
type Journal interface {
	Append(ctx context.Context, e *event.Event) (uint64, error)
}

// Options configure a Sender.
type Options struct {
	Store   *state.Store
	Journal Journal
	// Leader reports whether this node sends (it leads the region's event
	// stream); nil: it always does.
	Leader func() bool
	// Open opens a sealed signing secret (edge/residency.Sealer.Open).
	Open func(sealed, binding, field string) (string, error)
	// Client posts the deliveries; nil: one with TLS 1.3 at least, no
	// redirects followed, Timeout for each attempt.
	Client *http.Client
	// Timeout bounds an attempt (default 10 s).
	Timeout time.Duration
	// InFlight bounds each endpoint's deliveries in flight (default 8).
	InFlight int
	// Schedule overrides the package's (tests).
	Schedule []time.Duration
	Now      func() time.Time
	Log      *slog.Logger
	Metrics  prometheus.Registerer
}

// Sender delivers webhooks.
type Sender struct {
	o        Options
	mu       sync.Mutex
	inflight map[string]int      // tenant/endpoint → deliveries in flight
	busy     map[string]struct{} // tenant/endpoint/order in flight or awaiting its result in the log
	results  chan outcome
	settled  chan struct{}
	bodies   map[string][]byte // tenant/seq → a delivery's body: the same for every endpoint
	live     map[string]*event.WebhookEndpoint
	liveV    uint64

	sent    *prometheus.CounterVec
	latency prometheus.Histogram
}

// outcome is a delivery's result, on its way to the log.
type outcome struct {
	tenant, key string
	r           event.WebhookResult
}

// New is a sender; Run starts it.
func New(o Options) (*Sender, error) {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.InFlight <= 0 {
		o.InFlight = 8
	}
	if o.Schedule == nil {
		o.Schedule = Schedule
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Leader == nil {
		o.Leader = func() bool { return true }
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Client == nil {
		o.Client = NewClient(o.Timeout)
	}
	s := &Sender{o: o, inflight: map[string]int{}, busy: map[string]struct{}{}, bodies: map[string][]byte{}, results: make(chan outcome, 1024), settled: make(chan struct{}, 1),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_webhook_deliveries_total",
			Help: "Webhook delivery attempts, by what became of them: sent (2xx), retry (failed, tried again later), dead (failed for good, kept for a replay)."},
			[]string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgedesk_webhook_attempt_seconds",
			Help: "How long a webhook delivery attempt took, to the endpoint's answer or the failure.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)}),
	}
	if o.Metrics != nil {
		for _, c := range []prometheus.Collector{s.sent, s.latency} {
			if err := o.Metrics.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// NewClient is the HTTP client of deliveries: TLS 1.3 at least, proxies
// from the environment, redirects not followed (a 3xx is a failure: the
// endpoint's URL is the one an admin set), timeout per attempt.
func NewClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS13}
	// many endpoints may be on one host (an integration platform's): keep
	// their connections rather than dial one per delivery
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost = 1024, 128, 128
	tr.ResponseHeaderTimeout = timeout
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Run delivers until ctx ends.
func (s *Sender) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.record(ctx)
	}()
	defer wg.Wait()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	wake := s.o.Store.HookWake()
	for {
		if s.o.Leader() {
			if err := s.Step(ctx); err != nil && ctx.Err() == nil {
				s.o.Log.Warn("webhooks: the queue does not read; trying again", "err", err)
			}
		}
		// what was queued and settled meanwhile is looked at together: a
		// look reads every endpoint's queue
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(stepGap):
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-wake:
		case <-s.settled:
		}
	}
}

// stepGap is the least time between two looks at the queues.
const stepGap = 50 * time.Millisecond

// Step starts the deliveries that are due and have room, on their own
// goroutines.
func (s *Sender) Step(ctx context.Context) error {
	live, err := s.endpoints()
	if err != nil {
		return err
	}
	if len(live) == 0 {
		return nil
	}
	heads, err := s.o.Store.HookHeads(s.o.Now().UnixMilli(), func(tenant, endpoint string) int {
		ek := tenant + "/" + endpoint
		if live[ek] == nil {
			return 0
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.o.InFlight - s.inflight[ek]
	}, func(tenant, endpoint, order string) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		_, ok := s.busy[tenant+"/"+endpoint+"/"+order]
		return ok
	})
	if err != nil {
		return err
	}
	for i := range heads {
		d := heads[i]
		ek := d.Tenant + "/" + d.Endpoint
		key := ek + "/" + d.Order
		w := live[ek]
		s.mu.Lock()
		s.inflight[ek]++
		s.busy[key] = struct{}{}
		s.mu.Unlock()
		go func() {
			r := s.deliver(ctx, d.Tenant, w, &d)
			s.mu.Lock()
			s.inflight[ek]--
			s.mu.Unlock()
			if r.Status == "" { // stopped: not recorded; tried again
				s.mu.Lock()
				delete(s.busy, key)
				s.mu.Unlock()
				return
			}
			s.results <- outcome{tenant: d.Tenant, key: key, r: r}
		}()
	}
	return nil
}

// endpoints are the endpoints that send, by tenant/id, read again when
// one changed.
func (s *Sender) endpoints() (map[string]*event.WebhookEndpoint, error) {
	v := s.o.Store.HookVersion()
	if s.live != nil && v == s.liveV {
		return s.live, nil
	}
	hooks, err := s.o.Store.Hooks()
	if err != nil {
		return nil, err
	}
	live := make(map[string]*event.WebhookEndpoint, len(hooks))
	for i := range hooks {
		if h := &hooks[i]; !h.Endpoint.Disabled {
			live[h.Tenant+"/"+h.Endpoint.ID] = &h.Endpoint
		}
	}
	s.live, s.liveV = live, v
	return live, nil
}

// record writes outcomes to the log, a batch per tenant every 100 ms at
// most, and frees their orders once the state has them.
func (s *Sender) record(ctx context.Context) {
	var batch []outcome
	var flush <-chan time.Time
	var timer *time.Timer
	write := func() {
		by := map[string][]outcome{}
		var tenants []string
		for _, o := range batch {
			if by[o.tenant] == nil {
				tenants = append(tenants, o.tenant)
			}
			by[o.tenant] = append(by[o.tenant], o)
		}
		for _, t := range tenants {
			list := by[t]
			for len(list) > 0 {
				n := min(len(list), event.MaxWebhookResults)
				rs := make([]event.WebhookResult, n)
				for i := range n {
					rs[i] = list[i].r
				}
				actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
				_, err := s.o.Journal.Append(actx, &event.Event{Kind: event.KindWebhookResults, Tenant: t,
					Actor: event.Actor{Kind: event.ActorSystem, ID: "webhooks"}, HookResults: &event.WebhookResults{Results: rs}})
				cancel()
				if err != nil {
					// not recorded: the deliveries stay queued and are sent again
					s.o.Log.Warn("webhooks: results not written to the log; those deliveries will be sent again", "tenant", t, "results", n, "err", err)
				}
				s.mu.Lock()
				for _, o := range list[:n] {
					delete(s.busy, o.key)
				}
				s.mu.Unlock()
				list = list[n:]
			}
		}
		batch = batch[:0]
		select {
		case s.settled <- struct{}{}:
		default:
		}
	}
	for {
		select {
		case <-ctx.Done():
			if len(batch) > 0 {
				write()
			}
			return
		case o := <-s.results:
			batch = append(batch, o)
			if len(batch) >= event.MaxWebhookResults {
				write()
				if timer != nil {
					timer.Stop()
				}
				flush = nil
			} else if flush == nil {
				timer = time.NewTimer(100 * time.Millisecond)
				flush = timer.C
			}
		case <-flush:
			flush = nil
			write()
		}
	}
}

// Payload is a delivery's body.
type Payload struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Tenant    string          `json:"tenant"`
	Seq       uint64          `json:"seq"`
	Data      *state.HookData `json:"data"`
}

// deliver makes one attempt at d and says what became of it (an empty
// status when ctx ended first: nothing to record).
func (s *Sender) deliver(ctx context.Context, tenant string, w *event.WebhookEndpoint, d *state.Delivery) event.WebhookResult {
	start := s.o.Now()
	r := event.WebhookResult{Endpoint: w.ID, Seq: d.Seq, Order: d.Order, Attempts: d.Attempts + 1, At: start.UnixMilli()}
	body, err := s.body(tenant, d)
	if err != nil {
		return s.failed(r, 0, "the delivery does not encode: "+err.Error(), true)
	}
	sig, err := s.sign(tenant, w, d.EventID, start, body)
	if err != nil {
		return s.failed(r, 0, err.Error(), true)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return s.failed(r, 0, "the endpoint's URL: "+err.Error(), true)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Edgedesk-Webhooks/1")
	req.Header.Set("webhook-id", d.EventID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(start.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := s.o.Client.Do(req)
	s.latency.Observe(time.Since(start).Seconds())
	if err != nil {
		if ctx.Err() != nil {
			return event.WebhookResult{}
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a token
		}
		return s.failed(r, 0, "no answer: "+err.Error(), false)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection is kept
	if resp.StatusCode/100 == 2 {
		r.Status, r.Code = event.HookSent, resp.StatusCode
		s.sent.WithLabelValues(event.HookSent).Inc()
		return r
	}
	return s.failed(r, resp.StatusCode, "HTTP "+strconv.Itoa(resp.StatusCode)+answerText(head), resp.StatusCode == http.StatusGone)
}

// body is d's payload, encoded once for all the endpoints it goes to.
func (s *Sender) body(tenant string, d *state.Delivery) ([]byte, error) {
	key := tenant + "/" + strconv.FormatUint(d.Seq, 10)
	s.mu.Lock()
	b, ok := s.bodies[key]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := json.Marshal(Payload{Type: d.Type, Timestamp: time.UnixMilli(d.At).UTC().Format(time.RFC3339Nano), Tenant: tenant, Seq: d.Seq, Data: d.Data})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.bodies) >= maxBodies {
		clear(s.bodies)
	}
	s.bodies[key] = b
	s.mu.Unlock()
	return b, nil
}

// maxBodies bounds the bodies kept (some 5 MB).
const maxBodies = 4096

// failed is a failed attempt's result: retried on the schedule, or dead
// after its last attempt (or at once, for what a retry cannot mend: a 410
// Gone, a delivery that cannot be made).
func (s *Sender) failed(r event.WebhookResult, code int, msg string, final bool) event.WebhookResult {
	r.Code, r.Error = code, cut(msg, 300)
	if final || r.Attempts > len(s.o.Schedule) {
		r.Status = event.HookDead
	} else {
		r.Status, r.NextAt = event.HookRetry, r.At+s.o.Schedule[r.Attempts-1].Milliseconds()
	}
	s.sent.WithLabelValues(r.Status).Inc()
	return r
}

// sign is the webhook-signature header: "v1,<base64 HMAC-SHA256>" under
// each secret of w that still signs, space-separated.
func (s *Sender) sign(tenant string, w *event.WebhookEndpoint, id string, at time.Time, body []byte) (string, error) {
	var sigs []string
	for _, sec := range w.Secrets {
		if sec.ExpiresAt != 0 && sec.ExpiresAt <= at.UnixMilli() {
			continue
		}
		plain, err := s.o.Open(sec.Sealed, conversation.SecretBinding(tenant, w.ID, sec.ID), "webhook.secret")
		if err != nil {
			return "", fmt.Errorf("the signing secret %s does not open with this region's key: %v", sec.ID, err)
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(plain, conversation.SecretPrefix))
		if err != nil {
			return "", fmt.Errorf("the signing secret %s is malformed", sec.ID)
		}
		sigs = append(sigs, Sign(key, id, at.Unix(), body))
	}
	if len(sigs) == 0 {
		return "", errors.New("the endpoint has no signing secret that has not expired: rotate it")
	}
	return strings.Join(sigs, " "), nil
}

// Sign is one signature of the Standard Webhooks scheme: "v1," and the
// base64 of HMAC-SHA256 under key of "<id>.<timestamp>.<body>".
func Sign(key []byte, id string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// answerText is the start of an endpoint's answer, for the admin: one
// line of UTF-8.
func answerText(b []byte) string {
	t := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if t == "" {
		return ""
	}
	return ": " + cut(t, 200)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - 3
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
