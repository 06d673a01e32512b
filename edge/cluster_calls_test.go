package edge_test

import (
	"context"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
)

// A call lives on the node that started it, and the region's other nodes
// reach it: an agent connected to node B declines a call of a customer on
// node A, which ends there; the customer calls again, the agent
// joins; B relays the agent's signaling to A over the region's NATS, the
// media flows between the agent and A's SFU through B's TURN server, and
// both sides get each other's audio and video. The agent's call frames
// are checked on B (a bad video level) and applied on A (mute), and the
// call ends on A when the agent hangs up (the customer, left alone, is
// out of it too), with the event every node sees.
func TestCallAcrossNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("three clustered nodes; skipped with -short")
	}
	cfgs := regionConfigs(t, freePorts(t, 3))
	for i := range cfgs {
		cfgs[i].TURN.Addr = "127.0.0.1:0"
		if err := cfgs[i].Validate(); err != nil {
			t.Fatal(err)
		}
	}
	nodes := startRegion(t, cfgs)
	a, b := edgetest.Attach(t, nodes[0], cfgs[0]), edgetest.Attach(t, nodes[1], cfgs[1])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	agentWS := b.Agent("alice@demo.test", "")
	visitorWS := a.Visitor()
	ack, err := visitorWS.Start(ctx, "from-node-a")
	if err != nil {
		t.Fatal(err)
	}
	// a call of the customer on A that the agent on B declines ends on A
	first, err := visitorWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallStart, Conv: ack.Conv})
	if err != nil {
		t.Fatal(err)
	}
	callItem(t, agentWS, first.Call, "started")
	if _, err := agentWS.Request(ctx, callOp(gateway.CallDecline, first.Call)); err != nil {
		t.Fatalf("declining through node B: %v", err)
	}
	if it := callItem(t, visitorWS, first.Call, "ended"); it.ActorKind != "agent" || it.Call.Reason != "declined" {
		t.Fatalf("the customer on A saw the call end as %+v by %s", it.Call, it.ActorKind)
	}
	callItem(t, agentWS, first.Call, "ended")
	refused(ctx, t, agentWS, "declining the ended call through node B", callOp(gateway.CallDecline, first.Call), gateway.CodeNotFound)
	customer, agent := newCaller(t, a, visitorWS), newCaller(t, b, agentWS)
	customer.enter(ctx, ack.Conv, "")
	started := agent.item("started")
	if started.Item.Call == nil || started.Item.Call.ID != customer.call || started.Item.Call.Node != cfgs[0].Node.ID {
		t.Fatalf("node B's agent saw %+v", started.Item)
	}
	agent.enter(ctx, "", customer.call)
	for _, c := range []*caller{customer, agent} {
		for _, kind := range []string{"audio", "video"} {
			for deadline := time.Now().Add(30 * time.Second); c.received(kind) < 20; time.Sleep(50 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%s packets: %d, want 20", kind, c.received(kind))
				}
			}
		}
	}
	if a.Node.SFU().Rooms() != 1 || b.Node.SFU().Rooms() != 0 {
		t.Fatalf("rooms on A and B: %d and %d, want the call on A only", a.Node.SFU().Rooms(), b.Node.SFU().Rooms())
	}
	muted := true
	if _, err := agentWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallMute, Call: agent.call, Muted: &muted}); err != nil {
		t.Errorf("mute through node B: %v", err)
	}
	if _, err := agentWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallVideo, Call: agent.call, Video: "8k"}); err == nil {
		t.Error("video 8k was accepted through node B")
	}
	if _, err := agentWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallJoin, Call: "0000000000000000nocall"}); err == nil {
		t.Error("a call no node hosts was joined")
	}

	for _, c := range []*caller{agent, customer} {
		c.leaving.Store(true) // the first to hang up ends the call for both
	}
	for _, c := range []*caller{agent, customer} {
		if _, err := c.ws.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallLeave, Call: c.call}); err != nil {
			t.Fatal(err)
		}
	}
	ended := agent.item("ended")
	if q := ended.Item.Call; q.Reason != "hung up" || q.PacketsReceived < 80 {
		t.Fatalf("the call ended as %+v", q)
	}
	for deadline := time.Now().Add(10 * time.Second); a.Node.SFU().Rooms() != 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the call's room stayed open on node A")
		}
	}
	for _, c := range []*caller{customer, agent} {
		c.close()
	}
}
