package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// replyPrefix starts the client_id of an agent's reply: "a-" followed by
// the customer message's client_id.
const replyPrefix = "a-"

// setupTimeout bounds signing in, connecting and starting conversations.
const setupTimeout = 5 * time.Minute

// load is one run of load mode.
type load struct {
	o    options
	log  *slog.Logger
	t0   time.Time
	text string
	c    counters

	// Built during setup, read-only while messages flow.
	customers []*customer
	agents    []*agentConn
	convs     map[string]*customer    // conversation → its customer
	byAgent   map[string][]*agentConn // agent id → its connections
}

type counters struct {
	sent          atomic.Int64 // customer messages sent (once each, retries not counted)
	acked         atomic.Int64
	failed        atomic.Int64 // refused by the edge for good
	toAgents      atomic.Int64 // customer messages seen by the responding agent connection
	toCustomers   atomic.Int64 // replies seen by the customer
	replies       atomic.Int64 // replies the agents started
	repliesAcked  atomic.Int64
	repliesFailed atomic.Int64
	msgsDone      atomic.Int64 // customer messages both acknowledged and seen by the agent
	repliesDone   atomic.Int64 // replies both acknowledged and seen by the customer
	dup           atomic.Int64
	retries       atomic.Int64
	unknown       atomic.Int64

	mu     sync.Mutex
	errors map[string]int64
}

func (c *counters) countError(code string) {
	c.mu.Lock()
	if c.errors == nil {
		c.errors = map[string]int64{}
	}
	c.errors[code]++
	c.mu.Unlock()
}

// msg is one customer message and what became of it. Guarded by its
// customer's mu.
type msg struct {
	id     string
	sentAt int64 // ns since t0: first send, or the scheduled time with --rate
	attempt
	acked      bool
	failed     bool
	agentSeen  bool
	replyAcked bool
	replySeen  int
	echo       int
}

type customer struct {
	l     *load
	idx   int
	c     *client.Client
	conv  string
	slots chan struct{} // messages not answered yet (window)
	q     unanswered

	mu      sync.Mutex
	n       int
	unnamed int             // frames the rate limiter refused without naming them
	msgs    map[string]*msg // client_id → message
	out     map[string]*msg // frame id (= client_id) → unacknowledged message
	rtt     []int64         // send → reply seen, reader goroutine only
}

type agentConn struct {
	l     *load
	id    string // agent id
	c     *client.Client
	slots chan struct{} // unacknowledged replies (window)
	q     unanswered
	kick  chan struct{} // replies are waiting in pending

	seen map[string]int // customer client_ids seen; reader goroutine only
	lat  []int64        // customer send → seen here; reader goroutine only

	mu      sync.Mutex
	unnamed int               // frames the rate limiter refused without naming them
	pending []*reply          // replies not sent yet
	out     map[string]*reply // frame id → sent, unacknowledged reply
}

type reply struct {
	cu      *customer
	m       *msg
	id      string
	attempt // guarded by agentConn.mu
}

// backoff is how long to wait for an acknowledgement after the tries-th
// send: --retry, doubling up to 16 times --retry, so that a slow edge is
// not flooded with copies.
func backoff(retry time.Duration, tries int) int64 {
	return int64(retry) << min(max(tries-1, 0), 4)
}

// retryTick is how often unacknowledged frames are checked.
const retryTick = 100 * time.Millisecond

// refusedAge is how long a frame must have waited for its ack to be taken
// for one the rate limiter refused: longer than the edge takes to store a
// message unless it is overloaded.
const refusedAge = 500 * time.Millisecond

// unanswered counts a connection's frames the edge has not answered yet.
// Every frame gets exactly one ack or error, though not in the order sent:
// the edge acknowledges a message once it is stored, and refuses a frame
// over the rate limit at once, with an error that does not name it.
type unanswered struct{ n atomic.Int64 }

func (u *unanswered) send(c *client.Client, f *protocol.InFrame) error {
	u.n.Add(1)
	if err := c.Send(f); err != nil {
		u.n.Add(-1)
		return err
	}
	return nil
}

