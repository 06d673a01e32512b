// Package hubtest starts real hubs for tests, on 127.0.0.1 with random
// ports, and checks that a hub holds exactly an edge's log.
package hubtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/hub"
	"github.com/edgedesk/edgedesk/internal/event"
)

// Hub is a running hub.
type Hub struct {
	*hub.Hub
	Config hub.Config
	t      testing.TB
	stop   context.CancelFunc
	done   chan error
}

// Start starts a --dev hub in a temporary directory and stops it when the
// test ends.
func Start(t testing.TB) *Hub {
	t.Helper()
	return StartIn(t, t.TempDir())
}

// StartIn starts a --dev hub on the data directory dir (which another hub
// may have written) and stops it when the test ends.
func StartIn(t testing.TB, dir string) *Hub {
	t.Helper()
	cfg := hub.Default()
	cfg.DataDir = dir
	cfg.HTTP, cfg.QUIC = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Dev = true
	h := &Hub{Config: cfg, t: t}
	h.start()
	// later starts keep the addresses edges were given
	h.Config.QUIC, h.Config.HTTP = h.QUICAddr(), h.HTTPAddr()
	t.Cleanup(h.Stop)
	return h
}

func (h *Hub) start() {
	h.t.Helper()
	lvl := slog.LevelWarn
	if os.Getenv("EDGEDESK_TEST_DEBUG") != "" {
		lvl = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(testWriter{h.t}, &slog.HandlerOptions{Level: lvl})).With("component", "hub")
	h.Hub = hub.New(h.Config, log)
	ctx, cancel := context.WithCancel(context.Background())
	h.stop, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.Run(ctx) }()
	select {
	case <-h.Ready():
	case err := <-h.done:
		h.stop = nil
		h.t.Fatalf("start hub: %v", err)
	case <-time.After(30 * time.Second):
		h.t.Fatal("the hub did not start in 30s")
	}
}

// Stop stops the hub; calling it twice is harmless.
func (h *Hub) Stop() {
	if h.stop == nil {
		return
	}
	h.stop()
	if err := <-h.done; err != nil {
		h.t.Errorf("hub stopped with %v", err)
	}
	h.stop = nil
}

// Restart stops the hub and starts it again on the same addresses and data.
func (h *Hub) Restart() {
	h.t.Helper()
	h.Stop()
	h.start()
}

// Opened asks the hub's analytics for the volume of a tenant (params:
// more of the query, e.g. "&group_by=channel") and returns the
// conversations opened over the range, and the answer's first column (its
// grouping).
func (h *Hub) Opened(tenant, params string) (float64, string, error) {
	resp, err := h.Get("/api/v1/analytics/query?tenant=" + tenant + "&measure=volume&ahead=0" + params)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return 0, "", fmt.Errorf("volume: %d %s", resp.StatusCode, b)
	}
	rd, err := ipc.NewReader(resp.Body)
	if err != nil {
		return 0, "", err
	}
	defer rd.Release()
	var opened float64
	for rd.Next() {
		col, ok := rd.RecordBatch().Column(2).(*array.Float64)
		if !ok {
			return 0, "", fmt.Errorf("volume: the opened column is a %s", rd.RecordBatch().Column(2).DataType())
		}
		for i := range col.Len() {
			if !col.IsNull(i) {
				opened += col.Value(i)
			}
		}
	}
	return opened, rd.Schema().Field(0).Name, rd.Err()
}

// DevToken is the path of the reusable dev enrolment token.
func (h *Hub) DevToken() string { return hub.DevTokenPath(h.Config.DataDir) }

// Get sends an authenticated GET to the hub's API.
func (h *Hub) Get(path string) (*http.Response, error) { return h.Do(http.MethodGet, path, "") }

