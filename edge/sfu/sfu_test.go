package sfu_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"go.uber.org/goleak"

	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/edge/sfu"
	"github.com/edgedesk/edgedesk/turn"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var secret = []byte("the secret of the SFU's tests, 32")

// client is a participant's browser, played by pion: it publishes one
// audio and one video track of synthetic samples, counts the packets of
// every track it receives, and reaches the SFU only through the TURN
// server (ICE transport policy relay).
type client struct {
	t      *testing.T
	name   string
	pc     *webrtc.PeerConnection
	peer   *sfu.Peer
	mu     sync.Mutex
	got    map[string]*atomic.Int64 // track kind → packets received
	stop   chan struct{}
	wg     sync.WaitGroup
	signal chan sfu.Signal                                            // from the SFU, applied in order
	seen   func(kind string, tr *webrtc.TrackRemote, pkt *rtp.Packet) // when set, told of every packet received
}

func newClient(t *testing.T, name string, ice webrtc.ICEServer) *client {
	t.Helper()
	return newClientWith(t, name, ice, webrtc.NewAPI())
}

// newClientWith is newClient with a pion API of the test's (its codecs
// and header extensions).
func newClientWith(t *testing.T, name string, ice webrtc.ICEServer, api *webrtc.API) *client {
	t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: []webrtc.ICEServer{ice},
		ICETransportPolicy: webrtc.ICETransportPolicyRelay})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, name: name, pc: pc, got: map[string]*atomic.Int64{}, stop: make(chan struct{}),
		signal: make(chan sfu.Signal, 64)}
	pc.OnTrack(func(tr *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
		go func() { // as a browser does, read the SFU's reports: its round trip is measured from the echoes
			for {
				if _, _, err := receiver.ReadRTCP(); err != nil {
					return
				}
			}
		}()
		n := &atomic.Int64{}
		c.mu.Lock()
		c.got[tr.Kind().String()+"/"+tr.StreamID()] = n
		c.mu.Unlock()
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			n.Add(1)
			if c.seen != nil {
				c.seen(tr.Kind().String(), tr, pkt)
			}
		}
	})
	return c
}

// publish adds the client's tracks and writes samples until close.
func (c *client) publish() {
	c.t.Helper()
	for _, kind := range []struct {
		mime string
		kind string
		d    time.Duration
		size int
	}{{webrtc.MimeTypeOpus, "audio", 20 * time.Millisecond, 80}, {webrtc.MimeTypeVP8, "video", 33 * time.Millisecond, 1000}} {
		tr, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: kind.mime}, kind.kind, c.name)
		if err != nil {
			c.t.Fatal(err)
		}
		if _, err := c.pc.AddTrack(tr); err != nil {
			c.t.Fatal(err)
		}
		c.wg.Go(func() {
			tick := time.NewTicker(kind.d)
			defer tick.Stop()
			data := make([]byte, kind.size)
			for {
				select {
				case <-c.stop:
					return
				case <-tick.C:
					_ = tr.WriteSample(media.Sample{Data: data, Duration: kind.d})
				}
			}
		})
	}
}

// join connects the client to the SFU's room: its signals go to the
// peer, the SFU's come back through c.signal.
func (c *client) join(s *sfu.SFU, room string, role sfu.Role) {
	c.t.Helper()
	p, err := s.Join(room, c.name, role, func(sig sfu.Signal) { c.signal <- sig })
	if err != nil {
		c.t.Fatal(err)
	}
	c.peer = p
	c.pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			init := protocol.ICECandidate(cand.ToJSON())
			if err := p.Signal(sfu.Signal{Type: "candidate", Candidate: &init}); err != nil {
				c.t.Errorf("%s: candidate: %v", c.name, err)
			}
		}
	})
	c.wg.Go(func() {
		for {
			select {
			case <-c.stop:
				return
			case sig := <-c.signal:
				c.apply(sig)
			}
		}
	})
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.pc.SetLocalDescription(offer); err != nil {
		c.t.Fatal(err)
	}
	if err := p.Signal(sfu.Signal{Type: "offer", SDP: offer.SDP}); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) apply(sig sfu.Signal) {
	select {
	case <-c.stop:
		return // hanging up: the SFU's last renegotiations need no answer
	default:
	}
	switch sig.Type {
	case "answer":
		if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sig.SDP}); err != nil {
			c.t.Errorf("%s: answer: %v", c.name, err)
		}
	case "offer":
		if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sig.SDP}); err != nil {
			c.t.Errorf("%s: offer: %v", c.name, err)
			return
		}
		a, err := c.pc.CreateAnswer(nil)
		if err == nil {
			err = c.pc.SetLocalDescription(a)
		}
		if err == nil {
			err = c.peer.Signal(sfu.Signal{Type: "answer", SDP: a.SDP})
		}
		if err != nil {
			c.t.Errorf("%s: answering the SFU: %v", c.name, err)
		}
	case "candidate":
		if err := c.pc.AddICECandidate(webrtc.ICECandidateInit(*sig.Candidate)); err != nil {
			c.t.Errorf("%s: candidate: %v", c.name, err)
		}
	}
}

// received is the packets of the track kind published by from.
func (c *client) received(kind, from string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.got[kind+"/"+from]; n != nil {
		return n.Load()
	}
	return 0
}

func (c *client) close() {
	close(c.stop)
	c.wg.Wait()
	c.pc.Close()
}

