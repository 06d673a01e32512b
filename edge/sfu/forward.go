package sfu

import (
	"slices"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// Video is the most of a simulcast track a participant wants: the
// lowest, a middle or the highest layer the publisher sends. A
// subscriber losing packets is given less, whatever it wants.
type Video int

// Video levels.
const (
	VideoLow Video = iota
	VideoMedium
	VideoHigh
)

// ParseVideo reads a video level's name: low, medium or high.
func ParseVideo(s string) (Video, bool) {
	switch s {
	case "low":
		return VideoLow, true
	case "medium":
		return VideoMedium, true
	case "high":
		return VideoHigh, true
	}
	return 0, false
}

// index is the level's place among n layers, lowest first.
func (v Video) index(n int) int {
	switch v {
	case VideoLow:
		return 0
	case VideoMedium:
		return (n - 1) / 2
	}
	return n - 1
}

// Loss thresholds of the layer choice: a subscriber reporting more than
// a tenth of the packets lost goes a layer down (at most every 2 s); one
// reporting under 2 % for 10 s may go a layer up again.
const (
	lossDown   = 0.10
	lossUp     = 0.02
	downEvery  = 2 * time.Second
	upAfter    = 10 * time.Second
	unlimited  = 1 << 30
	tsFallback = 1 // RTP ticks between two streams when no time passed
)

// subscription is one published track as one subscriber (or the call's
// recording) gets it: the layer it is sent, and the sequence numbers and
// timestamps rewritten so that switching layers looks like one stream.
type subscription struct {
	to       *Peer // nil for the recording
	sender   *webrtc.RTPSender
	write    func(*rtp.Packet) error
	clock    float64
	switches bool // the codec shows key frames, so layers change at one

	mu      sync.Mutex
	cur     *layer // what it is sent; nil before the first packet
	want    *layer // what it is to be sent from the next key frame
	from    uint16 // cur's first sequence number forwarded…
	guard   int    // …for this many more packets: older ones' numbers are taken
	extIDs  map[string]uint8
	extBuf  []rtp.Extension
	seqOff  uint16
	tsOff   uint32
	lastSeq uint16
	lastTS  uint32
	lastAt  time.Time
	sent    bool

	rttMS float64 // the round trip to the subscriber: the median of the last samples
	rtts  rttWindow

	capped   int       // the highest layer index its loss allows
	downAt   time.Time // when loss last took a layer away
	goodFrom time.Time // since when its loss has been low
}

func newSubscription(t *published, to *Peer, write func(*rtp.Packet) error) *subscription {
	return &subscription{to: to, write: write, clock: float64(t.codec.ClockRate), switches: keyFrames(t.codec.MimeType),
		capped: unlimited}
}

// choose picks the layer the subscriber should get now: the highest that
// is sending, within what it wants and what its loss allows. A change
// takes effect at the new layer's next key frame, which is asked for.
func (s *subscription) choose(t *published, now time.Time) {
	t.mu.Lock()
	layers := t.ranked(now)
	if len(layers) == 0 {
		layers = t.layers
	}
	if len(layers) == 0 {
		t.mu.Unlock()
		return
	}
	wanted := VideoHigh
	if s.to != nil {
		wanted = Video(s.to.video.Load())
	}
	s.mu.Lock()
	want := layers[min(wanted.index(len(layers)), s.capped, len(layers)-1)]
	changed := want != s.want
	s.want = want
	s.mu.Unlock()
	t.mu.Unlock()
	if changed {
		t.keyFrame(want)
	}
}

// forward sends pkt of layer l if the subscriber gets that layer, or
// switches to it when it is the wanted layer and pkt starts a key frame.
func (s *subscription) forward(t *published, l *layer, pkt *rtp.Packet, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l != s.cur {
		if l != s.want {
			return
		}
		if s.cur != nil && s.switches && !keyFrame(t.codec.MimeType, pkt.Payload) {
			return
		}
		if s.sent { // continue the stream the subscriber knows
			s.seqOff = s.lastSeq + 1 - pkt.SequenceNumber
			ticks := uint32(max(tsFallback, now.Sub(s.lastAt).Seconds()*s.clock))
			s.tsOff = s.lastTS + ticks - pkt.Timestamp
		}
		s.cur, s.from, s.guard = l, pkt.SequenceNumber, switchGuard
	} else if s.guard > 0 {
		s.guard--
		if int16(pkt.SequenceNumber-s.from) < 0 {
			return // from before the switch (a late repair): its number went to the old layer's packets
		}
	}
	out := rewritten(pkt, s.seqOff, s.tsOff)
	s.extensions(t, pkt, &out.Header)
	if !s.sent || int16(out.SequenceNumber-s.lastSeq) > 0 {
		s.lastSeq = out.SequenceNumber
	}
	if !s.sent || int32(out.Timestamp-s.lastTS) > 0 {
		s.lastTS, s.lastAt = out.Timestamp, now
	}
	s.sent = true
	_ = s.write(&out)
}

// switchGuard is how many packets after a switch one from before it is
// still recognised as such (sequence numbers wrap).
const switchGuard = 1024

// pending is the layer a switch waits for a key frame of, or nil.
func (s *subscription) pending() *layer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.want != nil && s.want != s.cur && s.cur != nil {
		return s.want
	}
	return nil
}

