package gateway

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/edgedesk/edgedesk/edge/sfu"
	"github.com/edgedesk/edgedesk/internal/event"
)

// Calls: a conversation's customer or an agent starts one, others join;
// the media flows through this node's SFU (edge/sfu), and the signaling
// (offers, answers, ICE candidates) rides on the WebSocket as `call`
// frames from clients and `call_signal` frames to them. A call's start,
// each participant joining and its end are events, so both sides see them
// in the conversation (docs/calls.md).
//
// A call rings until the other side is in it too (a customer and an
// agent: it is answered), for at most the ring timeout ("no answer");
// the one called may decline it meanwhile ("declined"). Once answered it
// ends when either side has nobody left in it: a customer and an agent
// talk, and a supervisor alone holds no call.

// defaultRingTimeout is how long a call rings unanswered when the
// gateway's options do not say.
const defaultRingTimeout = 45 * time.Second

// Why calls end: the reasons of call.ended events and the label of
// edgedesk_calls_ended_total.
const (
	endHungUp       = "hung up"
	endDisconnected = "disconnected"
	endMediaEnded   = "the media connection ended"
	endDeclined     = "declined"
	endNoAnswer     = "no answer"
)

// call is a call this node hosts.
type call struct {
	id, tenant, conv string
	started          time.Time
	starter          sfu.Role // the side that called: the other side answers

	mu       sync.Mutex
	peers    map[*session]*sfu.Peer
	remotes  map[string]*remoteMember // participants connected to other nodes (callremote.go)
	answered bool                     // a customer and an agent have been in it together
	ring     *time.Timer              // ends it unanswered ("no answer")
	ended    bool
	quality  sfu.Quality // of the participants who left
}

// empty reports whether nobody is in the call (c.mu held).
func (c *call) empty() bool { return len(c.peers) == 0 && len(c.remotes) == 0 }

// sides counts the customers and the agents in the call (c.mu held);
// supervisors are on neither side.
func (c *call) sides() (customers, agents int) {
	count := func(r sfu.Role) {
		switch r {
		case sfu.RoleCustomer:
			customers++
		case sfu.RoleAgent:
			agents++
		}
	}
	for _, p := range c.peers {
		count(p.Role())
	}
	for _, m := range c.remotes {
		count(m.peer.Role())
	}
	return customers, agents
}

// joined notes a participant in (c.mu held): with both sides in, the
// call is answered and stops ringing.
func (c *call) joined() {
	if c.answered {
		return
	}
	if customers, agents := c.sides(); customers > 0 && agents > 0 {
		c.answered = true
		if c.ring != nil {
			c.ring.Stop()
		}
	}
}

// over reports, once a participant was taken out (c.mu held), whether
// the call is over: nobody is left in it, or it was answered and one
// side has nobody left. The call is then ended, once.
func (c *call) over() bool {
	if c.ended {
		return false
	}
	customers, agents := c.sides()
	if c.empty() || c.answered && (customers == 0 || agents == 0) {
		c.ended = true
		return true
	}
	return false
}

// addQuality counts the figures of a participant who left.
func (c *call) addQuality(q sfu.Quality) {
	c.mu.Lock()
	c.quality = c.quality.Add(q)
	c.mu.Unlock()
}

// maxSessionCalls bounds the calls one connection is in at once (each is
// a peer connection and its sockets on the edge).
const maxSessionCalls = 4

func (g *Gateway) callFrame(ctx context.Context, s *session, f *InFrame) error {
	switch f.Op {
	case CallStart, CallJoin, CallDecline, CallSignal, CallMute, CallVideo, CallLeave:
	default:
		return invalid("op must be start, join, decline, signal, mute, video or leave")
	}
	if f.Op != CallStart && !event.ValidID(f.Call) {
		return invalid("call must be a call id")
	}
	switch f.Op {
	case CallStart:
		if g.sfu == nil {
			return &clientError{CodeUnavailable, "this edge runs no media server"}
		}
		err := g.callStart(ctx, s, f)
		var busy *callBusy
		if errors.As(err, &busy) {
			// the error names the call, so that the client joins it
			s.g.m.FrameErrors.WithLabelValues(CodeInvalid).Inc()
			s.enqueue(marshal(&OutFrame{Type: OutError, ID: f.ID, Code: CodeInvalid, Message: busy.Error(), Call: busy.call}))
			return nil
		}
		return err
	case CallJoin:
		return g.callJoin(ctx, s, f)
	case CallDecline:
		return g.callDecline(ctx, s, f)
	}
	s.mu.Lock()
	rc, remote := s.remote[f.Call]
	s.mu.Unlock()
	if remote {
		return g.remoteFrame(ctx, s, f, rc)
	}
	c, p, err := g.participant(s, f.Call)
	if f.Op == CallLeave && err != nil {
		// nothing to leave: the call ended (the other side left, say) or
		// this connection is not in it. Leaving is done either way.
		s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Call: f.Call}))
		return nil
	}
	if err != nil {
		return err
	}
	if f.Op == CallLeave {
		g.leaveCall(ctx, c, s, endHungUp)
	} else if err := applyToPeer(p, f.Op, f.Signal, f.Muted, f.Video); err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Call: c.id}))
	return nil
}

