package edge_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// TestLifecycleClock: the clock wakes a snoozed conversation when its time
// comes, also when the time passed while the edge was down (the time is
// in the log, not in a timer in memory), and closes a solved one once
// tickets.close_after has passed; a customer's reply to a solved one in
// time keeps it from closing; a closed one refuses the customer's next
// message and is no longer offered to the widget.
func TestLifecycleClock(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Tickets.CloseAfter = 2 * time.Second
	e := edgetest.Start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	cust := e.Visitor()
	visitor := cust.Welcome.Session.Visitor
	again := func() *client.Client { // the same visitor, after a restart
		return e.Customer(&client.Hello{Inbox: edge.DemoInbox, Visitor: visitor})
	}
	open, err := cust.Start(ctx, "clock-1")
	if err != nil {
		t.Fatal(err)
	}
	conv := open.Conversation.ID
	if _, err := cust.Message(ctx, conv, "m1", "Is my parcel lost?"); err != nil {
		t.Fatal(err)
	}
	alice := e.Agent(edge.DemoAgents[0].Email, "")
	status := func(st string, until int64) {
		t.Helper()
		if _, err := alice.Request(ctx, &protocol.InFrame{Type: "status", Conv: conv, Status: st, SnoozeUntil: until}); err != nil {
			t.Fatalf("status %s: %v", st, err)
		}
	}
	get := func() *state.ConversationRec {
		t.Helper()
		c, err := e.Node.Store().Conversation(edge.DemoTenant, conv)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	waitStatus := func(want string, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for get().Status != want {
			if time.Now().After(deadline) {
				t.Fatalf("not %s within %s: %s", want, within, get().Status)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	byTimer := func(want string) {
		t.Helper()
		items, _, err := e.Node.Store().Timeline(edge.DemoTenant, conv, 0, 500, true)
		if err != nil {
			t.Fatal(err)
		}
		var last *state.Item
		for i := range items {
			if items[i].Kind == "status" {
				last = &items[i]
			}
		}
		if last == nil || last.Status != want || last.ActorKind != event.ActorSystem || last.ActorID != ticket.TimerID {
			t.Fatalf("the last status item %+v, want %s by the clock", last, want)
		}
	}

	// snoozed; the time passes while the edge is down; back up, it wakes
	status(event.StatusOnHold, time.Now().Add(1500*time.Millisecond).UnixMilli())
	e.Stop()
	time.Sleep(2 * time.Second)
	e.Restart()
	waitStatus(event.StatusOpen, 10*time.Second)
	byTimer(event.StatusOpen)
	if c := get(); c.SnoozeUntil != 0 {
		t.Fatalf("woken with snooze_until %d", c.SnoozeUntil)
	}

	// solved, the customer answers within close_after: it reopens and
	// does not close
	alice = e.Agent(edge.DemoAgents[0].Email, "")
	status(event.StatusSolved, 0)
	cust = again()
	if _, err := cust.Message(ctx, conv, "m2", "One more question"); err != nil {
		t.Fatalf("a reply to a solved conversation: %v", err)
	}
	waitStatus(event.StatusOpen, 5*time.Second)
	time.Sleep(2500 * time.Millisecond)
	if st := get().Status; st != event.StatusOpen {
		t.Fatalf("reopened by the customer, then %s", st)
	}

	// solved and left: closed once close_after has passed, by the clock
	status(event.StatusSolved, 0)
	start := time.Now()
	waitStatus(event.StatusClosed, 10*time.Second)
	if took := time.Since(start); took < 2*time.Second {
		t.Fatalf("closed %s after solving, before close_after (2s)", took)
	}
	byTimer(event.StatusClosed)
	if _, err := cust.Message(ctx, conv, "m3", "Hello?"); err == nil {
		t.Fatal("a closed conversation took the customer's message")
	}
	// the widget is offered no closed conversation: it starts a new one
	w := again()
	if n := len(w.Welcome.Conversations); n != 0 {
		t.Fatalf("the welcome offers %d conversations, want none (the only one is closed)", n)
	}
	next, err := w.Start(ctx, "clock-2")
	if err != nil || next.Conversation.ID == conv {
		t.Fatalf("a new conversation after the closed one: %v", err)
	}
	if c := get(); c.Messages != 2 {
		t.Fatalf("the closed conversation holds %d messages, want 2", c.Messages)
	}
}

// TestSLAStagesRecordedOnce: with the tenant's policy set (as the hub
// sets it), a conversation's first response clock warns at its share of
// the target and breaches at the target, each recorded once in the log by
// the lifecycle's clock (also across a restart), and the breach raises
// the conversation's priority as the policy says; the agent's answer
// stops the clock.
func TestSLAStagesRecordedOnce(t *testing.T) {
	e := edgetest.Start(t, edgetest.Config(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	policy := &event.SLA{FirstResponse: [4]int64{0, 2, 0, 0}, Resolution: [4]int64{0, 3600, 0, 7200}, WarnAt: 50, Escalate: event.PriorityUrgent}
	if _, err := e.Node.Journal().Append(ctx, &event.Event{Kind: event.KindTenantUpserted, Tenant: edge.DemoTenant,
		Actor: event.Actor{Kind: event.ActorSystem, ID: "test"}, TenantInfo: &event.Tenant{ID: edge.DemoTenant, Name: "Demo Shop", SLA: policy}}); err != nil {
		t.Fatal(err)
	}
	cust := e.Visitor()
	open, err := cust.Start(ctx, "sla-1")
	if err != nil {
		t.Fatal(err)
	}
	conv := open.Conversation.ID
	if _, err := cust.Message(ctx, conv, "m1", "Hello?"); err != nil {
		t.Fatal(err)
	}
	stages := func() []string { return stagesOf(t, e.Node, conv) }
	deadline := time.Now().Add(15 * time.Second)
	for len(stages()) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got := strings.Join(stages(), ", "); got != "first_response warning, first_response breached" {
		t.Fatalf("the stages recorded: %q", got)
	}
	c, _ := e.Node.Store().Conversation(edge.DemoTenant, conv)
	if c.Priority != event.PriorityUrgent {
		t.Fatalf("priority %q after the breach, want urgent (escalate_priority)", c.Priority)
	}
	// the REST API shows the clocks (docs/api.md): at urgent the first
	// response has no target (hidden), the resolution two hours
	resp, body := e.Get("/api/v1/conversations/"+conv+"?tenant="+edge.DemoTenant, e.AdminToken())
	var view struct {
		Priority string `json:"priority"`
		SLA      []struct {
			Measure  string `json:"measure"`
			TargetMS int64  `json:"target_ms"`
			Due      string `json:"due"`
		} `json:"sla"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &view) != nil || view.Priority != "urgent" || len(view.SLA) != 1 ||
		view.SLA[0].Measure != "resolution" || view.SLA[0].TargetMS != 7_200_000 || view.SLA[0].Due == "" {
		t.Fatalf("GET the conversation: %d %s", resp.StatusCode, body)
	}
	e.Restart()
	time.Sleep(2 * time.Second) // clocks tick on the restarted node
	if got := len(stages()); got != 2 {
		t.Fatalf("%d stages after a restart, want the same 2", got)
	}
	alice := e.Agent(edge.DemoAgents[0].Email, "")
	if _, err := alice.Message(ctx, conv, "a1", "Sorry for the wait!"); err != nil {
		t.Fatal(err)
	}
	c, _ = e.Node.Store().Conversation(edge.DemoTenant, conv)
	if len(c.SLA) != 1 || c.SLA[0].Measure != "resolution" {
		t.Fatalf("after the answer the clocks are %+v, want the resolution's only", c.SLA)
	}
}