// extensions sets the header extensions of a forwarded packet: those the
// SFU forwards, under the ids the subscriber's connection gave them (a
// recording keeps none).
func (s *subscription) extensions(t *published, in *rtp.Packet, h *rtp.Header) {
	h.Extension, h.Extensions = false, s.extBuf[:0]
	if s.sender != nil && len(t.ext) > 0 {
		if s.extIDs == nil { // negotiated by now: the subscriber answered
			if params := s.sender.GetParameters(); len(params.HeaderExtensions) > 0 {
				s.extIDs = map[string]uint8{}
				for _, e := range params.HeaderExtensions {
					s.extIDs[e.URI] = uint8(e.ID)
				}
			}
		}
		for _, e := range t.ext {
			if id, ok := s.extIDs[e.uri]; ok {
				if payload := in.GetExtension(e.id); payload != nil {
					_ = h.SetExtension(id, payload)
				}
			}
		}
	}
	s.extBuf = h.Extensions
	if !h.Extension {
		h.Extensions = nil
	}
}

// feedback acts on one RTCP packet of the subscriber's.
func (s *subscription) feedback(t *published, pkt rtcp.Packet) {
	switch p := pkt.(type) {
	case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
		s.mu.Lock()
		l := s.want
		if s.cur != nil && s.cur != s.want && !s.switches {
			l = s.cur
		}
		s.mu.Unlock()
		if l != nil {
			t.keyFrame(l)
		}
	case *rtcp.ReceiverReport, *rtcp.SenderReport:
		var reports []rtcp.ReceptionReport
		if rr, ok := p.(*rtcp.ReceiverReport); ok {
			reports = rr.Reports
		} else {
			reports = p.(*rtcp.SenderReport).Reports // a subscriber that also sends reports this way
		}
		now := time.Now()
		for _, r := range reports {
			if s.sender != nil && isOurs(s.sender, r.SSRC) {
				if rtt, ok := roundTrip(r, now); ok {
					s.mu.Lock()
					s.rttMS = s.rtts.add(rtt)
					s.mu.Unlock()
				}
				s.loss(t, float64(r.FractionLost)/256, now)
			}
		}
	}
}

// rttWindow keeps the last round trips measured to a subscriber: their
// median is the one a call's quality reports, so that one report held up
// (a starved receiver, a report delayed in a queue) does not stand for the
// whole call.
type rttWindow struct {
	samples [9]float64
	n       int // samples taken, ever
}

// add takes a sample and returns the median of the window.
func (w *rttWindow) add(ms float64) float64 {
	w.samples[w.n%len(w.samples)] = ms
	w.n++
	k := min(w.n, len(w.samples))
	sorted := make([]float64, k)
	copy(sorted, w.samples[:k])
	slices.Sort(sorted)
	return sorted[k/2]
}

