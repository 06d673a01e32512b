package sfu_test

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/edgedesk/edgedesk/edge/sfu"
)

// BenchmarkSFUCalls holds N concurrent 1:1 calls through one SFU: each
// participant publishes a 500 kbps video track (56 packets/s of 1,100
// bytes) and an audio track (50 packets/s of 100 bytes) of synthetic RTP
// whose payload carries its send time, and receives the other's. For 10 s
// it measures the packets lost and the latency each packet gained (send to
// receive, through the SFU, on loopback), and the CPU the process used
// per forwarded track. The participants' peers run in the same process
// and on the same 2 cores as the SFU, so the figures bound the SFU's own
// from below.
//
//	go test -run '^$' -bench SFUCalls -benchtime 1x ./edge/sfu
func BenchmarkSFUCalls(b *testing.B) {
	for _, calls := range []int{25, 50, 100, 200} {
		b.Run(fmt.Sprintf("calls=%d", calls), func(b *testing.B) { benchCalls(b, calls) })
	}
}

// benchPeer is one participant: its connection, its two published tracks
// and what it received.
type benchPeer struct {
	pc     *webrtc.PeerConnection
	peer   *sfu.Peer
	video  *webrtc.TrackLocalStaticRTP
	audio  *webrtc.TrackLocalStaticRTP
	sent   atomic.Int64
	got    atomic.Int64
	mu     sync.Mutex
	delays []time.Duration
	signal chan sfu.Signal
}

func benchAPI(b *testing.B) *webrtc.API {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		b.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		b.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
}

func newBenchPeer(b *testing.B, api *webrtc.API, s *sfu.SFU, room, id string) *benchPeer {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	p := &benchPeer{pc: pc, signal: make(chan sfu.Signal, 64)}
	if p.video, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "video", id); err != nil {
		b.Fatal(err)
	}
	if p.audio, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "audio", id); err != nil {
		b.Fatal(err)
	}
	for _, t := range []webrtc.TrackLocal{p.video, p.audio} {
		if _, err := pc.AddTrack(t); err != nil {
			b.Fatal(err)
		}
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if len(pkt.Payload) < 8 {
				continue
			}
			sent := time.Unix(0, int64(binary.BigEndian.Uint64(pkt.Payload)))
			p.got.Add(1)
			p.mu.Lock()
			p.delays = append(p.delays, time.Since(sent))
			p.mu.Unlock()
		}
	})
	if p.peer, err = s.Join(room, id, sfu.RoleCustomer, func(sig sfu.Signal) { p.signal <- sig }); err != nil {
		b.Fatal(err)
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			init := c.ToJSON()
			_ = p.peer.Signal(sfu.Signal{Type: "candidate", Candidate: &init})
		}
	})
	go func() {
		for sig := range p.signal {
			switch sig.Type {
			case "answer":
				_ = pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sig.SDP})
			case "offer":
				if pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sig.SDP}) == nil {
					if a, err := pc.CreateAnswer(nil); err == nil && pc.SetLocalDescription(a) == nil {
						_ = p.peer.Signal(sfu.Signal{Type: "answer", SDP: a.SDP})
					}
				}
			case "candidate":
				_ = pc.AddICECandidate(*sig.Candidate)
			}
		}
	}()
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		b.Fatal(err)
	}
	if err := p.peer.Signal(sfu.Signal{Type: "offer", SDP: offer.SDP}); err != nil {
		b.Fatal(err)
	}
	return p
}

// publish writes the participant's RTP until stop: video at 56 packets/s
// of 1,100 bytes, audio at 50 packets/s of 100 bytes, each payload
// starting with the send time.
func (p *benchPeer) publish(stop <-chan struct{}, wg *sync.WaitGroup) {
	for _, t := range []struct {
		track *webrtc.TrackLocalStaticRTP
		every time.Duration
		size  int
		pt    uint8
	}{{p.video, time.Second / 56, 1100, 96}, {p.audio, 20 * time.Millisecond, 100, 111}} {
		wg.Go(func() {
			tick := time.NewTicker(t.every)
			defer tick.Stop()
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: t.pt, SSRC: 1}, Payload: make([]byte, t.size)}
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					pkt.SequenceNumber++
					pkt.Timestamp += 3000
					binary.BigEndian.PutUint64(pkt.Payload, uint64(time.Now().UnixNano()))
					if t.track.WriteRTP(pkt) == nil {
						p.sent.Add(1)
					}
				}
			}
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchCalls(b *testing.B, calls int) {
	s, err := sfu.New(sfu.Config{Loopback: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	api := benchAPI(b)
	var peers []*benchPeer
	for i := range calls {
		room := fmt.Sprint("call-", i)
		peers = append(peers, newBenchPeer(b, api, s, room, "a"), newBenchPeer(b, api, s, room, "b"))
	}
	defer func() {
		for _, p := range peers {
			p.peer.Close()
			p.pc.Close()
			close(p.signal)
		}
	}()
	// every participant connected and receiving both of the other's tracks
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, p := range peers {
		p.publish(stop, &wg)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ready := 0
		for _, p := range peers {
			if p.got.Load() > 0 {
				ready++
			}
		}
		if ready == len(peers) {
			break
		}
		if time.Now().After(deadline) {
			close(stop)
			wg.Wait()
			b.Fatalf("%d of %d participants receive media after 60 s", ready, len(peers))
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // settle
	for _, p := range peers {
		p.sent.Store(0)
		p.got.Store(0)
		p.mu.Lock()
		p.delays = p.delays[:0]
		p.mu.Unlock()
	}
	cpu0, t0 := cpuTime(), time.Now()
	b.ResetTimer()
	time.Sleep(10 * time.Second)
	close(stop)
	wg.Wait()
	time.Sleep(300 * time.Millisecond) // what is in flight
	b.StopTimer()
	cpu, wall := cpuTime()-cpu0, time.Since(t0)
	var sent, got int64
	var delays []time.Duration
	for _, p := range peers {
		sent += p.sent.Load()
		p.mu.Lock()
		delays = append(delays, p.delays...)
		p.mu.Unlock()
	}
	// a participant receives what the other sent
	for _, p := range peers {
		got += p.got.Load()
	}
	slices.Sort(delays)
	loss := 1 - float64(got)/float64(sent)
	tracks := float64(4 * calls) // forwarded tracks: two each way per call
	b.ReportMetric(100*max(loss, 0), "loss-%")
	if len(delays) > 0 {
		b.ReportMetric(float64(delays[len(delays)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(delays[len(delays)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(float64(got)/wall.Seconds(), "pkts/s-out")
	// what the publishers managed to send, of 106 packets/s each: below
	// 100 % the process (publishers, SFU and subscribers) ran out of CPU
	b.ReportMetric(100*float64(sent)/(float64(len(peers))*106*10), "sent-%")
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds()/tracks, "cpu-%-per-track")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cores")
}
