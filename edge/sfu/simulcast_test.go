package sfu_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/edgedesk/edgedesk/edge/sfu"
)

// simulcaster publishes one VP8 source as three simulcast layers, as a
// browser does with sendEncodings: each layer a stream of its own (RID),
// its packets a VP8 payload descriptor, a frame header byte (key frame or
// not) and the layer's name, padded to the layer's size. The layers are
// listed highest first, against WebRTC's default order, so that the SFU
// must rank them by what they carry.
type simulcaster struct {
	*client
	on   map[string]*atomic.Bool // layer → sending
	rids []string
}

var layerSize = map[string]int{"f": 1000, "h": 400, "q": 100}

func newSimulcaster(t *testing.T, ice webrtc.ICEServer) *simulcaster {
	c := newClient(t, "publisher", ice)
	p := &simulcaster{client: c, on: map[string]*atomic.Bool{}, rids: []string{"f", "h", "q"}}
	var tracks []*webrtc.TrackLocalStaticRTP
	for _, rid := range p.rids {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "camera", "publisher", webrtc.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		tracks = append(tracks, tr)
		p.on[rid] = &atomic.Bool{}
		p.on[rid].Store(true)
	}
	sender, err := c.pc.AddTrack(tracks[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range tracks[1:] {
		if err := sender.AddEncoding(tr); err != nil {
			t.Fatal(err)
		}
	}
	var midID, ridID uint8
	for _, h := range sender.GetParameters().HeaderExtensions {
		switch h.URI {
		case sdp.SDESMidURI:
			midID = uint8(h.ID)
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(h.ID)
		}
	}
	for i, tr := range tracks {
		rid := p.rids[i]
		c.wg.Go(func() {
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, Timestamp: uint32(i) * 1_000_000_000,
				SequenceNumber: uint16(i * 20000)}, Payload: make([]byte, layerSize[rid])}
			for frame := 0; ; frame++ {
				select {
				case <-c.stop:
					return
				case <-tick.C:
				}
				if !p.on[rid].Load() {
					continue
				}
				mid := ""
				for _, tc := range c.pc.GetTransceivers() {
					if tc.Sender() == sender {
						mid = tc.Mid()
					}
				}
				if mid == "" {
					continue
				}
				pkt.SequenceNumber++
				pkt.Timestamp += 1800
				pkt.Payload[0] = 0x10 // S=1, partition 0
				pkt.Payload[1] = 0x01 // an inter frame…
				if frame%25 == 0 {
					pkt.Payload[1] = 0x00 // …or a key frame, twice a second
				}
				pkt.Payload[2] = rid[0]
				pkt.Header.Extensions = nil
				pkt.Header.Extension = false
				_ = pkt.Header.SetExtension(midID, []byte(mid))
				_ = pkt.Header.SetExtension(ridID, []byte(rid))
				_ = tr.WriteRTP(pkt)
			}
		})
	}
	return p
}

// viewer records the video packets a subscriber receives: their layer,
// sequence number, timestamp and whether each starts a key frame.
type viewer struct {
	*client
	mu   sync.Mutex
	got  []seen
	ssrc atomic.Uint32
}

type seen struct {
	layer byte
	seq   uint16
	ts    uint32
	key   bool
	at    time.Time
}

func newViewer(t *testing.T, name string, ice webrtc.ICEServer) *viewer {
	v := &viewer{client: newClient(t, name, ice)}
	v.seen = func(kind string, tr *webrtc.TrackRemote, pkt *rtp.Packet) {
		if kind != "video" || tr.StreamID() != "publisher" || len(pkt.Payload) < 3 {
			return
		}
		v.ssrc.Store(uint32(tr.SSRC()))
		v.mu.Lock()
		v.got = append(v.got, seen{pkt.Payload[2], pkt.SequenceNumber, pkt.Timestamp, pkt.Payload[1]&1 == 0, time.Now()})
		v.mu.Unlock()
	}
	return v
}

// layer is the layer of the last packet received (0 before any).
func (v *viewer) layer() byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.got) == 0 {
		return 0
	}
	return v.got[len(v.got)-1].layer
}

// since is what arrived after at.
func (v *viewer) since(at time.Time) []seen {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []seen
	for _, s := range v.got {
		if s.at.After(at) {
			out = append(out, s)
		}
	}
	return out
}

// checkStream fails when the packets do not look like one stream: every
// sequence number one more than the last, timestamps never going back,
// timestamps moving forward with the time, and each change of layer at a
// key frame.
func (v *viewer) checkStream(t *testing.T) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	for i := 1; i < len(v.got); i++ {
		a, b := v.got[i-1], v.got[i]
		if b.seq != a.seq+1 {
			t.Errorf("%s: sequence %d after %d (layers %c → %c)", v.name, b.seq, a.seq, a.layer, b.layer)
		}
		// forward, and by no more than the time that passed (give or
		// take half a second of network jitter)
		if d := int32(b.ts - a.ts); d <= 0 || float64(d) > b.at.Sub(a.at).Seconds()*90000+45000 {
			t.Errorf("%s: timestamp moved by %d in %v (layers %c → %c)", v.name, d, b.at.Sub(a.at), a.layer, b.layer)
		}
		if a.layer != b.layer && !b.key {
			t.Errorf("%s: switched from layer %c to %c on a delta frame", v.name, a.layer, b.layer)
		}
	}
}

