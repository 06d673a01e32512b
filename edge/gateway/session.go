package gateway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"golang.org/x/time/rate"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/state"
)

// session is one authenticated WebSocket connection.
type session struct {
	g      *Gateway
	conn   net.Conn
	msgs   *msgReader
	role   string // auth.RoleAgent or auth.RoleCustomer
	tenant string
	id     string // agent id or contact id
	inbox  string
	scope  string // agents: "all" or "assigned"

	limiter *rate.Limiter
	bad     int

	// inflight bounds the messages a client may have appended but not yet
	// acknowledged; the reader waits when it is full.
	inflight chan struct{}
	// convs caches the conversations this session may use (their owner
	// never changes), sparing a store read per message.
	convs  map[string]*state.ConversationRec
	calls  []*call               // the calls it joined (under mu)
	remote map[string]remoteCall // the calls of other nodes it joined, by id (under mu)

	mu        sync.Mutex
	queue     [][]byte
	spare     [][]byte
	cursor    uint64 // highest log sequence queued
	replaying bool
	pending   []pendingFrame
	closing   bool
	closeCode int
	closeMsg  string
	notify    chan struct{}
	done      chan struct{} // closed when the reader ends
	wdone     chan struct{} // closed when the writer ends
}

// maxInflight is how many messages one connection may have in flight.
const maxInflight = 64

type pendingFrame struct {
	seq   uint64
	frame []byte
}

// ServeHTTP upgrades /ws requests and runs the session.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.draining.Load() {
		http.Error(w, "server restarting: reconnect shortly", http.StatusServiceUnavailable)
		return
	}
	if g.conns.Load() >= g.lim.MaxConnections {
		http.Error(w, "too many connections on this edge: retry later", http.StatusServiceUnavailable)
		return
	}
	conn, br, err := upgrade(w, r)
	if err != nil {
		return // the upgrader has answered with the reason
	}
	g.conns.Add(1)
	g.wg.Add(1)
	// The session runs on its own goroutine so that this handler returns
	// and net/http releases its per-connection buffers and goroutine: an
	// idle WebSocket then costs only the session's reader and writer.
	ctx := context.WithoutCancel(r.Context())
	go func() {
		defer func() {
			g.conns.Add(-1)
			g.wg.Done()
		}()
		g.serve(ctx, conn, br)
	}()
}

func (g *Gateway) serve(ctx context.Context, conn net.Conn, br *bufio.Reader) {
	defer conn.Close()
	// Until the session's writer runs, the reader answers pings itself.
	msgs := newMsgReader(br, g.lim.MaxFrameBytes, func(p []byte) {
		_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = conn.Write(wireFrame(ws.NewPongFrame(p)))
	})
	_ = conn.SetReadDeadline(time.Now().Add(g.lim.HelloTimeout))
	data, err := msgs.next()
	if err != nil {
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			closeConn(conn, CloseHelloTimeout, "no hello frame in time: send hello first")
		} else if code, reason, ok := closeFor(err); ok {
			closeConn(conn, code, reason)
		}
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	f, err := DecodeFrame(data)
	if err != nil {
		closeConn(conn, CloseBadFrames, truncate("first frame must be hello: "+err.Error(), 120))
		return
	}
	if f.Type != TypeHello {
		closeConn(conn, CloseBadFrames, "first frame must be hello")
		return
	}
	if f.V != 0 && f.V != ProtocolVersion {
		closeConn(conn, CloseVersion, "unsupported protocol version: this edge speaks v1")
		return
	}
	s := &session{g: g, conn: conn, msgs: msgs, notify: make(chan struct{}, 1), done: make(chan struct{}), wdone: make(chan struct{}),
		inflight: make(chan struct{}, maxInflight), convs: map[string]*state.ConversationRec{}}
	welcome, code, msg := g.authenticate(ctx, s, f)
	if welcome == nil {
		closeConn(conn, code, msg)
		return
	}
	if s.role == auth.RoleAgent {
		s.limiter = rate.NewLimiter(rate.Limit(g.lim.AgentRate), int(g.lim.AgentRate)*2)
	} else {
		s.limiter = rate.NewLimiter(rate.Limit(g.lim.CustomerRate), int(g.lim.CustomerRate)*2)
	}
	g.m.Connections.WithLabelValues(s.role).Inc()
	defer g.m.Connections.WithLabelValues(s.role).Dec()

	// Register before reading the applied sequence: everything after it
	// arrives live, everything up to it comes from the store.
	s.replaying = true
	g.register(s)
	defer g.unregister(s)
	defer g.leaveCalls(s)
	if s.role == auth.RoleAgent {
		g.agentOnline(s, true)
		defer g.agentOnline(s, false)
	}
	// From here on only the writer writes to the connection: pings are
	// answered through its queue.
	msgs.ping = func(p []byte) { s.enqueue(wireFrame(ws.NewPongFrame(p))) } // wireFrame copies p
	upTo := g.store.Applied()
	welcome.Seq = upTo
	s.enqueue(marshal(welcome))
	go s.writer()
	defer close(s.done)
	if f.Resume != nil {
		g.replay(s, *f.Resume, upTo)
	}
	s.finishReplay(upTo)
	s.readLoop(ctx)
}

