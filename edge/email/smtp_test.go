package email_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/internal/testcert"
)

// swaks runs Debian's swaks against the edge's SMTP server and returns
// its transcript and exit status.
func swaks(t *testing.T, e *edgetest.Edge, args ...string) (string, int) {
	t.Helper()
	bin, err := exec.LookPath("swaks")
	if err != nil {
		t.Skip("swaks is not installed: make mailtools installs it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--server", e.Node.SMTPAddr(), "--timeout", "30"}, args...)...)
	out, _ := cmd.CombinedOutput()
	return string(out), cmd.ProcessState.ExitCode()
}

// mailFile writes a raw mail for swaks --data.
func mailFile(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mail.eml")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// mailEdge starts an edge with the demo e-mail inbox (support@demo.test)
// and its SMTP server on loopback, with STARTTLS.
func mailEdge(t *testing.T, tune func(*config.Config)) *edgetest.Edge {
	t.Helper()
	cfg := edgetest.Config(t)
	edge.DemoEmail(&cfg)
	cfg.Email.SMTP = "127.0.0.1:0"
	cfg.Email.DNS = "off" // tests send nothing off loopback; edge/email/mailauth checks verdicts on a DNS server of its own
	cfg.Email.TLSCertFile, cfg.Email.TLSKeyFile = testcert.New(t).Files(t)
	if tune != nil {
		tune(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return edgetest.Start(t, cfg)
}

// emailConvs are the tenant's e-mail conversations, newest first.
func emailConvs(t *testing.T, e *edgetest.Edge) []state.ConversationRec {
	t.Helper()
	all, _, err := e.Node.Store().Conversations(edge.DemoTenant, nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []state.ConversationRec
	for _, c := range all {
		if c.Channel == "email" {
			out = append(out, c)
		}
	}
	return out
}

// messages are a conversation's message items, oldest first.
func messages(t *testing.T, e *edgetest.Edge, conv string) []state.Item {
	t.Helper()
	items, _, err := e.Node.Store().Timeline(edge.DemoTenant, conv, 0, 500, true)
	if err != nil {
		t.Fatal(err)
	}
	var out []state.Item
	for _, it := range items {
		if it.Kind == "message" {
			out = append(out, it)
		}
	}
	return out
}

func mustSend(t *testing.T, e *edgetest.Edge, args ...string) {
	t.Helper()
	out, code := swaks(t, e, args...)
	if code != 0 || !strings.Contains(out, "<~  250") && !strings.Contains(out, "<-  250") {
		t.Fatalf("swaks %v: exit %d\n%s", args, code, out)
	}
}

// TestSMTPThreadsMail sends mail with swaks, over STARTTLS, and follows
// it into conversations: a new mail opens one for the sender's contact,
// a reply (by In-Reply-To, or by the reply token alone) joins it, the
// same mail twice is kept once, a new subject opens another, a reply to
// a resolved conversation reopens it, and all of it is there after a
// restart.
func TestSMTPThreadsMail(t *testing.T) {
	e := mailEdge(t, nil)
	first := mailFile(t, "From: Ann Lee <ann@example.com>", "To: support@demo.test", "Subject: Where is my order?",
		"Message-ID: <ann-1@example.com>", "Date: Thu, 03 Dec 2026 10:00:00 +0000", "", "Hello,", "my order #1042 has not arrived.", "", "Ann")
	mustSend(t, e, "--tls", "--from", "ann@example.com", "--to", "support@demo.test", "--data", first)
	convs := emailConvs(t, e)
	if len(convs) != 1 {
		t.Fatalf("%d e-mail conversations after one mail, want 1", len(convs))
	}
	c := convs[0]
	if c.Subject != "Where is my order?" || c.Inbox != edge.DemoEmailInbox || c.Status != event.StatusNew {
		t.Errorf("conversation %+v", c)
	}
	ct, err := e.Node.Store().Contact(edge.DemoTenant, c.Contact)
	if err != nil || ct.Email != "ann@example.com" || ct.Name != "Ann Lee" {
		t.Fatalf("contact %+v (%v)", ct, err)
	}
	msgs := messages(t, e, c.ID)
	if len(msgs) != 1 || msgs[0].Email == nil || msgs[0].Email.MessageID != "ann-1@example.com" || msgs[0].Channel != "email" ||
		!strings.Contains(msgs[0].Text, "my order #1042") || msgs[0].ActorKind != event.ActorCustomer {
		t.Fatalf("messages %+v", msgs)
	}

	// a reply by its headers
	reply := mailFile(t, "From: Ann Lee <ann@example.com>", "To: support@demo.test", "Subject: Re: Where is my order?",
		"Message-ID: <ann-2@example.com>", "In-Reply-To: <ann-1@example.com>", "References: <ann-1@example.com>", "",
		"It is order 1042, placed on Monday.", "", "On Thu, 3 Dec 2026 at 10:05, Demo Shop <support@demo.test> wrote:", "> Which order is it?")
	mustSend(t, e, "--tls", "--from", "ann@example.com", "--to", "support@demo.test", "--data", reply)
	// the same mail again (a retry): kept once
	mustSend(t, e, "--tls", "--from", "ann@example.com", "--to", "support@demo.test", "--data", reply)
	// a reply whose client dropped the headers: the reply token finds it
	to := e.Node.Mail().ReplyTo(e.Config.Email.Inboxes[0], c.ID)
	bare := mailFile(t, "From: ann@example.com", "To: "+to, "Subject: photo", "Message-ID: <ann-3@example.com>", "", "Here is a photo of the box.")
	mustSend(t, e, "--tls", "--from", "ann@example.com", "--to", to, "--data", bare)
	// a forged token is only an address of the inbox: a new conversation
	forged := mailFile(t, "From: eve@example.com", "To: support+"+c.ID+".aaaaaaaaaa@demo.test", "Subject: let me in",
		"Message-ID: <eve-1@example.com>", "", "hijack")
	mustSend(t, e, "--tls", "--from", "eve@example.com", "--to", "support+"+c.ID+".aaaaaaaaaa@demo.test", "--data", forged)

	msgs = messages(t, e, c.ID)
	if len(msgs) != 3 {
		t.Fatalf("%d messages in the thread, want 3 (first, reply, token reply)", len(msgs))
	}
	if msgs[1].Text != "It is order 1042, placed on Monday." || !strings.HasPrefix(msgs[1].Email.Quoted, "On Thu, 3 Dec 2026") {
		t.Errorf("the reply's text %q, quoted %q", msgs[1].Text, msgs[1].Email.Quoted)
	}
	if got := len(emailConvs(t, e)); got != 2 {
		t.Errorf("%d conversations after the forged token, want 2", got)
	}

	// a new subject from the same sender, no references: a new conversation, the same contact
	other := mailFile(t, "From: Ann Lee <ann@example.com>", "To: support@demo.test", "Subject: Invoice address",
		"Message-ID: <ann-4@example.com>", "", "Please change my invoice address.")
	mustSend(t, e, "--tls", "--from", "ann@example.com", "--to", "support@demo.test", "--data", other)
	convs = emailConvs(t, e)
	if len(convs) != 3 || convs[0].Subject != "Invoice address" || convs[0].Contact != c.Contact {
		t.Fatalf("after a new subject: %+v", convs)
	}

	// a reply to a resolved conversation reopens it
	agent := e.Agent("alice@demo.test", "all")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if r, err := agent.Request(ctx, statusFrame(c.ID, event.StatusSolved)); err != nil || r.Type != "ack" {
		t.Fatalf("resolve: %v %+v", err, r)
	}
	late := mailFile(t, "From: ann@example.com", "To: support@demo.test", "Subject: Re: Where is my order?",
		"Message-ID: <ann-5@example.com>", "References: <ann-1@example.com> <ann-2@example.com>", "", "It has not come after all.")
	mustSend(t, e, "--tls", "--from", "ann@example.com", "--to", "support@demo.test", "--data", late)
	if rec, _ := e.Node.Store().Conversation(edge.DemoTenant, c.ID); rec.Status != event.StatusOpen || len(messages(t, e, c.ID)) != 4 {
		t.Errorf("after a reply to the resolved conversation: status %s, %d messages", rec.Status, len(messages(t, e, c.ID)))
	}

	e.Restart()
	if got := len(messages(t, e, c.ID)); got != 4 {
		t.Errorf("after a restart the thread has %d messages, want 4", got)
	}

	// a reply to a closed conversation opens a new one, for the same contact
	agent = e.Agent("alice@demo.test", "all")
	for _, st := range []string{event.StatusSolved, event.StatusClosed} {
		if r, err := agent.Request(ctx, statusFrame(c.ID, st)); err != nil || r.Type != "ack" {
			t.Fatalf("%s: %v %+v", st, err, r)
		}
	}
	after := mailFile(t, "From: ann@example.com", "To: support@demo.test", "Subject: Re: Where is my order?",
		"Message-ID: <ann-6@example.com>", "References: <ann-1@example.com> <ann-5@example.com>", "", "Still nothing.")
	mustSend(t, e, "--tls", "--from", "ann@example.com", "--to", "support@demo.test", "--data", after)
	convs = emailConvs(t, e)
	if len(convs) != 4 || convs[0].ID == c.ID || convs[0].Contact != c.Contact || len(messages(t, e, c.ID)) != 4 {
		t.Fatalf("after a reply to the closed conversation: %d conversations, the newest %s", len(convs), convs[0].ID)
	}
}

// TestSMTPRefuses checks the SMTP answers to what the edge will not take:
// a recipient that is no inbox (at RCPT, before DATA), a mail over the
// size (SIZE and DATA), a mail without a sender, a sender over its rate.
func TestSMTPRefuses(t *testing.T) {
	e := mailEdge(t, func(c *config.Config) {
		c.Email.MaxMessageBytes = 64 << 10
		c.Email.SenderRate = 3
	})
	out, code := swaks(t, e, "--from", "a@example.com", "--to", "nobody@elsewhere.example")
	if code == 0 || !strings.Contains(out, "<** 550 5.1.1 no such mailbox here") {
		t.Errorf("unknown recipient: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "DATA") && strings.Contains(out, "~> DATA") {
		t.Errorf("DATA was sent after the recipient was refused:\n%s", out)
	}
	big := mailFile(t, "From: a@example.com", "To: support@demo.test", "Subject: big", "", strings.Repeat("0123456789abcdef\r\n", 5000))
	out, code = swaks(t, e, "--from", "big@example.com", "--to", "support@demo.test", "--data", big)
	if code == 0 || !strings.Contains(out, "552") {
		t.Errorf("a mail over the size: exit %d\n%s", code, out)
	}
	nofrom := mailFile(t, "To: support@demo.test", "Subject: who am I", "", "hello")
	out, code = swaks(t, e, "--from", "x@example.com", "--to", "support@demo.test", "--data", nofrom)
	if code == 0 || !strings.Contains(out, "554 5.6.0 mail refused: no From address") {
		t.Errorf("a mail without From: exit %d\n%s", code, out)
	}
	for i := range 4 {
		m := mailFile(t, "From: flood@example.com", "To: support@demo.test", fmt.Sprintf("Subject: flood %d", i),
			fmt.Sprintf("Message-ID: <flood-%d@example.com>", i), "", "again")
		out, code = swaks(t, e, "--from", "flood@example.com", "--to", "support@demo.test", "--data", m)
		if i < 3 && code != 0 {
			t.Fatalf("mail %d of the sender's rate of 3 refused:\n%s", i, out)
		}
	}
	if code == 0 || !strings.Contains(out, "450 4.7.1 too many mails from this sender") {
		t.Errorf("the fourth mail of the hour: exit %d\n%s", code, out)
	}
	// nothing refused was stored; the edge still takes mail
	if n := len(emailConvs(t, e)); n != 3 {
		t.Errorf("%d conversations, want the 3 the rate allowed", n)
	}
	mustSend(t, e, "--from", "ok@example.com", "--to", "support@demo.test", "--header", "Subject: still up", "--body", "fine")
}

// TestSMTPAttachments sends a mail with a file: it is stored as an
// attachment of the message, with its bytes.
func TestSMTPAttachments(t *testing.T) {
	e := mailEdge(t, nil)
	pdf := filepath.Join(t.TempDir(), "invoice.pdf")
	body := []byte("%PDF-1.4\n% a small invoice\n" + strings.Repeat("x", 3000))
	if err := os.WriteFile(pdf, body, 0o600); err != nil {
		t.Fatal(err)
	}
	mustSend(t, e, "--tls", "--from", "bo@example.com", "--to", "support@demo.test", "--header", "Subject: invoice attached",
		"--body", "The invoice is attached.", "--attach-type", "application/pdf", "--attach", "@"+pdf)
	convs := emailConvs(t, e)
	if len(convs) != 1 {
		t.Fatalf("%d conversations", len(convs))
	}
	msgs := messages(t, e, convs[0].ID)
	if len(msgs) != 1 || len(msgs[0].Attachments) != 1 {
		t.Fatalf("messages %+v", msgs)
	}
	a, err := e.Node.Store().Attachment(edge.DemoTenant, msgs[0].Attachments[0])
	if err != nil || a.Name != "invoice.pdf" || a.Type != "application/pdf" || a.Size != int64(len(body)) {
		t.Fatalf("attachment %+v (%v)", a, err)
	}
	got, err := os.ReadFile(filepath.Join(e.Config.DataDir, "attachments", edge.DemoTenant, a.ID))
	if err != nil || string(got) != string(body) {
		t.Errorf("the stored bytes differ (%v)", err)
	}
	if convs[0].LastAttachment != "invoice.pdf" {
		t.Errorf("the list previews %q", convs[0].LastAttachment)
	}
}

func statusFrame(conv, status string) *protocol.InFrame {
	return &protocol.InFrame{Type: protocol.TypeStatus, Conv: conv, Status: status}
}
