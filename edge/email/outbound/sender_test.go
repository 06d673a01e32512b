package outbound_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/jhillyerd/enmime/v2"

	"github.com/edgedesk/edgedesk/edge/attachments"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/email/outbound"
	"github.com/edgedesk/edgedesk/edge/email/thread"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/internal/testcert"
)

// ---- the relay sink: a go-smtp server with STARTTLS and AUTH PLAIN ----

type received struct {
	from  string
	rcpts []string
	raw   []byte
	tls   bool
	user  string
}

type sink struct {
	addr string
	pool *x509.CertPool

	mu   sync.Mutex
	got  []received
	rcpt []error // answers to the next RCPTs (nil: accept)
	data []error // answers to the next DATAs
	conn int
}

func (k *sink) next(q *[]error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(*q) == 0 {
		return nil
	}
	err := (*q)[0]
	*q = (*q)[1:]
	return err
}

func (k *sink) mails() []received {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]received(nil), k.got...)
}

type session struct {
	k    *sink
	c    *smtp.Conn
	cur  received
	user string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pw string) error {
		if user != "edge" || pw != "s3cret" {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	_, isTLS := s.c.TLSConnectionState()
	s.cur = received{from: from, tls: isTLS, user: s.user}
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.k.next(&s.k.rcpt); err != nil {
		return err
	}
	s.cur.rcpts = append(s.cur.rcpts, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := s.k.next(&s.k.data); err != nil {
		return err
	}
	s.cur.raw = b
	s.k.mu.Lock()
	s.k.got = append(s.k.got, s.cur)
	s.k.mu.Unlock()
	return nil
}
func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

type quiet struct{}

func (quiet) Printf(string, ...any) {}
func (quiet) Println(...any)        {}

func startSink(t *testing.T) *sink {
	t.Helper()
	c := testcert.New(t)
	cert, pool := c.TLS, c.Pool
	k := &sink{pool: pool}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		k.mu.Lock()
		k.conn++
		k.mu.Unlock()
		return &session{k: k, c: c}, nil
	}))
	srv.Domain = "relay.test"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.ErrorLog = quiet{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	k.addr = l.Addr().String()
	return k
}

// ---- the log: events applied through the real projector ----

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t     *testing.T
	dir   string
	clock *clock
	sink  *sink
	tok   *thread.Tokens

	mu    sync.Mutex
	store *state.Store
	seq   uint64
	ids   map[string]uint64
	evs   []*event.Event
	fail  bool // Append fails (a log that is down)
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, dir: t.TempDir(), clock: &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
		tok: thread.NewTokens([]byte("region secret")), ids: map[string]uint64{}}
	h.open()
	t.Cleanup(func() { h.store.Close() })
	h.sink = startSink(t)
	return h
}

func (h *harness) open() {
	s, err := state.Open(filepath.Join(h.dir, "state"), state.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		h.t.Fatal(err)
	}
	h.store = s
}

// reopen closes the store and opens it again, as a restarted node does.
func (h *harness) reopen() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.store.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
}

// Append is the node's journal in small: dedupe by id, stamp, apply.
func (h *harness) Append(_ context.Context, e *event.Event) (uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail {
		return 0, errors.New("the log is down")
	}
	if e.V == 0 {
		e.V = event.Version
	}
	if e.ID == "" {
		e.ID = event.NewID()
	}
	if e.Origin == "" {
		e.Origin = "edge-a"
	}
	if e.TS == 0 {
		e.TS = h.clock.Now().UnixMilli()
	}
	if e.Tenant == "" {
		e.Tenant = "t1"
	}
	if err := e.Validate(); err != nil {
		return 0, err
	}
	if seq, ok := h.ids[e.ID]; ok {
		return seq, nil
	}
	h.seq++
	e.Seq = h.seq
	if _, err := h.store.ApplyBatch([]*event.Event{e}); err != nil {
		return 0, err
	}
	h.ids[e.ID] = e.Seq
	h.evs = append(h.evs, e)
	return e.Seq, nil
}

func (h *harness) add(evs ...*event.Event) uint64 {
	h.t.Helper()
	var seq uint64
	for _, e := range evs {
		var err error
		if seq, err = h.Append(context.Background(), e); err != nil {
			h.t.Fatal(err)
		}
	}
	return seq
}

