package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// rawWS is a WebSocket client for tests that writes exactly the frames it is
// told to, malformed ones included, and reads the edge's frames one by one.
type rawWS struct {
	t      testing.TB
	conn   net.Conn
	br     *bufio.Reader
	onPong func(payload []byte)
}

// wsClose is the edge's close frame.
type wsClose struct {
	Code int
	Text string
}

func (e *wsClose) Error() string { return fmt.Sprintf("closed by the edge: %d %s", e.Code, e.Text) }

// rawDial connects to the edge at base (http://host:port) with nd (nil: a
// default dialer).
func rawDial(t testing.TB, base string, nd *net.Dialer) *rawWS {
	t.Helper()
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	d := ws.Dialer{Timeout: badWait}
	if nd != nil {
		d.NetDial = nd.DialContext
	}
	ctx, cancel := context.WithTimeout(context.Background(), badWait)
	defer cancel()
	conn, br, _, err := d.Dial(ctx, u)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	if br == nil {
		br = bufio.NewReader(conn)
	}
	c := &rawWS{t: t, conn: conn, br: br}
	t.Cleanup(func() { conn.Close() })
	return c
}

// WriteFrame writes one masked frame.
func (c *rawWS) WriteFrame(op ws.OpCode, fin bool, payload []byte) error {
	f := ws.MaskFrame(ws.NewFrame(op, fin, payload))
	b, err := ws.CompileFrame(f)
	if err != nil {
		return err
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(badWait))
	_, err = c.conn.Write(b)
	return err
}

// WriteText writes a text message in one frame.
func (c *rawWS) WriteText(b []byte) error { return c.WriteFrame(ws.OpText, true, b) }

// WriteJSON writes v as a text message.
func (c *rawWS) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.WriteText(b)
}

// SetReadDeadline bounds the reads that follow.
func (c *rawWS) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

// ReadMessage returns the next data frame's payload (the edge never
// fragments). Pongs go to onPong; the edge's close frame is *wsClose.
func (c *rawWS) ReadMessage() ([]byte, error) {
	for {
		h, err := ws.ReadHeader(c.br)
		if err != nil {
			return nil, err
		}
		if h.Masked {
			return nil, fmt.Errorf("the edge sent a masked frame")
		}
		if !h.Fin {
			return nil, fmt.Errorf("the edge sent a fragment")
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(c.br, p); err != nil {
			return nil, err
		}
		switch h.OpCode {
		case ws.OpText:
			return p, nil
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(p)
			if code.Empty() {
				code = ws.StatusNoStatusRcvd
			}
			return nil, &wsClose{Code: int(code), Text: reason}
		case ws.OpPong:
			if c.onPong != nil {
				c.onPong(p)
			}
		default:
			return nil, fmt.Errorf("the edge sent a frame of op code %d", h.OpCode)
		}
	}
}

// Close ends the connection without a close frame.
func (c *rawWS) Close() error { return c.conn.Close() }

// dialTCP connects to the edge at base without a handshake: the test
// writes the upgrade request itself.
func dialTCP(t testing.TB, base string) *rawWS {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), badWait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawWS{t: t, conn: conn, br: bufio.NewReader(conn)}
}
