package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

const wait = 10 * time.Second

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// nextMessage waits for the next message event, skipping other frames.
func nextMessage(t *testing.T, c *client.Client) *protocol.OutFrame {
	t.Helper()
	for {
		f := edgetest.NextEvent(t, c, gateway.OutEvent, wait)
		if f.Item != nil && f.Item.Kind == "message" {
			return f
		}
	}
}

func startConv(t *testing.T, c *client.Client, clientID string) string {
	t.Helper()
	ack, err := c.Start(ctxT(t), clientID)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if ack.Conv == "" || ack.Seq == 0 {
		t.Fatalf("start ack without conv or seq: %+v", ack)
	}
	return ack.Conv
}

func TestChatRoundTrip(t *testing.T) {
	e := edgetest.StartDev(t)
	alice := e.Agent("alice@demo.test", "")
	cust := e.Visitor()
	if cust.Welcome.Session.Visitor == "" || cust.Welcome.Session.Token == "" {
		t.Fatalf("anonymous welcome lacks visitor or session token: %+v", cust.Welcome.Session)
	}
	ctx := ctxT(t)
	conv := startConv(t, cust, "c1")

	opened := edgetest.NextEvent(t, alice, gateway.OutEvent, wait)
	if opened.Item.Kind != "opened" || opened.Item.Conv != conv || opened.Item.Assignee != "agent-alice" {
		t.Fatalf("agent got %+v, want the opened conversation assigned to alice (the only agent online)", opened.Item)
	}

	ack, err := cust.Message(ctx, conv, "m1", "hello, my order is late")
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if ack.Seq == 0 || ack.Duplicate {
		t.Fatalf("ack = %+v, want a fresh sequence", ack)
	}
	got := nextMessage(t, alice)
	if got.Item.Text != "hello, my order is late" || got.Seq != ack.Seq || got.Item.ActorKind != "customer" {
		t.Fatalf("agent received %+v, want the customer's message at seq %d", got.Item, ack.Seq)
	}
	if own := nextMessage(t, cust); own.Seq != ack.Seq {
		t.Fatalf("customer echo seq %d, want %d", own.Seq, ack.Seq)
	}

	reply, err := alice.Message(ctx, conv, "r1", "sorry! it ships today")
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	back := nextMessage(t, cust)
	if back.Item.Text != "sorry! it ships today" || back.Seq != reply.Seq || back.Item.ActorID != "agent-alice" {
		t.Fatalf("customer received %+v", back.Item)
	}

	// A private note reaches agents only.
	if _, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeSend, Conv: conv, ClientID: "n1", Text: "VIP customer", Private: true}); err != nil {
		t.Fatalf("note: %v", err)
	}
	if _, err := cust.Request(ctx, &gateway.InFrame{Type: gateway.TypeSend, Conv: conv, ClientID: "n2", Text: "x", Private: true}); err == nil {
		t.Fatal("a customer wrote a private note")
	}
	h, err := cust.History(ctx, conv, 0, 50)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	var texts []string
	for _, it := range h.Items {
		if it.Private {
			t.Fatalf("customer history holds a private note: %+v", it)
		}
		if it.Kind == "message" {
			texts = append(texts, it.Text)
		}
	}
	if fmt.Sprint(texts) != "[hello, my order is late sorry! it ships today]" {
		t.Fatalf("customer history = %q", texts)
	}
	ah, err := alice.History(ctx, conv, 0, 50)
	if err != nil {
		t.Fatalf("agent history: %v", err)
	}
	if n := len(ah.Items); n != 4 { // opened, message, reply, note
		t.Fatalf("agent history has %d items, want 4: %+v", n, ah.Items)
	}
}

