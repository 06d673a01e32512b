package sfu

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/edgedesk/edgedesk/edge/protocol"
)

// Peer is a participant's connection with the SFU.
type Peer struct {
	id   string
	role Role
	room *Room
	pc   *webrtc.PeerConnection
	send func(Signal)

	muted atomic.Bool  // what it publishes is not forwarded
	video atomic.Int32 // the Video it wants of simulcast tracks

	mu          sync.Mutex // signaling, one message at a time
	left        bool
	makingOffer bool
	pending     []webrtc.ICECandidateInit // candidates before the remote description
	onClose     func()                    // told when the peer leaves, whatever the cause
	final       Quality                   // what it sent the SFU, read as it leaves
	tracksMu    sync.Mutex                // tracks: apart from mu, which signaling holds across pion calls
	tracks      []*published              // what it published
	described   bool                      // the client has a description of ours
	held        []webrtc.ICECandidateInit // our candidates until it has
	closed      atomic.Bool
	ready       bool // its first offer is answered: the room's mu
}

func newPeer(r *Room, id string, role Role, send func(Signal)) (*Peer, error) {
	pc, err := r.sfu.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("sfu: %w", err)
	}
	p := &Peer{id: id, role: role, room: r, pc: pc, send: send}
	p.muted.Store(role == RoleSupervisor)
	p.video.Store(int32(VideoHigh))
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init := c.ToJSON()
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.described { // gathering starts before the answer is sent
			p.held = append(p.held, init)
			return
		}
		p.send(Signal{Type: "candidate", Candidate: candidate(init)})
	})
	pc.OnTrack(func(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) { r.publish(p, remote, receiver) })
	pc.OnNegotiationNeeded(p.offer)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			p.Close()
		}
	})
	return p, nil
}

// OnClose sets what runs once the participant is out of the call, for
// whatever reason: it left, or its connection failed.
func (p *Peer) OnClose(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onClose = f
}

// ID is the participant's id; Role their role.
func (p *Peer) ID() string { return p.id }

// Role is the participant's role.
func (p *Peer) Role() Role { return p.role }

// SetMuted stops (or resumes) forwarding what the participant publishes.
func (p *Peer) SetMuted(m bool) { p.muted.Store(m) }

// SetVideo sets the most of the others' simulcast video the participant
// wants (VideoHigh at first): a small tile or a weak link needs less.
func (p *Peer) SetVideo(v Video) {
	p.video.Store(int32(min(max(v, VideoLow), VideoHigh)))
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.tracks {
		if s := t.to[p]; s != nil {
			s.choose(t, time.Now())
		}
	}
}

// Muted reports whether what the participant publishes is held back.
func (p *Peer) Muted() bool { return p.muted.Load() }

// Quality is what the SFU received from a participant: packets, packets
// lost on the way, and the worst interarrival jitter of its tracks.
type Quality struct {
	PacketsReceived uint64
	PacketsLost     int64
	JitterMS        float64
	// RTTMS is the round trip between the SFU and the participant, the
	// last measured from its receiver reports (0: none measured).
	RTTMS float64
}

// Add sums q and o, keeping the worse jitter and round trip.
func (q Quality) Add(o Quality) Quality {
	return Quality{PacketsReceived: q.PacketsReceived + o.PacketsReceived, PacketsLost: q.PacketsLost + o.PacketsLost,
		JitterMS: max(q.JitterMS, o.JitterMS), RTTMS: max(q.RTTMS, o.RTTMS)}
}

// quality sums what the SFU received on the participant's tracks (read
// from the packets it forwarded: pion's GetStats races with a connection
// closing under it), with the round trip measured on what it was sent.
func (p *Peer) quality() Quality {
	p.tracksMu.Lock()
	tracks := append([]*published(nil), p.tracks...)
	p.tracksMu.Unlock()
	var q Quality
	for _, t := range tracks {
		t.mu.Lock()
		for _, l := range t.layers {
			q = q.Add(l.stats.quality())
		}
		t.mu.Unlock()
	}
	r := p.room
	r.mu.Lock()
	for _, t := range r.tracks {
		if s := t.to[p]; s != nil {
			s.mu.Lock()
			q.RTTMS = max(q.RTTMS, s.rttMS)
			s.mu.Unlock()
		}
	}
	r.mu.Unlock()
	return q
}

// Final is what the SFU received from the participant, once it left.
func (p *Peer) Final() Quality {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.final
}

// ErrLeft is returned for a signal of a participant who left the call.
var ErrLeft = errors.New("the participant left the call")

