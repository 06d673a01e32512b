package edge_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// BenchmarkCallsOnTheEdge holds N concurrent 1:1 calls through an edge
// running as a process of its own (`edge --dev`), signalled over its
// WebSocket like the widget and the console do. Each participant
// publishes a 500 kbps video track (56 packets/s of 1,100 bytes) and an
// audio track (50 packets/s of 100 bytes) of synthetic RTP carrying its
// send time, and receives the other's. For 10 s it measures loss, the
// latency each packet gained, and the edge process's CPU (from /proc), so
// the CPU per forwarded track is the edge's own. The participants run in
// the benchmark's process on the same machine, which shares its cores
// with the edge.
//
//	go test -run '^$' -bench CallsOnTheEdge -benchtime 1x ./edge
func BenchmarkCallsOnTheEdge(b *testing.B) {
	api := loopbackAPI(b)
	for _, mode := range []struct {
		name string
		args []string
	}{{"ports", nil}, {"mux", []string{"--media", "127.0.0.1:0"}}} {
		b.Run(mode.name, func(b *testing.B) {
			url, pid := startEdgeProcess(b, mode.args...)
			for _, calls := range []int{25, 50, 100} {
				b.Run(fmt.Sprintf("calls=%d", calls), func(b *testing.B) { edgeCalls(b, url, pid, api, calls) })
			}
		})
	}
}

// startEdgeProcess builds and starts `edge --dev` on loopback, with args.
func startEdgeProcess(b *testing.B, args ...string) (string, int) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "edge")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/edge").CombinedOutput(); err != nil {
		b.Fatalf("build edge: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	args = append([]string{"--dev", "--data", filepath.Join(dir, "data"), "--http", addr, "--log-level", "warn"}, args...)
	if a := os.Getenv("EDGEDESK_BENCH_PPROF"); a != "" { // to profile the edge while it forwards
		args = append(args, "--pprof", a)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cancel(); cmd.Wait() })
	url := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get(url + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatal("the edge did not become ready")
		}
	}
	return url, cmd.Process.Pid
}

func loopbackAPI(b *testing.B) *webrtc.API {
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

// participant is one side of a benchmark call.
type participant struct {
	pc           *webrtc.PeerConnection
	ws           *client.Client
	call         string
	video, audio *webrtc.TrackLocalStaticRTP
	sent, got    atomic.Int64
	mu           sync.Mutex
	delays       []time.Duration
}

func newParticipant(b *testing.B, api *webrtc.API, ws *client.Client) *participant {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	p := &participant{pc: pc, ws: ws}
	p.video, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "video", "p")
	p.audio, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "audio", "p")
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
			if len(pkt.Payload) >= 8 {
				d := time.Since(time.Unix(0, int64(binary.BigEndian.Uint64(pkt.Payload))))
				p.got.Add(1)
				p.mu.Lock()
				p.delays = append(p.delays, d)
				p.mu.Unlock()
			}
		}
	})
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil && p.call != "" {
			init := protocol.ICECandidate(c.ToJSON())
			p.ws.Send(&gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallSignal, Call: p.call, Signal: &protocol.Signal{Type: "candidate", Candidate: &init}})
		}
	})
	return p
}

// offer sends the participant's offer for its call.
func (p *participant) offer(b *testing.B) {
	offer, err := p.pc.CreateOffer(nil)
	if err == nil {
		err = p.pc.SetLocalDescription(offer)
	}
	if err != nil {
		b.Fatal(err)
	}
	p.ws.Send(&gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallSignal, Call: p.call, Signal: &protocol.Signal{Type: "offer", SDP: offer.SDP}})
}