// Do sends an authenticated request with a JSON body to the hub's API.
func (h *Hub) Do(method, path, body string) (*http.Response, error) {
	tok, err := os.ReadFile(hub.AdminTokenPath(h.Config.DataDir))
	if err != nil {
		return nil, err
	}
	req, _ := http.NewRequest(method, "http://"+h.HTTPAddr()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}

// WaitSynced waits until the hub has stored and applied edge's log up to
// seq.
func (h *Hub) WaitSynced(edge string, seq uint64, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		for _, s := range h.EdgeStatuses() {
			if s.ID == edge && s.LastSeqReceived >= seq && s.LastSeqApplied >= seq {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the hub did not sync %s up to %d in %s: %+v", edge, seq, within, h.EdgeStatuses())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Diff is what Compare found.
type Diff struct {
	Edge, Hub            int // events on each side
	Missing, Duplicated  int // events of the edge the hub lacks, or holds twice
	OutOfOrder, Mismatch int // conversations whose order differs; entries that differ
}

// OK reports a hub that holds exactly the edge's log.
func (d Diff) OK() bool {
	return d.Edge == d.Hub && d.Missing == 0 && d.Duplicated == 0 && d.OutOfOrder == 0 && d.Mismatch == 0
}

// Compare checks the hub's copy of edge's log against the edge's own: the
// same event ids at the same sequences, each once, and the same order
// within every conversation. (Sealed fields differ in bytes, so entries are
// compared by id, kind and tenant.)
func Compare(ctx context.Context, h *Hub, edge string, b *bus.Bus) (Diff, error) {
	codec := event.NewCodec()
	type key struct{ id, kind, tenant, conv string }
	keyOf := func(data []byte) key {
		e, err := codec.Decode(data)
		if err != nil {
			return key{id: "malformed"}
		}
		k := key{id: e.ID, kind: string(e.Kind), tenant: e.Tenant}
		switch {
		case e.Message != nil:
			k.conv = e.Message.Conv
		case e.Conversation != nil:
			k.conv = e.Conversation.Conv
		}
		return k
	}
	last, err := b.LastSeq(ctx)
	if err != nil {
		return Diff{}, err
	}
	var edgeLog []key
	rctx, cancel := context.WithCancel(ctx)
	got := make(chan struct{})
	go func() {
		_ = b.Read(rctx, 1, func(seq uint64, data []byte) {
			if seq <= last {
				edgeLog = append(edgeLog, keyOf(data))
			}
			if seq == last {
				close(got)
			}
		})
	}()
	if last > 0 {
		select {
		case <-got:
		case <-ctx.Done():
			cancel()
			return Diff{}, ctx.Err()
		}
	}
	cancel()
	var hubLog []key
	if err := h.ReadLog(edge, func(seq uint64, data []byte) bool {
		if seq != uint64(len(hubLog))+1 {
			hubLog = append(hubLog, key{id: fmt.Sprintf("gap-before-%d", seq)})
		}
		hubLog = append(hubLog, keyOf(data))
		return true
	}); err != nil {
		return Diff{}, err
	}
	d := Diff{Edge: len(edgeLog), Hub: len(hubLog)}
	seen := map[string]int{}
	for _, k := range hubLog {
		seen[k.id]++
	}
	for _, k := range edgeLog {
		switch n := seen[k.id]; {
		case n == 0:
			d.Missing++
		case n > 1:
			d.Duplicated++
		}
	}
	order := func(log []key) map[string][]string {
		m := map[string][]string{}
		for _, k := range log {
			if k.conv != "" {
				m[k.conv] = append(m[k.conv], k.id)
			}
		}
		return m
	}
	he := order(hubLog)
	for conv, ids := range order(edgeLog) {
		if strings.Join(ids, ",") != strings.Join(he[conv], ",") {
			d.OutOfOrder++
		}
	}
	for i := range min(len(edgeLog), len(hubLog)) {
		if edgeLog[i] != hubLog[i] {
			d.Mismatch++
		}
	}
	return d, nil
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