// callBusy refuses a second call in a conversation: the error frame names
// the call going on, to join instead.
type callBusy struct{ call string }

func (e *callBusy) Error() string {
	return "a call is going on in this conversation: join it (call " + e.call + ")"
}

// applyToPeer applies a participant's signal, mute or video operation to
// its peer in the SFU, whether the participant is connected to this node
// or relayed by another (callremote.go).
func applyToPeer(p *sfu.Peer, op string, sig *sfu.Signal, muted *bool, video string) error {
	switch op {
	case CallSignal:
		if sig == nil {
			return invalid("signal: give the offer, answer or candidate")
		}
		if err := p.Signal(*sig); err != nil {
			if errors.Is(err, sfu.ErrSignal) {
				return invalid("%v", err)
			}
			return err
		}
	case CallMute:
		if muted == nil {
			return invalid("mute: give muted: true or false")
		}
		p.SetMuted(*muted)
	case CallVideo:
		v, ok := sfu.ParseVideo(video)
		if !ok {
			return invalid("video: give low, medium or high")
		}
		p.SetVideo(v)
	default:
		return invalid("op must be start, join, decline, signal, mute, video or leave")
	}
	return nil
}

// callStart starts a call in a conversation the session may use, and
// joins the session to it.
func (g *Gateway) callStart(ctx context.Context, s *session, f *InFrame) error {
	conv, err := g.conversation(s, f.Conv)
	if err != nil {
		return err
	}
	role := sideOf(s)
	c := &call{id: event.NewID(), tenant: s.tenant, conv: conv.ID, started: time.Now(), starter: role,
		peers: map[*session]*sfu.Peer{}, remotes: map[string]*remoteMember{}}
	g.callsMu.Lock()
	for _, other := range g.calls {
		if other.tenant == c.tenant && other.conv == c.conv {
			g.callsMu.Unlock()
			return &callBusy{other.id}
		}
	}
	g.calls[c.id] = c
	g.callsMu.Unlock()
	if g.m != nil {
		g.m.Calls.Inc()
	}
	if err := g.enter(s, c, role); err != nil {
		g.forgetCall(c)
		return err
	}
	e := &event.Event{Kind: event.KindCallStarted, Tenant: s.tenant, Actor: s.eventActor(),
		Call: &event.Call{ID: c.id, Conv: c.conv, Role: string(role), Node: g.node, Recorded: g.record(c)}}
	if err := g.appendCallAck(ctx, s, f, c, e); err != nil {
		g.drop(c, s) // not recorded: the call never was
		return err
	}
	c.mu.Lock()
	if !c.answered && !c.ended {
		c.ring = time.AfterFunc(g.ring, func() { g.ringOut(c) })
	}
	c.mu.Unlock()
	return nil
}

// ringOut ends a call nobody answered in time.
func (g *Gateway) ringOut(c *call) {
	c.mu.Lock()
	out := !c.answered && !c.ended
	if out {
		c.ended = true
	}
	c.mu.Unlock()
	if out {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		g.endCall(ctx, c, event.Actor{Kind: event.ActorSystem, ID: g.node}, endNoAnswer)
	}
}

// callDecline declines a call: the one called does not take it, and it
// ends ("declined") for whoever is in it. Only the other side than the
// caller's declines, only while the call rings, and not from inside it.
func (g *Gateway) callDecline(ctx context.Context, s *session, f *InFrame) error {
	g.callsMu.Lock()
	c := g.calls[f.Call]
	g.callsMu.Unlock()
	if c == nil || c.tenant != s.tenant {
		return g.declineRemote(ctx, s, f) // another node of the region may host it
	}
	if _, err := g.conversation(s, c.conv); err != nil {
		return err
	}
	c.mu.Lock()
	_, in := c.peers[s]
	c.mu.Unlock()
	if in {
		return invalid("this connection is in the call: leave it instead")
	}
	if err := g.decline(ctx, c, sideOf(s), s.eventActor()); err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Call: c.id}))
	return nil
}