// roundTrip is the round trip to a subscriber in ms, from its report on
// a stream the SFU sends (RFC 3550 §6.4.1): the report's arrival, less
// the time of the SFU's last sender report it echoes, less the delay it
// held the report; all in the middle 32 bits of NTP time.
func roundTrip(r rtcp.ReceptionReport, at time.Time) (float64, bool) {
	if r.LastSenderReport == 0 {
		return 0, false // no sender report reached it yet
	}
	rtt := int32(ntpMiddle(at) - r.LastSenderReport - r.Delay)
	if rtt < 0 {
		return 0, false
	}
	return float64(rtt) / 65536 * 1000, true
}

// ntpMiddle is the middle 32 bits of t as an NTP timestamp: 16 bits of
// seconds (since 1900) and 16 of fraction.
func ntpMiddle(t time.Time) uint32 {
	const unixToNTP = 2208988800
	secs := uint64(t.Unix() + unixToNTP)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return uint32(secs<<16 | frac>>16)
}

func isOurs(sender *webrtc.RTPSender, ssrc uint32) bool {
	for _, e := range sender.GetParameters().Encodings {
		if uint32(e.SSRC) == ssrc {
			return true
		}
	}
	return false
}

// loss steers a simulcast subscription by the share of packets its
// subscriber reports lost.
func (s *subscription) loss(t *published, lost float64, now time.Time) {
	t.mu.Lock()
	n := len(t.ranked(now))
	t.mu.Unlock()
	if n < 2 {
		return
	}
	s.mu.Lock()
	changed := false
	switch {
	case lost > lossDown:
		s.goodFrom = time.Time{}
		if now.Sub(s.downAt) >= downEvery {
			cur := n - 1
			if s.capped < cur {
				cur = s.capped
			}
			if cur > 0 {
				s.capped, s.downAt, changed = cur-1, now, true
			}
		}
	case lost < lossUp:
		if s.goodFrom.IsZero() {
			s.goodFrom = now
		} else if s.capped != unlimited && now.Sub(s.goodFrom) >= upAfter {
			s.capped++
			if s.capped >= n-1 {
				s.capped = unlimited
			}
			s.goodFrom, changed = now, true
		}
	default:
		s.goodFrom = time.Time{}
	}
	s.mu.Unlock()
	if changed {
		s.choose(t, now)
	}
}

// keyFrames reports whether the SFU can tell a codec's key frames, and so
// switch simulcast layers cleanly at one.
func keyFrames(mime string) bool {
	switch mime {
	case webrtc.MimeTypeVP8, webrtc.MimeTypeVP9, webrtc.MimeTypeH264:
		return true
	}
	return false
}

// keyFrame reports whether an RTP payload of the codec starts a key
// frame. Codecs it cannot read (keyFrames false) switch at any packet.
func keyFrame(mime string, payload []byte) bool {
	switch mime {
	case webrtc.MimeTypeVP8:
		var p codecs.VP8Packet
		body, err := p.Unmarshal(payload)
		// RFC 7741 §4.3: the first partition's start carries the frame
		// header, whose lowest bit is 0 for a key frame
		return err == nil && p.S == 1 && p.PID == 0 && len(body) > 0 && body[0]&1 == 0
	case webrtc.MimeTypeVP9:
		var p codecs.VP9Packet
		_, err := p.Unmarshal(payload)
		return err == nil && p.B && !p.P && p.SID == 0
	case webrtc.MimeTypeH264:
		return h264KeyFrame(payload)
	}
	return true
}

// h264KeyFrame reports whether an H.264 RTP payload (RFC 6184) carries an
// IDR slice or a sequence parameter set, which start a key frame.
func h264KeyFrame(b []byte) bool {
	const idr, sps, stapA, fuA = 5, 7, 24, 28
	if len(b) == 0 {
		return false
	}
	switch b[0] & 0x1f {
	case idr, sps:
		return true
	case stapA:
		for b = b[1:]; len(b) > 2; {
			n := int(b[0])<<8 | int(b[1])
			if n == 0 || len(b) < 2+n {
				return false
			}
			if t := b[2] & 0x1f; t == idr || t == sps {
				return true
			}
			b = b[2+n:]
		}
	case fuA:
		return len(b) > 1 && b[1]&0x80 != 0 && (b[1]&0x1f == idr || b[1]&0x1f == sps)
	}
	return false
}
