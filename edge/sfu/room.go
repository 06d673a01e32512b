package sfu

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Room is one call: its participants and the tracks they publish.
type Room struct {
	id  string
	sfu *SFU

	mu       sync.Mutex
	peers    map[string]*Peer
	tracks   []*published
	closed   bool
	recorder *recorder // nil unless the call is recorded
}

// published is a track a participant sends: one stream, or the simulcast
// layers of one source (each an encoding of its own, told apart by RID),
// and the subscriptions that carry it to the others.
type published struct {
	from     *Peer
	receiver *webrtc.RTPReceiver
	codec    webrtc.RTPCodecParameters
	kind     webrtc.RTPCodecType
	id       string
	ext      []extension // the publisher's header extensions that are forwarded
	done     chan struct{}

	mu       sync.Mutex // layers, ended, stopped
	layers   []*layer   // lowest first
	ended    int        // layers whose forwarders stopped
	stopped  bool       // every layer's forwarder stopped: done is closed
	expected int        // layers the publisher's description offers

	subs atomic.Pointer[[]*subscription] // read by the forwarders on every packet; written under the room's mu
	to   map[*Peer]*subscription         // the room's mu
}

// layer is one encoding of a published track.
type layer struct {
	remote *webrtc.TrackRemote
	order  int // its place in the publisher's description: lowest first, by WebRTC's default scaling
	stats  rtpStats
	bytes  atomic.Uint64
	last   atomic.Int64 // Unix ns of its last packet
	rate   float64      // bytes per second, smoothed: the published track's mu
	rank   float64      // its rate when all sending layers were last measured (0: never)
	pli    atomic.Int64 // Unix ns of the last key frame asked for
}