// replay sends the items after since up to upTo that the client has not
// seen, or, when there are more than Limits.ResumeMax of them (or the client
// has seen nothing: since 0), only resync, which tells it to reload
// conversations and history instead. Either way resumed ends it. The store
// is read for at most ResumeMax items, whatever the client may see of them.
func (g *Gateway) replay(s *session, since, upTo uint64) {
	defer s.enqueueReplay(marshal(&OutFrame{Type: OutResumed, Seq: upTo}))
	if since >= upTo {
		return
	}
	if since == 0 {
		s.enqueueReplay(marshal(&OutFrame{Type: OutResync, Since: since,
			Message: "nothing to resume from: load conversations and history"}))
		return
	}
	contact := ""
	if s.role == auth.RoleCustomer {
		contact = s.id
	}
	items, more, err := g.store.Feed(s.tenant, contact, since, upTo, g.lim.ResumeMax)
	if err != nil {
		s.sendError("", CodeUnavailable, "could not replay missed events: reload the conversation history")
		return
	}
	if more {
		s.enqueueReplay(marshal(&OutFrame{Type: OutResync, Since: since,
			Message: fmt.Sprintf("more than %d missed events: reload conversations and history", g.lim.ResumeMax)}))
		return
	}
	othersOf := map[string]bool{} // conversation → assigned to another agent
	for i := range items {
		it := &items[i]
		if s.role == auth.RoleAgent && s.scope == "assigned" {
			others, ok := othersOf[it.Conv]
			if !ok {
				c, err := g.store.Conversation(s.tenant, it.Conv)
				others = err == nil && c.Assignee != "" && c.Assignee != s.id
				othersOf[it.Conv] = others
			}
			if others {
				continue
			}
		}
		v := itemView(it)
		if s.role == auth.RoleCustomer {
			v = customerItem(v)
		}
		s.enqueueReplay(marshal(&OutFrame{Type: OutEvent, Seq: it.Seq, Item: v}))
	}
}

func (s *session) readLoop(ctx context.Context) {
	for {
		data, err := s.msgs.next()
		if err != nil {
			// A frame the protocol refuses (binary, invalid UTF-8, too
			// large, malformed) fails the connection with its code; the
			// client's close is answered with its own.
			if code, reason, ok := closeFor(err); ok {
				s.closeWith(code, reason)
				s.waitWriter()
			}
			return
		}
		s.g.m.FramesIn.Inc()
		f, err := DecodeFrame(data)
		if err != nil {
			s.bad++
			s.sendError("", CodeBadFrame, truncate(err.Error(), 200))
			if s.bad >= s.g.lim.MaxBadFrames {
				s.closeWith(CloseBadFrames, "too many bad frames")
				s.waitWriter()
				return
			}
			continue
		}
		if !s.limiter.Allow() {
			s.sendError(f.ID, CodeRateLimited, "too many frames: slow down")
			continue
		}
		s.g.handle(ctx, s, f)
		s.mu.Lock()
		closing := s.closing
		s.mu.Unlock()
		if closing {
			s.waitWriter()
			return
		}
	}
}

// waitWriter gives the writer a moment to send what is queued and the close
// frame.
func (s *session) waitWriter() {
	select {
	case <-s.wdone:
	case <-time.After(2 * time.Second):
	}
}

// wants reports whether an agent session receives a change.
func (s *session) wants(ch *state.Change) bool {
	if s.scope != "assigned" || ch.Conv == nil {
		return true
	}
	return ch.Conv.Assignee == "" || ch.Conv.Assignee == s.id || ch.Item.Kind == "assigned"
}