// sideOf is the side of a call s is on: an agent's or the customer's.
func sideOf(s *session) sfu.Role {
	if s.isAgent() {
		return sfu.RoleAgent
	}
	return sfu.RoleCustomer
}

// decline ends c, declined by actor of side, if it is still ringing.
func (g *Gateway) decline(ctx context.Context, c *call, side sfu.Role, actor event.Actor) error {
	c.mu.Lock()
	var err error
	switch {
	case c.ended:
		err = &clientError{CodeNotFound, "the call ended"}
	case side == c.starter:
		err = &clientError{CodeForbidden, "only the side called may decline a call: leave it instead"}
	case c.answered:
		err = invalid("the call was answered: it goes on without you")
	default:
		c.ended = true
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	g.endCall(ctx, c, actor, endDeclined)
	return nil
}

// appendCallAck appends a call's event and acknowledges f with the call.
func (g *Gateway) appendCallAck(ctx context.Context, s *session, f *InFrame, c *call, e *event.Event) error {
	seq, err := g.journal.Append(ctx, e)
	if err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Conv: c.conv, Call: c.id, Seq: seq}))
	return nil
}

// callJoin joins the session to a call of a conversation it may use: a
// customer as the customer, an agent as an agent, an admin with role
// "supervisor" as a supervisor, who listens muted until they unmute.
func (g *Gateway) callJoin(ctx context.Context, s *session, f *InFrame) error {
	g.callsMu.Lock()
	c := g.calls[f.Call]
	g.callsMu.Unlock()
	if c == nil || c.tenant != s.tenant {
		return g.joinRemote(ctx, s, f) // another node of the region may host it
	}
	if _, err := g.conversation(s, c.conv); err != nil {
		return err
	}
	role, err := g.callRole(s, f)
	if err != nil {
		return err
	}
	if err := g.enter(s, c, role); err != nil {
		return err
	}
	e := &event.Event{Kind: event.KindCallJoined, Tenant: s.tenant, Actor: s.eventActor(),
		Call: &event.Call{ID: c.id, Conv: c.conv, Role: string(role)}}
	if err := g.appendCallAck(ctx, s, f, c, e); err != nil {
		g.drop(c, s)
		return err
	}
	return nil
}

// callRole is the role s joins a call as: a customer as the customer, an
// agent as an agent, an admin asking for it as a supervisor.
func (g *Gateway) callRole(s *session, f *InFrame) (sfu.Role, error) {
	switch {
	case s.isAgent() && f.Role == string(sfu.RoleSupervisor):
		if err := g.conv.RequireAdmin(s.actor(), "supervise calls"); err != nil {
			return "", err
		}
		return sfu.RoleSupervisor, nil
	case s.isAgent() && (f.Role == "" || f.Role == string(sfu.RoleAgent)):
		return sfu.RoleAgent, nil
	case !s.isAgent() && (f.Role == "" || f.Role == string(sfu.RoleCustomer)):
		return sfu.RoleCustomer, nil
	}
	return "", &clientError{CodeForbidden, "role " + f.Role + " is not yours to take"}
}

// enter joins s to c's room; the SFU's signals go to s.
func (g *Gateway) enter(s *session, c *call, role sfu.Role) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return &clientError{CodeNotFound, "the call ended"}
	}
	if _, ok := c.peers[s]; ok {
		return invalid("this connection is in the call already")
	}
	s.mu.Lock()
	n := len(s.calls) + len(s.remote)
	s.mu.Unlock()
	if n >= maxSessionCalls {
		return invalid("this connection is in %d calls: leave one first", n)
	}
	p, err := g.sfu.Join(c.id, s.role+":"+s.id+":"+event.NewID(), role, func(sig sfu.Signal) {
		s.enqueue(marshal(&OutFrame{Type: OutCallSignal, Call: c.id, Signal: &sig}))
	})
	if err != nil {
		return err
	}
	// a connection that fails or closes on the media side leaves the call
	p.OnClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		g.leaveCall(ctx, c, s, endMediaEnded)
	})
	c.peers[s] = p
	c.joined()
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	return nil
}

