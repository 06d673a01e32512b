package hub_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/hub"
	"github.com/edgedesk/edgedesk/hub/hubtest"
)

// An edge's conversations reach the hub's analytics: a customer waits,
// an agent answers, and the query API answers the first response time in
// the edge's region as an Arrow stream; after a restart (the table is in
// memory) the hub reads its logs into it again. Bad parameters are
// refused with what to give, and without the admin token nothing.
func TestAnalyticsQuery(t *testing.T) {
	h := hubtest.Start(t)
	e := edgetest.Start(t, linkedEdge(t, h, "eu-1", "eu"))
	ctx := ctxT(t)
	visitor, agent := e.Visitor(), e.Agent("alice@demo.test", "all")
	ack, err := visitor.Start(ctx, "first")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := visitor.Message(ctx, ack.Conv, "hello", "Where is my parcel?"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := agent.Message(ctx, ack.Conv, "answer", "On its way."); err != nil {
		t.Fatal(err)
	}
	waiting := e.Visitor() // a second customer nobody has answered yet
	ack2, err := waiting.Start(ctx, "second")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := waiting.Message(ctx, ack2.Conv, "hello", "Anyone there?"); err != nil {
		t.Fatal(err)
	}
	if err := h.WaitSynced(e.Config.Node.ID, lastSeq(t, e), time.Minute); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		var rows int64
		var p50 float64
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			rows, p50 = queryFirstResponse(t, h, "/api/v1/analytics/query?tenant=demo")
			if rows == 1 || time.Now().After(deadline) {
				break
			}
		}
		if rows != 1 || p50 < 50 || p50 > 60_000 {
			t.Fatalf("%s: %d first responses, median %.0f ms; want the one answer, after the 50 ms wait", what, rows, p50)
		}
	}
	check("live")
	// the volume: the two conversations in eu this hour
	// (a hub that starts holds its history before it is ready: no waiting)
	volume := func(what string, params ...string) {
		t.Helper()
		opened, dim, err := h.Opened("demo", strings.Join(params, ""))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if want := strings.TrimPrefix(strings.Join(params, ""), "&group_by="); len(params) > 0 && dim != want {
			t.Fatalf("%s: the answer's first column is %q, want %q", what, dim, want)
		}
		if opened != 2 {
			t.Fatalf("%s: the volume says %v conversations opened, want 2", what, opened)
		}
	}
	volume("live")
	volume("by channel", "&group_by=channel")
	// the live queue: the second customer waits in eu, where alice is
	// online (the edge says so within a second)
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		q := liveQueue(t, h, "/api/v1/analytics/live?tenant=demo")
		if len(q.Queue) == 1 && q.Queue[0].Region == "eu" && q.Queue[0].Waiting == 1 && q.Queue[0].LongestMS > 0 &&
			q.Queue[0].Agents != nil && *q.Queue[0].Agents == (hub.Agents{Online: 1, Busy: 1}) {
			break
		}
		if time.Now().After(deadline) {
			b, _ := json.Marshal(q)
			t.Fatalf("the live queue: %s, want one customer waiting in eu and alice online, busy", b)
		}
	}
	// alice steps away: within a second or two the board says so
	if _, err := agent.Request(ctx, &gateway.InFrame{Type: gateway.TypePresence, Presence: gateway.PresenceAway}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		q := liveQueue(t, h, "/api/v1/analytics/live?tenant=demo")
		if len(q.Queue) == 1 && q.Queue[0].Agents != nil && *q.Queue[0].Agents == (hub.Agents{Away: 1}) {
			break
		}
		if time.Now().After(deadline) {
			b, _ := json.Marshal(q)
			t.Fatalf("the live queue after alice stepped away: %s", b)
		}
	}
	if q := liveQueue(t, h, "/api/v1/analytics/live?tenant=acme"); len(q.Queue) != 0 {
		b, _ := json.Marshal(q)
		t.Fatalf("another tenant's live queue: %s, want no region: nobody of it waits or works anywhere", b)
	}
	h.Restart()
	check("after a restart")
	volume("after a restart")

	// rolled to Parquet every second and kept in memory for no time: the
	// figures come from the files, and a hub that starts again reads
	// them, then only the events after them from the logs
	h.Config.Analytics.Roll, h.Config.Analytics.Memory = time.Second, 0
	h.Restart()
	var files []string
	for deadline := time.Now().Add(20 * time.Second); len(files) == 0; time.Sleep(100 * time.Millisecond) {
		if files, _ = filepath.Glob(filepath.Join(h.Config.DataDir, "analytics", "events-*.parquet")); time.Now().After(deadline) {
			t.Fatal("no analytics segment was rolled in 20 s")
		}
	}
	time.Sleep(1100 * time.Millisecond) // evicted at the next tick
	if rows, _ := queryFirstResponse(t, h, "/api/v1/analytics/query?tenant=demo&group_by=region&interval=24h"); rows != 1 {
		t.Fatalf("measured again from the segment files: %d first responses, want 1", rows)
	}
	volume("from the segment files")
	h.Restart()
	check("after a restart from the segments")
	volume("after a restart from the segments")

	for _, c := range []struct{ path, want string }{
		{"/api/v1/analytics/query", "give tenant"},
		{"/api/v1/analytics/query?tenant=demo&measure=vibes", "measure:"},
		{"/api/v1/analytics/query?tenant=demo&from=yesterday", "from: an RFC 3339 time"},
		{"/api/v1/analytics/query?tenant=demo&from=2026-11-26T00:00:00Z&to=2026-11-25T00:00:00Z", "to must be after from"},
		{"/api/v1/analytics/live", "give tenant"},
		{"/api/v1/analytics/query?tenant=demo&measure=volume&ahead=9999", "ahead: the hours"},
		{"/api/v1/analytics/query?tenant=demo&measure=volume&group_by=agent", "measure=volume: hourly"},
		{"/api/v1/analytics/query?tenant=demo&measure=volume&interval=24h", "measure=volume: hourly"},
		{"/api/v1/analytics/query?tenant=demo&group_by=mood", "group_by: region, channel"},
		{"/api/v1/analytics/query?tenant=demo&interval=1s", "interval: a duration"},
		{"/api/v1/analytics/query?tenant=demo&measure=volume&from=1970-01-01T00:00:00Z", "at most 400 days apart"},
		{"/api/v1/analytics/query?tenant=demo&from=-100000000000000000", "at most 400 days apart"},
		{"/api/v1/analytics/query?tenant=demo&interval=1m&from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z", "at most 20000 intervals"},
		{"/api/v1/analytics/live?tenant=demo&every=1ms", "every: a duration"},
	} {
		resp, err := h.Get(c.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(b, []byte(c.want)) {
			t.Errorf("GET %s: %d %s, want 400 saying %q", c.path, resp.StatusCode, b, c.want)
		}
	}
	resp, err := http.Get("http://" + h.HTTPAddr() + "/api/v1/analytics/query?tenant=demo")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the admin token: %d, want 401", resp.StatusCode)
	}
}

// queryFirstResponse reads the answer's first responses in region eu.
func queryFirstResponse(t *testing.T, h *hubtest.Hub, path string) (int64, float64) {
	t.Helper()
	resp, err := h.Get(path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != hub.ArrowStream {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	r, err := ipc.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var n int64
	var p50 float64
	for r.Next() {
		rec := r.RecordBatch()
		region, count, median := rec.Column(0).(*array.String), rec.Column(2).(*array.Int64), rec.Column(3).(*array.Float64)
		for i := range int(rec.NumRows()) {
			if region.Value(i) == "eu" {
				n += count.Value(i)
				p50 = median.Value(i)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return n, p50
}

// liveQueue reads the first event of the live stream.
func liveQueue(t *testing.T, h *hubtest.Hub, path string) hub.LiveQueue {
	t.Helper()
	resp, err := h.Get(path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var q hub.LiveQueue
	if err := json.Unmarshal([]byte(strings.TrimPrefix(strings.TrimSpace(line), "data: ")), &q); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	return q
}