func TestResendingAClientIDMakesOneMessage(t *testing.T) {
	e := edgetest.StartDev(t)
	cust := e.Visitor()
	ctx := ctxT(t)
	conv := startConv(t, cust, "c1")
	again, err := cust.Start(ctx, "c1")
	if err != nil || again.Conv != conv || !again.Duplicate {
		t.Fatalf("second start with the same client id: %+v, %v; want the same conversation marked duplicate", again, err)
	}
	first, err := cust.Message(ctx, conv, "same-id", "once")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		dup, err := cust.Message(ctx, conv, "same-id", "once")
		if err != nil {
			t.Fatal(err)
		}
		if !dup.Duplicate || dup.Seq != first.Seq {
			t.Fatalf("resend %d: ack %+v, want duplicate of seq %d", i, dup, first.Seq)
		}
	}
	h, err := cust.History(ctx, conv, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range h.Items {
		if it.ClientID == "same-id" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("history holds %d copies of the message, want 1", n)
	}
}

// agentAndCustomer starts a dev edge with alice online and a visitor whose
// new conversation alice has been told about.
func agentAndCustomer(t *testing.T) (e *edgetest.Edge, alice, cust *client.Client, ctx context.Context, conv string) {
	t.Helper()
	e = edgetest.StartDev(t)
	alice = e.Agent("alice@demo.test", "")
	cust = e.Visitor()
	ctx = ctxT(t)
	conv = startConv(t, cust, "c1")
	edgetest.NextEvent(t, alice, gateway.OutEvent, wait) // opened
	return e, alice, cust, ctx, conv
}

func TestResumeAfterReconnectHasNoGapAndNoDuplicate(t *testing.T) {
	e, alice, cust, ctx, conv := agentAndCustomer(t)

	var want []string
	send := func(i int) {
		id := fmt.Sprintf("m%03d", i)
		if _, err := cust.Message(ctx, conv, id, "message "+id); err != nil {
			t.Fatalf("send %s: %v", id, err)
		}
		want = append(want, id)
	}
	for i := 0; i < 5; i++ {
		send(i)
	}
	var got []string
	for len(got) < 5 {
		got = append(got, nextMessage(t, alice).Item.ClientID)
	}
	last := alice.LastSeq()
	alice.Close()

	// Messages sent while the agent is away, and more while it resumes.
	for i := 5; i < 25; i++ {
		send(i)
	}
	tok, err := client.Login(ctx, e.URL, "alice@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	alice2, err := client.Dial(ctx, e.URL, &client.Hello{Token: tok, Resume: &last}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer alice2.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 25; i < 40; i++ {
			id := fmt.Sprintf("m%03d", i)
			if _, err := cust.Message(ctx, conv, id, "message "+id); err != nil {
				t.Errorf("send %s: %v", id, err)
				return
			}
		}
	}()
	for i := 25; i < 40; i++ {
		want = append(want, fmt.Sprintf("m%03d", i))
	}
	var lastSeq uint64
	resumed := false
	deadline := time.After(20 * time.Second)
	for len(got) < len(want) {
		select {
		case f, ok := <-alice2.Events():
			if !ok {
				t.Fatalf("resumed connection ended: %v", alice2.Err())
			}
			switch {
			case f.Type == gateway.OutResumed:
				resumed = true
			case f.Type == gateway.OutEvent:
				if f.Seq <= lastSeq {
					t.Fatalf("sequence went back from %d to %d: duplicate or reordering", lastSeq, f.Seq)
				}
				lastSeq = f.Seq
				if f.Item.Kind == "message" {
					got = append(got, f.Item.ClientID)
				}
			}
		case <-deadline:
			t.Fatalf("after resume got %d of %d messages", len(got), len(want))
		}
	}
	<-done
	if !resumed {
		t.Error("no resumed frame marked the end of the replay")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("messages after resume:\n got %v\nwant %v", got, want)
	}
}

func TestRoutingSpreadsConversationsOverOnlineAgents(t *testing.T) {
	e := edgetest.StartDev(t)
	e.Agent("alice@demo.test", "assigned")
	e.Agent("bob@demo.test", "assigned")
	count := map[string]int{}
	for i := 0; i < 6; i++ {
		c := e.Visitor()
		ack, err := c.Start(ctxT(t), "c")
		if err != nil {
			t.Fatal(err)
		}
		conv, err := e.Store().Conversation(edge.DemoTenant, ack.Conv)
		if err != nil {
			t.Fatal(err)
		}
		count[conv.Assignee]++
	}
	if count["agent-alice"] != 3 || count["agent-bob"] != 3 {
		t.Fatalf("assignments %v, want 3 each for the two online agents and none for offline carol", count)
	}
}