// ErrSignal is wrapped by errors in a client's signal.
var ErrSignal = errors.New("bad signal")

// Signal applies a client's signal: an offer (answered through send), an
// answer to the SFU's offer, or an ICE candidate. The SFU yields when
// both offer at once (it is the polite side of perfect negotiation).
func (p *Peer) Signal(s Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.left {
		return ErrLeft
	}
	switch s.Type {
	case "offer":
		if p.makingOffer || p.pc.SignalingState() != webrtc.SignalingStateStable {
			if err := p.pc.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); err != nil {
				return fmt.Errorf("sfu: roll back its own offer: %w", err)
			}
		}
		if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: s.SDP}); err != nil {
			return fmt.Errorf("%w: the offer: %v", ErrSignal, err)
		}
		p.flushCandidates()
		answer, err := p.pc.CreateAnswer(nil)
		if err != nil {
			return fmt.Errorf("%w: cannot answer the offer: %v", ErrSignal, err)
		}
		if err := p.pc.SetLocalDescription(answer); err != nil {
			return fmt.Errorf("sfu: %w", err)
		}
		p.send(Signal{Type: "answer", SDP: answer.SDP})
		p.sendHeld()
		p.room.ready(p)
	case "answer":
		if p.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
			return fmt.Errorf("%w: an answer, but the media server made no offer", ErrSignal)
		}
		if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: s.SDP}); err != nil {
			return fmt.Errorf("%w: the answer: %v", ErrSignal, err)
		}
		p.flushCandidates()
	case "candidate":
		if s.Candidate == nil {
			return fmt.Errorf("%w: a candidate signal without a candidate", ErrSignal)
		}
		if p.pc.RemoteDescription() == nil {
			if len(p.pending) >= 64 {
				return fmt.Errorf("%w: more than 64 candidates before an offer", ErrSignal)
			}
			p.pending = append(p.pending, webrtc.ICECandidateInit(*s.Candidate))
			return nil
		}
		if err := p.pc.AddICECandidate(webrtc.ICECandidateInit(*s.Candidate)); err != nil {
			return fmt.Errorf("%w: the candidate: %v", ErrSignal, err)
		}
	default:
		return fmt.Errorf("%w: type %q: use offer, answer or candidate", ErrSignal, s.Type)
	}
	return nil
}

// candidate is an ICE candidate of pion's as the protocol carries it.
func candidate(c webrtc.ICECandidateInit) *protocol.ICECandidate {
	p := protocol.ICECandidate(c)
	return &p
}

func (p *Peer) flushCandidates() {
	for _, c := range p.pending {
		_ = p.pc.AddICECandidate(c) // a bad one only fails itself
	}
	p.pending = nil
}

// offer renegotiates when the SFU's side changed (a track to send came
// or went): pion calls it when the connection is stable.
func (p *Peer) offer() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.left || p.pc.SignalingState() != webrtc.SignalingStateStable || p.pc.RemoteDescription() == nil {
		return // the client has not offered yet; its offer's answer carries the tracks
	}
	p.makingOffer = true
	defer func() { p.makingOffer = false }()
	o, err := p.pc.CreateOffer(nil)
	if err == nil {
		err = p.pc.SetLocalDescription(o)
	}
	if err != nil {
		p.room.sfu.log.Warn("sfu: cannot renegotiate", "room", p.room.id, "peer", p.id, "err", err)
		return
	}
	p.send(Signal{Type: "offer", SDP: o.SDP})
	p.sendHeld()
}

// sendHeld sends the candidates gathered before the client had a
// description of ours (p.mu held).
func (p *Peer) sendHeld() {
	p.described = true
	for _, c := range p.held {
		p.send(Signal{Type: "candidate", Candidate: candidate(c)})
	}
	p.held = nil
}

// keyFrame asks the participant for a key frame of one of its tracks.
func (p *Peer) keyFrame(t *webrtc.TrackRemote) {
	if t.Kind() == webrtc.RTPCodecTypeVideo {
		_ = p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(t.SSRC())}})
	}
}

// Close takes the participant out of the call.
func (p *Peer) Close() {
	if !p.closed.CompareAndSwap(false, true) {
		return // closing already (pc.Close reports the state change back here)
	}
	q := p.quality()
	p.mu.Lock()
	p.left = true
	p.final = q
	onClose := p.onClose
	p.mu.Unlock()
	p.room.leave(p)
	_ = p.pc.Close()
	if onClose != nil {
		onClose()
	}
}