func (h *harness) deliveries() []*event.Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*event.Delivery
	for _, e := range h.evs {
		if e.Delivery != nil {
			out = append(out, e.Delivery)
		}
	}
	return out
}

var (
	cust  = event.Actor{Kind: event.ActorCustomer, ID: "k1"}
	agent = event.Actor{Kind: event.ActorAgent, ID: "a1"}
)

// seed makes tenant t1 with an e-mail inbox, agent Ann, customer Carla
// and conversation v1 where Carla wrote twice.
func (h *harness) seed() {
	h.add(
		&event.Event{Kind: event.KindTenantUpserted, Actor: agent, TenantInfo: &event.Tenant{ID: "t1", Name: "Acme"}},
		&event.Event{Kind: event.KindInboxUpserted, Actor: agent, Inbox: &event.Inbox{ID: "support", Name: "Acme Support", Channel: "email"}},
		&event.Event{Kind: event.KindAgentUpserted, Actor: agent, Agent: &event.Agent{ID: "a1", Email: "ann@acme.example", Name: "Ann"}},
		&event.Event{Kind: event.KindContactUpserted, Actor: cust, Contact: &event.Contact{ID: "k1", Name: "Carla", Email: "carla@customer.example"}},
		&event.Event{Kind: event.KindConversationOpened, Actor: cust, Conversation: &event.ConvOpened{Conv: "v1", Inbox: "support", Contact: "k1", Channel: "email"}},
		inbound("v1", "c1", "first@customer.example", "Printer on fire"),
		inbound("v1", "c2", "second@customer.example", "Re: Printer on fire"),
	)
}

func inbound(conv, cid, msgID, subject string) *event.Event {
	return &event.Event{Kind: event.KindMessageCreated, Actor: cust, Message: &event.Message{Conv: conv, ClientID: cid,
		Text: "help", Channel: "email", Email: &event.Email{MessageID: msgID, Subject: subject,
			From: &event.Address{Name: "Carla", Addr: "carla@customer.example"}}}}
}

func reply(conv, cid, text string, atts ...string) *event.Event {
	return &event.Event{Kind: event.KindMessageCreated, Actor: agent, Message: &event.Message{Conv: conv, ClientID: cid, Text: text, Attachments: atts}}
}

// upload stores an attachment's bytes where the gateway keeps them, and
// its record.
func (h *harness) upload(id, name, typ string, data []byte) {
	dir := filepath.Join(h.dir, "attachments", "t1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id), data, 0o600); err != nil {
		h.t.Fatal(err)
	}
	h.add(&event.Event{Kind: event.KindAttachmentStored, Actor: agent, Attachment: &event.Attachment{ID: id, Name: name, Type: typ, Size: int64(len(data)), SHA256: "x"}})
}

type dkimKey struct {
	file string
	txt  string // the DNS record
}

func writeKey(t *testing.T, dir, kind string) dkimKey {
	t.Helper()
	var blk *pem.Block
	var pub []byte
	var k string
	switch kind {
	case "ed25519":
		p, priv, _ := ed25519.GenerateKey(rand.Reader)
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		blk, pub, k = &pem.Block{Type: "PRIVATE KEY", Bytes: der}, p, "ed25519"
	case "rsa-pkcs1", "rsa-pkcs8":
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		blk = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)}
		if kind == "rsa-pkcs8" {
			der, _ := x509.MarshalPKCS8PrivateKey(priv)
			blk = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
		}
		pub, _ = x509.MarshalPKIXPublicKey(&priv.PublicKey)
		k = "rsa"
	}
	f := filepath.Join(dir, kind+".pem")
	if err := os.WriteFile(f, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	return dkimKey{file: f, txt: "v=DKIM1; k=" + k + "; p=" + base64.StdEncoding.EncodeToString(pub)}
}