func TestIdentifiedCustomerKeepsConversationsAcrossDevices(t *testing.T) {
	e := edgetest.StartDev(t)
	hash := auth.IdentityHash(edge.DemoIdentitySecret, "user-42")
	u := &gateway.UserIdentity{ID: "user-42", Name: "Ada", Email: "ada@example.com", Hash: hash}
	c1 := e.Customer(&client.Hello{Inbox: edge.DemoInbox, User: u})
	if c1.Welcome.Session.Visitor != "" {
		t.Fatal("identified customer was given a visitor token")
	}
	conv := startConv(t, c1, "c1")
	c2 := e.Customer(&client.Hello{Inbox: edge.DemoInbox, User: u})
	if c2.Welcome.Session.ID != c1.Welcome.Session.ID {
		t.Fatalf("same user, different contact: %s vs %s", c1.Welcome.Session.ID, c2.Welcome.Session.ID)
	}
	if convs := c2.Welcome.Conversations; len(convs) != 1 || convs[0].ID != conv {
		t.Fatalf("second device sees conversations %v, want [%s]", c2.Welcome.Conversations, conv)
	}
	ct, err := e.Store().Contact(edge.DemoTenant, c1.Welcome.Session.ID)
	if err != nil || ct.Name != "Ada" || ct.Email != "ada@example.com" || ct.ExternalID != "user-42" {
		t.Fatalf("contact = %+v, %v", ct, err)
	}
	// An anonymous visitor keeps its identity with the visitor token.
	v := e.Visitor()
	v2 := e.Customer(&client.Hello{Inbox: edge.DemoInbox, Visitor: v.Welcome.Session.Visitor})
	if v2.Welcome.Session.ID != v.Welcome.Session.ID {
		t.Fatal("visitor token did not restore the same visitor")
	}
	// A customer's session token reconnects too.
	v3 := e.Customer(&client.Hello{Token: v.Welcome.Session.Token})
	if v3.Welcome.Session.ID != v.Welcome.Session.ID {
		t.Fatal("session token did not restore the same customer")
	}
}

func TestTypingReadStatusAndAssignment(t *testing.T) {
	e, alice, cust, ctx, conv := agentAndCustomer(t)

	if err := cust.Send(&gateway.InFrame{Type: gateway.TypeTyping, Conv: conv, On: true}); err != nil {
		t.Fatal(err)
	}
	ty := edgetest.NextEvent(t, alice, gateway.OutTyping, wait)
	if ty.Conv != conv || !ty.On || ty.ActorKind != "customer" {
		t.Fatalf("typing frame %+v", ty)
	}
	ack, err := cust.Message(ctx, conv, "m1", "hi")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeRead, Conv: conv, Seq: ack.Seq}); err != nil {
		t.Fatal(err)
	}
	for {
		f := edgetest.NextEvent(t, cust, gateway.OutEvent, wait)
		if f.Item.Kind == "read" {
			if f.Item.ReadSeq != ack.Seq || f.Item.ActorID != "agent-alice" {
				t.Fatalf("read receipt %+v", f.Item)
			}
			break
		}
	}
	if _, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeStatus, Conv: conv, Status: "resolved"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.Store().Conversation(edge.DemoTenant, conv); c.Status != "solved" {
		t.Fatalf("status %s after resolve (the legacy name of solved)", c.Status)
	}
	if n, _ := e.Store().AgentLoad(edge.DemoTenant, "agent-alice"); n != 0 {
		t.Fatalf("alice's load is %d after resolving her only conversation", n)
	}
	// The customer writing again reopens it.
	if _, err := cust.Message(ctx, conv, "m2", "one more thing"); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.Store().Conversation(edge.DemoTenant, conv); c.Status != "open" {
		t.Fatalf("status %s after the customer wrote again, want open", c.Status)
	}
	if _, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeAssign, Conv: conv, Agent: "agent-bob"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.Store().AgentLoad(edge.DemoTenant, "agent-bob"); n != 1 {
		t.Fatalf("bob's load is %d after a transfer, want 1", n)
	}
	if _, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeAssign, Conv: conv, Agent: "nobody"}); err == nil {
		t.Fatal("assigned to an agent that does not exist")
	}
	if _, err := cust.Request(ctx, &gateway.InFrame{Type: gateway.TypeStatus, Conv: conv, Status: "resolved"}); err == nil {
		t.Fatal("a customer changed the status")
	}
}