// deliver queues a live frame. Frames with a sequence at or below what the
// client already has are dropped, so replay and live delivery never repeat.
func (s *session) deliver(seq uint64, frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	if s.replaying {
		s.pending = append(s.pending, pendingFrame{seq, frame})
		if len(s.pending) > s.g.lim.SendQueue {
			s.overflowLocked()
		}
		return
	}
	if seq != 0 {
		if seq <= s.cursor {
			return
		}
		s.cursor = seq
	}
	s.pushLocked(frame)
}

func (s *session) enqueueReplay(frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, frame)
	s.signal()
}

func (s *session) finishReplay(upTo uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursor = upTo
	s.replaying = false
	for _, p := range s.pending {
		if p.seq != 0 {
			if p.seq <= s.cursor {
				continue
			}
			s.cursor = p.seq
		}
		s.queue = append(s.queue, p.frame)
	}
	s.pending = nil
	s.signal()
}

// enqueue queues a reply to this client.
func (s *session) enqueue(frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.pushLocked(frame)
}

func (s *session) pushLocked(frame []byte) {
	s.queue = append(s.queue, frame)
	s.g.m.FramesOut.Inc()
	if len(s.queue) > s.g.lim.SendQueue {
		s.overflowLocked()
		return
	}
	s.signal()
}

func (s *session) overflowLocked() {
	s.g.m.SlowClients.Inc()
	s.queue = append(s.queue[:0], marshal(&OutFrame{Type: OutResync, Since: s.cursor,
		Message: "you fell behind: reconnect with resume"}))
	s.closing, s.closeCode, s.closeMsg = true, CloseResync, "too slow: reconnect with resume"
	s.pending = nil
	s.signal()
}

func (s *session) signal() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// closeWith queues a close frame after what is already queued.
func (s *session) closeWith(code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.closing, s.closeCode, s.closeMsg = true, code, msg
	s.signal()
}

func (s *session) sendError(id, code, msg string) {
	s.g.m.FrameErrors.WithLabelValues(code).Inc()
	s.enqueue(marshal(&OutFrame{Type: OutError, ID: id, Code: code, Message: msg}))
}

// writer sends what is queued. Queued frames are already in wire form
// (header and payload), so a batch goes out in one writev(2) however many
// frames it holds. It is the only writer of the connection once the session
// runs: pings and closes from the client are answered through the queue.
func (s *session) writer() {
	defer close(s.wdone)
	nc := s.conn
	for {
		select {
		case <-s.notify:
		case <-s.done:
			return
		}
		s.mu.Lock()
		batch := s.queue
		s.queue = s.spare[:0]
		closing, code, msg := s.closing, s.closeCode, s.closeMsg
		s.mu.Unlock()
		if closing {
			batch = append(batch, closeFrame(code, msg))
		}
		if len(batch) > 0 {
			_ = nc.SetWriteDeadline(time.Now().Add(s.g.lim.WriteTimeout))
			bufs := net.Buffers(batch)
			if _, err := bufs.WriteTo(nc); err != nil {
				nc.Close()
				return
			}
		}
		clear(batch)
		s.mu.Lock()
		s.spare = batch[:0]
		s.mu.Unlock()
		if closing {
			lingerClose(nc)
			return
		}
	}
}

// lingerTime bounds how long a closed connection's input is drained.
const lingerTime = 500 * time.Millisecond

// lingerClose ends a connection after its close frame went out: the write
// side first (a FIN), then what the client still sends (the rest of a
// message too large, say) is read and dropped for a moment before the
// socket closes. Closed at once, with the client's bytes unread, the
// kernel would answer with a reset, and a reset can discard the close
// frame on the client's side before it is read: the client would never
// learn the code (RFC 6455 §7.1.1 has the server close first, cleanly).
func lingerClose(nc net.Conn) {
	if hc, ok := nc.(interface{ CloseWrite() error }); ok && hc.CloseWrite() == nil {
		_ = nc.SetReadDeadline(time.Now().Add(lingerTime))
		_, _ = io.Copy(io.Discard, io.LimitReader(nc, 1<<20))
	}
	nc.Close()
}

// closeFrame is a close frame in wire form.
func closeFrame(code int, msg string) []byte {
	b, err := ws.CompileFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusCode(code), truncate(msg, 120))))
	if err != nil {
		panic(fmt.Sprintf("gateway: close frame: %v", err)) // a server frame of bounded size; cannot fail
	}
	return b
}

// closeConn sends a close frame on a connection that has no session writer
// yet.
func closeConn(conn net.Conn, code int, msg string) {
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = conn.Write(closeFrame(code, msg))
}
