package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/edgedesk/edgedesk/edge/sfu"
	"github.com/edgedesk/edgedesk/internal/event"
)

// Calls across the nodes of a region. A call lives on the node whose SFU
// hosts it. A participant connected to another node of the region joins
// it there: its node finds the host (callFindSubject: only the host
// answers), relays the participant's call frames to it
// (callHostPrefix+host) and delivers the host's signals back
// (callSignalPrefix+node). The media flows between the participant's
// browser and the host's SFU, directly or through a TURN relay; the
// participant's node carries signaling only. Who may join as what is
// checked where the participant is connected (its session is there), the
// call's state where it is hosted.

const (
	callFindSubject  = "edgedesk.call.find"
	callHostPrefix   = "edgedesk.call.host."
	callSignalPrefix = "edgedesk.call.signal."
	// remoteTimeout bounds a request to the host: a call nobody answers
	// for has ended (or its node is gone).
	remoteTimeout = 2 * time.Second
)

// remoteOp is a participant's call operation relayed to the host.
type remoteOp struct {
	Op     string      `json:"op"` // find, join, decline, signal, mute, video, leave
	Call   string      `json:"call"`
	Tenant string      `json:"tenant"`
	Member string      `json:"member,omitempty"` // the participant, as its node names it
	Origin string      `json:"origin,omitempty"` // its node
	Role   string      `json:"role,omitempty"`   // join: the role; decline: the side declining
	Actor  event.Actor `json:"actor"`
	Signal *sfu.Signal `json:"signal,omitempty"`
	Muted  *bool       `json:"muted,omitempty"`
	Video  string      `json:"video,omitempty"`
	Reason string      `json:"reason,omitempty"` // leave: why
}