func TestHistoryPaging(t *testing.T) {
	e := edgetest.StartDev(t)
	cust := e.Visitor()
	ctx := ctxT(t)
	conv := startConv(t, cust, "c1")
	for i := 0; i < 25; i++ {
		if _, err := cust.Message(ctx, conv, fmt.Sprintf("m%02d", i), fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	var all []string
	var before uint64
	for pages := 0; ; pages++ {
		h, err := cust.History(ctx, conv, before, 10)
		if err != nil {
			t.Fatal(err)
		}
		var page []string
		for _, it := range h.Items {
			page = append(page, it.Kind+":"+it.ClientID)
		}
		all = append(page, all...)
		if !h.More {
			break
		}
		before = h.Items[0].Seq
		if pages > 5 {
			t.Fatal("history never ends")
		}
	}
	if len(all) != 26 || all[0] != "opened:c1" || all[25] != "message:m24" {
		t.Fatalf("paged history = %v", all)
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	e := edgetest.StartDev(t)
	cust := e.Visitor()
	ctx := ctxT(t)
	conv := startConv(t, cust, "c1")
	ack, err := cust.Message(ctx, conv, "m1", "before restart")
	if err != nil {
		t.Fatal(err)
	}
	visitor := cust.Welcome.Session.Visitor
	e.Restart()
	c2 := e.Customer(&client.Hello{Inbox: edge.DemoInbox, Visitor: visitor})
	h, err := c2.History(ctx, conv, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Items) != 2 || h.Items[1].Seq != ack.Seq || h.Items[1].Text != "before restart" {
		t.Fatalf("history after restart = %+v", h.Items)
	}
	// The demo seed is not repeated on restart.
	if n := e.Store().Applied(); n > ack.Seq+1 {
		t.Fatalf("restart appended %d events", n-ack.Seq)
	}
}

// Agents announced by a node that then goes silent (it crashed) are taken
// offline once its heartbeats stop, so routing no longer counts on them.
func TestPresenceOfASilentNodeExpires(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Gateway.PresenceTTL = 900 * time.Millisecond
	e := edgetest.Start(t, cfg)
	alice := e.Agent("alice@demo.test", "")
	ghost := []byte(`{"kind":"presence","node":"ghost-node","agent":"agent-bob","status":"online"}`)
	if err := e.Bus().Conn().Publish("live."+edge.DemoTenant+".presence", ghost); err != nil {
		t.Fatal(err)
	}
	bob := func() string {
		for {
			if f := edgetest.NextEvent(t, alice, gateway.OutPresence, wait); f.Agent == "agent-bob" {
				return f.Presence
			}
		}
	}
	if p := bob(); p != "online" {
		t.Fatalf("bob is %s, want online", p)
	}
	start := time.Now()
	if p := bob(); p != "offline" {
		t.Fatalf("bob is %s, want offline", p)
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Fatalf("bob went offline after %s, TTL is 900ms", waited)
	}
	// the only online agent now gets the next conversation
	cust := e.Visitor()
	ack, err := cust.Start(ctxT(t), "c1")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := e.Store().Conversation(edge.DemoTenant, ack.Conv); c.Assignee != "agent-alice" {
		t.Fatalf("assigned to %q after bob's node went silent", c.Assignee)
	}
}

// Customers learn whether any agent is online: in the welcome, then when it
// changes.
func TestCustomersLearnWhetherAnAgentIsOnline(t *testing.T) {
	e := edgetest.StartDev(t)
	cust := e.Visitor()
	if a := cust.Welcome.Available; a == nil || *a {
		t.Fatalf("welcome with no agent connected: available %v, want false", a)
	}
	alice := e.Agent("alice@demo.test", "")
	if f := edgetest.NextEvent(t, cust, gateway.OutAvailability, wait); f.Available == nil || !*f.Available {
		t.Fatalf("after an agent connected: %+v, want available", f)
	}
	if w := e.Visitor().Welcome.Available; w == nil || !*w {
		t.Fatalf("welcome with an agent online: available %v, want true", w)
	}
	alice.Close()
	if f := edgetest.NextEvent(t, cust, gateway.OutAvailability, wait); f.Available == nil || *f.Available {
		t.Fatalf("after the last agent left: %+v, want not available", f)
	}
}

// Agents look a customer up: the record the website vouched for and the
// customer's conversations. Customers cannot, and bad ids get clear errors.
func TestAgentLooksUpACustomer(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx := ctxT(t)
	alice := e.Agent("alice@demo.test", "")
	hash := auth.IdentityHash(edge.DemoIdentitySecret, "user-7")
	ada := e.Customer(&client.Hello{Inbox: edge.DemoInbox, User: &gateway.UserIdentity{ID: "user-7", Name: "Ada", Email: "ada@example.com", Hash: hash}})
	conv := startConv(t, ada, "c1")
	r, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeContact, Contact: ada.Welcome.Session.ID})
	if err != nil {
		t.Fatalf("contact: %v", err)
	}
	if r.Contact == nil || r.Contact.Name != "Ada" || r.Contact.Email != "ada@example.com" || r.Contact.ExternalID != "user-7" {
		t.Fatalf("contact = %+v, want Ada as the website described her", r.Contact)
	}
	if convs := r.Conversations; len(convs) != 1 || convs[0].ID != conv {
		t.Fatalf("contact's conversations = %+v, want [%s]", r.Conversations, conv)
	}
	expectRefused(t, []refusal{
		{ada, &gateway.InFrame{Type: gateway.TypeContact, Contact: ada.Welcome.Session.ID}, gateway.CodeForbidden},
		{alice, &gateway.InFrame{Type: gateway.TypeContact, Contact: "nobody"}, gateway.CodeNotFound},
		{alice, &gateway.InFrame{Type: gateway.TypeContact, Contact: "../etc"}, gateway.CodeInvalid},
	})
}

// refusal is a frame a client sends and the error code it must get.
type refusal struct {
	who  *client.Client
	f    *gateway.InFrame
	code string
}

// expectRefused sends each frame and checks the error code of the answer.
func expectRefused(t *testing.T, rs []refusal) {
	t.Helper()
	ctx := ctxT(t)
	for _, r := range rs {
		_, err := r.who.Request(ctx, r.f)
		var se *client.ServerError
		if !errors.As(err, &se) || se.Code != r.code {
			t.Errorf("%+v by %s: %v, want %s", r.f, r.who.Welcome.Session.ID, err, r.code)
		}
	}
}

// Agents list the tenant's canned responses; admins change them.
func TestCannedResponses(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx := ctxT(t)
	alice := e.Agent("alice@demo.test", "") // admin in the demo
	bob := e.Agent("bob@demo.test", "")
	list := func(c *client.Client) []protocol.Canned {
		t.Helper()
		r, err := c.Request(ctx, &gateway.InFrame{Type: gateway.TypeCanned})
		if err != nil {
			t.Fatalf("canned: %v", err)
		}
		return r.Canned
	}
	if got := list(bob); len(got) != 2 || got[0].Shortcut != "hello" || got[1].Shortcut != "shipping" {
		t.Fatalf("demo canned responses = %+v, want hello and shipping", got)
	}
	r, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeCannedSet, Shortcut: "refund", Text: "Refunds take 5 days."})
	if err != nil || len(r.Canned) != 3 || r.Canned[0].Shortcut != "hello" || r.Canned[1].Shortcut != "refund" {
		t.Fatalf("after adding refund: %+v, %v", r, err)
	}
	refund := r.Canned[1].ID
	if got := list(bob); len(got) != 3 {
		t.Fatalf("bob sees %d canned responses, want 3", len(got))
	}
	// changed in place: same id, new shortcut and text
	r, err = alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeCannedSet, Canned: refund, Shortcut: "refunds", Text: "Refunds take 3 days."})
	if err != nil || len(r.Canned) != 3 || r.Canned[1].ID != refund || r.Canned[1].Shortcut != "refunds" || r.Canned[1].Text != "Refunds take 3 days." {
		t.Fatalf("after changing refund: %+v, %v", r, err)
	}
	if _, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeCannedSet, Canned: refund, Delete: true}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if got := list(alice); len(got) != 2 {
		t.Fatalf("after the delete %d canned responses, want 2", len(got))
	}
	cust := e.Visitor()
	expectRefused(t, []refusal{
		{bob, &gateway.InFrame{Type: gateway.TypeCannedSet, Shortcut: "x", Text: "y"}, gateway.CodeForbidden},
		{cust, &gateway.InFrame{Type: gateway.TypeCanned}, gateway.CodeForbidden},
		{alice, &gateway.InFrame{Type: gateway.TypeCannedSet, Shortcut: "has space", Text: "y"}, gateway.CodeInvalid},
		{alice, &gateway.InFrame{Type: gateway.TypeCannedSet, Shortcut: "empty", Text: "  "}, gateway.CodeInvalid},
		{alice, &gateway.InFrame{Type: gateway.TypeCannedSet, Delete: true}, gateway.CodeInvalid},
	})
}

