// Package client is a Go client of the edge's WebSocket protocol and HTTP
// API, used by the load generator and the integration tests, and usable by
// any Go program that talks to an edge. Its frames are edge/protocol's; it
// imports nothing else of the edge, so a client does not build in the
// edge's log, store or media server.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/edgedesk/edgedesk/edge/protocol"
)

// ErrClosed is returned by requests on a closed connection; Close reports why.
var ErrClosed = errors.New("connection closed")

// ServerError is an error frame from the edge.
type ServerError struct{ Code, Message string }

func (e *ServerError) Error() string { return e.Code + ": " + e.Message }

// CloseError is how the edge closed the connection.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string { return fmt.Sprintf("closed by edge: %d %s", e.Code, e.Reason) }

// Options tune a connection.
type Options struct {
	// Dialer dials the TCP connection; nil uses a default one. Load tests
	// set LocalAddr to spread connections over loopback addresses.
	NetDialer *net.Dialer
	// EventBuffer is the capacity of the Events channel; default 1024.
	// When it is full the reader blocks, as a slow client would.
	EventBuffer int
}

// Client is one WebSocket connection to an edge.
type Client struct {
	conn    net.Conn
	rd      wsutil.Reader // only the reader goroutine (Dial before it) reads
	ctl     [ws.MaxControlFramePayloadSize]byte
	Welcome *protocol.OutFrame
	events  chan *protocol.OutFrame

	wmu     sync.Mutex
	wbuf    []byte // a frame being written (under wmu)
	mu      sync.Mutex
	pending map[string]chan *protocol.OutFrame
	nextID  atomic.Uint64
	lastSeq atomic.Uint64
	err     error
	done    chan struct{}

	closeOnce sync.Once
	closed    chan struct{} // closed by Close
}

// Hello is the first frame; see docs/protocol.md.
type Hello = protocol.InFrame

// Dial connects to base (http://host:port), sends hello and waits for the
// welcome.
func Dial(ctx context.Context, base string, hello *Hello, o Options) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u.Path = "/ws"
	d := ws.Dialer{Timeout: 10 * time.Second}
	if o.NetDialer != nil {
		d.NetDial = o.NetDialer.DialContext
	}
	conn, br, _, err := d.Dial(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	if br == nil { // nothing came after the handshake yet
		br = bufio.NewReaderSize(conn, 4096)
	}
	if o.EventBuffer <= 0 {
		o.EventBuffer = 1024
	}
	c := &Client{conn: conn, events: make(chan *protocol.OutFrame, o.EventBuffer),
		pending: map[string]chan *protocol.OutFrame{}, done: make(chan struct{}), closed: make(chan struct{})}
	c.rd = wsutil.Reader{Source: br, State: ws.StateClientSide,
		OnIntermediate: func(h ws.Header, r io.Reader) error { return c.control(h, r) }}
	hello.Type = protocol.TypeHello
	if hello.V == 0 {
		hello.V = protocol.Version
	}
	if err := c.Send(hello); err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	var w protocol.OutFrame
	if err := c.readFrame(&w); err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Time{})
	if w.Type != protocol.OutWelcome {
		conn.Close()
		return nil, fmt.Errorf("expected welcome, got %s", w.Type)
	}
	c.Welcome = &w
	c.lastSeq.Store(w.Seq)
	go c.reader()
	return c, nil
}

// readFrame decodes a frame.
func (c *Client) readFrame(f *protocol.OutFrame) error {
	data, err := c.readMessage()
	if err != nil {
		return err
	}
	return json.Unmarshal(data, f)
}

// readMessage returns the next data message; the edge's close frame ends
// the reading with *CloseError.
func (c *Client) readMessage() ([]byte, error) {
	for {
		h, err := c.rd.NextFrame()
		if err != nil {
			return nil, err
		}
		if h.OpCode.IsControl() {
			if err := c.control(h, &c.rd); err != nil {
				return nil, err
			}
			continue
		}
		if h.Fin { // one frame: the edge never splits one
			p := make([]byte, h.Length)
			_, err = io.ReadFull(&c.rd, p)
			return p, err
		}
		return io.ReadAll(&c.rd)
	}
}

// control answers a ping and turns a close frame into *CloseError.
func (c *Client) control(h ws.Header, r io.Reader) error {
	p := c.ctl[:h.Length] // at most 125 bytes: the reader checks the header
	if _, err := io.ReadFull(r, p); err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpPing:
		c.wmu.Lock()
		defer c.wmu.Unlock()
		_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return c.writeLocked(ws.OpPong, p)
	case ws.OpClose:
		code, reason := ws.ParseCloseFrameData(p)
		// Answer with the same code unless a write is under way; the
		// edge ends the connection either way.
		if c.wmu.TryLock() {
			var body []byte
			if !code.Empty() {
				body = ws.NewCloseFrameBody(code, "")
			}
			_ = c.conn.SetWriteDeadline(time.Now().Add(time.Second))
			_ = c.writeLocked(ws.OpClose, body)
			c.wmu.Unlock()
		}
		if code.Empty() {
			code = ws.StatusNoStatusRcvd
		}
		return &CloseError{Code: int(code), Reason: reason}
	}
	return nil
}

