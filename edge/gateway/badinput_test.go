package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
)

const badWait = 10 * time.Second

// badDial opens a raw WebSocket to the edge; the tests below write exactly
// the bytes they mean to.
func badDial(t *testing.T, e *edgetest.Edge) *rawWS {
	t.Helper()
	return rawDial(t, e.URL, nil)
}

func badWrite(t *testing.T, conn *rawWS, v any) {
	t.Helper()
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := conn.WriteText(b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// badRead returns the next frame, or the close error that ended the
// connection.
func badRead(t *testing.T, conn *rawWS) (*protocol.OutFrame, *wsClose) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(badWait))
	data, err := conn.ReadMessage()
	if err != nil {
		var ce *wsClose
		if errors.As(err, &ce) {
			return nil, ce
		}
		t.Fatalf("read: %v (want a frame or a close frame)", err)
	}
	var f protocol.OutFrame
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("edge sent a frame that is not JSON: %q", data)
	}
	return &f, nil
}

// badFrame reads the next frame, failing if the connection closed.
func badFrame(t *testing.T, conn *rawWS) *protocol.OutFrame {
	t.Helper()
	f, ce := badRead(t, conn)
	if ce != nil {
		t.Fatalf("connection closed: %d %s", ce.Code, ce.Text)
	}
	return f
}

// badExpectClose reads until the edge closes the connection and checks the
// close code; frames before the close are returned.
func badExpectClose(t *testing.T, conn *rawWS, code int, reason string) []*protocol.OutFrame {
	t.Helper()
	var got []*protocol.OutFrame
	for {
		f, ce := badRead(t, conn)
		if ce == nil {
			got = append(got, f)
			if len(got) > 100 {
				t.Fatalf("no close after %d frames", len(got))
			}
			continue
		}
		if ce.Code != code {
			t.Fatalf("closed with %d %q, want %d", ce.Code, ce.Text, code)
		}
		if !strings.Contains(ce.Text, reason) {
			t.Fatalf("close reason %q does not contain %q", ce.Text, reason)
		}
		return got
	}
}

// badExpectError reads the next frame other than a pushed one (the event of
// an earlier request may still be on its way) and checks it is an error
// frame with the code.
func badExpectError(t *testing.T, conn *rawWS, id, code string) *protocol.OutFrame {
	t.Helper()
	f := badFrame(t, conn)
	for badUnsolicited(f) {
		f = badFrame(t, conn)
	}
	if f.Type != gateway.OutError || f.Code != code || f.ID != id {
		t.Fatalf("got %s frame id %q code %q (%s), want error id %q code %q", f.Type, f.ID, f.Code, f.Message, id, code)
	}
	return f
}

// badUnsolicited reports whether a frame is pushed by the edge rather than
// a reply: live events, and (to agents) presence and typing.
func badUnsolicited(f *protocol.OutFrame) bool {
	switch f.Type {
	case gateway.OutEvent, gateway.OutPresence, gateway.OutTyping:
		return true
	}
	return false
}

// badReply skips pushed frames (the live event of a request may come
// before or after its reply) and returns the reply to request id.
func badReply(t *testing.T, conn *rawWS, id string) *protocol.OutFrame {
	t.Helper()
	for {
		f := badFrame(t, conn)
		if badUnsolicited(f) {
			continue
		}
		if f.ID != id {
			t.Fatalf("got %+v, want the reply to %s", f, id)
		}
		return f
	}
}

// badPing checks the connection still answers.
func badPing(t *testing.T, conn *rawWS) {
	t.Helper()
	badWrite(t, conn, `{"type":"ping","id":"alive"}`)
	if f := badFrame(t, conn); f.Type != gateway.OutPong || f.ID != "alive" {
		t.Fatalf("got %+v, want pong alive", f)
	}
}

// badVisitor connects an anonymous visitor over a raw connection and
// returns the welcome.
func badVisitor(t *testing.T, e *edgetest.Edge) (*rawWS, *protocol.OutFrame) {
	t.Helper()
	conn := badDial(t, e)
	badWrite(t, conn, `{"type":"hello","v":1,"inbox":"`+edge.DemoInbox+`"}`)
	w := badFrame(t, conn)
	if w.Type != gateway.OutWelcome || w.Session == nil || w.Session.Role != auth.RoleCustomer {
		t.Fatalf("want a customer welcome, got %+v", w)
	}
	return conn, w
}

