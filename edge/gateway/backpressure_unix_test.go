//go:build unix

package gateway_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
)

// The slow client's receive buffer is set with setsockopt on the socket's
// descriptor, which only Unix systems have as an int (Windows has a
// Handle): the test runs on Linux and macOS.

// A client that reads too slowly is told to resync and dropped, while a client
// that reads keeps receiving everything.
func TestSlowClientIsDroppedWithResyncAndNeverStallsOthers(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Gateway.SendQueue = 160 // above the 2 frames (echo, ack) per message a client may have in flight
	cfg.Gateway.CustomerRate = 100000
	e := edgetest.Start(t, cfg)
	ctx := ctxT(t)
	fast := e.Agent("bob@demo.test", "")

	// The slow agent: a raw connection with a tiny receive buffer that
	// reads nothing after the welcome.
	tok, err := client.Login(ctx, e.URL, "alice@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	// SO_RCVBUF is set before connect so that the kernel cannot grow the
	// receive window past it.
	nd := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return errors.Join(err, serr)
	}}
	slow := rawDial(t, e.URL, nd)
	if err := slow.WriteJSON(map[string]any{"type": "hello", "v": 1, "token": tok}); err != nil {
		t.Fatal(err)
	}
	if _, err := slow.ReadMessage(); err != nil {
		t.Fatal(err)
	}

	// It reads, but far slower than frames arrive.
	type result struct {
		sawResync bool
		err       error
	}
	slowDone := make(chan result, 1)
	var flooding atomic.Bool
	flooding.Store(true)
	go func() {
		var r result
		_ = slow.SetReadDeadline(time.Now().Add(90 * time.Second))
		for {
			data, err := slow.ReadMessage()
			if err != nil {
				r.err = err
				slowDone <- r
				return
			}
			if bytes.Contains(data, []byte(`"type":"resync"`)) {
				r.sawResync = true
			}
			if flooding.Load() {
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()

	cust := e.Visitor()
	conv := startConv(t, cust, "c1")
	go func() {
		for range cust.Events() { // the customer reads its echoes
		}
	}()
	text := strings.Repeat("x", 16000)
	const n = 800
	sent := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := cust.Send(&gateway.InFrame{Type: gateway.TypeSend, Conv: conv, ClientID: fmt.Sprintf("m%d", i), Text: text}); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	got := 0
	deadline := time.After(60 * time.Second)
	for got < n {
		select {
		case f, ok := <-fast.Events():
			if !ok {
				t.Fatalf("the fast agent was disconnected: %v", fast.Err())
			}
			if f.Type == gateway.OutEvent && f.Item.Kind == "message" {
				got++
			}
		case <-deadline:
			t.Fatalf("fast agent received %d of %d messages: the slow one stalled it", got, n)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}

	flooding.Store(false) // read the rest quickly
	r := <-slowDone
	if !r.sawResync {
		t.Fatalf("slow client was closed without a resync frame (close: %v)", r.err)
	}
	var ce *wsClose
	if !errors.As(r.err, &ce) || ce.Code != gateway.CloseResync {
		t.Fatalf("slow client ended with %v, want close %d", r.err, gateway.CloseResync)
	}
	if v := metricValue(t, e.URL, "edgedesk_ws_slow_clients_total"); v < 1 {
		t.Fatalf("edgedesk_ws_slow_clients_total = %v", v)
	}
}
