package sfu

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// A subscription switching layers sends one stream: the new layer starts
// at its key frame with the next sequence number, a late packet of the new
// layer from before the switch is not sent under a number the old layer's
// packets had, and the publisher's header extensions are not passed on
// where the subscriber has no id for them.
func TestSubscriptionSwitch(t *testing.T) {
	now := time.Now()
	lo, hi := &layer{order: 0}, &layer{order: 1}
	for _, l := range []*layer{lo, hi} {
		l.last.Store(now.UnixNano())
	}
	pub := &published{codec: webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}},
		kind: webrtc.RTPCodecTypeVideo, layers: []*layer{lo, hi}}
	var out []rtp.Packet
	s := newSubscription(pub, nil, func(p *rtp.Packet) error {
		out = append(out, *p)
		return nil
	})
	s.want = lo
	vp8 := func(key bool) []byte {
		if key {
			return []byte{0x10, 0x00, 0x9d}
		}
		return []byte{0x10, 0x01, 0x9d}
	}
	send := func(l *layer, seq uint16, ts uint32, key bool) {
		p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts}, Payload: vp8(key)}
		_ = p.SetExtension(5, []byte{0x01}) // the publisher's, say its transport-wide sequence number
		s.forward(pub, l, p, now)
		now = now.Add(20 * time.Millisecond)
	}
	for i := range uint16(5) {
		send(lo, 100+i, 9000+uint32(i)*1800, i == 0)
	}
	s.want = hi
	send(hi, 4990, 500, false) // not a key frame: the low layer goes on
	send(lo, 105, 18000, false)
	send(hi, 5000, 3600, true) // the switch
	send(lo, 106, 19800, false)
	send(hi, 4999, 1800, false) // a late repair from before the switch
	send(hi, 5001, 5400, false)
	var seqs []uint16
	for _, p := range out {
		seqs = append(seqs, p.SequenceNumber)
		if p.Extension || len(p.Extensions) > 0 {
			t.Errorf("packet %d carries the publisher's header extensions", p.SequenceNumber)
		}
	}
	want := []uint16{100, 101, 102, 103, 104, 105, 106, 107}
	if len(seqs) != len(want) {
		t.Fatalf("sent %v, want %v", seqs, want)
	}
	for i := range want {
		if seqs[i] != want[i] {
			t.Fatalf("sent %v, want %v", seqs, want)
		}
	}
	if d := int32(out[6].Timestamp - out[5].Timestamp); d <= 0 || d > 90000 {
		t.Errorf("the switch moved the timestamp by %d", d)
	}
	if d := out[7].Timestamp - out[6].Timestamp; d != 1800 {
		t.Errorf("after the switch the timestamps moved by %d, want the new layer's 1800", d)
	}
}