func (u *unanswered) answered()      { u.n.Add(-1) }
func (u *unanswered) pending() int64 { return u.n.Load() }

// attempt is the sending state of a frame awaiting its acknowledgement.
type attempt struct {
	lastTry int64 // ns since t0
	tries   int
	refused bool // by the rate limiter: send again after a retryTick
}

func (a *attempt) att() *attempt { return a }

// due appends to ids the frames of out to send again now: those the rate
// limiter refused, a retryTick after they were sent; those not acknowledged
// within their backoff; and, for the frames the rate limiter refused without
// naming them (unnamed; older edges did not), as many of the oldest others
// that have waited at least refusedAge (a guess: a copy of a frame that was
// not refused is a harmless duplicate, and a refused frame the guess misses
// is sent again after its backoff). Call it with out's lock held.
func due[T interface{ att() *attempt }](now int64, retry time.Duration, unnamed *int, out map[string]T, ids []string) []string {
	*unnamed = min(*unnamed, len(out))
	var oldest []string
	for id, v := range out {
		a := v.att()
		switch {
		case a.refused:
			if now-a.lastTry >= int64(retryTick) {
				a.refused = false
				a.lastTry = now
				ids = append(ids, id)
			}
		case now-a.lastTry >= backoff(retry, a.tries):
			a.lastTry = now
			a.tries++
			ids = append(ids, id)
		case *unnamed > 0 && now-a.lastTry >= int64(refusedAge):
			oldest = append(oldest, id)
		}
	}
	if k := min(*unnamed, len(oldest)); k > 0 {
		slices.SortFunc(oldest, func(x, y string) int { return cmp.Compare(out[x].att().lastTry, out[y].att().lastTry) })
		for _, id := range oldest[:k] {
			out[id].att().lastTry = now
			ids = append(ids, id)
		}
		*unnamed -= k
	}
	return ids
}

func (l *load) now() int64 { return int64(time.Since(l.t0)) }

func runLoad(ctx context.Context, o options, log *slog.Logger) (*result, error) {
	l := &load{o: o, log: log, t0: time.Now(), convs: map[string]*customer{}, byAgent: map[string][]*agentConn{}}
	l.text = makeText(o.textBytes)
	if o.rate > 0 && o.rate/float64(o.customers) > 100 {
		log.Warn("more than 100 messages/s per customer: raise the edge's gateway.customer_rate or add customers",
			"per_customer", o.rate/float64(o.customers))
	}
	defer l.closeAll()
	sctx, cancel := context.WithTimeout(ctx, setupTimeout)
	err := l.setup(sctx)
	cancel()
	if err != nil {
		return nil, err
	}
	log.Info("connected", "agents", len(l.agents), "customers", len(l.customers), "setup", time.Since(l.t0).Round(time.Millisecond))

	// Everything below ends by runCtx at the latest.
	runCtx, stop := context.WithTimeout(ctx, o.duration+2*o.drain+30*time.Second)
	defer stop()
	// Writers (replies and retries) stop earlier than readers: see below.
	writeCtx, stopWriting := context.WithCancel(runCtx)
	defer stopWriting()
	var wg sync.WaitGroup
	for _, a := range l.agents {
		wg.Add(3)
		go func() { defer wg.Done(); a.reader(runCtx) }()
		go func() { defer wg.Done(); a.writer(writeCtx) }()
		go func() { defer wg.Done(); a.retrier(writeCtx) }()
	}
	for _, cu := range l.customers {
		wg.Add(2)
		go func() { defer wg.Done(); cu.reader(runCtx) }()
		go func() { defer wg.Done(); cu.retrier(writeCtx) }()
	}
	sendStart := time.Now()
	sendCtx, sendStop := context.WithDeadline(runCtx, sendStart.Add(o.duration))
	defer sendStop()
	var senders sync.WaitGroup
	for _, cu := range l.customers {
		senders.Add(1)
		go func() { defer senders.Done(); cu.sender(sendCtx, sendStart) }()
	}
	if o.progress > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); l.reportProgress(sendCtx) }()
	}
	<-sendCtx.Done()
	elapsed := time.Since(sendStart)
	inWindow := l.c.toAgents.Load() + l.c.toCustomers.Load()
	senders.Wait()

	// Drain: wait until every message is acknowledged, seen by its agent
	// and answered, or the drain period ends.
	drainStart := time.Now()
	deadline := drainStart.Add(o.drain)
	for time.Now().Before(deadline) && ctx.Err() == nil && !l.settled() {
		time.Sleep(20 * time.Millisecond)
	}
	log.Info("drained", "took", time.Since(drainStart).Round(time.Millisecond), "settled", l.settled())
	if !l.settled() {
		// Still busy (replies queued, frames unacknowledged): stop writing,
		// then wait, up to another --drain, until everything the edge has
		// acknowledged has arrived, so that a message acknowledged in the
		// last moment is not counted as lost. What never arrives is lost;
		// what was never acknowledged is reported as unacked.
		stopWriting()
		quiet := time.Now()
		deadline = quiet.Add(o.drain)
		for time.Now().Before(deadline) && ctx.Err() == nil && !(l.answered() && l.arrived()) {
			time.Sleep(20 * time.Millisecond)
		}
		log.Info("stopped writing; waited for acknowledged messages", "took", time.Since(quiet).Round(time.Millisecond),
			"answered", l.answered(), "arrived", l.arrived())
	}
	stop()
	wg.Wait()
	return l.result(elapsed, inWindow), nil
}