// publish writes RTP until stop, each payload starting with its send time.
func (p *participant) publish(stop <-chan struct{}, wg *sync.WaitGroup) {
	for _, t := range []struct {
		track *webrtc.TrackLocalStaticRTP
		every time.Duration
		size  int
	}{{p.video, time.Second / 56, 1100}, {p.audio, 20 * time.Millisecond, 100}} {
		wg.Go(func() {
			tick := time.NewTicker(t.every)
			defer tick.Stop()
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 1}, Payload: make([]byte, t.size)}
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

// route delivers a connection's call_signal frames to its participants
// (parts: call id → participant).
func route(ws *client.Client, parts *sync.Map) {
	for f := range ws.Events() {
		if f.Type == gateway.OutCallSignal && f.Signal != nil {
			if v, ok := parts.Load(f.Call); ok {
				p := v.(*participant)
				_ = applySignal(p.pc, p.ws, p.call, *f.Signal)
			}
		}
	}
}

// processCPU is a process's CPU time, from /proc/PID/stat (user + system
// ticks of 10 ms).
func processCPU(b *testing.B, pid int) time.Duration {
	f, err := os.Open(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	fields := strings.Fields(line[strings.LastIndexByte(line, ')')+2:])
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

func edgeCalls(b *testing.B, url string, pid int, api *webrtc.API, calls int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	token, err := client.Login(ctx, url, "alice@demo.test", edge.DemoPassword)
	if err != nil {
		b.Fatal(err)
	}
	type conn struct {
		ws    *client.Client
		parts *sync.Map
	}
	var conns []conn
	dial := func(h *client.Hello) conn {
		ws, err := client.Dial(ctx, url, h, client.Options{})
		if err != nil {
			b.Fatal(err)
		}
		c := conn{ws, &sync.Map{}}
		conns = append(conns, c)
		go route(ws, c.parts)
		return c
	}
	var peers []*participant
	defer func() {
		for _, p := range peers {
			p.pc.Close()
		}
		for _, c := range conns {
			c.ws.Close()
		}
	}()
	var agentConn conn
	for i := range calls {
		if i%4 == 0 { // a connection is in at most four calls
			agentConn = dial(&client.Hello{Token: token})
		}
		vc := dial(&client.Hello{Inbox: edge.DemoInbox})
		ack, err := vc.ws.Start(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}
		cust := newParticipant(b, api, vc.ws)
		ackCall, err := vc.ws.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallStart, Conv: ack.Conv})
		if err != nil {
			b.Fatal(err)
		}
		cust.call = ackCall.Call
		vc.parts.Store(cust.call, cust)
		cust.offer(b)
		agent := newParticipant(b, api, agentConn.ws)
		agent.call = cust.call
		agentConn.parts.Store(agent.call, agent)
		if _, err := agentConn.ws.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallJoin, Call: agent.call}); err != nil {
			b.Fatal(err)
		}
		agent.offer(b)
		peers = append(peers, cust, agent)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, p := range peers {
		p.publish(stop, &wg)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
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
			b.Fatalf("%d of %d participants receive media", ready, len(peers))
		}
	}
	time.Sleep(time.Second)
	for _, p := range peers {
		p.sent.Store(0)
		p.got.Store(0)
		p.mu.Lock()
		p.delays = p.delays[:0]
		p.mu.Unlock()
	}
	cpu0, t0 := processCPU(b, pid), time.Now()
	b.ResetTimer()
	time.Sleep(10 * time.Second)
	close(stop)
	wg.Wait()
	time.Sleep(300 * time.Millisecond)
	b.StopTimer()
	cpu, wall := processCPU(b, pid)-cpu0, time.Since(t0)
	var sent, got int64
	var delays []time.Duration
	for _, p := range peers {
		sent += p.sent.Load()
		got += p.got.Load()
		p.mu.Lock()
		delays = append(delays, p.delays...)
		p.mu.Unlock()
	}
	slices.Sort(delays)
	tracks := float64(4 * calls)
	b.ReportMetric(100*max(0, 1-float64(got)/float64(sent)), "loss-%")
	b.ReportMetric(100*float64(sent)/(float64(len(peers))*106*10), "sent-%")
	if len(delays) > 0 {
		b.ReportMetric(float64(delays[len(delays)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(delays[len(delays)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "edge-cores")
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds()/tracks, "edge-cpu-%-per-track")
	// leave the calls, so that the next size starts with an empty edge
	for _, p := range peers {
		p.ws.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallLeave, Call: p.call})
	}
}
