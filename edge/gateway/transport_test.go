package gateway_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
)

// What RFC 6455 and docs/protocol.md say the edge does with frames a
// client must not send, on raw connections to a real edge.
func TestMalformedFramesCloseWithTheDocumentedCode(t *testing.T) {
	e := edgetest.StartDev(t)
	store := e.Node.Store()

	t.Run("invalid UTF-8 in a text frame is 1007 and nothing is stored", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		badWrite(t, conn, `{"type":"start","id":"s","client_id":"utf8"}`)
		conv := badReply(t, conn, "s").Conv
		badWrite(t, conn, []byte("{\"type\":\"send\",\"id\":\"m\",\"conv\":\""+conv+"\",\"client_id\":\"latin1\",\"text\":\"caf\xe9\"}"))
		for _, f := range badExpectClose(t, conn, int(ws.StatusInvalidFramePayloadData), "UTF-8") {
			if f.ID == "m" {
				t.Fatalf("the frame was answered: %+v", f)
			}
		}
		if it, err := store.ClientMessage(edge.DemoTenant, conv, "latin1"); err == nil {
			t.Fatalf("the message was stored: %+v", it)
		}
	})

	t.Run("invalid UTF-8 split over fragments is 1007", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		mustWriteFrame(t, conn, ws.OpText, false, []byte("{\"type\":\"ping\",\"id\":\"\xc3"))
		mustWriteFrame(t, conn, ws.OpContinuation, true, []byte(`("}`)) // 0xc3 0x28: not a rune
		badExpectClose(t, conn, int(ws.StatusInvalidFramePayloadData), "UTF-8")
	})

	t.Run("invalid UTF-8 in hello is 1007", func(t *testing.T) {
		conn := badDial(t, e)
		badWrite(t, conn, []byte("{\"type\":\"hello\",\"inbox\":\""+edge.DemoInbox+"\",\"visitor\":\"\xff\"}"))
		if frames := badExpectClose(t, conn, int(ws.StatusInvalidFramePayloadData), "UTF-8"); len(frames) > 0 {
			t.Fatalf("frames before the close: %+v", frames[0])
		}
	})

	t.Run("a rune split over fragments is fine", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		mustWriteFrame(t, conn, ws.OpText, false, []byte("{\"type\":\"ping\",\"id\":\"caf\xc3"))
		mustWriteFrame(t, conn, ws.OpPing, true, []byte("between"))
		mustWriteFrame(t, conn, ws.OpContinuation, true, []byte("\xa9\"}"))
		if f := badFrame(t, conn); f.Type != gateway.OutPong || f.ID != "café" {
			t.Fatalf("got %+v, want pong café", f)
		}
	})

	t.Run("a binary frame is 1003", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		mustWriteFrame(t, conn, ws.OpBinary, true, []byte(`{"type":"ping","id":"bin"}`))
		for _, f := range badExpectClose(t, conn, int(ws.StatusUnsupportedData), "binary") {
			if f.ID == "bin" {
				t.Fatalf("the binary frame was answered: %+v", f)
			}
		}
	})

	t.Run("a binary hello is 1003", func(t *testing.T) {
		conn := badDial(t, e)
		mustWriteFrame(t, conn, ws.OpBinary, true, []byte(`{"type":"hello","v":1,"inbox":"`+edge.DemoInbox+`"}`))
		if frames := badExpectClose(t, conn, int(ws.StatusUnsupportedData), "binary"); len(frames) > 0 {
			t.Fatalf("frames before the close: %+v", frames[0])
		}
	})

	t.Run("a first frame that is not hello is 4400", func(t *testing.T) {
		for _, first := range []string{`{"type":"ping","id":"p"}`, `{"type":"send","conv":"c","client_id":"x","text":"hi"}`} {
			conn := badDial(t, e)
			badWrite(t, conn, first)
			if frames := badExpectClose(t, conn, gateway.CloseBadFrames, "first frame must be hello"); len(frames) > 0 {
				t.Fatalf("frames before the close: %+v", frames[0])
			}
		}
	})

	t.Run("a message over max_frame_bytes in fragments is 1009", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		chunk := bytes.Repeat([]byte("x"), 16<<10)
		mustWriteFrame(t, conn, ws.OpText, false, []byte(`{"type":"ping","id":"`))
		for i := 0; i < 4; i++ {
			mustWriteFrame(t, conn, ws.OpContinuation, false, chunk)
		}
		mustWriteFrame(t, conn, ws.OpContinuation, true, []byte(`"}`))
		badExpectClose(t, conn, int(ws.StatusMessageTooBig), "")
	})

	// Frames RFC 6455 forbids: the edge fails the connection with 1002.
	for _, tc := range []struct {
		name  string
		frame []byte
	}{
		{"unmasked frame", rawFrame(0x80|byte(ws.OpText), false, []byte(`{"type":"ping"}`))},
		{"reserved bits", rawFrame(0x80|0x40|byte(ws.OpText), true, []byte(`{"type":"ping"}`))},
		{"reserved op code", rawFrame(0x80|0x3, true, []byte(`{}`))},
		{"continuation without a start", rawFrame(0x80|byte(ws.OpContinuation), true, []byte(`{}`))},
		{"fragmented ping", rawFrame(byte(ws.OpPing), true, []byte("x"))},
		{"ping over 125 bytes", rawFrame(0x80|byte(ws.OpPing), true, bytes.Repeat([]byte("p"), 126))},
		{"close body of one byte", rawFrame(0x80|byte(ws.OpClose), true, []byte{3})},
		{"close code 1005", rawFrame(0x80|byte(ws.OpClose), true, binary.BigEndian.AppendUint16(nil, 1005))},
	} {
		t.Run(tc.name+" is 1002", func(t *testing.T) {
			conn, _ := badVisitor(t, e)
			if _, err := conn.conn.Write(tc.frame); err != nil {
				t.Fatal(err)
			}
			badExpectClose(t, conn, int(ws.StatusProtocolError), "")
		})
	}

	t.Run("a text frame in the middle of a message is 1002", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		mustWriteFrame(t, conn, ws.OpText, false, []byte(`{"type":`))
		mustWriteFrame(t, conn, ws.OpText, true, []byte(`{"type":"ping"}`))
		badExpectClose(t, conn, int(ws.StatusProtocolError), "")
	})

	t.Run("a close reason that is not UTF-8 is 1007", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		mustWriteFrame(t, conn, ws.OpClose, true, append(binary.BigEndian.AppendUint16(nil, 1000), 0xff))
		badExpectClose(t, conn, int(ws.StatusInvalidFramePayloadData), "UTF-8")
	})

	t.Run("the client's close is answered with its code", func(t *testing.T) {
		conn, _ := badVisitor(t, e)
		mustWriteFrame(t, conn, ws.OpClose, true, ws.NewCloseFrameBody(4321, "bye"))
		badExpectClose(t, conn, 4321, "")
		conn, _ = badVisitor(t, e)
		mustWriteFrame(t, conn, ws.OpClose, true, nil)
		badExpectClose(t, conn, int(ws.StatusNormalClosure), "")
	})

	t.Run("a ping before hello is answered", func(t *testing.T) {
		conn := badDial(t, e)
		pong := make(chan string, 1)
		conn.onPong = func(p []byte) { pong <- string(p) }
		mustWriteFrame(t, conn, ws.OpPing, true, []byte("early"))
		badWrite(t, conn, `{"type":"hello","v":1,"inbox":"`+edge.DemoInbox+`"}`)
		if w := badFrame(t, conn); w.Type != gateway.OutWelcome {
			t.Fatalf("got %+v, want welcome", w)
		}
		select {
		case p := <-pong:
			if p != "early" {
				t.Fatalf("pong carried %q", p)
			}
		default:
			t.Fatal("no pong before the welcome")
		}
	})

	t.Run("a hello sent with the handshake is read", func(t *testing.T) {
		// The first frame in the same TCP write as the upgrade request
		// lands in net/http's read buffer.
		nc := dialTCP(t, e.URL)
		hello, err := ws.CompileFrame(ws.MaskFrame(ws.NewTextFrame([]byte(`{"type":"hello","v":1,"inbox":"` + edge.DemoInbox + `"}`))))
		if err != nil {
			t.Fatal(err)
		}
		req := "GET /ws HTTP/1.1\r\nHost: edge\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
		if _, err := nc.conn.Write(append([]byte(req), hello...)); err != nil {
			t.Fatal(err)
		}
		_ = nc.SetReadDeadline(time.Now().Add(badWait))
		status, err := nc.br.ReadString('\n')
		if err != nil || !strings.Contains(status, " 101 ") {
			t.Fatalf("handshake answered %q, %v", status, err)
		}
		for {
			line, err := nc.br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if line == "\r\n" {
				break
			}
		}
		if w := badFrame(t, nc); w.Type != gateway.OutWelcome {
			t.Fatalf("got %+v, want welcome", w)
		}
		badPing(t, nc)
	})
}