// An anonymous visitor gives a name and an e-mail address, which agents
// then see; malformed ones are refused, and a website's signed-in user
// cannot overwrite what the website said.
func TestVisitorGivesAProfile(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx := ctxT(t)
	alice := e.Agent("alice@demo.test", "")
	v := e.Visitor()
	if _, err := v.Request(ctx, &gateway.InFrame{Type: gateway.TypeProfile, Name: " Bea ", Email: "bea@example.com"}); err != nil {
		t.Fatalf("profile: %v", err)
	}
	r, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeContact, Contact: v.Welcome.Session.ID})
	if err != nil || r.Contact == nil || r.Contact.Name != "Bea" || r.Contact.Email != "bea@example.com" {
		t.Fatalf("contact after the profile: %+v, %v", r.Contact, err)
	}
	hash := auth.IdentityHash(edge.DemoIdentitySecret, "user-9")
	signedIn := e.Customer(&client.Hello{Inbox: edge.DemoInbox, User: &gateway.UserIdentity{ID: "user-9", Email: "u9@example.com", Hash: hash}})
	expectRefused(t, []refusal{
		{v, &gateway.InFrame{Type: gateway.TypeProfile}, gateway.CodeInvalid},
		{v, &gateway.InFrame{Type: gateway.TypeProfile, Email: "Bea <bea@example.com>"}, gateway.CodeInvalid},
		{v, &gateway.InFrame{Type: gateway.TypeProfile, Email: "not an address"}, gateway.CodeInvalid},
		{v, &gateway.InFrame{Type: gateway.TypeProfile, Name: strings.Repeat("x", 101)}, gateway.CodeInvalid},
		{signedIn, &gateway.InFrame{Type: gateway.TypeProfile, Email: "other@example.com"}, gateway.CodeForbidden},
		{alice, &gateway.InFrame{Type: gateway.TypeProfile, Name: "x"}, gateway.CodeForbidden},
	})
}

