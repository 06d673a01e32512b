package gateway_test

import (
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// An admin brands an inbox with inbox_set; agents see it in the inbox
// list, and a visitor who connects afterwards gets it in the welcome's
// inbox. Hostile values are refused with invalid and change nothing.
func TestInboxBrandingReachesNewVisitors(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx := ctxT(t)
	alice := e.Agent("alice@demo.test", "") // admin in the demo
	bob := e.Agent("bob@demo.test", "")
	str := func(s string) *string { return &s }
	before := e.Visitor().Welcome.Inbox
	if before == nil || before.ID != edge.DemoInbox || before.Name != "Demo Shop" || before.Color != "" || before.Greeting != edge.DemoGreeting ||
		before.ReplyTime != "minutes" {
		t.Fatalf("a visitor's inbox before branding: %+v", before)
	}
	r, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeInboxSet, Inbox: edge.DemoInbox,
		Color: str("#0B7A5C"), Greeting: str("Hi! Ask us anything."), ReplyTime: str("minutes")})
	if err != nil {
		t.Fatalf("inbox_set: %v", err)
	}
	var listed *protocol.Inbox
	for i := range r.Inboxes {
		if r.Inboxes[i].ID == edge.DemoInbox {
			listed = &r.Inboxes[i]
		}
	}
	if listed == nil || listed.Color != "#0b7a5c" || listed.Greeting != "Hi! Ask us anything." || listed.ReplyTime != "minutes" {
		t.Fatalf("the inbox as agents list it: %+v", listed)
	}
	want := protocol.Brand{ID: edge.DemoInbox, Name: "Demo Shop", Color: "#0b7a5c", Greeting: "Hi! Ask us anything.", ReplyTime: "minutes"}
	if got := e.Visitor().Welcome.Inbox; got == nil || *got != want {
		t.Fatalf("a new visitor's inbox: %+v, want %+v", got, want)
	}
	// the other inbox keeps its own (none)
	if got := e.Customer(&client.Hello{Inbox: edge.DemoPrechatInbox}).Welcome.Inbox; got == nil || got.Color != "" || got.Greeting != "" {
		t.Fatalf("the other inbox's visitor: %+v", got)
	}
	// a change of the pre-chat form alone keeps the branding
	if _, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeInboxSet, Inbox: edge.DemoInbox, Prechat: []string{"name"}}); err != nil {
		t.Fatal(err)
	}
	if got := e.Visitor().Welcome.Inbox; got == nil || *got != want {
		t.Fatalf("after a pre-chat change: %+v, want %+v", got, want)
	}
	set := func(f *gateway.InFrame) *gateway.InFrame {
		f.Type, f.Inbox = gateway.TypeInboxSet, edge.DemoInbox
		return f
	}
	expectRefused(t, []refusal{
		{bob, set(&gateway.InFrame{Color: str("#000000")}), gateway.CodeForbidden},
		{alice, set(&gateway.InFrame{Color: str("blue")}), gateway.CodeInvalid},
		{alice, set(&gateway.InFrame{Color: str("#12345")}), gateway.CodeInvalid},
		{alice, set(&gateway.InFrame{Color: str("#12345g")}), gateway.CodeInvalid},
		{alice, set(&gateway.InFrame{Color: str("#fff;}body{display:none")}), gateway.CodeInvalid},
		{alice, set(&gateway.InFrame{Greeting: str(strings.Repeat("a", 281))}), gateway.CodeInvalid},
		{alice, set(&gateway.InFrame{Greeting: str("Hello\r\nthere")}), gateway.CodeInvalid},
		{alice, set(&gateway.InFrame{Greeting: str("Hi\u0007")}), gateway.CodeInvalid},
		{alice, set(&gateway.InFrame{Greeting: str("evil\u202egnp.exe")}), gateway.CodeInvalid},
		{alice, set(&gateway.InFrame{ReplyTime: str("week")}), gateway.CodeInvalid},
		{alice, set(&gateway.InFrame{ReplyTime: str("Minutes")}), gateway.CodeInvalid},
		{alice, set(&gateway.InFrame{Color: str("#ff0000"), Greeting: str("fine"), ReplyTime: str("soon")}), gateway.CodeInvalid},
	})
	if got := e.Visitor().Welcome.Inbox; got == nil || *got != want {
		t.Fatalf("after refused changes: %+v, want %+v", got, want)
	}
	// "" unsets
	if _, err := alice.Request(ctx, set(&gateway.InFrame{Prechat: []string{"name"}, Greeting: str(""), ReplyTime: str("")})); err != nil {
		t.Fatal(err)
	}
	if got := e.Visitor().Welcome.Inbox; got == nil || got.Color != "#0b7a5c" || got.Greeting != "" || got.ReplyTime != "" {
		t.Fatalf("after unsetting the greeting and reply time: %+v", got)
	}
}

// A customer sees an agent's reply with the agent's name, live and in the
// history, and how far agents have read after a reload (read_seq).
func TestCustomersSeeAgentNamesAndReads(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx := ctxT(t)
	alice := e.Agent("alice@demo.test", "")
	v := e.Visitor()
	conv := startConv(t, v, "c1")
	mine, err := v.Message(ctx, conv, "m1", "hello?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Message(ctx, conv, "r1", "Hi, how can I help?"); err != nil {
		t.Fatal(err)
	}
	for {
		f := nextMessage(t, v)
		if f.Item.ActorKind != "agent" {
			continue
		}
		if f.Item.ActorName != "Alice" {
			t.Fatalf("the live reply's author: %+v", f.Item)
		}
		break
	}
	if _, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeRead, Conv: conv, Seq: mine.Seq}); err != nil {
		t.Fatal(err)
	}
	h, err := v.History(ctx, conv, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var authors []string
	for _, it := range h.Items {
		if it.Kind == "message" {
			authors = append(authors, it.ActorKind+":"+it.ActorName)
		}
	}
	if strings.Join(authors, ",") != "customer:,agent:Alice" {
		t.Fatalf("authors in the history: %v", authors)
	}
	if h.Conversation == nil || h.Conversation.ReadSeq < mine.Seq {
		t.Fatalf("the customer's history says agents read up to %+v, want ≥ %d", h.Conversation, mine.Seq)
	}
	// agents' view has no read_seq: it is the customers'
	if ah, err := alice.History(ctx, conv, 0, 50); err != nil || ah.Conversation.ReadSeq != 0 {
		t.Fatalf("the agent's history: %+v, %v", ah.Conversation, err)
	}
}