// Each subscriber of a simulcast track gets the layer it wants, ranked by
// the bytes the layers carry whatever order the publisher lists them in;
// a subscriber reporting heavy loss is moved a layer down; a layer the
// publisher stops is replaced by the best one still sending; and every
// switch, at a key frame, continues one stream of sequence numbers and
// timestamps.
func TestSimulcastLayerPerSubscriber(t *testing.T) {
	s, _, ice := setup(t)
	pub := newSimulcaster(t, ice)
	small, big := newViewer(t, "small", ice), newViewer(t, "big", ice)
	pub.join(s, "simulcast", sfu.RoleCustomer)
	small.publish()
	small.join(s, "simulcast", sfu.RoleAgent)
	small.peer.SetVideo(sfu.VideoLow)
	big.publish()
	big.join(s, "simulcast", sfu.RoleSupervisor)
	defer func() {
		for _, c := range []*client{pub.client, small.client, big.client} {
			c.close()
			c.peer.Close()
		}
	}()

	waitFor(t, "the small tile gets the lowest layer", func() bool { return small.layer() == 'q' })
	waitFor(t, "the big one gets the highest", func() bool { return big.layer() == 'f' })
	at := time.Now()
	time.Sleep(time.Second)
	for _, c := range []struct {
		v     *viewer
		layer byte
	}{{small, 'q'}, {big, 'f'}} {
		got := c.v.since(at)
		if len(got) < 20 {
			t.Fatalf("%s: %d packets in a second", c.v.name, len(got))
		}
		for _, p := range got {
			if p.layer != c.layer {
				t.Fatalf("%s got a packet of layer %c, not only %c", c.v.name, p.layer, c.layer)
			}
		}
	}

	small.peer.SetVideo(sfu.VideoHigh)
	waitFor(t, "the small tile, enlarged, gets the highest layer", func() bool { return small.layer() == 'f' })

	// the big one reports half its packets lost
	for range 3 {
		if err := big.pc.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{SSRC: big.ssrc.Load(), FractionLost: 128}}}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitFor(t, "the lossy subscriber goes a layer down", func() bool { return big.layer() == 'h' })

	pub.on["f"].Store(false) // the publisher's bandwidth fell: it stops its highest layer
	waitFor(t, "the small tile falls back to the middle layer", func() bool { return small.layer() == 'h' })

	small.checkStream(t)
	big.checkStream(t)
}

// A speaker's audio level reaches the listener under the id the
// listener's connection gave the extension, whatever id the speaker's
// used; the speaker's other header extensions stay with the SFU.
func TestHeaderExtensionsAreRenumbered(t *testing.T) {
	s, _, ice := setup(t)
	api := func(first ...string) *webrtc.API {
		me := &webrtc.MediaEngine{}
		if err := me.RegisterDefaultCodecs(); err != nil {
			t.Fatal(err)
		}
		// ids follow the order extensions are registered in
		for _, uri := range append(first, sdp.AudioLevelURI) {
			if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: uri}, webrtc.RTPCodecTypeAudio); err != nil {
				t.Fatal(err)
			}
		}
		return webrtc.NewAPI(webrtc.WithMediaEngine(me))
	}
	speaker := newClientWith(t, "speaker", ice, api(sdp.TransportCCURI))
	listener := newClientWith(t, "listener", ice, api("urn:example:nothing", "urn:example:nothing-either"))
	var got atomic.Value
	listener.seen = func(kind string, tr *webrtc.TrackRemote, pkt *rtp.Packet) {
		if kind != "audio" {
			return
		}
		var ids []string
		for _, id := range pkt.GetExtensionIDs() {
			ids = append(ids, fmt.Sprintf("%d=%x", id, pkt.GetExtension(id)))
		}
		got.Store(strings.Join(ids, " "))
	}
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "voice", "speaker")
	if err != nil {
		t.Fatal(err)
	}
	sender, err := speaker.pc.AddTrack(tr)
	if err != nil {
		t.Fatal(err)
	}
	listener.publish()
	speaker.join(s, "levels", sfu.RoleCustomer)
	listener.join(s, "levels", sfu.RoleAgent)
	defer func() {
		for _, c := range []*client{speaker, listener} {
			c.close()
			c.peer.Close()
		}
	}()
	ids := map[string]uint8{}
	for _, h := range sender.GetParameters().HeaderExtensions {
		ids[h.URI] = uint8(h.ID)
	}
	speaker.wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2}, Payload: make([]byte, 40)}
		for {
			select {
			case <-speaker.stop:
				return
			case <-tick.C:
			}
			pkt.SequenceNumber++
			pkt.Timestamp += 960
			pkt.Extension, pkt.Extensions = false, nil
			_ = pkt.SetExtension(ids[sdp.AudioLevelURI], []byte{0x85}) // voice, -5 dBov
			_ = pkt.SetExtension(ids[sdp.TransportCCURI], []byte{0x00, 0x07})
			_ = tr.WriteRTP(pkt)
		}
	})
	var want string
	waitFor(t, "the listener gets the speaker's audio", func() bool {
		if want == "" {
			for _, tc := range listener.pc.GetTransceivers() {
				if r := tc.Receiver(); r != nil && tc.Kind() == webrtc.RTPCodecTypeAudio && r.Track() != nil && r.Track().StreamID() == "speaker" {
					for _, h := range r.GetParameters().HeaderExtensions {
						if h.URI == sdp.AudioLevelURI {
							want = fmt.Sprintf("%d=85", h.ID)
						}
					}
				}
			}
		}
		v, _ := got.Load().(string)
		return want != "" && v != ""
	})
	if ids[sdp.AudioLevelURI] == 0 || fmt.Sprintf("%d=85", ids[sdp.AudioLevelURI]) == want {
		t.Fatalf("the speaker's audio level id %d and the listener's (%s) are the same: the test shows nothing", ids[sdp.AudioLevelURI], want)
	}
	if v := got.Load().(string); v != want {
		t.Fatalf("the listener got header extensions %q, want only the audio level under its own id: %q", v, want)
	}
}