func TestBadInputIsRefusedWithTheRightCode(t *testing.T) {
	e := edgetest.StartDev(t)
	keys := e.Node.Keys()
	forger, err := auth.NewKeys([]byte("not-the-edge-key-not-the-edge-key-0123"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	agentTok, err := client.Login(ctx, e.URL, "alice@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}

	hellos := []struct {
		name   string
		first  any
		code   int
		reason string
	}{
		{"non-JSON first frame", "this is not json", gateway.CloseBadFrames, "first frame must be hello"},
		{"unknown field in hello", `{"type":"hello","inbox":"demo-web","admin":true}`, gateway.CloseBadFrames, "admin"},
		{"first frame not hello", `{"type":"ping"}`, gateway.CloseBadFrames, "first frame must be hello"},
		{"hello without credentials", `{"type":"hello","v":1}`, gateway.CloseUnauthorized, "token"},
		{"newer protocol version", `{"type":"hello","v":2,"inbox":"demo-web"}`, gateway.CloseVersion, "v1"},
		{"forged agent token", &gateway.InFrame{Type: "hello", V: 1,
			Token: mustIssue(t, forger, auth.RoleAgent, edge.DemoTenant, "", "agent-alice", time.Hour)},
			gateway.CloseUnauthorized, "invalid token"},
		{"expired agent token", &gateway.InFrame{Type: "hello", V: 1,
			Token: mustIssue(t, keys, auth.RoleAgent, edge.DemoTenant, "", "agent-alice", -time.Minute)},
			gateway.CloseUnauthorized, "expired"},
		{"token of an unknown agent", &gateway.InFrame{Type: "hello", V: 1,
			Token: mustIssue(t, keys, auth.RoleAgent, edge.DemoTenant, "", "agent-mallory", time.Hour)},
			gateway.CloseUnauthorized, "no longer exists"},
		{"visitor token as session token", &gateway.InFrame{Type: "hello", V: 1,
			Token: mustIssue(t, keys, auth.RoleVisitor, edge.DemoTenant, edge.DemoInbox, "v1", time.Hour)},
			gateway.CloseUnauthorized, "not valid here"},
		{"customer token of an unknown contact", &gateway.InFrame{Type: "hello", V: 1,
			Token: mustIssue(t, keys, auth.RoleCustomer, edge.DemoTenant, edge.DemoInbox, "nobody", time.Hour)},
			gateway.CloseUnauthorized, "unknown customer"},
		{"garbage token", `{"type":"hello","token":"a.b.c"}`, gateway.CloseUnauthorized, "invalid token"},
		{"bad agent scope", &gateway.InFrame{Type: "hello", V: 1, Token: agentTok, Scope: "everything"},
			gateway.CloseBadFrames, "scope"},
		{"unknown inbox", `{"type":"hello","v":1,"inbox":"no-such-inbox"}`, gateway.CloseUnauthorized, "unknown inbox"},
		{"invalid inbox id", `{"type":"hello","v":1,"inbox":"../etc"}`, gateway.CloseUnauthorized, "invalid inbox"},
		{"wrong identity hash", &gateway.InFrame{Type: "hello", V: 1, Inbox: edge.DemoInbox,
			User: &gateway.UserIdentity{ID: "user-1", Hash: auth.IdentityHash("wrong-secret", "user-1")}},
			gateway.CloseUnauthorized, "identity"},
		{"identity of another user", &gateway.InFrame{Type: "hello", V: 1, Inbox: edge.DemoInbox,
			User: &gateway.UserIdentity{ID: "user-2", Hash: auth.IdentityHash(edge.DemoIdentitySecret, "user-1")}},
			gateway.CloseUnauthorized, "identity"},
		{"forged visitor token", &gateway.InFrame{Type: "hello", V: 1, Inbox: edge.DemoInbox,
			Visitor: mustIssue(t, forger, auth.RoleVisitor, edge.DemoTenant, edge.DemoInbox, "v1", time.Hour)},
			gateway.CloseUnauthorized, "visitor"},
		{"customer token as visitor token", &gateway.InFrame{Type: "hello", V: 1, Inbox: edge.DemoInbox,
			Visitor: mustIssue(t, keys, auth.RoleCustomer, edge.DemoTenant, edge.DemoInbox, "v1", time.Hour)},
			gateway.CloseUnauthorized, "visitor"},
		{"visitor token of another inbox", &gateway.InFrame{Type: "hello", V: 1, Inbox: edge.DemoInbox,
			Visitor: mustIssue(t, keys, auth.RoleVisitor, edge.DemoTenant, "other-inbox", "v1", time.Hour)},
			gateway.CloseForbidden, "another inbox"},
		{"oversize first frame", `{"type":"hello","inbox":"` + strings.Repeat("x", 64<<10) + `"}`,
			int(ws.StatusMessageTooBig), ""},
	}
	for _, tc := range hellos {
		t.Run(tc.name, func(t *testing.T) {
			conn := badDial(t, e)
			badWrite(t, conn, tc.first)
			if frames := badExpectClose(t, conn, tc.code, tc.reason); len(frames) > 0 {
				t.Fatalf("frames before the close: %+v", frames[0])
			}
		})
	}

	t.Run("unknown frame type keeps the connection", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		badWrite(t, conn, `{"type":"teleport","id":"t1"}`)
		badExpectError(t, conn, "t1", gateway.CodeUnknownType)
		badPing(t, conn)
	})

	t.Run("unknown field is a bad frame", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		badWrite(t, conn, `{"type":"ping","id":"p1","sudo":true}`)
		// The frame was not understood, so its id is not echoed.
		badExpectError(t, conn, "", gateway.CodeBadFrame)
		badWrite(t, conn, `{"type":"ping"}}`)
		badExpectError(t, conn, "", gateway.CodeBadFrame)
		badPing(t, conn)
	})

	t.Run("second hello", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		badWrite(t, conn, `{"type":"hello","id":"h2","inbox":"demo-web"}`)
		badExpectError(t, conn, "h2", gateway.CodeInvalid)
		badPing(t, conn)
	})

	t.Run("another customer's conversation is forbidden", func(t *testing.T) {
		owner, _ := badVisitor(t, e)
		badWrite(t, owner, `{"type":"start","id":"s1","client_id":"conv-1"}`)
		ack := badReply(t, owner, "s1")
		if ack.Type != gateway.OutAck || ack.Conv == "" {
			t.Fatalf("start: %+v", ack)
		}
		badWrite(t, owner, &gateway.InFrame{Type: "send", ID: "m1", Conv: ack.Conv, ClientID: "m-1", Text: "mine"})
		if f := badReply(t, owner, "m1"); f.Type != gateway.OutAck {
			t.Fatalf("send: %+v", f)
		}
		intruder, _ := badVisitor(t, e)
		for i, f := range []*gateway.InFrame{
			{Type: "send", Conv: ack.Conv, ClientID: "x-1", Text: "let me in"},
			{Type: "history", Conv: ack.Conv},
			{Type: "typing", Conv: ack.Conv, On: true},
			{Type: "read", Conv: ack.Conv, Seq: ack.Seq},
		} {
			f.ID = "i" + string(rune('0'+i))
			badWrite(t, intruder, f)
			badExpectError(t, intruder, f.ID, gateway.CodeForbidden)
		}
		// Customers cannot use agent operations on their own conversation.
		for i, f := range []*gateway.InFrame{
			{Type: "status", Conv: ack.Conv, Status: "resolved"},
			{Type: "assign", Conv: ack.Conv, Agent: "agent-bob"},
			{Type: "presence", Presence: "online"},
		} {
			f.ID = "a" + string(rune('0'+i))
			badWrite(t, owner, f)
			badExpectError(t, owner, f.ID, gateway.CodeForbidden)
		}
		badWrite(t, owner, &gateway.InFrame{Type: "send", ID: "p", Conv: ack.Conv, ClientID: "n-1", Text: "x", Private: true})
		badExpectError(t, owner, "p", gateway.CodeInvalid)
		// Nothing the intruder sent is in the conversation.
		if _, err := e.Node.Store().ClientMessage(edge.DemoTenant, ack.Conv, "x-1"); err == nil {
			t.Fatal("the intruder's message was stored")
		}
		if _, err := e.Node.Store().ClientMessage(edge.DemoTenant, ack.Conv, "m-1"); err != nil {
			t.Fatalf("the owner's message is missing: %v", err)
		}
		badPing(t, intruder)
	})

	t.Run("oversize frame after hello", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		big := `{"type":"ping","id":"` + strings.Repeat("y", 64<<10) + `"}`
		badWrite(t, conn, big)
		badExpectClose(t, conn, int(ws.StatusMessageTooBig), "")
	})

	t.Run("a frame just under the limit is fine", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		// 64 KiB in all; the text limit (16 KiB) answers, not the frame
		// limit.
		pad := (64 << 10) - len(`{"type":"send","id":"b","conv":"c","client_id":"c","text":""}`)
		badWrite(t, conn, `{"type":"send","id":"b","conv":"c","client_id":"c","text":"`+strings.Repeat("z", pad)+`"}`)
		badExpectError(t, conn, "b", gateway.CodeInvalid)
		badPing(t, conn)
	})

	t.Run("twenty bad frames close the connection", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		for i := 0; i < 20; i++ {
			badWrite(t, conn, `{not json`)
		}
		frames := badExpectClose(t, conn, gateway.CloseBadFrames, "too many bad frames")
		if len(frames) != 20 {
			t.Fatalf("%d frames before the close, want 20 bad_frame errors", len(frames))
		}
		for _, f := range frames {
			if f.Type != gateway.OutError || f.Code != gateway.CodeBadFrame {
				t.Fatalf("got %+v, want bad_frame errors", f)
			}
		}
	})

	t.Run("nineteen bad frames do not", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		for i := 0; i < 19; i++ {
			badWrite(t, conn, `[]`)
			badExpectError(t, conn, "", gateway.CodeBadFrame)
		}
		badPing(t, conn)
	})

	t.Run("another tenant is invisible", func(t *testing.T) {
		// A second tenant, written into the log as a hub would.
		codec := event.NewCodec()
		sys := event.Actor{Kind: event.ActorSystem, ID: "test"}
		var last uint64
		for _, ev := range []*event.Event{
			{ID: "t2-tenant", Kind: event.KindTenantUpserted, Tenant: "acme2", Actor: sys, TS: 1,
				TenantInfo: &event.Tenant{ID: "acme2", Name: "Acme Two"}},
			{ID: "t2-inbox", Kind: event.KindInboxUpserted, Tenant: "acme2", Actor: sys, TS: 1,
				Inbox: &event.Inbox{ID: "acme2-web", Channel: "web", IdentitySecret: "acme2-secret"}},
		} {
			data, err := codec.Encode(ev)
			if err != nil {
				t.Fatal(err)
			}
			if last, _, err = e.Node.Bus().Append(ctx, bus.Subject(ev.Tenant), ev.ID, data); err != nil {
				t.Fatal(err)
			}
		}
		for e.Node.Store().Applied() < last {
			time.Sleep(5 * time.Millisecond)
		}

		other := badDial(t, e)
		badWrite(t, other, `{"type":"hello","v":1,"inbox":"acme2-web"}`)
		w := badFrame(t, other)
		if w.Type != gateway.OutWelcome || w.Session.Tenant != "acme2" {
			t.Fatalf("acme2 customer: %+v", w)
		}
		badWrite(t, other, `{"type":"start","id":"s","client_id":"c"}`)
		conv := badReply(t, other, "s").Conv

		alice := badDial(t, e)
		badWrite(t, alice, &gateway.InFrame{Type: "hello", V: 1, Token: agentTok})
		if w := badFrame(t, alice); w.Type != gateway.OutWelcome || w.Session.Tenant != edge.DemoTenant {
			t.Fatalf("alice: %+v", w)
		}
		// The other tenant's conversation does not exist for alice.
		for i, f := range []*gateway.InFrame{
			{Type: "history", Conv: conv},
			{Type: "send", Conv: conv, ClientID: "x", Text: "hello from demo"},
			{Type: "assign", Conv: conv, Agent: "agent-alice"},
			{Type: "status", Conv: conv, Status: "resolved"},
			{Type: "read", Conv: conv, Seq: 1},
		} {
			f.ID = "x" + string(rune('0'+i))
			badWrite(t, alice, f)
			badExpectError(t, alice, f.ID, gateway.CodeNotFound)
		}
		badWrite(t, alice, `{"type":"conversations","id":"l"}`)
		if l := badReply(t, alice, "l"); strings.Contains(string(mustJSON(t, l.Conversations)), conv) {
			t.Fatalf("alice's list has the other tenant's conversation")
		}
		// Nor for a demo customer.
		demo, _ := badVisitor(t, e)
		badWrite(t, demo, &gateway.InFrame{Type: "history", ID: "h", Conv: conv})
		badExpectError(t, demo, "h", gateway.CodeNotFound)
		// The other tenant's visitor token does not open the demo inbox.
		conn := badDial(t, e)
		badWrite(t, conn, &gateway.InFrame{Type: "hello", V: 1, Inbox: edge.DemoInbox, Visitor: w.Session.Visitor})
		badExpectClose(t, conn, gateway.CloseForbidden, "another inbox")

		// Live delivery stays in the tenant: the other tenant's message is
		// applied before the demo marker, so alice would see it first.
		badWrite(t, other, &gateway.InFrame{Type: "send", ID: "m", Conv: conv, ClientID: "m", Text: "secret"})
		badReply(t, other, "m")
		badWrite(t, demo, `{"type":"start","id":"s","client_id":"marker"}`)
		marker := badReply(t, demo, "s").Conv
		for {
			f := badFrame(t, alice)
			if f.Type != gateway.OutEvent {
				continue
			}
			if f.Item.Conv == conv {
				t.Fatalf("alice received the other tenant's event: %+v", f.Item)
			}
			if f.Item.Conv == marker {
				break
			}
		}
	})

	// After all of that the node is healthy and serves a normal customer.
	resp, err := http.Get(e.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz %d: %s", resp.StatusCode, body.String())
	}
	c := e.Visitor()
	ack, err := c.Start(ctx, "after-the-storm")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Message(ctx, ack.Conv, "m1", "still works"); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustIssue(t *testing.T, k *auth.Keys, role, tenant, inbox, subject string, ttl time.Duration) string {
	t.Helper()
	tok, err := k.Issue(role, tenant, inbox, subject, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
