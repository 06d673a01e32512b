package edge_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/edge/sfu"
	"github.com/edgedesk/edgedesk/internal/event"
)

// caller is a participant's browser, played by pion over the edge's
// WebSocket: it gets ICE servers from the edge, relays only through the
// edge's TURN server, publishes audio and video, and counts what it
// receives.
type caller struct {
	t     *testing.T
	ws    *client.Client
	pc    *webrtc.PeerConnection
	call  string
	got   sync.Map // kind → *atomic.Int64
	items chan *protocol.OutFrame
	// leaving: the caller hung up; the edge's last renegotiations may
	// reach a connection the edge already closed
	leaving atomic.Bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

func newCaller(t *testing.T, e *edgetest.Edge, ws *client.Client) *caller {
	t.Helper()
	resp, body := e.Get("/api/v1/ice-servers", ws.Welcome.Session.Token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ice-servers: %d %s", resp.StatusCode, body)
	}
	var ice gateway.ICEServers
	if err := json.Unmarshal(body, &ice); err != nil {
		t.Fatal(err)
	}
	var servers []webrtc.ICEServer
	for _, s := range ice.Servers {
		servers = append(servers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{ICEServers: servers, ICETransportPolicy: webrtc.ICETransportPolicyRelay})
	if err != nil {
		t.Fatal(err)
	}
	c := &caller{t: t, ws: ws, pc: pc, items: make(chan *protocol.OutFrame, 256), stop: make(chan struct{})}
	pc.OnTrack(func(tr *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
		go func() { // the edge's sender reports, echoed in the receiver reports the round trip is measured from
			for {
				if _, _, err := receiver.ReadRTCP(); err != nil {
					return
				}
			}
		}()
		n, _ := c.got.LoadOrStore(tr.Kind().String(), &atomic.Int64{})
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			n.(*atomic.Int64).Add(1)
		}
	})
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil && c.call != "" {
			init := protocol.ICECandidate(cand.ToJSON())
			c.ws.Send(&gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallSignal, Call: c.call,
				Signal: &protocol.Signal{Type: "candidate", Candidate: &init}})
		}
	})
	for _, k := range []struct {
		mime, kind string
		d          time.Duration
	}{{webrtc.MimeTypeOpus, "audio", 20 * time.Millisecond}, {webrtc.MimeTypeVP8, "video", 33 * time.Millisecond}} {
		tr, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: k.mime}, k.kind, "me")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pc.AddTrack(tr); err != nil {
			t.Fatal(err)
		}
		c.wg.Go(func() {
			tick := time.NewTicker(k.d)
			defer tick.Stop()
			for {
				select {
				case <-c.stop:
					return
				case <-tick.C:
					_ = tr.WriteSample(media.Sample{Data: make([]byte, 200), Duration: k.d})
				}
			}
		})
	}
	c.wg.Go(c.read)
	return c
}

// read applies the edge's call_signal frames and passes event frames on.
func (c *caller) read() {
	for {
		select {
		case <-c.stop:
			return
		case f, ok := <-c.ws.Events():
			if !ok {
				return
			}
			switch {
			case f.Type == gateway.OutCallSignal && f.Signal != nil:
				c.apply(*f.Signal)
			case f.Type == gateway.OutEvent:
				select {
				case c.items <- f:
				default:
				}
			}
		}
	}
}

func (c *caller) apply(sig protocol.Signal) {
	if err := applySignal(c.pc, c.ws, c.call, sig); err != nil && !c.leaving.Load() {
		c.t.Errorf("%s applying the edge's %s: %v", c.ws.Welcome.Session.Role, sig.Type, err)
	}
}

// applySignal applies the edge's signal for a call to pc, answering an
// offer over ws.
func applySignal(pc *webrtc.PeerConnection, ws *client.Client, call string, sig protocol.Signal) error {
	switch sig.Type {
	case "answer":
		return pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sig.SDP})
	case "offer":
		if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sig.SDP}); err != nil {
			return err
		}
		a, err := pc.CreateAnswer(nil)
		if err == nil {
			err = pc.SetLocalDescription(a)
		}
		if err == nil {
			err = ws.Send(&gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallSignal, Call: call,
				Signal: &protocol.Signal{Type: "answer", SDP: a.SDP}})
		}
		return err
	case "candidate":
		if sig.Candidate != nil {
			return pc.AddICECandidate(webrtc.ICECandidateInit(*sig.Candidate))
		}
	}
	return nil
}

