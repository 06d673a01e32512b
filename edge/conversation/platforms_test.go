package conversation_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
)

// A messaging platform's rules hold agents' replies before they are in
// the log: its window since the customer's last message, its longest
// text; notes are not replies.
func TestPlatformLimitsHoldReplies(t *testing.T) {
	d := newDesk(t)
	svc := conversation.New(conversation.Options{Store: d.store, Log: d.j, Router: d.router, ContactIDs: d.ids,
		Now: func() time.Time { return time.Now().Add(time.Duration(d.ahead.Load())) },
		Limits: conversation.Limits{Platforms: map[conversation.Channel]conversation.PlatformLimits{
			"whatsapp": {Label: "WhatsApp", Window: 24 * time.Hour, MaxText: 4096, MaxFile: 100 << 20, Templates: true}}}})
	wa := conversation.Actor{Tenant: tenant, Kind: event.ActorSystem, ID: "whatsapp", Channel: "whatsapp"}
	c := must(svc.Open(ctx, wa, conversation.Open{ClientID: "wa-1", Contact: "cust1", Inbox: "web"})).Conv
	if c.Channel != "whatsapp" {
		t.Fatalf("channel %q", c.Channel)
	}
	cust := conversation.Customer(tenant, "web", "cust1", "whatsapp")
	pl := &event.Platform{Channel: "wa-main", From: "15551234567", ID: "wamid.1"}
	if _, err := svc.Post(ctx, conversation.Customer(tenant, "web", "cust1", conversation.Web), c,
		conversation.Post{ClientID: "m0", Text: "hi", Platform: pl}); code(err) != "invalid" {
		t.Fatalf("a web message claiming a platform: %v", err)
	}
	if _, err := svc.Post(ctx, alice, c, conversation.Post{ClientID: "m0", Text: "hi", Platform: pl}); code(err) != "invalid" {
		t.Fatalf("an agent's message claiming a platform: %v", err)
	}
	must(svc.Post(ctx, cust, c, conversation.Post{ClientID: "m1", Text: "Where is my order?", Platform: pl}))
	if p, err := d.store.Platform(tenant, c.ID); err != nil || p.From != "15551234567" || p.Channel != "wa-main" {
		t.Fatalf("platform %+v %v", p, err)
	}
	must(svc.Post(ctx, alice, c, conversation.Post{ClientID: "r1", Text: "Looking now"}))
	_, err := svc.Post(ctx, alice, c, conversation.Post{ClientID: "r2", Text: strings.Repeat("é", 4097)})
	if code(err) != "invalid" || !strings.Contains(err.Error(), "WhatsApp takes at most 4096 characters") {
		t.Fatalf("a reply too long: %v", err)
	}
	d.ahead.Store(int64(25 * time.Hour))
	_, err = svc.Post(ctx, alice, c, conversation.Post{ClientID: "r3", Text: "Still there?"})
	if code(err) != "invalid" || !strings.Contains(err.Error(), "WhatsApp allows a reply only within 24 hours") || !strings.Contains(err.Error(), "template") {
		t.Fatalf("a reply past the window: %v", err)
	}
	must(svc.Post(ctx, alice, c, conversation.Post{ClientID: "n1", Text: "Customer went quiet", Private: true}))
	// past the window, a template goes; it says what it is
	tp := must(svc.Post(ctx, alice, c, conversation.Post{ClientID: "t1", Template: &event.Template{Name: "order_update", Language: "en_US", Params: []string{"#1042"}}}))
	if it, err := d.store.TimelineItem(tenant, c.ID, tp.Seq); err != nil || it.Text != "Template order_update (en_US): #1042" || it.Template == nil {
		t.Fatalf("the template's item %+v %v", it, err)
	}
	web := d.open(t, ana, "web-1")
	if _, err := svc.Post(ctx, alice, web, conversation.Post{ClientID: "t2", Template: &event.Template{Name: "order_update", Language: "en_US"}}); code(err) != "invalid" ||
		!strings.Contains(err.Error(), "templates are for conversations on WhatsApp; this one is on the web") {
		t.Fatalf("a template on the web: %v", err)
	}
	if _, err := svc.Post(ctx, cust, c, conversation.Post{ClientID: "t3", Template: &event.Template{Name: "order_update", Language: "en_US"}}); code(err) != "invalid" {
		t.Fatalf("a customer's template: %v", err)
	}
	// parameters WhatsApp would refuse (error 132018) are refused here
	for param, want := range map[string]string{
		"line one\nline two":      "a line break or a tab",
		"a\tb":                    "a line break or a tab",
		"far     apart":           "more than four spaces in a row",
		strings.Repeat("x", 1025): "has 1025 bytes; WhatsApp takes at most 1024",
	} {
		_, err := svc.Post(ctx, alice, c, conversation.Post{ClientID: "tp-" + strconv.Itoa(len(param)), Template: &event.Template{Name: "order_update", Language: "en_US", Params: []string{param}}})
		if code(err) != "invalid" || !strings.Contains(err.Error(), want) {
			t.Errorf("parameter %.20q: %v, want invalid saying %q", param, err, want)
		}
	}
	// the customer writes again (the log's clock is the real one): the
	// window opens again
	d.ahead.Store(0)
	must(svc.Post(ctx, cust, c, conversation.Post{ClientID: "m2", Text: "Yes!", Platform: &event.Platform{Channel: "wa-main", From: "15551234567", ID: "wamid.2"}}))
	must(svc.Post(ctx, alice, c, conversation.Post{ClientID: "r4", Text: "Great"}))
	out, err := d.store.SocialOutbox(0)
	if err != nil || len(out) != 3 {
		t.Fatalf("the outbox holds %d replies (%v), want the three sent", len(out), err)
	}
}
