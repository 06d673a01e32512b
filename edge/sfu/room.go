package sfu

import (
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// Room is one call: its participants and the tracks they publish.
type Room struct {
	id  string
	sfu *SFU

	mu     sync.Mutex
	peers  map[string]*Peer
	tracks []*published
	closed bool
}

// published is a track a participant sends, and its copies to the others.
type published struct {
	from   *Peer
	remote *webrtc.TrackRemote
	local  *webrtc.TrackLocalStaticRTP
	// to holds the senders that carry local to each other participant
	to    map[*Peer]*webrtc.RTPSender
	stats rtpStats
}

// rtpStats is what arrived on a track: packets, those missing from the
// sequence numbers, and the interarrival jitter of RFC 3550 (§6.4.1).
type rtpStats struct {
	mu       sync.Mutex
	clock    float64 // RTP clock rate, per second
	received uint64
	base     int64   // first extended sequence number
	max      int64   // highest extended sequence number
	cycles   int64   // sequence number wraps, ×65536
	jitter   float64 // in RTP clock units
	lastAt   time.Time
	lastTS   uint32
}

func (s *rtpStats) add(seq uint16, ts uint32, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.received == 0 {
		s.base, s.max = int64(seq), int64(seq)
	} else {
		ext := s.cycles + int64(seq)
		if ext < s.max-32768 { // wrapped
			s.cycles += 65536
			ext += 65536
		}
		s.max = max(s.max, ext)
		d := at.Sub(s.lastAt).Seconds()*s.clock - float64(int32(ts-s.lastTS))
		if d < 0 {
			d = -d
		}
		s.jitter += (d - s.jitter) / 16
	}
	s.received++
	s.lastAt, s.lastTS = at, ts
}

func (s *rtpStats) quality() Quality {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := Quality{PacketsReceived: s.received}
	if s.received > 0 {
		q.PacketsLost = max(0, s.max-s.base+1-int64(s.received))
		if s.clock > 0 {
			q.JitterMS = s.jitter / s.clock * 1000
		}
	}
	return q
}

func (r *Room) join(id string, role Role, send func(Signal)) (*Peer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if _, ok := r.peers[id]; ok {
		return nil, ErrInRoom
	}
	p, err := newPeer(r, id, role, send)
	if err != nil {
		return nil, err
	}
	r.peers[id] = p
	for _, t := range r.tracks { // what the others already publish
		r.subscribe(p, t)
	}
	return p, nil
}

// publish forwards a participant's new track to every other participant,
// and keeps forwarding it to those who join later.
func (r *Room) publish(p *Peer, remote *webrtc.TrackRemote) {
	local, err := webrtc.NewTrackLocalStaticRTP(remote.Codec().RTPCodecCapability, remote.ID(), p.id)
	if err != nil {
		r.sfu.log.Warn("sfu: cannot forward a track", "room", r.id, "peer", p.id, "err", err)
		return
	}
	t := &published{from: p, remote: remote, local: local, to: map[*Peer]*webrtc.RTPSender{}}
	t.stats.clock = float64(remote.Codec().ClockRate)
	p.tracksMu.Lock()
	p.tracks = append(p.tracks, t)
	p.tracksMu.Unlock()
	r.mu.Lock()
	if r.closed || r.peers[p.id] != p {
		r.mu.Unlock()
		return
	}
	r.tracks = append(r.tracks, t)
	for _, q := range r.peers {
		if q != p {
			r.subscribe(q, t)
		}
	}
	r.mu.Unlock()
	go r.forward(t)
}

// subscribe sends t to q (r.mu held). q's connection then renegotiates.
func (r *Room) subscribe(q *Peer, t *published) {
	sender, err := q.pc.AddTrack(t.local)
	if err != nil {
		r.sfu.log.Warn("sfu: cannot add a track", "room", r.id, "peer", q.id, "err", err)
		return
	}
	t.to[q] = sender
	go r.feedback(t, sender)
	t.from.keyFrame(t.remote) // the new subscriber needs a key frame to start
}

// forward copies the publisher's packets to the subscribers' track until
// the publisher's track ends; a muted publisher's are dropped.
func (r *Room) forward(t *published) {
	for {
		pkt, _, err := t.remote.ReadRTP()
		if err != nil {
			break
		}
		t.stats.add(pkt.SequenceNumber, pkt.Timestamp, time.Now())
		if t.from.muted.Load() {
			continue
		}
		// an error here is one subscriber's (its connection closing):
		// the others still get the packet
		_ = t.local.WriteRTP(pkt)
	}
	r.unpublish(t)
}

// feedback reads a subscriber's RTCP for t: picture loss and full intra
// requests ask the publisher for a key frame (at most one a second per
// track: several subscribers losing the same packets ask at once).
// pion's interceptors answer NACKs and read the reports.
func (r *Room) feedback(t *published, sender *webrtc.RTPSender) {
	var last time.Time
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				if time.Since(last) >= time.Second {
					last = time.Now()
					t.from.keyFrame(t.remote)
				}
			}
		}
	}
}

// unpublish stops sending t to the others.
func (r *Room) unpublish(t *published) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, x := range r.tracks {
		if x == t {
			r.tracks = append(r.tracks[:i], r.tracks[i+1:]...)
			break
		}
	}
	for q, sender := range t.to {
		if q.pc.ConnectionState() != webrtc.PeerConnectionStateClosed {
			_ = q.pc.RemoveTrack(sender)
		}
	}
	clear(t.to)
}

// leave takes p out of the room; an empty room ends.
func (r *Room) leave(p *Peer) {
	r.mu.Lock()
	if r.peers[p.id] != p {
		r.mu.Unlock()
		return
	}
	delete(r.peers, p.id)
	var mine []*published
	for _, t := range r.tracks {
		delete(t.to, p)
		if t.from == p {
			mine = append(mine, t)
		}
	}
	empty := len(r.peers) == 0
	if empty {
		r.closed = true
	}
	r.mu.Unlock()
	for _, t := range mine {
		r.unpublish(t)
	}
	if empty {
		r.sfu.removeRoom(r)
	}
}

// close ends the call for everyone.
func (r *Room) close() {
	r.mu.Lock()
	peers := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		peers = append(peers, p)
	}
	r.mu.Unlock()
	for _, p := range peers {
		p.Close()
	}
}