// drop takes s out of c without recording it (its joining was not
// recorded either); an empty call is forgotten.
func (g *Gateway) drop(c *call, s *session) {
	c.mu.Lock()
	p := c.peers[s]
	delete(c.peers, s)
	empty := c.empty()
	if empty {
		c.ended = true
	}
	c.mu.Unlock()
	g.forgetSession(c, s)
	if p != nil {
		p.OnClose(nil)
		p.Close()
	}
	if empty {
		g.forgetCall(c)
	}
}

// forgetSession removes c from the session's calls.
func (g *Gateway) forgetSession(c *call, s *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.calls {
		if x == c {
			s.calls = append(s.calls[:i], s.calls[i+1:]...)
			break
		}
	}
}

// participant finds the session's peer in a call.
func (g *Gateway) participant(s *session, id string) (*call, *sfu.Peer, error) {
	g.callsMu.Lock()
	c := g.calls[id]
	g.callsMu.Unlock()
	if c == nil || c.tenant != s.tenant {
		return nil, nil, &clientError{CodeNotFound, "no such call on this node"}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.peers[s]
	if p == nil {
		return nil, nil, &clientError{CodeForbidden, "this connection is not in the call: join it first"}
	}
	return c, p, nil
}

// leaveCall takes s out of c; when that leaves one side empty the call
// ends (see over).
func (g *Gateway) leaveCall(ctx context.Context, c *call, s *session, reason string) {
	c.mu.Lock()
	p := c.peers[s]
	delete(c.peers, s)
	over := p != nil && c.over()
	c.mu.Unlock()
	g.forgetSession(c, s)
	if p != nil {
		p.Close() // its OnClose comes back here and finds s gone
		c.addQuality(p.Final())
	}
	if over {
		g.endCall(ctx, c, s.eventActor(), reason)
	}
}

// endCall ends c (c.ended is set): whoever is still in it is taken out
// (the nodes of remote participants are told), and its end is recorded
// with the quality of everyone's media.
func (g *Gateway) endCall(ctx context.Context, c *call, actor event.Actor, reason string) {
	g.forgetCall(c)
	if g.m != nil {
		g.m.CallsEnded.WithLabelValues(reason).Inc()
	}
	c.mu.Lock()
	if c.ring != nil {
		c.ring.Stop()
	}
	peers, remotes := c.peers, c.remotes
	c.peers, c.remotes = map[*session]*sfu.Peer{}, map[string]*remoteMember{}
	c.mu.Unlock()
	for s, p := range peers {
		g.forgetSession(c, s)
		p.OnClose(nil)
		p.Close()
		c.addQuality(p.Final())
	}
	for member, m := range remotes {
		m.peer.OnClose(nil)
		m.peer.Close()
		c.addQuality(m.peer.Final())
		g.sendRemote(m.origin, remoteSignal{Member: member, Call: c.id, Ended: true})
	}
	c.mu.Lock()
	q := c.quality
	c.mu.Unlock()
	e := &event.Event{Kind: event.KindCallEnded, Tenant: c.tenant, Actor: actor,
		Call: &event.Call{ID: c.id, Conv: c.conv, Duration: time.Since(c.started).Milliseconds(), Reason: reason,
			PacketsReceived: q.PacketsReceived, PacketsLost: q.PacketsLost, JitterMS: math.Round(q.JitterMS*10) / 10,
			RTTMS: math.Round(q.RTTMS*10) / 10}}
	if _, err := g.journal.Append(ctx, e); err != nil {
		g.log.Warn("cannot record the end of a call", "call", c.id, "err", err)
	}
}

func (g *Gateway) forgetCall(c *call) {
	g.callsMu.Lock()
	_, ok := g.calls[c.id]
	delete(g.calls, c.id)
	g.callsMu.Unlock()
	if ok && g.m != nil {
		g.m.Calls.Dec()
	}
}

// leaveCalls takes a closing session out of its calls.
func (g *Gateway) leaveCalls(s *session) {
	s.mu.Lock()
	calls := append([]*call(nil), s.calls...)
	var remote []string
	for id := range s.remote {
		remote = append(remote, id)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range calls {
		g.leaveCall(ctx, c, s, endDisconnected)
	}
	for _, id := range remote {
		g.leaveRemoteCall(ctx, s, id, endDisconnected)
	}
}