func makeText(n int) string {
	const words = "hello, I have a question about my order and the delivery date "
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(words)
	}
	return b.String()[:n]
}

// setup signs the agents in, connects them, then connects the customers and
// starts their conversations.
func (l *load) setup(ctx context.Context) error {
	o := l.o
	tokens := map[string]string{}
	for _, e := range o.agentEmails {
		if _, ok := tokens[e]; ok {
			continue
		}
		tok, err := client.Login(ctx, o.addr, e, o.password)
		if err != nil {
			return fmt.Errorf("sign in %s: %w", e, err)
		}
		tokens[e] = tok
	}
	// Agents read every event of their conversations; a deep buffer keeps
	// a busy moment from blocking the reader, which the edge would see as
	// a slow client.
	buf := max(1<<16, 4*o.customers)
	l.agents = make([]*agentConn, o.agents)
	err := parallel(ctx, o.agents, o.dialers, func(i int) error {
		email := o.agentEmails[i%len(o.agentEmails)]
		c, err := client.Dial(ctx, o.addr, &client.Hello{Token: tokens[email], Scope: "assigned"},
			client.Options{NetDialer: o.dialer(i), EventBuffer: buf})
		if err != nil {
			return fmt.Errorf("agent %s: %w", email, err)
		}
		l.agents[i] = &agentConn{l: l, c: c, id: c.Welcome.Session.ID, slots: make(chan struct{}, o.agentWindow),
			kick: make(chan struct{}, 1), seen: map[string]int{}, out: map[string]*reply{}}
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range l.agents {
		l.byAgent[a.id] = append(l.byAgent[a.id], a)
	}
	l.customers = make([]*customer, o.customers)
	var unassigned atomic.Int64
	err = parallel(ctx, o.customers, o.dialers, func(i int) error {
		c, err := client.Dial(ctx, o.addr, &client.Hello{Inbox: o.inbox},
			client.Options{NetDialer: o.dialer(o.agents + i), EventBuffer: 4096})
		if err != nil {
			return fmt.Errorf("customer %d: %w", i, err)
		}
		cu := &customer{l: l, idx: i, c: c, slots: make(chan struct{}, o.window),
			msgs: map[string]*msg{}, out: map[string]*msg{}}
		l.customers[i] = cu
		ack, err := c.Start(ctx, "load")
		if err != nil {
			return fmt.Errorf("customer %d: start a conversation: %w", i, err)
		}
		cu.conv = ack.Conv
		if v := ack.Conversation; v != nil && v.Assigned != nil && !*v.Assigned {
			unassigned.Add(1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, cu := range l.customers {
		l.convs[cu.conv] = cu
	}
	if n := unassigned.Load(); n > 0 {
		l.log.Warn("conversations not assigned to an agent: no agent was online", "count", n)
	}
	return nil
}

// parallel runs fn(0..n-1) with at most k at a time and returns the first
// error.
func parallel(ctx context.Context, n, k int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	sem := make(chan struct{}, k)
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return errors.Join(first, ctx.Err())
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(i); err != nil {
				once.Do(func() { first = err })
			}
		}()
	}
	wg.Wait()
	return first
}

func (l *load) closeAll() {
	var clients []*client.Client
	for _, a := range l.agents {
		if a != nil {
			clients = append(clients, a.c)
		}
	}
	for _, cu := range l.customers {
		if cu != nil {
			clients = append(clients, cu.c)
		}
	}
	closeClients(clients, l.o.dialers)
}

func closeClients(clients []*client.Client, k int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = parallel(ctx, len(clients), k, func(i int) error { return clients[i].Close() })
}

// answered reports whether the edge has answered every frame sent: then no
// acknowledgement is on its way any more.
func (l *load) answered() bool {
	for _, a := range l.agents {
		if a.q.pending() > 0 {
			return false
		}
	}
	for _, cu := range l.customers {
		if cu.q.pending() > 0 {
			return false
		}
	}
	return true
}

// arrived reports whether every acknowledged message and reply has been
// seen by its receiver.
func (l *load) arrived() bool {
	c := &l.c
	return c.msgsDone.Load() == c.acked.Load() && c.repliesDone.Load() == c.repliesAcked.Load()
}

// settled reports whether nothing is outstanding any more.
func (l *load) settled() bool {
	c := &l.c
	sent, acked, failed := c.sent.Load(), c.acked.Load(), c.failed.Load()
	return acked+failed == sent && c.toAgents.Load() >= acked && c.toCustomers.Load() >= c.replies.Load() &&
		c.repliesAcked.Load()+c.repliesFailed.Load() >= c.replies.Load()
}

func (l *load) reportProgress(ctx context.Context) {
	t := time.NewTicker(l.o.progress)
	defer t.Stop()
	start := time.Now()
	var lastAcked, lastDelivered int64
	last := start
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			acked := l.c.acked.Load()
			delivered := l.c.toAgents.Load() + l.c.toCustomers.Load()
			dt := now.Sub(last).Seconds()
			l.log.Info("progress", "t", now.Sub(start).Round(time.Second),
				"acked_per_s", int64(float64(acked-lastAcked)/dt),
				"delivered_per_s", int64(float64(delivered-lastDelivered)/dt),
				"retries", l.c.retries.Load(), "dup", l.c.dup.Load())
			lastAcked, lastDelivered, last = acked, delivered, now
		}
	}
}

// responder is the connection that answers a conversation: one of the
// assigned agent's connections, chosen by the conversation id.
func (l *load) responder(conv, assignee string) *agentConn {
	cands := l.byAgent[assignee]
	if len(cands) == 0 {
		cands = l.agents // unassigned: every agent sees it
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(conv))
	return cands[int(h.Sum32()%uint32(len(cands)))]
}

// --- customers ---

func (cu *customer) sender(ctx context.Context, start time.Time) {
	l := cu.l
	var interval time.Duration
	if l.o.rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(l.o.customers) / l.o.rate)
	}
	phase := time.Duration(int64(interval) * int64(cu.idx) / int64(l.o.customers))
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for k := int64(0); ; k++ {
		var sched int64
		if interval > 0 {
			at := start.Add(phase + time.Duration(k)*interval)
			if at.Sub(start) >= l.o.duration {
				return // exactly rate × duration messages, however late ctx ends
			}
			timer.Reset(time.Until(at))
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
			sched = int64(at.Sub(l.t0))
		}
		select {
		case cu.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		now := l.now()
		if sched == 0 {
			sched = now
		}
		cu.mu.Lock()
		cu.n++
		m := &msg{id: "c" + strconv.Itoa(cu.idx) + "-" + strconv.Itoa(cu.n), sentAt: sched, attempt: attempt{lastTry: now, tries: 1}}
		cu.msgs[m.id] = m
		cu.out[m.id] = m
		cu.mu.Unlock()
		l.c.sent.Add(1)
		if err := cu.send(m.id); err != nil {
			l.c.countError("write")
			return
		}
	}
}

func (cu *customer) send(id string) error {
	return cu.q.send(cu.c, &protocol.InFrame{Type: protocol.TypeSend, ID: id, Conv: cu.conv, ClientID: id, Text: cu.l.text})
}

// retrier sends unacknowledged messages again with the same client_id.
func (cu *customer) retrier(ctx context.Context) {
	retryLoop(ctx, cu.l, &cu.mu, &cu.unnamed, cu.out, func(id string, _ *msg) error { return cu.send(id) })
}

// retryLoop sends again, every retryTick, the frames of out that are due
// (see due), until ctx ends or a write fails.
func retryLoop[T interface{ att() *attempt }](ctx context.Context, l *load, mu *sync.Mutex, unnamed *int, out map[string]T, resend func(id string, v T) error) {
	t := time.NewTicker(retryTick)
	defer t.Stop()
	var (
		ids   []string
		again []T
	)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := l.now()
		mu.Lock()
		ids = due(now, l.o.retry, unnamed, out, ids[:0])
		again = again[:0]
		for _, id := range ids {
			again = append(again, out[id])
		}
		mu.Unlock()
		for i, v := range again {
			l.c.retries.Add(1)
			if err := resend(ids[i], v); err != nil {
				l.c.countError("write")
				return
			}
		}
	}
}

