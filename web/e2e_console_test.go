package web_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/channels/whatsapp/whatsapptest"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/internal/event"
)

// consoleBrowser returns the chromium to drive, or fails the test saying how to
// get one and the npm packages.
func consoleBrowser(t testing.TB, built string) string {
	t.Helper()
	chromium, _ := browser(t, "node_modules/playwright-core", "node_modules/axe-core", built)
	return chromium
}

// TestConsoleInChromium runs e2e/console.mjs (playwright-core driving
// Debian's chromium) against an edge seeded with a morning's conversations
// and one of 500 messages: the history pages back to the first message,
// snooze until, names never ids, search and sort, the keyboard shortcuts,
// the dark theme, the settings pages, sign-out, the favicon, the layout
// from 1024 to 2560 px, e-mail conversations (subjects, headers, quoted
// text, verification, deliveries, Reply all), conversations from messaging
// platforms (channel icons, the platform profile, the reply window open
// and closed, the replies' ticks, a WhatsApp template sent past the
// window), and axe-core's WCAG 2.1 AA rules on every screen in both
// themes. With SCREENSHOT_DIR it saves console-*.png there.
//
// The edge has a WhatsApp channel, to a local fake of the platform
// (whatsapptest): the template the script sends goes out through it.
func TestConsoleInChromium(t *testing.T) {
	chromium, shots := browser(t, "node_modules/playwright-core", "node_modules/axe-core", "dist/console/index.html")
	wa := whatsapptest.New(t)
	cfg := edgetest.Config(t)
	cfg.Channels = []config.Channel{{ID: whatsappChannel, Kind: "whatsapp", Tenant: edge.DemoTenant, Inbox: edge.DemoInbox,
		Credentials: wa.Credentials(), APIBase: wa.APIBase()}}
	e := edgetest.Start(t, cfg)
	ids := seedMorning(t, e)
	settleSLA(t, e)

	// the script takes 2 to 4 minutes; on a machine busy with other tests,
	// more
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/console.mjs")
	cmd.Env = append(os.Environ(), "EDGE_URL="+e.URL, "CHROMIUM="+chromium, "SCREENSHOT_DIR="+shots,
		"AGENT_EMAIL=alice@demo.test", "AGENT_PASSWORD="+edge.DemoPassword,
		"LONG_CONV="+ids.long, "FILE_CONV="+ids.file, "ANON_CONV="+ids.anon, "RATED_CONV="+ids.rated,
		"MAIL_CONV="+ids.mail, "AUTO_CONV="+ids.auto, "MAIL_SUBJECT="+mailSubject, "MAIL_DETAIL="+mailDetail,
		"WHATSAPP_CONV="+ids.whatsapp, "WECHAT_CONV="+ids.wechat, "SOCIAL_DETAIL="+socialDetail, "WHATSAPP_CLOSED_CONV="+ids.closed)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		t.Log(sc.Text())
	}
	err = cmd.Wait()
	if stderr.Len() > 0 {
		t.Logf("node stderr:\n%s", stderr.String())
	}
	if err != nil {
		t.Fatalf("console e2e failed: %v", err)
	}
	// the script's Reply all: the edge stored the reply with Li Na in copy
	// and the customer alone in To (no to: the edge sends to the customer)
	items, _, err := e.Store().Timeline(edge.DemoTenant, ids.mail, 0, 100, true)
	if err != nil {
		t.Fatal(err)
	}
	var last *event.Email
	for _, it := range items {
		if it.Kind == "message" && it.ActorKind == event.ActorAgent && it.ClientID != "r1" && it.ClientID != "r2" {
			last = it.Email
		}
	}
	if last == nil || len(last.To) != 0 || len(last.Cc) != 1 || last.Cc[0].Addr != "li.na@example.cn" || last.Cc[0].Name != "Li Na" {
		t.Errorf("the reply sent with Reply all has e-mail %+v, want no To and Cc Li Na <li.na@example.cn>", last)
	}
	// the script's template, past João's window: stored once (the send
	// the edge refused is not), with the edge's line as its text, and
	// sent to WhatsApp as the template
	items, _, err = e.Store().Timeline(edge.DemoTenant, ids.closed, 0, 100, true)
	if err != nil {
		t.Fatal(err)
	}
	var templates []event.Template
	for _, it := range items {
		if it.Kind == "message" && it.Template != nil {
			templates = append(templates, *it.Template)
			if it.ActorKind != event.ActorAgent || it.Private || it.Text != "Template order_update (pt_BR): #1042" {
				t.Errorf("the template reply is %s's (private %v) with text %q", it.ActorKind, it.Private, it.Text)
			}
		}
	}
	if len(templates) != 1 || templates[0].Name != "order_update" || templates[0].Language != "pt_BR" || !slices.Equal(templates[0].Params, []string{"#1042"}) {
		t.Errorf("the conversation has templates %+v, want order_update (pt_BR) with #1042 once", templates)
	}
	if got := wa.Received(joaoWhatsApp); !slices.Equal(got, []string{"template:order_update"}) {
		t.Errorf("WhatsApp got %q for João, want the template alone", got)
	}
	for _, png := range []string{"console-login.png", "console-light.png", "console-dark.png", "console-history.png",
		"console-snooze.png", "console-help.png", "console-profile.png", "console-canned.png", "console-canned-dark.png",
		"console-inboxes.png", "console-inboxes-dark.png", "console-1024.png", "console-2560.png", "console-email.png", "console-email-dark.png", "console-email-headers.png",
		"console-social.png", "console-social-dark.png", "console-window-closed.png", "console-template-composer.png", "console-template-sent.png", "console-template-composer-dark.png"} {
		if fi, err := os.Stat(filepath.Join(shots, png)); err != nil || fi.Size() < 1000 {
			t.Errorf("screenshot %s not saved: %v", png, err)
		}
	}
}

