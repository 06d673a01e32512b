package plugin_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/grafana-plugin/pkg/plugin"
	"github.com/edgedesk/edgedesk/hub"
	"github.com/edgedesk/edgedesk/hub/hubtest"
)

// linked is a dev edge enrolled with h in region.
func linked(t *testing.T, h *hubtest.Hub, name, region string) config.Config {
	t.Helper()
	cfg := edgetest.Config(t)
	cfg.Node.ID, cfg.Node.Region = name, region
	cfg.Hub.Addr, cfg.Hub.EnrollTokenFile = h.QUICAddr(), h.DevToken()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// datasource is the data source as Grafana makes it for the hub.
func datasource(t *testing.T, h *hubtest.Hub, token string) *plugin.Datasource {
	t.Helper()
	settings, _ := json.Marshal(plugin.Settings{URL: "http://" + h.HTTPAddr()})
	inst, err := plugin.NewDatasource(context.Background(), backend.DataSourceInstanceSettings{
		JSONData: settings, DecryptedSecureJSONData: map[string]string{"token": token}})
	if err != nil {
		t.Fatal(err)
	}
	return inst.(*plugin.Datasource)
}

// packets records what a stream sends.
type packets struct {
	mu  sync.Mutex
	got []json.RawMessage
}

func (p *packets) Send(pkt *backend.StreamPacket) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, pkt.Data)
	return nil
}