func (h *harness) sender(key dkimKey) *outbound.Sender {
	h.t.Helper()
	pw := filepath.Join(h.dir, "relay.pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	o := outbound.Options{
		Store: h.store, Append: h.Append,
		Relay:    config.Relay{Addr: h.sink.addr, User: "edge", PasswordFile: pw},
		Hostname: "edge-a.acme.example",
		Inboxes: []config.EmailInbox{{Address: "support@acme.example", Tenant: "t1", Inbox: "support",
			Signature: "Acme Support\nhttps://acme.example"}},
		Tokens: h.tok, Attachments: attachments.Dir{Path: filepath.Join(h.dir, "attachments")}, NodeID: "edge-a",
		Log: slog.New(slog.DiscardHandler), Now: h.clock.Now, RootCAs: h.sink.pool,
	}
	if key.file != "" {
		o.DKIM = config.DKIM{Domain: "acme.example", Selector: "s1", KeyFile: key.file}
	}
	s, err := outbound.New(o)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// run starts s until the test ends.
func run(t *testing.T, s *outbound.Sender) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *harness) waitDeliveries(n int) []*event.Delivery {
	h.t.Helper()
	waitFor(h.t, fmt.Sprintf("%d delivery events", n), func() bool { return len(h.deliveries()) >= n })
	return h.deliveries()
}

func (h *harness) outbox() []state.OutboxRec {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	ob, err := h.store.Outbox(0)
	if err != nil {
		h.t.Fatal(err)
	}
	return ob
}

// ---- the tests ----

func TestReplyGoesOutSignedThreadedWithAttachments(t *testing.T) {
	for _, kind := range []string{"rsa-pkcs1", "ed25519"} {
		t.Run(kind, func(t *testing.T) {
			h := newHarness(t)
			h.seed()
			pdf := append([]byte("%PDF-1.4\x00\xff binary"), bytes.Repeat([]byte{0, 1, 2, 0xfe}, 3000)...)
			h.upload("att1", "invoice.pdf", "application/pdf", pdf)
			key := writeKey(t, h.dir, kind)
			long := strings.Repeat("word ", 300) // one line of 1500 bytes
			seq := h.add(reply("v1", "r1", "Hello <Carla> & co,\nit is fixed.\n"+long, "att1"))
			s := h.sender(key)
			run(t, s)
			s.Notify()

			ds := h.waitDeliveries(1)
			if d := ds[0]; d.Status != event.DeliverySent || d.Ref != seq || d.Conv != "v1" || d.Attempts != 1 ||
				d.MessageID != thread.MessageID("v1", seq, "edge-a.acme.example") {
				t.Fatalf("delivery %+v, want sent, attempt 1, of seq %d", d, seq)
			}
			if ob := h.outbox(); len(ob) != 0 {
				t.Fatalf("outbox %+v after sending, want empty", ob)
			}
			got := h.sink.mails()
			if len(got) != 1 {
				t.Fatalf("the relay got %d mails, want 1", len(got))
			}
			m := got[0]
			if !m.tls || m.user != "edge" || m.from != "support@acme.example" || strings.Join(m.rcpts, ",") != "carla@customer.example" {
				t.Fatalf("envelope %+v: want over TLS, as edge, from the inbox to Carla", m)
			}

			// DKIM, with the test's key as the DNS record
			vs, err := dkim.VerifyWithOptions(bytes.NewReader(m.raw), &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
				if domain != "s1._domainkey.acme.example" {
					return nil, fmt.Errorf("no TXT at %s", domain)
				}
				return []string{key.txt}, nil
			}})
			if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "acme.example" {
				t.Fatalf("DKIM: %v, %+v; want one valid signature of acme.example", err, vs)
			}

			env, err := enmime.ReadEnvelope(bytes.NewReader(m.raw))
			if err != nil {
				t.Fatal(err)
			}
			hdr := func(k string) string { return env.GetHeader(k) }
			if f := hdr("From"); f != `"Ann from Acme Support" <support@acme.example>` {
				t.Errorf("From %q", f)
			}
			if to := hdr("To"); !strings.Contains(to, "carla@customer.example") {
				t.Errorf("To %q", to)
			}
			if sub := hdr("Subject"); sub != "Re: Printer on fire" {
				t.Errorf("Subject %q, want Re: Printer on fire", sub)
			}
			if id := hdr("Message-ID"); id != "<"+thread.MessageID("v1", seq, "edge-a.acme.example")+">" {
				t.Errorf("Message-ID %q", id)
			}
			if v := hdr("In-Reply-To"); v != "<second@customer.example>" {
				t.Errorf("In-Reply-To %q, want the latest inbound", v)
			}
			if v := strings.Join(strings.Fields(hdr("References")), " "); v != "<first@customer.example> <second@customer.example>" {
				t.Errorf("References %q", v)
			}
			if hdr("Date") == "" || hdr("Auto-Submitted") != "" {
				t.Errorf("Date %q, Auto-Submitted %q: want a date, and no Auto-Submitted on a person's reply", hdr("Date"), hdr("Auto-Submitted"))
			}
			rt, err := mail.ParseAddress(hdr("Reply-To"))
			if err != nil {
				t.Fatalf("Reply-To %q: %v", hdr("Reply-To"), err)
			}
			base, tag := thread.Plus(rt.Address)
			if conv, ok := h.tok.Conv("t1", tag); base != "support@acme.example" || !ok || conv != "v1" {
				t.Errorf("Reply-To %s: want the inbox's plus-address naming v1", rt.Address)
			}
			text := strings.ReplaceAll(env.Text, "\r\n", "\n")
			if !strings.Contains(text, "Hello <Carla> & co,\nit is fixed.") || !strings.Contains(text, long) ||
				!strings.Contains(text, "-- \nAcme Support\nhttps://acme.example") {
				t.Errorf("text %q: want the reply, its long line whole, and the signature", env.Text)
			}
			if !strings.Contains(env.HTML, "Hello &lt;Carla&gt; &amp; co,<br>") || !strings.Contains(env.HTML, "Acme Support<br>") {
				t.Errorf("HTML %q: want the text escaped, lines broken, and the signature", env.HTML)
			}
			for _, line := range bytes.Split(m.raw, []byte("\n")) {
				if len(line) > 999 {
					t.Fatalf("a line of %d bytes in the mail: at most 998", len(line))
				}
			}
			if len(env.Attachments) != 1 || env.Attachments[0].FileName != "invoice.pdf" ||
				env.Attachments[0].ContentType != "application/pdf" || !bytes.Equal(env.Attachments[0].Content, pdf) {
				t.Fatalf("attachments %d: want invoice.pdf with its bytes", len(env.Attachments))
			}

			// the next reply names the first one's Message-ID too
			seq2 := h.add(reply("v1", "r2", "One more thing."))
			s.Notify()
			h.waitDeliveries(2)
			env2, err := enmime.ReadEnvelope(bytes.NewReader(h.sink.mails()[1].raw))
			if err != nil {
				t.Fatal(err)
			}
			if v := strings.Fields(env2.GetHeader("References")); len(v) != 3 || v[2] != "<"+thread.MessageID("v1", seq, "edge-a.acme.example")+">" {
				t.Errorf("second reply's References %q: want the two inbound and the first reply", v)
			}
			if v := env2.GetHeader("In-Reply-To"); v != "<second@customer.example>" {
				t.Errorf("second reply's In-Reply-To %q", v)
			}
			_ = seq2
		})
	}
}