// active reports whether the layer sent a packet within the last second
// (a publisher short of bandwidth stops its higher layers).
func (l *layer) active(now time.Time) bool {
	return now.UnixNano()-l.last.Load() < int64(time.Second)
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
		switch {
		case ext < s.max-32768: // wrapped
			s.cycles += 65536
			ext += 65536
		case ext > s.max+32768: // late, from before the last wrap
			ext -= 65536
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
	return p, nil
}

// ready subscribes p, whose first offer is answered, to what the others
// publish. Not before: a transceiver added ahead of the client's offer
// would take one of the client's own media sections, and with it the
// direction and simulcast layers of what the client publishes there.
func (r *Room) ready(p *Peer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.ready || r.peers[p.id] != p {
		return
	}
	p.ready = true
	for _, t := range r.tracks {
		if t.from != p && t.to[p] == nil {
			r.subscribe(p, t)
		}
	}
}

// publish forwards a participant's new track (or a new simulcast layer of
// one it publishes) to every other participant, and keeps forwarding it
// to those who join later.
func (r *Room) publish(p *Peer, remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	p.tracksMu.Lock()
	var t *published
	for _, x := range p.tracks {
		x.mu.Lock()
		if x.receiver == receiver && !x.stopped {
			t = x
		}
		x.mu.Unlock()
	}
	fresh := t == nil
	if fresh {
		t = &published{from: p, receiver: receiver, codec: remote.Codec(), kind: remote.Kind(), id: remote.ID(),
			ext: forwardedExtensions(receiver), done: make(chan struct{}), to: map[*Peer]*subscription{},
			expected: max(1, len(receiver.Tracks()))}
		t.subs.Store(&[]*subscription{})
		p.tracks = append(p.tracks, t)
	}
	l := &layer{remote: remote, order: slices.Index(receiver.Tracks(), remote)}
	l.stats.clock = float64(remote.Codec().ClockRate)
	l.last.Store(time.Now().UnixNano())
	t.mu.Lock()
	t.layers = append(t.layers, l)
	slices.SortFunc(t.layers, func(a, b *layer) int { return a.order - b.order })
	t.mu.Unlock()
	p.tracksMu.Unlock()

	go r.forward(t, l)
	go readReports(receiver, remote.RID())
	if !fresh {
		r.mu.Lock()
		for _, s := range t.to {
			s.choose(t, time.Now())
		}
		r.mu.Unlock()
		return
	}
	r.mu.Lock()
	t.mu.Lock()
	stopped := t.stopped // its stream ended already: unpublish ran, or runs after this
	t.mu.Unlock()
	if r.closed || r.peers[p.id] != p || stopped {
		r.mu.Unlock()
		return
	}
	r.tracks = append(r.tracks, t)
	for _, q := range r.peers {
		if q != p && q.ready {
			r.subscribe(q, t)
		}
	}
	if r.recorder != nil {
		r.recorder.track(t)
	}
	r.mu.Unlock()
	if t.expected > 1 {
		go r.manage(t)
	}
}

// readReports reads what the publisher's RTCP says of one of its streams,
// so that pion's interceptors see its sender reports (RTCP reaches them
// only when read): the receiver reports the SFU sends back then echo
// them, and the publisher measures its round trip from those.
func readReports(receiver *webrtc.RTPReceiver, rid string) {
	for {
		var err error
		if rid != "" {
			_, _, err = receiver.ReadSimulcastRTCP(rid)
		} else {
			_, _, err = receiver.ReadRTCP()
		}
		if err != nil {
			return
		}
	}
}

// Header extensions a subscriber gets: the speaker's audio level and the
// camera's orientation (phones send their picture unrotated with it). The
// others are the publisher's connection's own: mid and RIDs name its
// streams, transport-wide sequence numbers and send times are per hop.
var forwardedURIs = map[string]bool{sdp.AudioLevelURI: true, videoOrientationURI: true}

const videoOrientationURI = "urn:3gpp:video-orientation"

// extension is a header extension as one connection numbers it.
type extension struct {
	id  uint8
	uri string
}

// forwardedExtensions are the publisher's header extensions that are
// forwarded, with its ids.
func forwardedExtensions(receiver *webrtc.RTPReceiver) []extension {
	var ext []extension
	for _, h := range receiver.GetParameters().HeaderExtensions {
		if forwardedURIs[h.URI] {
			ext = append(ext, extension{uint8(h.ID), h.URI})
		}
	}
	return ext
}

// subscribe sends t to q (r.mu held). q's connection then renegotiates.
func (r *Room) subscribe(q *Peer, t *published) {
	local, err := webrtc.NewTrackLocalStaticRTP(t.codec.RTPCodecCapability, t.id, t.from.id)
	if err != nil {
		r.sfu.log.Warn("sfu: cannot forward a track", "room", r.id, "peer", q.id, "err", err)
		return
	}
	// a media section of its own: sharing one the subscriber publishes
	// on would tie what it receives to what it sends there (its
	// simulcast layers)
	tr, err := q.pc.AddTransceiverFromTrack(local, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		r.sfu.log.Warn("sfu: cannot add a track", "room", r.id, "peer", q.id, "err", err)
		return
	}
	s := newSubscription(t, q, local.WriteRTP)
	s.sender = tr.Sender()
	t.to[q] = s
	t.addSub(s)
	s.choose(t, time.Now())
	go r.feedback(t, s)
}

// addSub and removeSub change the subscriptions the forwarders read
// (r.mu held).
func (t *published) addSub(s *subscription) {
	subs := append(slices.Clone(*t.subs.Load()), s)
	t.subs.Store(&subs)
}

func (t *published) removeSub(s *subscription) {
	subs := slices.DeleteFunc(slices.Clone(*t.subs.Load()), func(x *subscription) bool { return x == s })
	t.subs.Store(&subs)
}

// ranked is the layers that are sending, lowest first (t.mu held).
func (t *published) ranked(now time.Time) []*layer {
	var out []*layer
	for _, l := range t.layers {
		if l.active(now) {
			out = append(out, l)
		}
	}
	return out
}

// forward copies one layer's packets to the subscriptions until the
// publisher's stream ends; a muted publisher's are dropped.
func (r *Room) forward(t *published, l *layer) {
	for {
		pkt, _, err := l.remote.ReadRTP()
		if err != nil {
			break
		}
		now := time.Now()
		l.stats.add(pkt.SequenceNumber, pkt.Timestamp, now)
		l.bytes.Add(uint64(len(pkt.Payload)))
		l.last.Store(now.UnixNano())
		if t.from.muted.Load() {
			continue
		}
		// an error here is one subscriber's (its connection closing):
		// the others still get the packet
		for _, s := range *t.subs.Load() {
			s.forward(t, l, pkt, now)
		}
	}
	t.mu.Lock()
	t.ended++
	last := !t.stopped && t.ended == len(t.layers)
	if last {
		t.stopped = true
	}
	t.mu.Unlock()
	if last {
		close(t.done)
		r.unpublish(t)
	}
}

// manage watches a simulcast track: twice a second it ranks the layers by
// the bytes they carry, measured when every sending layer carries some (a
// publisher may list them in any order; until each was measured once, the
// order of its description), moves each subscription to the best layer
// its subscriber can take, and asks again for the key frame a switch
// waits for.
func (r *Room) manage(t *published) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	prev := map[*layer]uint64{}
	for {
		select {
		case <-t.done:
			return
		case now := <-tick.C:
			t.mu.Lock()
			measured := true // every sending layer carries something
			for _, l := range t.layers {
				b := l.bytes.Load()
				l.rate += (float64(b-prev[l])*2 - l.rate) / 4
				prev[l] = b
				if l.active(now) && l.rate < 1000 {
					measured = false
				}
			}
			ranked := true // every layer was measured once
			for _, l := range t.layers {
				if measured && l.active(now) {
					l.rank = l.rate // a stopped layer keeps its place
				}
				ranked = ranked && l.rank > 0
			}
			slices.SortStableFunc(t.layers, func(a, b *layer) int {
				if ranked {
					return cmp.Compare(a.rank, b.rank)
				}
				return a.order - b.order
			})
			t.mu.Unlock()
			for _, s := range *t.subs.Load() {
				s.choose(t, now)
				if l := s.pending(); l != nil {
					t.keyFrame(l) // asked for again while it does not come
				}
			}
		}
	}
}