type seeded struct{ long, file, anon, rated, mail, auto, whatsapp, wechat, closed string }

// seedMorning gives the demo tenant a help desk's morning: a conversation
// of 500 messages over three days, and thirty others of named, e-mailed
// and anonymous customers in every status and priority, one ending with a
// file and one rated, and, the latest, two e-mail conversations (seedMail)
// and three from messaging platforms, two on WhatsApp and one on WeChat
// (seedSocial).
func seedMorning(t *testing.T, e *edgetest.Edge) seeded {
	now := time.Now()
	s := newSeeder(t, e, now.Add(-6*24*time.Hour))
	ids := seeded{long: "c-long-history", file: "c-invoice", anon: "c-anonymous", rated: "c-rated"}
	s.longConversation(ids.long, "v-margaret", "Margaret Hamilton", 500)

	invoice := uploadFile(t, e, "invoice.pdf", "application/pdf", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
	type who struct{ contact, name, email, external string }
	people := []who{
		{"v-ada", "Ada Lovelace", "ada@example.com", "1001"}, {"v-grace", "Grace Hopper", "grace@example.com", ""},
		{"v-kim", "", "kim.nguyen@example.com", ""}, {"v0190f3a9c2e4", "", "", ""}, {"v-linus", "Linus Berg", "", "1002"},
		{"v-sofia", "Sofía Martínez", "sofia@example.es", ""}, {"v0190f3b7d1a8", "", "", ""}, {"v-wei", "Wei Zhang", "wei@example.cn", ""},
		{"v-omar", "Omar Haddad", "omar@example.com", "1003"}, {"v-ines", "", "ines@example.pt", ""},
	}
	for _, p := range people {
		s.contact(p.contact, p.name, p.email, p.external)
	}
	texts := []string{
		"Hi, where is my order #1042? It was due yesterday.", "Can I change the delivery address?",
		"The teapot arrived with a crack in the lid.", "Do you ship to Norway?", "How do I reset my password?",
		"I was charged twice for the same order.", "Is the porcelain cup dishwasher safe?", "Thanks, that solved it!",
		"Can I get an invoice with my company's VAT number?", "When will the green teapot be back in stock?",
	}
	s.wait()
	s.at = now.Add(-7*time.Hour - 30*time.Minute).UnixMilli()
	agents := []string{"agent-alice", "", "agent-bob", "", "agent-carol", "agent-alice", ""}
	priorities := []string{"", "", "high", "", "urgent", "", "low", ""}
	statuses := []string{"open", "open", "pending", "open", "resolved", "open", "snoozed", "open", "open"}
	for i := 0; i < 30; i++ {
		p := people[i%len(people)]
		conv := fmt.Sprintf("c-%02d-%s", i, p.contact)
		switch i {
		case 27:
			conv = ids.rated
		case 28:
			conv = ids.anon
			p = people[3]
		case 29:
			conv = ids.file
			p = people[0]
		}
		s.open(9*time.Minute, conv, p.contact, agents[i%len(agents)], priorities[i%len(priorities)])
		s.message(time.Minute, conv, customerActor(p.contact), "w1", texts[i%len(texts)])
		if i%3 != 1 {
			s.message(2*time.Minute, conv, event.Actor{Kind: event.ActorAgent, ID: "agent-alice"}, "w2",
				"Thanks for writing in. Let me check that for you.")
			s.message(time.Minute, conv, customerActor(p.contact), "w3", texts[(i+3)%len(texts)])
		}
		switch {
		case i == 29:
			s.message(time.Minute, conv, customerActor(p.contact), "w4", "", invoice)
		case i == 27:
			s.status(time.Minute, conv, "resolved", 0, "agent-alice")
			s.rate(time.Minute, conv, p.contact, 4)
		case i < 27 && statuses[i%len(statuses)] == "snoozed":
			s.status(time.Minute, conv, "snoozed", now.Add(20*time.Hour).UnixMilli(), "agent-alice")
		case i < 27 && statuses[i%len(statuses)] != "open":
			s.status(time.Minute, conv, statuses[i%len(statuses)], 0, "agent-alice")
		}
	}
	s.wait()
	ids.auto, ids.mail = seedMail(s)
	ids.whatsapp, ids.wechat, ids.closed = seedSocial(s, now)
	return ids
}

// settleSLA waits (at most 20 s) until the edge's lifecycle clock has
// recorded every service level stage the seeded conversations were
// already past: their breaches are then old news, not toasts over the
// console's screenshots while it is being driven.
func settleSLA(t *testing.T, e *edgetest.Edge) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		due, err := e.Store().DueSLA(time.Now().UnixMilli(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) == 0 {
			return
		}
	}
	t.Log("the SLA clock has not recorded every stage due after 20 s; going on")
}