func TestTemporaryRefusalIsRetriedAfterRestart(t *testing.T) {
	h := newHarness(t)
	h.seed()
	h.sink.data = []error{&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}}
	seq := h.add(reply("v1", "r1", "Fixed."))
	s := h.sender(dkimKey{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	s.Notify()

	ds := h.waitDeliveries(1)
	next := h.clock.Now().Add(time.Minute).UnixMilli()
	if d := ds[0]; d.Status != event.DeliveryDeferred || d.Attempts != 1 || d.Next != next || !strings.Contains(d.Detail, "451 4.3.0 try again later") {
		t.Fatalf("first attempt %+v: want deferred a minute, showing the relay's answer", d)
	}
	if ob := h.outbox(); len(ob) != 1 || ob[0].Attempts != 1 || ob[0].Next != next {
		t.Fatalf("outbox %+v, want the reply due in a minute", ob)
	}
	// not sent again before it is due
	s.Notify()
	time.Sleep(100 * time.Millisecond)
	if n := len(h.deliveries()); n != 1 {
		t.Fatalf("%d attempts before the reply was due, want 1", n)
	}

	// the node restarts: the outbox comes from the store
	cancel()
	<-done
	h.reopen()
	h.clock.Add(time.Minute)
	s = h.sender(dkimKey{})
	run(t, s)
	s.Notify()
	ds = h.waitDeliveries(2)
	if d := ds[1]; d.Status != event.DeliverySent || d.Attempts != 2 || d.Ref != seq {
		t.Fatalf("second attempt %+v: want sent", d)
	}
	if len(h.sink.mails()) != 1 || len(h.outbox()) != 0 {
		t.Fatalf("relay got %d mails, outbox %+v: want one mail, none left", len(h.sink.mails()), h.outbox())
	}
}

func TestPermanentRefusalFails(t *testing.T) {
	h := newHarness(t)
	h.seed()
	h.sink.rcpt = []error{&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}}
	h.add(reply("v1", "r1", "Fixed."))
	s := h.sender(dkimKey{})
	run(t, s)
	s.Notify()
	ds := h.waitDeliveries(1)
	if d := ds[0]; d.Status != event.DeliveryFailed || d.Detail != "RCPT TO:<carla@customer.example>: the relay answered 550 5.1.1 no such user here" {
		t.Fatalf("delivery %+v: want failed with the relay's answer", d)
	}
	if ob := h.outbox(); len(ob) != 0 {
		t.Fatalf("outbox %+v, want empty", ob)
	}
}