// keyFrame asks the publisher for a key frame of layer l, at most one a
// second (several subscribers losing the same packets ask at once).
func (t *published) keyFrame(l *layer) {
	if t.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	now := time.Now().UnixNano()
	if last := l.pli.Load(); now-last < int64(time.Second) || !l.pli.CompareAndSwap(last, now) {
		return
	}
	t.from.keyFrame(l.remote)
}

// feedback reads a subscriber's RTCP for t: picture loss and full intra
// requests ask the publisher for a key frame of the layer it is sent; its
// receiver reports' loss steers the simulcast layer. pion's interceptors
// answer NACKs and read the reports.
func (r *Room) feedback(t *published, s *subscription) {
	for {
		pkts, _, err := s.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			s.feedback(t, pkt)
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
	for q, s := range t.to {
		if s.sender != nil && q.pc.ConnectionState() != webrtc.PeerConnectionStateClosed {
			_ = q.pc.RemoveTrack(s.sender)
		}
	}
	clear(t.to)
	t.subs.Store(&[]*subscription{})
	if r.recorder != nil {
		r.recorder.untrack(t)
	}
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
		if s := t.to[p]; s != nil {
			t.removeSub(s)
			delete(t.to, p)
		}
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
		r.mu.Lock()
		rec := r.recorder
		r.mu.Unlock()
		if rec != nil {
			if err := rec.close(r); err != nil {
				r.sfu.log.Error("sfu: cannot write a recording's manifest", "room", r.id, "err", err)
			}
		}
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

// rewritten is a forwarded packet as one subscription sends it.
func rewritten(pkt *rtp.Packet, seqOff uint16, tsOff uint32) rtp.Packet {
	out := *pkt
	out.SequenceNumber += seqOff
	out.Timestamp += tsOff
	return out
}