// A plain GET of /ws is refused with 400, as before.
func TestNotAWebSocketRequestIs400(t *testing.T) {
	e := edgetest.StartDev(t)
	resp, body := e.Get("/ws", "")
	if resp.StatusCode != 400 {
		t.Fatalf("GET /ws: %d %s", resp.StatusCode, body)
	}
}

// resume 0 asks for the tenant's whole feed: the edge replays nothing and
// tells the client to load from history.
func TestResumeFromZeroIsToldToResync(t *testing.T) {
	e, _, cust, ctx, conv := agentAndCustomer(t)
	if _, err := cust.Message(ctx, conv, "m1", "hello"); err != nil {
		t.Fatal(err)
	}
	zero := uint64(0)
	tok, err := client.Login(ctx, e.URL, "bob@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := client.Dial(ctx, e.URL, &client.Hello{Token: tok, Resume: &zero}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	expectResyncThenResumed(t, bob, bob.Welcome.Seq)
}

// A client that missed more than the edge replays is told to resync, and
// nothing of the gap is replayed; live events follow.
func TestResumeTooFarBehindIsToldToResync(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Gateway.CustomerRate = 100000
	e := edgetest.Start(t, cfg)
	ctx := ctxT(t)
	alice := e.Agent("alice@demo.test", "")
	cust := e.Visitor()
	conv := startConv(t, cust, "c1")
	edgetest.NextEvent(t, alice, gateway.OutEvent, wait) // opened
	last := alice.LastSeq()
	alice.Close()

	// More messages than a resume replays, sent by a few at once.
	n := gateway.DefaultResumeMax + 1
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				if _, err := cust.Message(ctx, conv, fmt.Sprintf("m%d", i), "missed"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
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
	expectResyncThenResumed(t, alice2, alice2.Welcome.Seq)
	if _, err := cust.Message(ctx, conv, "live", "after the resync"); err != nil {
		t.Fatal(err)
	}
	if f := nextMessage(t, alice2); f.Item.ClientID != "live" {
		t.Fatalf("after the resync got %+v, want the live message", f.Item)
	}
}

// expectResyncThenResumed checks that the frames after the welcome are
// resync and then resumed with the welcome's seq, with no event between.
func expectResyncThenResumed(t *testing.T, c *client.Client, seq uint64) {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var got []string
	for {
		select {
		case f, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection ended: %v", c.Err())
			}
			got = append(got, f.Type)
			if f.Type != gateway.OutResumed {
				continue
			}
			if fmt.Sprint(got) != fmt.Sprint([]string{gateway.OutResync, gateway.OutResumed}) {
				t.Fatalf("frames after the welcome: %v, want [resync resumed]", got)
			}
			if f.Seq != seq {
				t.Fatalf("resumed at %d, want the welcome's %d", f.Seq, seq)
			}
			return
		case <-timer.C:
			t.Fatalf("no resumed within %s; got %v", wait, got)
		}
	}
}

func mustWriteFrame(t *testing.T, c *rawWS, op ws.OpCode, fin bool, p []byte) {
	t.Helper()
	if err := c.WriteFrame(op, fin, p); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// rawFrame is a frame with the first byte b0 (FIN, RSV, op code) as given,
// masked or not, with no checks at all.
func rawFrame(b0 byte, masked bool, payload []byte) []byte {
	var buf bytes.Buffer
	h := ws.Header{Fin: b0&0x80 != 0, Rsv: (b0 >> 4) & 7, OpCode: ws.OpCode(b0 & 0xf), Length: int64(len(payload)), Masked: masked}
	p := append([]byte(nil), payload...)
	if masked {
		h.Mask = ws.NewMask()
		ws.Cipher(p, h.Mask, 0)
	}
	if err := ws.WriteHeader(&buf, h); err != nil {
		panic(err)
	}
	buf.Write(p)
	return buf.Bytes()
}