func TestGivesUpAfterThreeDays(t *testing.T) {
	h := newHarness(t)
	h.seed()
	h.add(reply("v1", "r1", "Fixed."))
	busy := &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "busy"}
	h.sink.data = []error{busy, busy, busy}
	s := h.sender(dkimKey{})
	run(t, s)
	s.Notify()
	h.waitDeliveries(1)
	h.clock.Add(outbound.Backoff(1))
	s.Notify()
	ds := h.waitDeliveries(2)
	if d := ds[1]; d.Status != event.DeliveryDeferred || d.Attempts != 2 || d.Next != h.clock.Now().Add(2*time.Minute).UnixMilli() {
		t.Fatalf("second attempt %+v: want deferred 2 minutes", d)
	}
	h.clock.Add(outbound.GiveUpAfter)
	s.Notify()
	ds = h.waitDeliveries(3)
	if d := ds[2]; d.Status != event.DeliveryFailed || !strings.Contains(d.Detail, "given up after 3 attempts") || !strings.Contains(d.Detail, "busy") {
		t.Fatalf("third attempt %+v: want failed, given up", d)
	}
	if len(h.outbox()) != 0 {
		t.Fatal("outbox not empty after giving up")
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 5: 16 * time.Minute, 9: 256 * time.Minute, 10: 6 * time.Hour, 60: 6 * time.Hour} {
		if got := outbound.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestNoRecipientFailsWithoutCallingTheRelay(t *testing.T) {
	h := newHarness(t)
	h.seed()
	h.add(
		&event.Event{Kind: event.KindContactUpserted, Actor: cust, Contact: &event.Contact{ID: "k2", Name: "Nomail"}},
		&event.Event{Kind: event.KindConversationOpened, Actor: cust, Conversation: &event.ConvOpened{Conv: "v2", Inbox: "support", Contact: "k2", Channel: "email"}},
		reply("v2", "r1", "Hello?"),
	)
	s := h.sender(dkimKey{})
	run(t, s)
	s.Notify()
	ds := h.waitDeliveries(1)
	if d := ds[0]; d.Status != event.DeliveryFailed || !strings.Contains(d.Detail, "no e-mail address") {
		t.Fatalf("delivery %+v: want failed, saying the contact has no address", d)
	}
	h.sink.mu.Lock()
	defer h.sink.mu.Unlock()
	if h.sink.conn != 0 {
		t.Fatalf("the relay was called %d times", h.sink.conn)
	}
}

func TestChosenRecipientsAndOtherNodesReplies(t *testing.T) {
	h := newHarness(t)
	h.seed()
	chosen := reply("v1", "r1", "To the team.")
	chosen.Message.Email = &event.Email{To: []event.Address{{Name: "Team", Addr: "team@customer.example"}}, Cc: []event.Address{{Addr: "boss@customer.example"}}}
	other := reply("v1", "r2", "From the other node.")
	other.Origin = "edge-b"
	h.add(chosen, other)
	s := h.sender(dkimKey{})
	run(t, s)
	s.Notify()
	h.waitDeliveries(1)
	time.Sleep(100 * time.Millisecond)
	if ds := h.deliveries(); len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1: edge-b's reply is edge-b's to send", len(ds))
	}
	m := h.sink.mails()[0]
	if strings.Join(m.rcpts, ",") != "team@customer.example,boss@customer.example" {
		t.Fatalf("recipients %v", m.rcpts)
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(m.raw))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(env.GetHeader("To"), "team@customer.example") || env.GetHeader("Cc") != "<boss@customer.example>" {
		t.Fatalf("To %q, Cc %q", env.GetHeader("To"), env.GetHeader("Cc"))
	}
	if ob := h.outbox(); len(ob) != 1 || ob[0].Origin != "edge-b" {
		t.Fatalf("outbox %+v, want edge-b's reply", ob)
	}
}