// enter starts (conv != "") or joins the call, then offers its tracks.
func (c *caller) enter(ctx context.Context, conv, call string) {
	c.t.Helper()
	f := &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallStart, Conv: conv}
	if call != "" {
		f = &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallJoin, Call: call}
	}
	ack, err := c.ws.Request(ctx, f)
	if err != nil || ack.Call == "" {
		c.t.Fatalf("call %s: %+v %v", f.Op, ack, err)
	}
	c.call = ack.Call
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.pc.SetLocalDescription(offer); err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.ws.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallSignal, Call: c.call,
		Signal: &protocol.Signal{Type: "offer", SDP: offer.SDP}}); err != nil {
		c.t.Fatal(err)
	}
}

func (c *caller) received(kind string) int64 {
	if n, ok := c.got.Load(kind); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

// item waits for a call item of the given status.
func (c *caller) item(status string) *protocol.OutFrame {
	c.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case f := <-c.items:
			if f.Item != nil && f.Item.Kind == "call" && f.Item.Status == status {
				return f
			}
		case <-timeout:
			c.t.Fatalf("no call %s item", status)
		}
	}
}

func (c *caller) close() {
	close(c.stop)
	c.wg.Wait()
	c.pc.Close()
}

// A visitor calls from their conversation; an agent sees the call start
// and joins; each, relaying only through the edge's TURN server, receives
// the other's audio and video through the edge's SFU. Hanging up ends the
// call, and both see it end with its duration.
func TestCallThroughTheEdge(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.TURN.Addr = "127.0.0.1:0"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e := edgetest.Start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// the tenant records its calls
	if _, err := e.Journal().Append(ctx, &event.Event{Kind: event.KindTenantUpserted, Tenant: edge.DemoTenant,
		Actor:      event.Actor{Kind: event.ActorSystem, ID: "test"},
		TenantInfo: &event.Tenant{ID: edge.DemoTenant, Name: "Demo Shop", Residency: edge.DemoResidency, RecordCalls: true}}); err != nil {
		t.Fatal(err)
	}
	agentWS := e.Agent("alice@demo.test", "")
	visitorWS := e.Visitor()
	ack, err := visitorWS.Start(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	customer, agent := newCaller(t, e, visitorWS), newCaller(t, e, agentWS)
	customer.enter(ctx, ack.Conv, "")
	started := agent.item("started")
	if started.Item.Call == nil || started.Item.Call.ID != customer.call || started.Item.Call.Role != "customer" || !started.Item.Call.Recorded {
		t.Fatalf("the agent saw %+v", started.Item)
	}
	agent.enter(ctx, "", started.Item.Call.ID)
	for _, c := range []*caller{customer, agent} {
		for _, kind := range []string{"audio", "video"} {
			for deadline := time.Now().Add(30 * time.Second); c.received(kind) < 20; time.Sleep(50 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%s packets: %d, want 20", kind, c.received(kind))
				}
			}
		}
	}
	// refused: a signal from outside the call, an unknown call, a role not theirs
	other := e.Visitor()
	for _, f := range []*gateway.InFrame{
		{Type: gateway.TypeCall, Op: gateway.CallSignal, Call: customer.call, Signal: &protocol.Signal{Type: "offer", SDP: "x"}},
		{Type: gateway.TypeCall, Op: gateway.CallJoin, Call: "nope"},
		{Type: gateway.TypeCall, Op: gateway.CallJoin, Call: customer.call},
	} {
		if _, err := other.Request(ctx, f); err == nil {
			t.Errorf("%s by another visitor was accepted", f.Op)
		}
	}
	// the video wanted of simulcast tracks: a level, nothing else
	if _, err := agentWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallVideo, Call: customer.call, Video: "low"}); err != nil {
		t.Errorf("video low: %v", err)
	}
	if _, err := agentWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallVideo, Call: customer.call, Video: "8k"}); err == nil {
		t.Error("video 8k was accepted")
	}
	// an admin listens in as a supervisor; another agent may not
	sup := e.Agent("alice@demo.test", "")
	if r, err := sup.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallJoin, Call: customer.call, Role: "supervisor"}); err != nil || r.Call != customer.call {
		t.Fatalf("an admin joining as supervisor: %+v %v", r, err)
	}
	if _, err := sup.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallLeave, Call: customer.call}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Agent("bob@demo.test", "").Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallJoin, Call: customer.call, Role: "supervisor"}); err == nil {
		t.Error("an agent who is no admin joined as supervisor")
	}
	if _, err := visitorWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallStart, Conv: ack.Conv}); err == nil {
		t.Error("a second call in a conversation with one going on was started")
	}
	if _, err := agentWS.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallSignal, Call: customer.call,
		Signal: &protocol.Signal{Type: "offer", SDP: "not sdp"}}); err == nil {
		t.Error("a malformed offer was accepted")
	}

	for _, c := range []*caller{customer, agent} {
		c.leaving.Store(true) // the first to hang up ends the call for both
	}
	for _, c := range []*caller{customer, agent} {
		if _, err := c.ws.Request(ctx, &gateway.InFrame{Type: gateway.TypeCall, Op: gateway.CallLeave, Call: c.call}); err != nil {
			t.Fatal(err)
		}
	}
	ended := customer.item("ended")
	if ended.Item.Call.Duration <= 0 || ended.Item.Call.Reason != "hung up" {
		t.Fatalf("the call ended as %+v", ended.Item.Call)
	}
	// the quality summary: the edge received both participants' media
	if q := ended.Item.Call; q.PacketsReceived < 80 || q.PacketsLost < 0 || q.JitterMS < 0 {
		t.Fatalf("the call's quality summary: %+v", q)
	}
	t.Logf("call.ended: %d ms, %d packets received, %d lost, jitter %.1f ms, round trip %.1f ms",
		ended.Item.Call.Duration, ended.Item.Call.PacketsReceived, ended.Item.Call.PacketsLost, ended.Item.Call.JitterMS, ended.Item.Call.RTTMS)
	for _, c := range []*caller{customer, agent} {
		c.close()
	}
	checkRecording(ctx, t, e, customer.call)
}