// setup runs a TURN server (loopback peers allowed, as --dev does) and an
// SFU gathering loopback candidates, and returns the ICE server a client
// gets from the edge.
func setup(t *testing.T) (*sfu.SFU, *turn.Server, webrtc.ICEServer) {
	t.Helper()
	ts, err := turn.Start(context.Background(), turn.Config{Addr: "127.0.0.1:0", Secret: secret, Peers: turn.Peers{Loopback: true}, Sockets: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	s, err := sfu.New(sfu.Config{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	cr, err := turn.NewCredentials(secret, "demo.test", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return s, ts, webrtc.ICEServer{URLs: []string{fmt.Sprintf("turn:%s?transport=udp", ts.Addr())},
		Username: cr.Username, Credential: cr.Password}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A customer and an agent, each forced to relay through the edge's TURN
// server, call through the SFU: each receives the other's audio and video.
// A supervisor who joins later receives both, and is not heard until
// unmuted. When the customer leaves, the room ends with the last one.
func TestCallThroughTheSFU(t *testing.T) {
	s, ts, ice := setup(t)
	start := time.Now()
	customer, agent := newClient(t, "customer", ice), newClient(t, "agent", ice)
	customer.publish()
	agent.publish()
	customer.join(s, "call-1", sfu.RoleCustomer)
	agent.join(s, "call-1", sfu.RoleAgent)
	for _, c := range []struct {
		who  *client
		from string
	}{{customer, "agent"}, {agent, "customer"}} {
		for _, kind := range []string{"audio", "video"} {
			waitFor(t, fmt.Sprintf("%s gets 20 %s packets from %s", c.who.name, kind, c.from),
				func() bool { return c.who.received(kind, c.from) >= 20 })
		}
	}
	if ts.Allocations() < 2 {
		t.Fatalf("%d TURN allocations: the clients did not relay", ts.Allocations())
	}

	supervisor := newClient(t, "supervisor", ice)
	supervisor.publish()
	supervisor.join(s, "call-1", sfu.RoleSupervisor)
	for _, from := range []string{"customer", "agent"} {
		waitFor(t, "the supervisor hears "+from, func() bool { return supervisor.received("audio", from) >= 20 })
	}
	time.Sleep(time.Second)
	if n := customer.received("audio", "supervisor"); n != 0 {
		t.Fatalf("the customer heard %d packets of a muted supervisor", n)
	}
	supervisor.peer.SetMuted(false)
	waitFor(t, "the customer hears the unmuted supervisor", func() bool { return customer.received("audio", "supervisor") >= 20 })

	waitFor(t, "the customer has sent a report on what it receives", func() bool { return time.Since(start) > 3*time.Second })
	for _, c := range []*client{customer, agent, supervisor} {
		c.close()
		c.peer.Close()
	}
	waitFor(t, "the room ends", func() bool { return s.Rooms() == 0 })
	if q := customer.peer.Final(); q.RTTMS <= 0 || q.RTTMS > 500 || q.PacketsReceived < 40 {
		t.Errorf("the customer's quality summary: %+v, want a round trip measured on loopback", q)
	}
}

// Malformed signals are refused with a clear error, and the peer goes on.
func TestBadSignals(t *testing.T) {
	s, _, _ := setup(t)
	p, err := s.Join("call-2", "customer", sfu.RoleCustomer, func(sfu.Signal) {})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, sig := range []sfu.Signal{
		{Type: "offer", SDP: "v=0 this is not SDP"},
		{Type: "answer", SDP: "v=0"},
		{Type: "candidate"},
		{Type: "bye"},
	} {
		if err := p.Signal(sig); err == nil {
			t.Errorf("%+v accepted", sig)
		}
	}
	if _, err := s.Join("call-2", "customer", sfu.RoleCustomer, func(sfu.Signal) {}); err == nil {
		t.Error("the same participant joined twice")
	}
}

// A client's SDP is outside bytes: whatever it sends, the SFU answers it
// or refuses it with ErrSignal, and does not fall over.
func FuzzOfferSDP(f *testing.F) {
	s, err := sfu.New(sfu.Config{Loopback: true})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Add("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")
	f.Add("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\na=setup:actpass\r\n")
	f.Add("")
	f.Add("m=video 0\r\n")
	n := 0
	f.Fuzz(func(t *testing.T, sdp string) {
		n++
		p, err := s.Join("fuzz", fmt.Sprint("p", n), sfu.RoleCustomer, func(sfu.Signal) {})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := p.Signal(sfu.Signal{Type: "offer", SDP: sdp}); err != nil && !errors.Is(err, sfu.ErrSignal) {
			t.Fatalf("an offer was refused without ErrSignal: %v", err)
		}
	})
}

// With one UDP socket for every call (calls.media_addr), a call's media
// flows as it does with a port per connection.
func TestCallThroughOneUDPPort(t *testing.T) {
	_, _, ice := setup(t)
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := sfu.New(sfu.Config{Loopback: true, UDP: udp})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, b := newClient(t, "a", ice), newClient(t, "b", ice)
	a.publish()
	b.publish()
	a.join(s, "one-port", sfu.RoleCustomer)
	b.join(s, "one-port", sfu.RoleAgent)
	for _, c := range []struct {
		who  *client
		from string
	}{{a, "b"}, {b, "a"}} {
		waitFor(t, c.who.name+" gets video through the one port", func() bool { return c.who.received("video", c.from) >= 20 })
	}
	for _, c := range []*client{a, b} {
		c.close()
		c.peer.Close()
	}
}