func (cu *customer) reader(ctx context.Context) {
	readEvents(ctx, cu.c, cu.l, "customer_disconnected", cu.handle)
}

// readEvents hands a connection's frames to handle until ctx ends; a
// connection that ends first is counted as the error named.
func readEvents(ctx context.Context, c *client.Client, l *load, disconnected string, handle func(*protocol.OutFrame)) {
	for {
		select {
		case <-ctx.Done():
			return
		case f, ok := <-c.Events():
			if !ok {
				if ctx.Err() == nil {
					l.c.countError(disconnected)
				}
				return
			}
			handle(f)
		}
	}
}

func (cu *customer) handle(f *protocol.OutFrame) {
	l := cu.l
	switch f.Type {
	case protocol.OutAck:
		cu.q.answered()
		cu.mu.Lock()
		m := cu.out[f.ID]
		if m != nil {
			delete(cu.out, f.ID)
			m.acked = true
			if m.agentSeen {
				l.c.msgsDone.Add(1)
			}
		}
		cu.mu.Unlock()
		if m != nil {
			l.c.acked.Add(1)
			if !l.o.reply {
				<-cu.slots
			}
		}
	case protocol.OutError:
		cu.q.answered()
		m := onError(l, f, &cu.mu, &cu.unnamed, cu.out)
		if m != nil {
			cu.mu.Lock()
			m.failed = true
			cu.mu.Unlock()
			l.c.failed.Add(1)
			<-cu.slots
		}
	case protocol.OutResync:
		l.c.countError("resync")
	case protocol.OutEvent:
		it := f.Item
		if it == nil || it.Kind != "message" || it.Conv != cu.conv {
			return
		}
		now := l.now()
		switch it.ActorKind {
		case "agent":
			orig, ok := strings.CutPrefix(it.ClientID, replyPrefix)
			if !ok {
				return
			}
			cu.mu.Lock()
			m := cu.msgs[orig]
			var n int
			var sentAt int64
			if m != nil {
				m.replySeen++
				n, sentAt = m.replySeen, m.sentAt
				if n == 1 && m.replyAcked {
					l.c.repliesDone.Add(1)
				}
			}
			cu.mu.Unlock()
			switch {
			case m == nil:
				l.c.unknown.Add(1)
			case n == 1:
				l.c.toCustomers.Add(1)
				cu.rtt = append(cu.rtt, now-sentAt)
				<-cu.slots
			default:
				l.c.dup.Add(1)
			}
		case "customer":
			cu.mu.Lock()
			m := cu.msgs[it.ClientID]
			n := 0
			if m != nil {
				m.echo++
				n = m.echo
			}
			cu.mu.Unlock()
			if n > 1 {
				l.c.dup.Add(1)
			}
		}
	}
}