// checkRecording fetches a call's recording as its tenant's admin: the
// customer's and the agent's audio and video (the supervisor, muted, is
// not in it). Another agent, a customer and a file outside the manifest
// are refused.
func checkRecording(ctx context.Context, t *testing.T, e *edgetest.Edge, call string) {
	t.Helper()
	admin, err := client.Login(ctx, e.URL, "alice@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/calls/" + call + "/recording"
	var m sfu.Manifest
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, body := e.Get(path, admin)
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the recording's manifest: %d %s", resp.StatusCode, body)
		}
	}
	roles := map[string]bool{}
	for _, tr := range m.Tracks {
		roles[string(tr.Role)+"/"+tr.Kind] = true
	}
	if len(m.Tracks) != 4 || !roles["customer/audio"] || !roles["customer/video"] || !roles["agent/audio"] || !roles["agent/video"] {
		t.Fatalf("the recording holds %+v", m.Tracks)
	}
	for _, tr := range m.Tracks {
		resp, body := e.Get(path+"/"+tr.File, admin)
		magic := map[string]string{"audio": "OggS", "video": "DKIF"}[tr.Kind]
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), magic) || len(body) < 1000 {
			t.Fatalf("%s: %d, %d bytes starting %q", tr.File, resp.StatusCode, len(body), body[:min(len(body), 4)])
		}
	}
	bob, err := client.Login(ctx, e.URL, "bob@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, token string
		want        int
	}{
		{path, bob, http.StatusForbidden},
		{path, "", http.StatusUnauthorized},
		{path + "/" + sfu.ManifestFile, admin, http.StatusNotFound},
		{path + "/..%2F..%2Fdemo-secret", admin, http.StatusNotFound},
		{"/api/v1/calls/nope/recording", admin, http.StatusNotFound},
	} {
		if resp, body := e.Get(c.path, c.token); resp.StatusCode != c.want {
			t.Errorf("GET %s: %d %s, want %d", c.path, resp.StatusCode, body, c.want)
		}
	}
}