// The data source against a real hub fed by a real edge: the health check
// passes with the admin token and fails without, a query answers the
// first response time of the edge's region as a series with a label, the
// volume and the customer's rating come back too, and the live stream
// sends the customer still waiting.
func TestDatasourceAgainstTheHub(t *testing.T) {
	h := hubtest.Start(t)
	e := edgetest.Start(t, linked(t, h, "eu-1", "eu"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	visitor, agent := e.Visitor(), e.Agent("alice@demo.test", "all")
	ack, err := visitor.Start(ctx, "first")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := visitor.Message(ctx, ack.Conv, "q", "Where is my parcel?"); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Message(ctx, ack.Conv, "a", "On its way."); err != nil {
		t.Fatal(err)
	}
	// resolved, and rated 5 by the customer
	if _, err := agent.Request(ctx, &gateway.InFrame{Type: gateway.TypeStatus, Conv: ack.Conv, Status: "resolved"}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := visitor.Request(ctx, &gateway.InFrame{Type: gateway.TypeRate, Conv: ack.Conv, Score: 5}); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("rating the resolved conversation: %v", err)
		}
	}
	waiting := e.Visitor()
	ack2, err := waiting.Start(ctx, "second")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := waiting.Message(ctx, ack2.Conv, "q", "Anyone?"); err != nil {
		t.Fatal(err)
	}
	seq, err := e.Node.Bus().LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.WaitSynced(e.Config.Node.ID, seq, time.Minute); err != nil {
		t.Fatal(err)
	}
	token, err := os.ReadFile(hub.AdminTokenPath(h.Config.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	ds := datasource(t, h, strings.TrimSpace(string(token)))

	health, err := ds.CheckHealth(ctx, &backend.CheckHealthRequest{})
	if err != nil || health.Status != backend.HealthStatusOk || !strings.Contains(health.Message, "1 edges, 1 connected") {
		t.Fatalf("health: %+v %v", health, err)
	}
	if bad, _ := datasource(t, h, "not-the-token").CheckHealth(ctx, &backend.CheckHealthRequest{}); bad.Status != backend.HealthStatusError ||
		!strings.Contains(bad.Message, "refused the token") {
		t.Fatalf("health with a wrong token: %+v", bad)
	}

	query := func(model string) backend.DataResponse {
		resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", JSON: json.RawMessage(model),
			TimeRange: backend.TimeRange{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Minute)}}}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Responses["A"]
	}
	var p50 *data.Field
	for deadline := time.Now().Add(10 * time.Second); p50 == nil; time.Sleep(100 * time.Millisecond) {
		r := query(`{"tenant":"demo","measure":"first_response"}`)
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		if len(r.Frames) == 1 {
			if f, _ := r.Frames[0].FieldByName("p50"); f != nil {
				p50 = f
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no p50 series: %+v", r.Frames)
		}
	}
	if p50.Labels["region"] != "eu" || p50.Len() != 1 {
		t.Fatalf("p50 series %v with %d points, want region eu and the one hour", p50.Labels, p50.Len())
	}
	if v, ok := p50.ConcreteAt(0); !ok || v.(float64) <= 0 {
		t.Fatalf("p50 = %v", v)
	}
	fr := query(`{"tenant":"demo","measure":"first_response"}`)
	if f, _ := fr.Frames[0].FieldByName("breach_rate"); f == nil || f.Config.Unit != "percentunit" {
		t.Fatalf("no breach rate series: %+v", fr.Frames[0].Fields)
	} else if v, ok := f.ConcreteAt(0); !ok || v.(float64) != 0 {
		t.Fatalf("breach rate %v, want 0: the tenant has no SLA", v)
	}
	vol := query(`{"tenant":"demo","measure":"volume"}`)
	if vol.Error != nil || len(vol.Frames) != 1 {
		t.Fatalf("volume: %+v", vol)
	}
	opened, _ := vol.Frames[0].FieldByName("opened")
	var sum float64
	for i := 0; opened != nil && i < opened.Len(); i++ {
		if v, ok := opened.ConcreteAt(i); ok {
			sum += v.(float64)
		}
	}
	if opened == nil || opened.Labels["region"] != "eu" || sum != 2 {
		t.Fatalf("the volume's opened series: %v, %v conversations; want eu and 2", opened, sum)
	}
	byAgent := query(`{"tenant":"demo","measure":"first_response","groupBy":"agent","interval":"24h","region":"eu"}`)
	if byAgent.Error != nil || len(byAgent.Frames) != 1 {
		t.Fatalf("by agent: %+v", byAgent)
	}
	if f, _ := byAgent.Frames[0].FieldByName("count"); f == nil || f.Labels["agent"] != "agent-alice" {
		t.Fatalf("the first responses by agent: %v", f)
	}
	csat := query(`{"tenant":"demo","measure":"csat"}`)
	if csat.Error != nil || len(csat.Frames) != 1 {
		t.Fatalf("csat: %+v", csat)
	}
	if f, _ := csat.Frames[0].FieldByName("satisfied"); f == nil || f.Labels["region"] != "eu" || f.Len() != 1 {
		t.Fatalf("the satisfied series: %v", f)
	} else if v, _ := f.ConcreteAt(0); v.(float64) != 1 {
		t.Fatalf("satisfied %v, want 1 (one rating of 5)", v)
	}
	if r := query(`{"measure":"first_response"}`); r.Error == nil || r.Status != backend.StatusBadRequest {
		t.Errorf("a query without a tenant: %+v", r)
	}
	if r := query(`{"tenant":"demo","measure":"vibes"}`); r.Error == nil || !strings.Contains(r.Error.Error(), "measure") {
		t.Errorf("a query of an unknown measure: %+v", r)
	}

	sub, _ := ds.SubscribeStream(ctx, &backend.SubscribeStreamRequest{Path: "queue/demo"})
	if sub.Status != backend.SubscribeStreamStatusOK {
		t.Fatalf("subscribe: %+v", sub)
	}
	if sub, _ := ds.SubscribeStream(ctx, &backend.SubscribeStreamRequest{Path: "elsewhere"}); sub.Status != backend.SubscribeStreamStatusNotFound {
		t.Errorf("a stream of no queue: %+v", sub)
	}
	got := &packets{}
	sctx, stop := context.WithTimeout(ctx, 3*time.Second)
	defer stop()
	if err := ds.RunStream(sctx, &backend.RunStreamRequest{Path: "queue/demo"}, backend.NewStreamSender(got)); err != nil {
		t.Fatal(err)
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	if len(got.got) < 2 {
		t.Fatalf("%d live frames in 3 s, want one a second", len(got.got))
	}
	var frame data.Frame
	if err := json.Unmarshal(got.got[len(got.got)-1], &frame); err != nil {
		t.Fatal(err)
	}
	f, _ := frame.FieldByName("waiting eu")
	if f == nil || f.Labels["region"] != "eu" {
		t.Fatalf("the live frame: %+v", frame.Fields)
	}
	if v, _ := f.ConcreteAt(0); v.(int64) != 1 {
		t.Fatalf("%v customers waiting, want 1", v)
	}
	for _, want := range []struct {
		name string
		v    int64
	}{{"online eu", 1}, {"busy eu", 1}, {"away eu", 0}} { // alice, serving the second customer
		f, _ := frame.FieldByName(want.name)
		if f == nil {
			t.Fatalf("the live frame has no %q: %+v", want.name, frame.Fields)
		}
		if v, _ := f.ConcreteAt(0); v.(int64) != want.v {
			t.Fatalf("%s: %v, want %d", want.name, v, want.v)
		}
	}
	queueBoardInChromium(t, got.got[len(got.got)-1])
}

// queueBoardInChromium has chromium render the queue board panel with a
// live frame the backend made (e2e/panel.mjs), which checks that region
// eu shows the one customer waiting and the longest wait; the picture
// goes to SCREENSHOT_DIR (make screenshots: docs/img).
func queueBoardInChromium(t *testing.T, frame json.RawMessage) {
	t.Helper()
	for _, need := range []string{"../../node_modules/playwright-core", "../../dist-harness/index.html"} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s is missing: run `make grafana` (make test does) to install the npm packages and build the panel's test page", need)
		}
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no chromium at %s: `make test` installs Debian's (apt-get install chromium), or set CHROMIUM", chromium)
	}
	frames := filepath.Join(t.TempDir(), "frames.json")
	if err := os.WriteFile(frames, append(append([]byte("["), frame...), ']'), 0o600); err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("SCREENSHOT_DIR")
	if shots == "" {
		shots = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/panel.mjs")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "FRAMES="+frames, "CHROMIUM="+chromium, "SCREENSHOT="+filepath.Join(shots, "grafana-queue-board.png"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the queue board in chromium: %v\n%s", err, out)
	}
}