// writeLocked writes one masked frame with one write; wmu is held.
func (c *Client) writeLocked(op ws.OpCode, payload []byte) error {
	h := ws.Header{Fin: true, OpCode: op, Masked: true, Mask: ws.NewMask(), Length: int64(len(payload))}
	n := ws.HeaderSize(h)
	buf := bytes.NewBuffer(c.wbuf[:0])
	buf.Grow(n + len(payload))
	if err := ws.WriteHeader(buf, h); err != nil {
		return err
	}
	buf.Write(payload)
	b := buf.Bytes()
	ws.Cipher(b[n:], h.Mask, 0)
	if cap(b) <= 64<<10 {
		c.wbuf = b // kept for the next frame unless it is a large one
	}
	_, err := c.conn.Write(b)
	return err
}

func (c *Client) reader() {
	defer close(c.events)
	for {
		f := new(protocol.OutFrame)
		if err := c.readFrame(f); err != nil {
			c.mu.Lock()
			c.err = err
			for _, ch := range c.pending {
				close(ch)
			}
			c.pending = nil
			c.mu.Unlock()
			close(c.done)
			return
		}
		// A frame with an id answers the request of that id, whatever
		// its type.
		if f.ID != "" {
			c.mu.Lock()
			ch := c.pending[f.ID]
			delete(c.pending, f.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- f
				continue
			}
		}
		if f.Type == protocol.OutEvent && f.Seq > c.lastSeq.Load() {
			c.lastSeq.Store(f.Seq)
		}
		select {
		case c.events <- f:
		case <-c.closed:
			// Close was called while nobody reads Events: stop here, so
			// that the requests still waiting learn the connection ended.
			c.conn.Close()
		}
	}
}

// Events delivers event, typing, presence, resync, resumed and unsolicited
// error frames. It is closed when the connection ends.
func (c *Client) Events() <-chan *protocol.OutFrame { return c.events }

// LastSeq is the highest log sequence this client has seen; pass it as
// Resume when reconnecting.
func (c *Client) LastSeq() uint64 { return c.lastSeq.Load() }

// Err is why the connection ended, once Events is closed.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Done is closed when the connection ends.
func (c *Client) Done() <-chan struct{} { return c.done }

// Send writes a frame without waiting for a reply.
func (c *Client) Send(f *protocol.InFrame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return c.SendRaw(b)
}

// SendRaw writes raw bytes as one text frame (tests of bad input).
func (c *Client) SendRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.writeLocked(ws.OpText, b)
}

// Request sends a frame with a fresh id and waits for its reply. An error
// frame is returned as *ServerError.
func (c *Client) Request(ctx context.Context, f *protocol.InFrame) (*protocol.OutFrame, error) {
	f.ID = "r" + strconv.FormatUint(c.nextID.Add(1), 36)
	ch := make(chan *protocol.OutFrame, 1)
	c.mu.Lock()
	if c.pending == nil {
		err := c.err
		c.mu.Unlock()
		return nil, errors.Join(ErrClosed, err)
	}
	c.pending[f.ID] = ch
	c.mu.Unlock()
	if err := c.Send(f); err != nil {
		return nil, err
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, errors.Join(ErrClosed, c.Err())
		}
		if r.Type == protocol.OutError {
			return r, &ServerError{Code: r.Code, Message: r.Message}
		}
		return r, nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, f.ID)
		c.mu.Unlock()
		return nil, ctx.Err()
	}
}

// Start opens a conversation (customers).
func (c *Client) Start(ctx context.Context, clientID string) (*protocol.OutFrame, error) {
	return c.Request(ctx, &protocol.InFrame{Type: protocol.TypeStart, ClientID: clientID})
}

// Message sends a message and waits for its ack.
func (c *Client) Message(ctx context.Context, conv, clientID, text string) (*protocol.OutFrame, error) {
	return c.Request(ctx, &protocol.InFrame{Type: protocol.TypeSend, Conv: conv, ClientID: clientID, Text: text})
}

// History pages a conversation's timeline.
func (c *Client) History(ctx context.Context, conv string, before uint64, limit int) (*protocol.OutFrame, error) {
	return c.Request(ctx, &protocol.InFrame{Type: protocol.TypeHistory, Conv: conv, Before: before, Limit: limit})
}

// Close closes the connection.
func (c *Client) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	c.wmu.Lock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(time.Second))
	_ = c.writeLocked(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
	c.wmu.Unlock()
	return c.conn.Close()
}

// Login signs an agent in and returns the token.
func Login(ctx context.Context, base, email, password string) (string, error) {
	body, _ := json.Marshal(protocol.Login{Email: email, Password: password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("login: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	var out protocol.LoginReply
	if err := json.Unmarshal(b, &out); err != nil {
		return "", err
	}
	return out.Token, nil
}