// onError handles an error frame for the frames a connection has out. A
// refusal by the rate limiter marks the frame (or, unnamed, counts it) to be
// sent again soon; a retryable error leaves it to its backoff. Any other
// error ends the frame: it is removed from out and returned.
func onError[T interface{ att() *attempt }](l *load, f *protocol.OutFrame, mu *sync.Mutex, unnamed *int, out map[string]T) T {
	var none T
	l.c.countError(f.Code)
	mu.Lock()
	defer mu.Unlock()
	if f.Code == protocol.CodeRateLimited {
		if v, ok := out[f.ID]; ok {
			v.att().refused = true
		} else if f.ID == "" {
			*unnamed++
		}
		return none
	}
	if f.ID == "" || retryable(f.Code) {
		return none // sent again after its backoff
	}
	v, ok := out[f.ID]
	if !ok {
		return none
	}
	delete(out, f.ID)
	return v
}

func retryable(code string) bool {
	return code == protocol.CodeRateLimited || code == protocol.CodeUnavailable
}

// --- agents ---

func (a *agentConn) reader(ctx context.Context) {
	readEvents(ctx, a.c, a.l, "agent_disconnected", a.handle)
}

func (a *agentConn) handle(f *protocol.OutFrame) {
	l := a.l
	switch f.Type {
	case protocol.OutAck:
		if !strings.HasPrefix(f.ID, replyPrefix) {
			return
		}
		a.q.answered()
		a.mu.Lock()
		r := a.out[f.ID]
		delete(a.out, f.ID)
		a.mu.Unlock()
		if r != nil {
			<-a.slots
			r.cu.mu.Lock()
			if !r.m.replyAcked {
				r.m.replyAcked = true
				if r.m.replySeen > 0 {
					l.c.repliesDone.Add(1)
				}
			}
			r.cu.mu.Unlock()
			l.c.repliesAcked.Add(1)
		}
	case protocol.OutError:
		a.q.answered()
		if r := onError(l, f, &a.mu, &a.unnamed, a.out); r != nil {
			<-a.slots
			l.c.repliesFailed.Add(1)
		}
	case protocol.OutResync:
		l.c.countError("resync")
	case protocol.OutEvent:
		it := f.Item
		if it == nil || it.Kind != "message" || it.ActorKind != "customer" {
			return
		}
		cu := l.convs[it.Conv]
		if cu == nil {
			return // not a conversation of this run
		}
		now := l.now()
		a.seen[it.ClientID]++
		if a.seen[it.ClientID] > 1 {
			l.c.dup.Add(1)
			return
		}
		assignee := ""
		if f.Conversation != nil {
			assignee = f.Conversation.Assignee
		}
		if l.responder(it.Conv, assignee) != a {
			return
		}
		cu.mu.Lock()
		m := cu.msgs[it.ClientID]
		first := m != nil && !m.agentSeen
		var sentAt int64
		if first {
			m.agentSeen = true
			sentAt = m.sentAt
			if m.acked {
				l.c.msgsDone.Add(1)
			}
		}
		cu.mu.Unlock()
		if m == nil {
			l.c.unknown.Add(1)
			return
		}
		if !first {
			l.c.dup.Add(1)
			return
		}
		l.c.toAgents.Add(1)
		a.lat = append(a.lat, now-sentAt)
		if !l.o.reply {
			return
		}
		a.mu.Lock()
		a.pending = append(a.pending, &reply{cu: cu, m: m, id: replyPrefix + it.ClientID})
		a.mu.Unlock()
		l.c.replies.Add(1)
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}
}