// remoteReply answers a remoteOp: the call's node and conversation (find),
// or what was wrong.
type remoteReply struct {
	Node  string `json:"node,omitempty"`
	Conv  string `json:"conv,omitempty"`
	Code  string `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
}

// remoteSignal carries the host's signal to a participant's node, or
// tells it the host took the participant out (Ended).
type remoteSignal struct {
	Member string      `json:"member"`
	Call   string      `json:"call"`
	Signal *sfu.Signal `json:"signal,omitempty"`
	Ended  bool        `json:"ended,omitempty"`
}

// remoteMember is a participant of a call this node hosts, connected to
// another node.
type remoteMember struct {
	peer   *sfu.Peer
	origin string
	actor  event.Actor
}

// remoteCall is a call hosted elsewhere that a session of this node is in.
type remoteCall struct {
	host, member, conv string
}

// subscribeCalls listens for the region's call traffic.
func (g *Gateway) subscribeCalls() error {
	for subj, h := range map[string]nats.MsgHandler{
		callFindSubject:           g.onCallFind,
		callHostPrefix + g.node:   g.onCallOp,
		callSignalPrefix + g.node: g.onCallSignal,
	} {
		sub, err := g.nc.Subscribe(subj, h)
		if err != nil {
			return err
		}
		g.callSubs = append(g.callSubs, sub)
	}
	return nil
}

// onCallFind answers for the calls this node hosts.
func (g *Gateway) onCallFind(msg *nats.Msg) {
	var op remoteOp
	if json.Unmarshal(msg.Data, &op) != nil {
		return
	}
	g.callsMu.Lock()
	c := g.calls[op.Call]
	g.callsMu.Unlock()
	if c == nil || c.tenant != op.Tenant {
		return // not ours: the host answers, or nobody
	}
	b, _ := json.Marshal(remoteReply{Node: g.node, Conv: c.conv})
	_ = msg.Respond(b)
}

// onCallOp applies a remote participant's operation on a call hosted here.
func (g *Gateway) onCallOp(msg *nats.Msg) {
	var op remoteOp
	var r remoteReply
	if err := json.Unmarshal(msg.Data, &op); err != nil {
		r = remoteReply{Code: CodeInvalid, Error: "a call operation that is not JSON: " + err.Error()}
	} else if err := g.hostOp(op); err != nil {
		var ce *clientError
		if errors.As(err, &ce) {
			r = remoteReply{Code: ce.code, Error: ce.msg}
		} else {
			r = remoteReply{Code: CodeUnavailable, Error: err.Error()}
		}
	}
	b, _ := json.Marshal(r)
	_ = msg.Respond(b)
}

func (g *Gateway) hostOp(op remoteOp) error {
	g.callsMu.Lock()
	c := g.calls[op.Call]
	g.callsMu.Unlock()
	if c == nil || c.tenant != op.Tenant {
		return &clientError{CodeNotFound, "the call ended"}
	}
	if !event.ValidID(op.Member) || !event.ValidID(op.Origin) {
		return invalid("a call operation without a valid member and node")
	}
	switch op.Op {
	case CallJoin:
		return g.hostJoin(c, op)
	case CallDecline:
		side := sfu.Role(op.Role)
		if side != sfu.RoleCustomer && side != sfu.RoleAgent {
			return invalid("decline: the side %q is customer or agent", op.Role)
		}
		// (the participant's node checked it is not in the call)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return g.decline(ctx, c, side, op.Actor)
	}
	c.mu.Lock()
	m := c.remotes[op.Member]
	c.mu.Unlock()
	if m == nil {
		return &clientError{CodeForbidden, "this connection is not in the call: join it first"}
	}
	switch op.Op {
	case CallLeave:
		reason := op.Reason
		if reason != endDisconnected && reason != endMediaEnded {
			reason = endHungUp // a metric's label and the event's reason: nothing else
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		g.leaveRemote(ctx, c, op.Member, reason, false)
	default:
		return applyToPeer(m.peer, op.Op, op.Signal, op.Muted, op.Video)
	}
	return nil
}

// hostJoin joins a participant of another node to c. Its node checked
// the participant may take the role.
func (g *Gateway) hostJoin(c *call, op remoteOp) error {
	role := sfu.Role(op.Role)
	if role != sfu.RoleCustomer && role != sfu.RoleAgent && role != sfu.RoleSupervisor {
		return invalid("role %q: customer, agent or supervisor", op.Role)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return &clientError{CodeNotFound, "the call ended"}
	}
	if c.remotes[op.Member] != nil {
		return invalid("this connection is in the call already")
	}
	origin, member := op.Origin, op.Member
	p, err := g.sfu.Join(c.id, "remote:"+origin+":"+member, role, func(sig sfu.Signal) {
		g.sendRemote(origin, remoteSignal{Member: member, Call: c.id, Signal: &sig})
	})
	if err != nil {
		return err
	}
	p.OnClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		g.leaveRemote(ctx, c, member, endMediaEnded, true)
	})
	c.remotes[member] = &remoteMember{peer: p, origin: origin, actor: op.Actor}
	c.joined()
	return nil
}

// sendRemote publishes a signal for a participant connected to node.
func (g *Gateway) sendRemote(node string, sig remoteSignal) {
	b, _ := json.Marshal(sig)
	if err := g.nc.Publish(callSignalPrefix+node, b); err != nil {
		g.log.Debug("cannot relay a call signal", "node", node, "err", err)
	}
}

// leaveRemote takes a remote participant out of c; when that leaves one
// side empty the call ends (see over). tell: the participant's node is
// told (the host took it out).
func (g *Gateway) leaveRemote(ctx context.Context, c *call, member, reason string, tell bool) {
	c.mu.Lock()
	m := c.remotes[member]
	delete(c.remotes, member)
	last := m != nil && c.over()
	c.mu.Unlock()
	if m == nil {
		return
	}
	m.peer.OnClose(nil)
	m.peer.Close()
	c.addQuality(m.peer.Final())
	if tell {
		g.sendRemote(m.origin, remoteSignal{Member: member, Call: c.id, Ended: true})
	}
	if last {
		g.endCall(ctx, c, m.actor, reason)
	}
}

// onCallSignal delivers a host's signal to the participant's session here.
func (g *Gateway) onCallSignal(msg *nats.Msg) {
	var sig remoteSignal
	if json.Unmarshal(msg.Data, &sig) != nil {
		return
	}
	g.membersMu.Lock()
	s := g.members[sig.Member]
	g.membersMu.Unlock()
	if s == nil {
		return
	}
	if sig.Ended {
		g.forgetRemote(s, sig.Call)
		return
	}
	if sig.Signal != nil {
		s.enqueue(marshal(&OutFrame{Type: OutCallSignal, Call: sig.Call, Signal: sig.Signal}))
	}
}

// askHost sends a remote operation to node and reads its answer.
func (g *Gateway) askHost(ctx context.Context, subject string, op remoteOp) (*remoteReply, error) {
	b, err := json.Marshal(op)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, remoteTimeout)
	defer cancel()
	msg, err := g.nc.RequestWithContext(ctx, subject, b)
	if err != nil {
		return nil, &clientError{CodeNotFound, "no node of the region hosts this call: it ended"}
	}
	var r remoteReply
	if err := json.Unmarshal(msg.Data, &r); err != nil {
		return nil, err
	}
	if r.Code != "" {
		return nil, &clientError{r.Code, r.Error}
	}
	return &r, nil
}

// joinRemote joins s to a call another node of the region hosts.
func (g *Gateway) joinRemote(ctx context.Context, s *session, f *InFrame) error {
	if !event.ValidID(f.Call) {
		return invalid("call must be a call id")
	}
	found, err := g.askHost(ctx, callFindSubject, remoteOp{Op: "find", Call: f.Call, Tenant: s.tenant})
	if err != nil {
		return err
	}
	if _, err := g.conversation(s, found.Conv); err != nil {
		return err
	}
	role, err := g.callRole(s, f)
	if err != nil {
		return err
	}
	s.mu.Lock()
	_, in := s.remote[f.Call]
	n := len(s.calls) + len(s.remote)
	s.mu.Unlock()
	if in {
		return invalid("this connection is in the call already")
	}
	if n >= maxSessionCalls {
		return invalid("this connection is in %d calls: leave one first", n)
	}
	rc := remoteCall{host: found.Node, member: event.NewID(), conv: found.Conv}
	g.membersMu.Lock()
	g.members[rc.member] = s
	g.membersMu.Unlock()
	s.mu.Lock()
	if s.remote == nil {
		s.remote = map[string]remoteCall{}
	}
	s.remote[f.Call] = rc
	s.mu.Unlock()
	op := remoteOp{Op: CallJoin, Call: f.Call, Tenant: s.tenant, Member: rc.member, Origin: g.node, Role: string(role), Actor: s.eventActor()}
	if _, err := g.askHost(ctx, callHostPrefix+rc.host, op); err != nil {
		g.forgetRemote(s, f.Call)
		return err
	}
	e := &event.Event{Kind: event.KindCallJoined, Tenant: s.tenant, Actor: s.eventActor(),
		Call: &event.Call{ID: f.Call, Conv: found.Conv, Role: string(role)}}
	if err := g.appendCallAck(ctx, s, f, &call{id: f.Call, conv: found.Conv}, e); err != nil {
		g.leaveRemoteCall(ctx, s, f.Call, endHungUp) // not recorded: the joining never was
		return err
	}
	return nil
}

// declineRemote declines a call another node of the region hosts: the
// session may use its conversation, is not in it, and declines for its
// side; the host checks the rest (decline).
func (g *Gateway) declineRemote(ctx context.Context, s *session, f *InFrame) error {
	found, err := g.askHost(ctx, callFindSubject, remoteOp{Op: "find", Call: f.Call, Tenant: s.tenant})
	if err != nil {
		return err
	}
	if _, err := g.conversation(s, found.Conv); err != nil {
		return err
	}
	s.mu.Lock()
	_, in := s.remote[f.Call]
	s.mu.Unlock()
	if in {
		return invalid("this connection is in the call: leave it instead")
	}
	op := remoteOp{Op: CallDecline, Call: f.Call, Tenant: s.tenant, Member: event.NewID(), Origin: g.node,
		Role: string(sideOf(s)), Actor: s.eventActor()}
	if _, err := g.askHost(ctx, callHostPrefix+found.Node, op); err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Call: f.Call}))
	return nil
}

// remoteFrame relays a call frame of s for a call hosted elsewhere.
func (g *Gateway) remoteFrame(ctx context.Context, s *session, f *InFrame, rc remoteCall) error {
	op := remoteOp{Op: f.Op, Call: f.Call, Tenant: s.tenant, Member: rc.member, Origin: g.node, Actor: s.eventActor()}
	switch f.Op {
	case CallSignal:
		if f.Signal == nil {
			return invalid("signal: give the offer, answer or candidate")
		}
		op.Signal = f.Signal
	case CallMute:
		if f.Muted == nil {
			return invalid("mute: give muted: true or false")
		}
		op.Muted = f.Muted
	case CallVideo:
		if _, ok := sfu.ParseVideo(f.Video); !ok {
			return invalid("video: give low, medium or high")
		}
		op.Video = f.Video
	case CallLeave:
		g.leaveRemoteCall(ctx, s, f.Call, endHungUp)
		s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Call: f.Call}))
		return nil
	default:
		return invalid("op must be start, join, decline, signal, mute, video or leave")
	}
	if _, err := g.askHost(ctx, callHostPrefix+rc.host, op); err != nil {
		return err
	}
	s.enqueue(marshal(&OutFrame{Type: OutAck, ID: f.ID, Call: f.Call}))
	return nil
}

// leaveRemoteCall takes s out of a call hosted elsewhere.
func (g *Gateway) leaveRemoteCall(ctx context.Context, s *session, id, reason string) {
	s.mu.Lock()
	rc, ok := s.remote[id]
	s.mu.Unlock()
	if !ok {
		return
	}
	g.forgetRemote(s, id)
	op := remoteOp{Op: CallLeave, Call: id, Tenant: s.tenant, Member: rc.member, Origin: g.node, Actor: s.eventActor(), Reason: reason}
	if _, err := g.askHost(ctx, callHostPrefix+rc.host, op); err != nil {
		g.log.Debug("leaving a call on another node", "call", id, "node", rc.host, "err", err)
	}
}

// forgetRemote drops s's membership of a call hosted elsewhere.
func (g *Gateway) forgetRemote(s *session, id string) {
	s.mu.Lock()
	rc, ok := s.remote[id]
	delete(s.remote, id)
	s.mu.Unlock()
	if ok {
		g.membersMu.Lock()
		delete(g.members, rc.member)
		g.membersMu.Unlock()
	}
}
