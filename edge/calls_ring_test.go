package edge_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// callItem waits on ws for the call item of call with the given status.
func callItem(t *testing.T, ws *client.Client, call, status string) *protocol.Item {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case f, ok := <-ws.Events():
			if !ok {
				t.Fatalf("connection ended waiting for the call's %s item: %v", status, ws.Err())
			}
			if f.Type == gateway.OutEvent && f.Item != nil && f.Item.Kind == "call" && f.Item.Call != nil &&
				f.Item.Call.ID == call && f.Item.Status == status {
				return f.Item
			}
		case <-timeout:
			t.Fatalf("no call %s item for %s", status, call)
		}
	}
}

// refused checks that a call frame is refused with the given code.
func refused(ctx context.Context, t *testing.T, ws *client.Client, what string, f *gateway.InFrame, code string) {
	t.Helper()
	f.Type = gateway.TypeCall
	_, err := ws.Request(ctx, f)
	var se *client.ServerError
	if !errors.As(err, &se) || se.Code != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

func callOp(op, call string) *gateway.InFrame {
	return &gateway.InFrame{Type: gateway.TypeCall, Op: op, Call: call}
}

// A call rings until the other side answers. An agent calls a customer:
// the customer is told (the call item, with the agent's name), and
// declining ends it for the
// agent too ("declined", by the customer). Only the side called
// declines, only while it rings, and not from inside the call; ids and
// strangers are refused. A customer's call nobody answers ends after the
// ring timeout ("no answer"). A second start names the call to join. An
// answered call ends when one side has nobody left: the customer hangs
// up and the agent, left alone, is out of the call too (the call.ended
// item tells both, with the quality of both sides' media), and leaving
// it afterwards is acknowledged.
func TestCallsRingAndEnd(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.TURN.Addr = "127.0.0.1:0"
	cfg.Calls.RingTimeout = 2 * time.Second
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e := edgetest.Start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	agentWS := e.Agent("alice@demo.test", "")
	bob := e.Agent("bob@demo.test", "")
	visitorWS := e.Visitor()
	stranger := e.Visitor()
	conv, err := visitorWS.Start(ctx, "ring")
	if err != nil {
		t.Fatal(err)
	}

	// the agent calls; the customer is told, and declines
	ack, err := agentWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallStart, Conv: conv.Conv})
	if err != nil || ack.Call == "" {
		t.Fatalf("the agent's call: %+v %v", ack, err)
	}
	call := ack.Call
	if it := callItem(t, visitorWS, call, "started"); it.ActorKind != "agent" || it.Call.Role != "agent" || it.ActorName == "" {
		t.Fatalf("the customer was told of %+v", it)
	}
	refused(ctx, t, visitorWS, "decline without a call", callOp(gateway.CallDecline, ""), gateway.CodeInvalid)
	refused(ctx, t, visitorWS, "decline of a malformed id", callOp(gateway.CallDecline, "../x"), gateway.CodeInvalid)
	refused(ctx, t, bob, "an agent declining an agent's call", callOp(gateway.CallDecline, call), gateway.CodeForbidden)
	refused(ctx, t, agentWS, "the caller declining its own call", callOp(gateway.CallDecline, call), gateway.CodeInvalid)
	if _, err := stranger.Request(ctx, callOp(gateway.CallDecline, call)); err == nil {
		t.Error("another visitor declined the call")
	}
	refused(ctx, t, visitorWS, "an unknown op", callOp("ring", call), gateway.CodeInvalid)
	if r, err := visitorWS.Request(ctx, callOp(gateway.CallDecline, call)); err != nil || r.Call != call {
		t.Fatalf("decline: %+v %v", r, err)
	}
	for who, ws := range map[string]*client.Client{"customer": visitorWS, "agent": agentWS} {
		if it := callItem(t, ws, call, "ended"); it.ActorKind != "customer" || it.Call.Reason != "declined" {
			t.Errorf("the %s saw the call end as %+v by %s", who, it.Call, it.ActorKind)
		}
	}
	refused(ctx, t, visitorWS, "declining an ended call", callOp(gateway.CallDecline, call), gateway.CodeNotFound)
	// (no node answers for it: this takes the region's 2 s)
	refused(ctx, t, visitorWS, "decline of a call nobody hosts", callOp(gateway.CallDecline, "0000000000000000nocall"), gateway.CodeNotFound)
	if n := e.Node.SFU().Rooms(); n != 0 {
		t.Fatalf("%d rooms after the decline", n)
	}

	// the customer calls and nobody answers
	start := time.Now()
	ack, err = visitorWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallStart, Conv: conv.Conv})
	if err != nil {
		t.Fatal(err)
	}
	it := callItem(t, agentWS, ack.Call, "ended")
	if it.ActorKind != "system" || it.Call.Reason != "no answer" || it.Call.Duration < 1900 || time.Since(start) > 10*time.Second {
		t.Fatalf("the unanswered call ended as %+v by %s after %s", it.Call, it.ActorKind, time.Since(start))
	}
	callItem(t, visitorWS, ack.Call, "ended")

	// the customer calls, a second start names the call, the agent
	// answers: declining is too late, and the customer's hanging up ends
	// the call for the agent
	customer, agent := newCaller(t, e, visitorWS), newCaller(t, e, agentWS)
	customer.enter(ctx, conv.Conv, "")
	r, err := agentWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallStart, Conv: conv.Conv})
	if err == nil || r == nil || r.Code != gateway.CodeInvalid || r.Call != customer.call {
		t.Fatalf("a second start: %+v %v, want invalid naming %s", r, err, customer.call)
	}
	agent.enter(ctx, "", customer.call)
	for _, c := range []*caller{customer, agent} {
		for deadline := time.Now().Add(30 * time.Second); c.received("video") < 20; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("video packets: %d, want 20", c.received("video"))
			}
		}
	}
	refused(ctx, t, bob, "declining an answered call", callOp(gateway.CallDecline, customer.call), gateway.CodeInvalid)
	time.Sleep(cfg.Calls.RingTimeout + 500*time.Millisecond) // an answered call does not time out
	customer.leaving.Store(true)
	agent.leaving.Store(true)
	if _, err := visitorWS.Request(ctx, callOp(gateway.CallLeave, customer.call)); err != nil {
		t.Fatal(err)
	}
	ended := agent.item("ended")
	if q := ended.Item.Call; ended.Item.ActorKind != "customer" || q.Reason != "hung up" || q.Duration < 2000 || q.PacketsReceived < 80 {
		t.Fatalf("the agent saw the call end as %+v by %s", q, ended.Item.ActorKind)
	}
	if n := e.Node.SFU().Rooms(); n != 0 {
		t.Fatalf("%d rooms after the customer hung up: the agent is still in the call", n)
	}
	if r, err := agentWS.Request(ctx, callOp(gateway.CallLeave, customer.call)); err != nil || r.Call != customer.call {
		t.Fatalf("leaving the ended call: %+v %v", r, err)
	}
	refused(ctx, t, agentWS, "leaving a malformed id", callOp(gateway.CallLeave, "../x"), gateway.CodeInvalid)
	for _, c := range []*caller{customer, agent} {
		c.close()
	}

	// an answered call also ends when the last agent hangs up
	ack, err = visitorWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallStart, Conv: conv.Conv})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agentWS.Request(ctx, callOp(gateway.CallJoin, ack.Call)); err != nil {
		t.Fatal(err)
	}
	if _, err := agentWS.Request(ctx, callOp(gateway.CallLeave, ack.Call)); err != nil {
		t.Fatal(err)
	}
	if it := callItem(t, visitorWS, ack.Call, "ended"); it.ActorKind != "agent" || it.Call.Reason != "hung up" {
		t.Fatalf("the customer saw the call end as %+v by %s", it.Call, it.ActorKind)
	}
}