func (a *agentConn) send(r *reply) error {
	return a.q.send(a.c, &protocol.InFrame{Type: protocol.TypeSend, ID: r.id, Conv: r.cu.conv, ClientID: r.id, Text: "thanks, looking into it"})
}

// writer sends the replies in order, at most --agent-window of them
// unacknowledged: the edge handles a connection's frames one at a time, so
// more in flight would only wait in socket buffers.
func (a *agentConn) writer(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case a.slots <- struct{}{}:
		}
		var r *reply
		for r == nil {
			a.mu.Lock()
			if len(a.pending) > 0 {
				r = a.pending[0]
				a.pending[0] = nil
				a.pending = a.pending[1:]
				r.attempt = attempt{lastTry: a.l.now(), tries: 1}
				a.out[r.id] = r
			}
			a.mu.Unlock()
			if r == nil {
				select {
				case <-ctx.Done():
					return
				case <-a.kick:
				}
			}
		}
		if err := a.send(r); err != nil {
			a.l.c.countError("write")
			return
		}
	}
}

func (a *agentConn) retrier(ctx context.Context) {
	retryLoop(ctx, a.l, &a.mu, &a.unnamed, a.out, func(_ string, r *reply) error { return a.send(r) })
}

// --- report ---

func (l *load) result(elapsed time.Duration, inWindow int64) *result {
	r := &result{Mode: "load", DurationS: elapsed.Seconds(), Customers: l.o.customers, Agents: l.o.agents, Rate: l.o.rate}
	var lat, rtt []int64
	for _, a := range l.agents {
		lat = append(lat, a.lat...)
	}
	for _, cu := range l.customers {
		rtt = append(rtt, cu.rtt...)
		cu.mu.Lock()
		for _, m := range cu.msgs {
			switch {
			case !m.acked && !m.failed:
				r.Unacked++
			case m.acked && !m.agentSeen:
				r.LostToAgents++
			}
			if l.o.reply && m.agentSeen && m.replySeen == 0 {
				if m.replyAcked {
					r.LostToCustomers++
				} else {
					r.UnackedReplies++
				}
			}
		}
		cu.mu.Unlock()
	}
	c := &l.c
	r.Sent = c.acked.Load()
	r.DeliveredToAgents = c.toAgents.Load()
	r.DeliveredToCustomers = c.toCustomers.Load()
	r.Delivered = r.DeliveredToAgents + r.DeliveredToCustomers
	r.Lost = r.LostToAgents + r.LostToCustomers
	r.Unacked += r.UnackedReplies
	r.Dup = c.dup.Load()
	r.Retries = c.retries.Load()
	r.Failed = c.failed.Load() + c.repliesFailed.Load()
	r.Conns = int64(len(l.agents) + len(l.customers))
	if s := elapsed.Seconds(); s > 0 {
		r.MsgsPerS = round(float64(inWindow)/s, 1)
		r.SentPerS = round(float64(r.Sent)/s, 1)
	}
	c.mu.Lock()
	if len(c.errors) > 0 {
		r.Errors = c.errors
	}
	c.mu.Unlock()
	if n := c.unknown.Load(); n > 0 {
		if r.Errors == nil {
			r.Errors = map[string]int64{}
		}
		r.Errors["unknown_client_id"] = n
	}
	slices.Sort(lat)
	slices.Sort(rtt)
	r.P50ms, r.P90ms, r.P99ms, r.P999ms = pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99), pct(lat, 0.999)
	r.MaxMs = pct(lat, 1)
	r.RoundTripP50ms, r.RoundTripP99ms = pct(rtt, 0.50), pct(rtt, 0.99)
	return r
}

// pct is the nearest-rank percentile of sorted nanoseconds, in ms.
func pct(sorted []int64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return round(float64(sorted[i])/1e6, 3)
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
