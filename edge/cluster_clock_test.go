package edge_test

import (
	"context"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// TestThreeNodeClock: on a region of three nodes, each running the
// lifecycle's clock, a snooze that ends and an SLA clock's warning and
// breach are each recorded exactly once in the replicated log, although
// every node sees them come due, and although the node that served the
// conversation is gone before they do.
func TestThreeNodeClock(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node region takes seconds to start")
	}
	cfgs := regionConfigs(t, freePorts(t, 3))
	nodes := startRegion(t, cfgs)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url := func(n *edge.Node) string { return "http://" + n.Addr() }

	policy := &event.SLA{FirstResponse: [4]int64{0, 2, 0, 0}, WarnAt: 50}
	if _, err := a.Journal().Append(ctx, &event.Event{Kind: event.KindTenantUpserted, Tenant: edge.DemoTenant,
		Actor: event.Actor{Kind: event.ActorSystem, ID: "test"}, TenantInfo: &event.Tenant{ID: edge.DemoTenant, Name: "Demo Shop", SLA: policy}}); err != nil {
		t.Fatal(err)
	}
	cust, err := client.Dial(ctx, url(a), &client.Hello{Inbox: edge.DemoInbox}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cust.Close()
	var convs []string
	for _, cid := range []string{"waits", "snoozed"} {
		ack, err := cust.Start(ctx, cid)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cust.Message(ctx, ack.Conversation.ID, "m1", "Hello?"); err != nil {
			t.Fatal(err)
		}
		convs = append(convs, ack.Conversation.ID)
	}
	tok, err := client.Login(ctx, url(a), "alice@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := client.Dial(ctx, url(a), &client.Hello{Token: tok, Scope: "all"}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Request(ctx, &protocol.InFrame{Type: "status", Conv: convs[1], Status: event.StatusOnHold,
		SnoozeUntil: time.Now().Add(2 * time.Second).UnixMilli()}); err != nil {
		t.Fatal(err)
	}
	agent.Close()
	cust.Close()
	stopNode(a, 20*time.Second) // before anything is due

	// B and C come to it: one warning, one breach, one wake-up
	done := func() bool {
		conv, err := b.Store().Conversation(edge.DemoTenant, convs[1])
		return err == nil && conv.Status == event.StatusOpen && len(stagesOf(t, b, convs[0])) == 2
	}
	for deadline := time.Now().Add(20 * time.Second); !done(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not due on the survivors within 20 s: stages %v", stagesOf(t, b, convs[0]))
		}
	}
	time.Sleep(2 * time.Second) // every clock has ticked again since

	// the log itself, read on C: each once
	last, err := c.Bus().LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	counts := map[string]int{}
	read := make(chan struct{})
	go func() {
		_ = c.Bus().Read(rctx, 1, func(seq uint64, data []byte) {
			if e, err := c.Journal().Codec().Decode(data); err == nil {
				switch {
				case e.Kind == event.KindSLAStage && e.SLAStage.Conv == convs[0]:
					counts[e.SLAStage.Measure+" "+e.SLAStage.Stage]++
				case e.Kind == event.KindStatusChanged && e.Status.Conv == convs[1] && e.Actor.ID == ticket.TimerID:
					counts["wake "+e.Status.Status]++
				}
			}
			if seq == last {
				close(read)
			}
		})
	}()
	select {
	case <-read:
	case <-ctx.Done():
		t.Fatal("the log was not read to its end")
	}
	stop()
	want := map[string]int{"first_response warning": 1, "first_response breached": 1, "wake open": 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("the log holds %d %q, want %d (all: %v)", counts[k], k, n, counts)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("the log holds %v, want %v", counts, want)
	}
	if s := stagesOf(t, c, convs[0]); len(s) != 2 {
		t.Errorf("node C's state has the stages %v", s)
	}
}

// stagesOf are the "sla" items of a conversation in node n's state.
func stagesOf(t *testing.T, n *edge.Node, conv string) []string {
	t.Helper()
	items, _, err := n.Store().Timeline(edge.DemoTenant, conv, 0, 500, true)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		if it.Kind == "sla" {
			out = append(out, it.SLA.Measure+" "+it.SLA.Stage)
		}
	}
	return out
}