// The welcome tells a visitor what the inbox's pre-chat form asks.
func TestWelcomeCarriesThePrechatFields(t *testing.T) {
	e := edgetest.StartDev(t)
	if got := e.Customer(&client.Hello{Inbox: edge.DemoPrechatInbox}).Welcome.Prechat; fmt.Sprint(got) != "[name email]" {
		t.Fatalf("pre-chat fields of %s = %v, want [name email]", edge.DemoPrechatInbox, got)
	}
	if got := e.Customer(&client.Hello{Inbox: edge.DemoInbox}).Welcome.Prechat; len(got) != 0 {
		t.Fatalf("pre-chat fields of %s = %v, want none", edge.DemoInbox, got)
	}
}

// Admins set what an inbox's pre-chat form asks; visitors who connect
// afterwards get the new form, the inbox keeps its identity secret, and
// nobody sees that secret.
func TestAdminsSetThePrechatForm(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx := ctxT(t)
	alice := e.Agent("alice@demo.test", "")
	bob := e.Agent("bob@demo.test", "")
	r, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeInboxSet, Inbox: edge.DemoInbox, Prechat: []string{"email"}})
	if err != nil {
		t.Fatalf("inbox_set: %v", err)
	}
	var got []string
	for _, in := range r.Inboxes { // with no identity secret: protocol.Inbox has none, and protocol_views_test.go refuses fields it lacks
		got = append(got, in.ID+fmt.Sprint(in.Prechat))
	}
	if want := "[demo-email[] demo-prechat[name email] demo-web[email]]"; fmt.Sprint(got) != want {
		t.Fatalf("inboxes = %v, want %s", got, want)
	}
	if got := e.Customer(&client.Hello{Inbox: edge.DemoInbox}).Welcome.Prechat; fmt.Sprint(got) != "[email]" {
		t.Fatalf("a new visitor's pre-chat fields = %v, want [email]", got)
	}
	hash := auth.IdentityHash(edge.DemoIdentitySecret, "user-9")
	e.Customer(&client.Hello{Inbox: edge.DemoInbox, User: &gateway.UserIdentity{ID: "user-9", Hash: hash}}) // fails the test if refused
	if r, err := bob.Request(ctx, &gateway.InFrame{Type: gateway.TypeInboxes}); err != nil || len(r.Inboxes) != 3 {
		t.Fatalf("bob lists inboxes: %+v, %v", r, err)
	}
	expectRefused(t, []refusal{
		{bob, &gateway.InFrame{Type: gateway.TypeInboxSet, Inbox: edge.DemoInbox}, gateway.CodeForbidden},
		{e.Visitor(), &gateway.InFrame{Type: gateway.TypeInboxes}, gateway.CodeForbidden},
		{alice, &gateway.InFrame{Type: gateway.TypeInboxSet, Inbox: edge.DemoInbox, Prechat: []string{"phone"}}, gateway.CodeInvalid},
		{alice, &gateway.InFrame{Type: gateway.TypeInboxSet, Inbox: edge.DemoInbox, Prechat: []string{"name", "name"}}, gateway.CodeInvalid},
		{alice, &gateway.InFrame{Type: gateway.TypeInboxSet, Inbox: "nope"}, gateway.CodeNotFound},
	})
}

