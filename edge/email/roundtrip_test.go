package email_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jhillyerd/enmime/v2"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
)

// relay is an SMTP server standing in for the company's relay: it keeps
// what it is given.
type relay struct {
	mu    sync.Mutex
	mails [][]byte
	rcpts [][]string
}

type relaySession struct {
	r  *relay
	to []string
}

func (s *relaySession) Reset()                               { s.to = nil }
func (s *relaySession) Logout() error                        { return nil }
func (s *relaySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.mails, s.r.rcpts = append(s.r.mails, b), append(s.r.rcpts, s.to)
	s.r.mu.Unlock()
	return nil
}

// count is how many mails the relay took.
func (r *relay) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.mails)
}

func startRelay(t *testing.T) (*relay, string) {
	t.Helper()
	r := &relay{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }))
	srv.Domain = "relay.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r, ln.Addr().String()
}

func (r *relay) wait(t *testing.T, n int) ([]byte, []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		if len(r.mails) >= n {
			m, to := r.mails[n-1], r.rcpts[n-1]
			r.mu.Unlock()
			return m, to
		}
		r.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the relay got no mail %d in 30 s", n)
	return nil, nil
}

// TestMailRoundTrip: a customer writes (swaks → the edge's SMTP server),
// an agent answers in the console's protocol, the answer leaves through
// the relay as a mail that threads (In-Reply-To, References, a Reply-To
// plus-address), its delivery shows on the message, and the customer's
// answer to it comes back into the same conversation.
func TestMailRoundTrip(t *testing.T) {
	r, addr := startRelay(t)
	e := mailEdge(t, func(c *config.Config) {
		c.Email.Relay = config.Relay{Addr: addr, TLS: "none"}
		c.Email.Inboxes[0].Signature = "Demo Shop support"
	})
	first := mailFile(t, "From: Chen Wei <chen@example.cn>", "To: support@demo.test", "Cc: Li Na <li.na@example.cn>",
		"Subject: Refund for order 77", "Message-ID: <chen-1@example.cn>", "", "Please refund order 77.")
	mustSend(t, e, "--from", "chen@example.cn", "--to", "support@demo.test", "--data", first)
	conv := emailConvs(t, e)[0]

	agent := e.Agent("alice@demo.test", "all")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ack, err := agent.Request(ctx, &protocol.InFrame{Type: protocol.TypeSend, Conv: conv.ID, ClientID: "reply-1",
		Text: "We have refunded order 77.\nIt shows in 3 days.", Cc: []protocol.Address{{Name: "Li Na", Address: "li.na@example.cn"}}})
	if err != nil || ack.Type != "ack" {
		t.Fatalf("reply: %v %+v", err, ack)
	}
	raw, rcpts := r.wait(t, 1)
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rcpts, ",") != "chen@example.cn,li.na@example.cn" {
		t.Errorf("sent to %v", rcpts)
	}
	if got := env.GetHeader("Subject"); got != "Re: Refund for order 77" {
		t.Errorf("subject %q", got)
	}
	if got := env.GetHeader("In-Reply-To"); got != "<chen-1@example.cn>" {
		t.Errorf("In-Reply-To %q", got)
	}
	replyTo := env.GetHeader("Reply-To")
	if !strings.Contains(replyTo, "support+"+conv.ID+".") || !strings.Contains(env.GetHeader("From"), "support@demo.test") {
		t.Errorf("From %q, Reply-To %q", env.GetHeader("From"), replyTo)
	}
	if !strings.Contains(env.Text, "We have refunded order 77.") || !strings.Contains(env.Text, "Demo Shop support") {
		t.Errorf("text %q", env.Text)
	}
	sentID := strings.Trim(env.GetHeader("Message-Id"), "<>")

	// the delivery shows on the message
	deadline := time.Now().Add(20 * time.Second)
	var delivered *event.Delivery
	for delivered == nil && time.Now().Before(deadline) {
		items, _, _ := e.Node.Store().Timeline(edge.DemoTenant, conv.ID, 0, 100, true)
		for _, it := range items {
			if it.Kind == "delivery" && it.Delivery != nil {
				delivered = it.Delivery
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if delivered == nil || delivered.Status != event.DeliverySent || delivered.MessageID != sentID {
		t.Fatalf("delivery %+v, want sent as %s", delivered, sentID)
	}

	// the customer answers the mail: by its Message-ID
	answer := mailFile(t, "From: chen@example.cn", "To: "+replyTo, "Subject: Re: Refund for order 77",
		"Message-ID: <chen-2@example.cn>", "In-Reply-To: <"+sentID+">", "", "Thank you!")
	mustSend(t, e, "--from", "chen@example.cn", "--to", "support@demo.test", "--data", answer)
	if n := len(emailConvs(t, e)); n != 1 {
		t.Fatalf("%d conversations after the customer's answer, want 1", n)
	}
	msgs := messages(t, e, conv.ID)
	if len(msgs) != 3 || msgs[2].Text != "Thank you!" {
		t.Fatalf("the thread: %+v", msgs)
	}
}

// TestAwayFormReplyByMail: a visitor leaves the widget after giving an
// e-mail address (the away form); the agent's answer goes there by mail,
// and the visitor's answer to that mail comes back into the widget
// conversation. While the visitor is connected, nothing is mailed.
func TestAwayFormReplyByMail(t *testing.T) {
	r, addr := startRelay(t)
	e := mailEdge(t, func(c *config.Config) { c.Email.Relay = config.Relay{Addr: addr, TLS: "none"} })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v := e.Visitor()
	st, err := v.Start(ctx, "away-1")
	if err != nil || st.Type != "ack" {
		t.Fatalf("start: %v %+v", err, st)
	}
	conv := st.Conv
	if _, err := v.Message(ctx, conv, "q1", "Do you ship to Norway?"); err != nil {
		t.Fatal(err)
	}
	if p, err := v.Request(ctx, &protocol.InFrame{Type: protocol.TypeProfile, Name: "Ola Nordmann", Email: "ola@example.no"}); err != nil || p.Type != "ack" {
		t.Fatalf("profile: %v %+v", err, p)
	}
	agent := e.Agent("alice@demo.test", "all")
	// the visitor is still here: a chat reply only
	if a, err := agent.Request(ctx, &protocol.InFrame{Type: protocol.TypeSend, Conv: conv, ClientID: "a1", Text: "Let me check."}); err != nil || a.Type != "ack" {
		t.Fatalf("reply: %v %+v", err, a)
	}
	v.Close()
	time.Sleep(300 * time.Millisecond) // the edge sees the socket close
	if a, err := agent.Request(ctx, &protocol.InFrame{Type: protocol.TypeSend, Conv: conv, ClientID: "a2", Text: "Yes, we ship to Norway in 4 days."}); err != nil || a.Type != "ack" {
		t.Fatalf("reply: %v %+v", err, a)
	}
	raw, rcpts := r.wait(t, 1)
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rcpts, ",") != "ola@example.no" || env.GetHeader("Subject") != "Your conversation with Demo Shop" ||
		!strings.Contains(env.Text, "Yes, we ship to Norway") || strings.Contains(env.Text, "Let me check") {
		t.Fatalf("the mail: to %v, subject %q, text %q", rcpts, env.GetHeader("Subject"), env.Text)
	}
	time.Sleep(200 * time.Millisecond)
	r.mu.Lock()
	n := len(r.mails)
	r.mu.Unlock()
	if n != 1 {
		t.Errorf("%d mails sent, want 1 (the reply while the visitor was there stays in the chat)", n)
	}
	answer := mailFile(t, "From: ola@example.no", "To: "+env.GetHeader("Reply-To"), "Subject: Re: Your conversation with Demo Shop",
		"Message-ID: <ola-1@example.no>", "", "Great, I will order today.")
	mustSend(t, e, "--from", "ola@example.no", "--to", strings.Trim(env.GetHeader("Reply-To"), "<>"), "--data", answer)
	msgs := messages(t, e, conv)
	if last := msgs[len(msgs)-1]; last.Text != "Great, I will order today." || last.Channel != "email" {
		t.Fatalf("the visitor's mail is not the widget conversation's last message: %+v", last)
	}
	if n := len(emailConvs(t, e)); n != 0 {
		t.Errorf("%d e-mail conversations opened; the answer belongs to the widget's", n)
	}
}

// TestRuleAcknowledgesByMail: a rule that replies to new e-mail
// conversations mails its reply, marked Auto-Submitted: auto-replied; a
// mail a machine sent (Auto-Submitted) gets no reply from the rule, and
// the conversation says why (RFC 3834).
func TestRuleAcknowledgesByMail(t *testing.T) {
	r, addr := startRelay(t)
	e := mailEdge(t, func(c *config.Config) { c.Email.Relay = config.Relay{Addr: addr, TLS: "none"} })
	alice := e.Agent("alice@demo.test", "all")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "rules_set", Rules: []protocol.Rule{{ID: "ack", Name: "Acknowledge mail", When: []string{"message_in"},
		Conditions: []protocol.Condition{{Field: "channel", Op: "is", Value: "email"}, {Field: "tags", Op: "not_contains", Values: []string{"acked"}}},
		Actions:    []protocol.Action{{Type: "add_tags", Tags: []string{"acked"}}, {Type: "reply", Text: "We have your request and answer within a day."}}}}}); err != nil {
		t.Fatal(err)
	}
	mustSend(t, e, "--from", "chen@example.cn", "--to", "support@demo.test", "--data", mailFile(t, "From: chen@example.cn", "To: support@demo.test",
		"Subject: Broken cup", "Message-ID: <cup-1@example.cn>", "", "The cup came broken."))
	raw, rcpts := r.wait(t, 1)
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rcpts, ",") != "chen@example.cn" || env.GetHeader("Auto-Submitted") != "auto-replied" || !strings.Contains(env.Text, "We have your request") {
		t.Fatalf("the rule's reply to %v: Auto-Submitted %q, text %q", rcpts, env.GetHeader("Auto-Submitted"), env.Text)
	}

	// an auto-responder's mail: no reply
	mustSend(t, e, "--from", "bot@example.org", "--to", "support@demo.test", "--data", mailFile(t, "From: bot@example.org", "To: support@demo.test",
		"Subject: Out of office", "Message-ID: <ooo-1@example.org>", "Auto-Submitted: auto-replied", "", "I am away until Monday."))
	var conv string
	for _, c := range emailConvs(t, e) {
		if c.Subject == "Out of office" {
			conv = c.ID
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		items, _, _ := e.Node.Store().Timeline(edge.DemoTenant, conv, 0, 100, true)
		skipped := false
		for _, it := range items {
			skipped = skipped || it.Kind == "automation" && strings.Contains(it.Text, "sent by a machine, which gets no automatic answer")
		}
		if skipped {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no skip recorded for the machine's mail: %+v", items)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := r.count(); n != 1 {
		t.Fatalf("the relay got %d mails; want only the reply to the person", n)
	}
}