func TestOutcomeIsRecordedWhenTheLogIsBack(t *testing.T) {
	h := newHarness(t)
	h.seed()
	h.add(reply("v1", "r1", "Fixed."))
	h.mu.Lock()
	h.fail = true
	h.mu.Unlock()
	s := h.sender(dkimKey{})
	run(t, s)
	s.Notify()
	waitFor(t, "the mail", func() bool { return len(h.sink.mails()) == 1 })
	time.Sleep(50 * time.Millisecond)
	h.mu.Lock()
	h.fail = false
	h.mu.Unlock()
	s.Notify()
	ds := h.waitDeliveries(1)
	if ds[0].Status != event.DeliverySent || len(h.sink.mails()) != 1 {
		t.Fatalf("delivery %+v, %d mails: want sent once", ds[0], len(h.sink.mails()))
	}
}

func TestNewChecksTheRelay(t *testing.T) {
	h := newHarness(t)
	base := outbound.Options{Store: h.store, Append: h.Append, Tokens: h.tok, NodeID: "n", Hostname: "n.example"}
	for _, c := range []struct {
		name  string
		relay config.Relay
		dkim  config.DKIM
		want  string
	}{
		{"no relay", config.Relay{}, config.DKIM{}, "email.relay.addr is empty"},
		{"plain text to another host", config.Relay{Addr: "smtp.example:25", TLS: "none"}, config.DKIM{}, "loopback"},
		{"password without TLS", config.Relay{Addr: "127.0.0.1:25", TLS: "none", User: "u", PasswordFile: "/x"}, config.DKIM{}, "over TLS only"},
		{"missing password file", config.Relay{Addr: "smtp.example:587", User: "u", PasswordFile: filepath.Join(h.dir, "none")}, config.DKIM{}, "password file"},
		{"bad key", config.Relay{Addr: "smtp.example:587"}, config.DKIM{Domain: "d", Selector: "s", KeyFile: filepath.Join(h.dir, "none")}, "DKIM key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := base
			o.Relay, o.DKIM = c.relay, c.dkim
			if _, err := outbound.New(o); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New: %v, want an error saying %q", err, c.want)
			}
		})
	}
	o := base
	o.Relay = config.Relay{Addr: "[::1]:2525", TLS: "none"}
	if _, err := outbound.New(o); err != nil {
		t.Fatalf("plain text to ::1: %v", err)
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []string{"rsa-pkcs1", "rsa-pkcs8", "ed25519"} {
		k := writeKey(t, dir, kind)
		if _, err := outbound.LoadKey(k.file); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
	bad := filepath.Join(dir, "bad.pem")
	_ = os.WriteFile(bad, []byte("not a key"), 0o600)
	if _, err := outbound.LoadKey(bad); err == nil || !strings.Contains(err.Error(), "not PEM") {
		t.Errorf("a file that is not PEM: %v", err)
	}
}

// TestRuleReplyGoesOutAsAMachines: an automation rule's public reply in an
// e-mail conversation is mailed like an agent's, from the inbox (no
// agent's name), marked Auto-Submitted: auto-replied so that other
// machines do not answer it (RFC 3834).
func TestRuleReplyGoesOutAsAMachines(t *testing.T) {
	h := newHarness(t)
	h.seed()
	seq := h.add(&event.Event{Kind: event.KindMessageCreated, Actor: event.Actor{Kind: event.ActorSystem, ID: "automation:ack"},
		Message: &event.Message{Conv: "v1", ClientID: "a1", Text: "We have your request and answer within a day."}})
	s := h.sender(dkimKey{})
	run(t, s)
	s.Notify()
	if d := h.waitDeliveries(1)[0]; d.Status != event.DeliverySent || d.Ref != seq {
		t.Fatalf("delivery %+v, want the rule's reply sent", d)
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(h.sink.mails()[0].raw))
	if err != nil {
		t.Fatal(err)
	}
	if f, a := env.GetHeader("From"), env.GetHeader("Auto-Submitted"); f != `"Acme Support" <support@acme.example>` || a != "auto-replied" {
		t.Fatalf("From %q, Auto-Submitted %q: want the inbox's name and auto-replied", f, a)
	}
}