// The console pages through a tenant's conversations, newest activity
// first, with before = the last_seq of the page's last one.
func TestConversationListPages(t *testing.T) {
	e := edgetest.StartDev(t)
	ctx := ctxT(t)
	// online first, so that routing assigns each conversation as it opens
	// rather than, later, the queue's drain (which would be activity)
	alice := e.Agent("alice@demo.test", "")
	var want []string
	first := e.Visitor()
	oldest := startConv(t, first, "c1")
	for i := 0; i < 6; i++ {
		want = append([]string{startConv(t, e.Visitor(), "c1")}, want...)
	}
	// a message makes the oldest the most recently active
	if _, err := first.Message(ctx, oldest, "m1", "still there?"); err != nil {
		t.Fatal(err)
	}
	want = append([]string{oldest}, want...)
	var got []string
	var before uint64
	for pages := 0; ; pages++ {
		r, err := alice.Request(ctx, &gateway.InFrame{Type: gateway.TypeConvs, Before: before, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		page := r.Conversations
		if len(page) > 3 {
			t.Fatalf("page of %d conversations, asked for 3", len(page))
		}
		for _, c := range page {
			got = append(got, c.ID)
			before = c.LastSeq
		}
		if !r.More {
			break
		}
		if pages > 5 {
			t.Fatal("the list never ends")
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged list = %v, want %v", got, want)
	}
}
