package gateway_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
)

// WebSocket pings are answered through the session's writer, between the
// protocol's frames, and the connection keeps working.
func TestWebSocketPingIsAnswered(t *testing.T) {
	e := edgetest.StartDev(t)
	conn := rawDial(t, e.URL, nil)
	if err := conn.WriteJSON(map[string]any{"type": "hello", "inbox": edge.DemoInbox}); err != nil {
		t.Fatal(err)
	}
	pong := make(chan string, 1)
	conn.onPong = func(data []byte) { pong <- string(data) }
	if err := conn.WriteFrame(ws.OpPing, true, []byte("are-you-there")); err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteJSON(map[string]any{"type": "ping", "id": "p1"}); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var sawPong bool
	for !sawPong || len(pong) == 0 {
		data, err := conn.ReadMessage() // pongs go to onPong
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if bytes.Contains(data, []byte(`"type":"pong"`)) {
			sawPong = true
		}
	}
	if got := <-pong; got != "are-you-there" {
		t.Fatalf("pong carried %q", got)
	}
}
