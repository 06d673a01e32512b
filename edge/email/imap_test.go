package email_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/email/imapsource/dovecottest"
	"github.com/edgedesk/edgedesk/edge/email/thread"
	"github.com/edgedesk/edgedesk/internal/event"
)

// waitUntil polls cond until it holds, failing the test after within.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// imapMail is a mail from Ann to the demo inbox; inReplyTo, when set, is
// the Message-ID (without brackets) it answers.
func imapMail(id, subject, inReplyTo, body string) []byte {
	h := "From: Ann Lee <ann@example.com>\r\n" +
		"To: support@demo.test\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: <" + id + ">\r\n" +
		"Date: Fri, 04 Dec 2026 10:00:00 +0000\r\n"
	if inReplyTo != "" {
		h += "In-Reply-To: <" + inReplyTo + ">\r\nReferences: <" + inReplyTo + ">\r\n"
	}
	return []byte(h + "\r\n" + body + "\r\n")
}

// TestIMAPReadsMailbox has the edge read the demo e-mail inbox's mail
// from a real mailbox (a throwaway dovecot): the mails there when it
// starts, one that arrives while it waits in IDLE, and one that arrives
// while it is down. Each joins the thread it answers once, and is \Seen
// in the mailbox after.
func TestIMAPReadsMailbox(t *testing.T) {
	d := dovecottest.Start(t, false)
	user, password := d.NewUser(t)
	pwFile := filepath.Join(t.TempDir(), "imap-password")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := d.Client(t, user)
	first := imapMail("ann-1@example.com", "Where is my order?", "", "My order #1042 has not arrived.")
	reply := imapMail("ann-2@example.com", "Re: Where is my order?", "ann-1@example.com", "It is order 1042, placed on Monday.")
	dovecottest.Append(t, c, "INBOX", first)
	dovecottest.Append(t, c, "INBOX", reply)

	e := mailEdge(t, func(cfg *config.Config) {
		// An hour's poll: a mail that comes within seconds came by IDLE.
		cfg.Email.Inboxes[0].IMAP = &config.IMAP{Addr: d.Addr, TLS: "none", User: user, PasswordFile: pwFile, Poll: time.Hour}
	})
	stateFile := filepath.Join(e.Config.DataDir, "imap", url.PathEscape(edge.DemoEmailAddress)+".json")
	lastUID := func() uint32 {
		var st struct {
			LastUID uint32 `json:"last_uid"`
		}
		b, err := os.ReadFile(stateFile)
		if err != nil || json.Unmarshal(b, &st) != nil {
			return 0
		}
		return st.LastUID
	}
	// count is the number of the e-mail thread's messages (0 while
	// there is no e-mail conversation).
	count := func() int {
		convs := emailConvs(t, e)
		if len(convs) == 0 {
			return 0
		}
		return len(messages(t, e, convs[0].ID))
	}
	allSeen := func(c *imapclient.Client) bool {
		for _, m := range dovecottest.Messages(t, c, "INBOX") {
			if !m.Has(imap.FlagSeen) {
				return false
			}
		}
		return true
	}

	// The two mails there before the edge: one conversation, Ann's.
	waitUntil(t, 20*time.Second, "the mailbox's two mails in the log", func() bool { return count() == 2 })
	convs := emailConvs(t, e)
	if len(convs) != 1 {
		t.Fatalf("%d e-mail conversations, want 1 (the reply joins the first)", len(convs))
	}
	conv := convs[0]
	if conv.Subject != "Where is my order?" || conv.Inbox != edge.DemoEmailInbox || conv.Status != event.StatusNew {
		t.Errorf("conversation %+v", conv)
	}
	ct, err := e.Node.Store().Contact(edge.DemoTenant, conv.Contact)
	if err != nil || ct.Email != "ann@example.com" || ct.Name != "Ann Lee" {
		t.Fatalf("contact %+v (%v)", ct, err)
	}
	msgs := messages(t, e, conv.ID)
	for i, want := range []struct{ id, text string }{
		{"ann-1@example.com", "My order #1042 has not arrived."},
		{"ann-2@example.com", "It is order 1042, placed on Monday."},
	} {
		m := msgs[i]
		if m.Email == nil || m.Email.MessageID != want.id || m.Text != want.text || m.Channel != "email" || m.ActorKind != event.ActorCustomer {
			t.Errorf("message %d: %+v, want Message-ID %s, text %q", i, m, want.id, want.text)
		}
	}
	checkREST(t, e, conv.ID)
	waitUntil(t, 5*time.Second, "the two mails \\Seen in the mailbox", func() bool { return allSeen(c) })
	waitUntil(t, 5*time.Second, "last_uid 2 in the state file", func() bool { return lastUID() == 2 })

	// A mail that arrives while the edge waits in IDLE.
	time.Sleep(200 * time.Millisecond) // into IDLE
	start := time.Now()
	dovecottest.Append(t, c, "INBOX", imapMail("ann-3@example.com", "Re: Where is my order?", "ann-2@example.com", "Any news?"))
	waitUntil(t, 10*time.Second, "the mail appended during IDLE in the log", func() bool { return count() == 3 })
	t.Logf("a mail appended during IDLE in the thread after %s", time.Since(start).Round(time.Millisecond))
	waitUntil(t, 5*time.Second, "last_uid 3 in the state file", func() bool { return lastUID() == 3 })
	waitUntil(t, 5*time.Second, "the IDLE mail \\Seen", func() bool { return allSeen(c) })

	// Down, a mail arrives; back up, the edge takes it, and only it.
	e.Stop()
	dovecottest.Append(t, d.Client(t, user), "INBOX", imapMail("ann-4@example.com", "Re: Where is my order?", "ann-3@example.com", "Hello?"))
	e.Restart()
	if n := count(); n < 3 || n > 4 {
		t.Fatalf("after the restart the thread has %d messages, want 3, then 4", n)
	}
	waitUntil(t, 20*time.Second, "the mail appended while the edge was down in the log", func() bool { return count() == 4 })
	waitUntil(t, 5*time.Second, "last_uid 4 in the state file", func() bool { return lastUID() == 4 })
	time.Sleep(time.Second) // time to deliver something twice
	if convs := emailConvs(t, e); len(convs) != 1 {
		t.Fatalf("%d e-mail conversations after the restart, want 1", len(convs))
	}
	msgs = messages(t, e, conv.ID)
	var ids []string
	for _, m := range msgs {
		if m.Email != nil {
			ids = append(ids, m.Email.MessageID)
		}
	}
	if got := strings.Join(ids, " "); got != "ann-1@example.com ann-2@example.com ann-3@example.com ann-4@example.com" {
		t.Fatalf("after the restart the thread holds %q, want each mail once, in order", got)
	}
	if !allSeen(d.Client(t, user)) {
		t.Error("a mail is not \\Seen in the mailbox after the restart")
	}

	// A reply from a client that keeps no threading headers and changes
	// the subject, sent to the conversation's reply address: the mailbox
	// has no envelope to tell the plus-address by, its To does.
	key, err := auth.LoadOrCreateKey(e.Config.Auth.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	replyTo := thread.NewTokens(key).ReplyTo(edge.DemoTenant, conv.ID, edge.DemoEmailAddress)
	dovecottest.Append(t, d.Client(t, user), "INBOX", []byte("From: Ann Lee <ann@example.com>\r\nTo: Demo Shop <"+replyTo+
		">\r\nSubject: One more thing\r\nMessage-ID: <ann-5@example.com>\r\n\r\nThe box was dented too.\r\n"))
	waitUntil(t, 20*time.Second, "the mail to the reply address in the thread", func() bool { return count() == 5 })
	if convs := emailConvs(t, e); len(convs) != 1 {
		t.Fatalf("%d e-mail conversations, want 1: the mail to the reply address opened one of its own", len(convs))
	}
	// and a forged token opens a conversation of its own
	forged := strings.Replace(replyTo, "+"+conv.ID+".", "+"+conv.ID+".0", 1)
	dovecottest.Append(t, d.Client(t, user), "INBOX", []byte("From: Eve <eve@example.com>\r\nTo: <"+forged+
		">\r\nSubject: Let me in\r\nMessage-ID: <eve-1@example.com>\r\n\r\nHello.\r\n"))
	waitUntil(t, 20*time.Second, "the mail with a forged token in a conversation of its own", func() bool { return len(emailConvs(t, e)) == 2 })
	if n := len(messages(t, e, conv.ID)); n != 5 {
		t.Fatalf("the thread has %d messages after the forged token, want 5", n)
	}
}

// checkREST reads the thread of Ann's first two mails through the REST
// API (docs/api.md): the conversation's subject and channel, and each
// message's mail headers.
func checkREST(t *testing.T, e *edgetest.Edge, conv string) {
	t.Helper()
	code, body := e.Post("/api/v1/api-keys?tenant="+edge.DemoTenant, "application/json", strings.NewReader(`{"name":"imap-test","scopes":["read"]}`))
	var key struct {
		Token string `json:"token"`
	}
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &key) != nil {
		t.Fatalf("an API key: %d %s", code, body)
	}
	var c struct {
		Channel string `json:"channel"`
		Subject string `json:"subject"`
	}
	if resp, b := e.Get("/api/v1/conversations/"+conv, key.Token); resp.StatusCode != http.StatusOK || json.Unmarshal(b, &c) != nil ||
		c.Channel != "email" || c.Subject != "Where is my order?" {
		t.Errorf("GET the conversation: %d %s", resp.StatusCode, b)
	}
	var page struct {
		Data []struct {
			Channel string `json:"channel"`
			Email   *struct {
				MessageID string `json:"message_id"`
				InReplyTo string `json:"in_reply_to"`
				Subject   string `json:"subject"`
				From      struct{ Name, Address string }
				To        []struct{ Address string }
			} `json:"email"`
		} `json:"data"`
	}
	resp, b := e.Get("/api/v1/conversations/"+conv+"/messages", key.Token)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &page) != nil || len(page.Data) != 2 {
		t.Fatalf("GET the messages: %d %s", resp.StatusCode, b)
	}
	for i, want := range []struct{ id, inReplyTo, subject string }{
		{"ann-1@example.com", "", "Where is my order?"},
		{"ann-2@example.com", "ann-1@example.com", "Re: Where is my order?"},
	} {
		m := page.Data[i]
		if m.Channel != "email" || m.Email == nil || m.Email.MessageID != want.id || m.Email.InReplyTo != want.inReplyTo ||
			m.Email.Subject != want.subject || m.Email.From.Name != "Ann Lee" || m.Email.From.Address != "ann@example.com" ||
			len(m.Email.To) != 1 || m.Email.To[0].Address != "support@demo.test" {
			t.Errorf("message %d through the API: %s", i, b)
		}
	}
}
