package edge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/webhooks"
)

// BenchmarkWebhookDeliveries measures outbound webhooks on one edge (a
// process of its own, `edge --dev`, so that its CPU from /proc is its
// own) and what they cost the chat, in the same run.
//
// The demo tenant has 100 endpoints, each asking for message.created, on
// a receiver in this process (HTTP/1.1 keep-alive on loopback); one of
// them, 1%, answers 500 to everything. 16 customers send 50 messages a
// second in all (open loop, each at its time), for 4 s a phase, and an
// agent's socket receives each: the chat's latency is from a message's
// time to its arrival there. Phases alternate: endpoints disabled (no
// webhooks), then enabled (every message makes 100 deliveries: 5,000 a
// second asked of the sender), twice. Reported per enabled phase:
// deliveries/s (the 99 endpoints that answer, from the phase's start to
// the last delivery), the edge's CPU per delivery (beyond the chat's,
// against the disabled phase), and the chat's p99 with ÷ without. The
// engine underneath: this process's own net/http client posting the same
// bodies to the same receiver with 64 workers, its rate and the ratio.
//
//	go test -run '^$' -bench WebhookDeliveries -benchtime 1x -v ./edge
//
// EDGEDESK_BENCH_EDGE_CPUPROFILE=FILE writes the edge's CPU profile of the
// first enabled phase to FILE; EDGEDESK_BENCH_ENDPOINTS=N sets the number
// of endpoints (100; 20 asks 1,000 deliveries a second).
func BenchmarkWebhookDeliveries(b *testing.B) {
	endpoints := 100
	if n, err := strconv.Atoi(os.Getenv("EDGEDESK_BENCH_ENDPOINTS")); err == nil && n >= 1 {
		endpoints = n
	}
	const (
		rate      = 50 // chat messages a second
		phase     = 4 * time.Second
		rounds    = 2
		customers = 16
	)
	var ok, failed atomic.Int64
	var lastOK atomic.Int64 // unix ns
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/fail" {
			failed.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		ok.Add(1)
		lastOK.Store(time.Now().UnixNano())
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	recv.Config.SetKeepAlivesEnabled(true)

	profile := os.Getenv("EDGEDESK_BENCH_EDGE_CPUPROFILE")
	var args []string
	if profile != "" {
		args = append(args, edgetest.PprofArg)
	}
	p := edgetest.StartProcess(b, "gateway: {customer_rate: 1000000, agent_rate: 1000000}\nhttp: {drain_delay: 0s}\n", args...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	hc := &http.Client{Timeout: 30 * time.Second}
	admin := p.AdminToken(b)
	do := func(method, path, body string) []byte {
		req, _ := http.NewRequestWithContext(ctx, method, p.URL+path+"?tenant="+edge.DemoTenant, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
		}
		return out
	}
	ids := make([]string, endpoints)
	for i := range ids {
		path := "/ep/" + strconv.Itoa(i)
		if i == 0 {
			path = "/fail"
		}
		var w struct{ ID string }
		_ = json.Unmarshal(do("POST", "/api/v1/webhooks", `{"url":"`+recv.URL+path+`","types":["message.created"],"disabled":true}`), &w)
		ids[i] = w.ID
	}
	setEnabled := func(on bool) {
		for _, id := range ids {
			do("PATCH", "/api/v1/webhooks/"+id, fmt.Sprintf(`{"disabled":%v}`, !on))
		}
	}

	tok, err := client.Login(ctx, p.URL, edge.DemoAgents[0].Email, edge.DemoPassword)
	if err != nil {
		b.Fatal(err)
	}
	agent, err := client.Dial(ctx, p.URL, &client.Hello{Token: tok}, client.Options{EventBuffer: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	defer agent.Close()
	arr := watchSocketArrivals(agent)
	cs := benchCustomers(ctx, b, p.URL, customers)

	// run sends rate messages a second for phase and returns the chat's
	// latencies and when it started.
	run := func(tag string) ([]time.Duration, time.Time, int) {
		n := int(phase.Seconds() * rate)
		texts, due := make([]string, n), make([]time.Time, n)
		var fail firstError
		var wg sync.WaitGroup
		start := time.Now().Add(5 * time.Millisecond)
		for k := range n {
			at := start.Add(time.Duration(k) * time.Second / rate)
			time.Sleep(time.Until(at))
			due[k], texts[k] = at, fmt.Sprintf("bench %s %d", tag, k)
			c := cs[k%customers]
			wg.Go(func() {
				_, err := c.c.Message(ctx, c.conv, tag+"-"+strconv.Itoa(k), texts[k])
				fail.note(err)
			})
		}
		wg.Wait()
		if f, err := fail.get(); f > 0 {
			b.Fatalf("%d messages refused; the first: %v", f, err)
		}
		got := arr.await(b, texts, 30*time.Second)
		lat := make([]time.Duration, n)
		for k := range n {
			lat[k] = got[k].Sub(due[k])
		}
		return lat, start, n
	}

	b.ResetTimer()
	for round := range rounds {
		setEnabled(false)
		time.Sleep(200 * time.Millisecond)
		cpu0 := p.CPU(b)
		off, _, nOff := run(fmt.Sprintf("off%d", round))
		cpuOff := p.CPU(b) - cpu0

		setEnabled(true)
		var prof sync.WaitGroup
		if profile != "" && round == 0 {
			prof.Go(func() { p.WriteCPUProfile(b, phase+2*time.Second, profile) })
		}
		ok0, fail0 := ok.Load(), failed.Load()
		cpu0, gen0 := p.CPU(b), edgetest.ProcCPU(b, 0)
		on, start, nOn := run(fmt.Sprintf("on%d", round))
		want := ok0 + int64(nOn*(endpoints-1))
		for deadline := time.Now().Add(2 * time.Minute); ok.Load() < want; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d deliveries within 2 min", ok.Load()-ok0, want-ok0)
			}
		}
		cpuOn, gen := p.CPU(b)-cpu0, edgetest.ProcCPU(b, 0)-gen0
		prof.Wait()
		end := time.Unix(0, lastOK.Load())
		n := float64(want - ok0)
		perMsgOff := float64(cpuOff.Microseconds()) / float64(nOff)
		extra := float64(cpuOn.Microseconds()) - perMsgOff*float64(nOn)
		wall := end.Sub(start)
		b.Logf("round %d: %.0f deliveries/s (%d in %s, %d attempts at the failing endpoint); edge CPU %.1f µs per delivery beyond the chat's (%.2f cores), generator and receiver %.2f cores; chat p50 %s → %s, p99 %s → %s (×%.2f)",
			round+1, n/wall.Seconds(), int(n), wall.Round(time.Millisecond), failed.Load()-fail0, extra/n, cpuOn.Seconds()/wall.Seconds(), gen.Seconds()/wall.Seconds(),
			percentile(off, 50).Round(10*time.Microsecond), percentile(on, 50).Round(10*time.Microsecond),
			percentile(off, 99).Round(10*time.Microsecond), percentile(on, 99).Round(10*time.Microsecond),
			float64(percentile(on, 99))/float64(percentile(off, 99)))
		b.ReportMetric(n/wall.Seconds(), "deliveries/s")
	}
	setEnabled(false)

	// the engine underneath: net/http posting the same signed bodies
	body := bytes.Repeat([]byte("x"), 620) // a delivery's size, about
	sig := webhooks.Sign(make([]byte, 32), "e1", time.Now().Unix(), body)
	var raw atomic.Int64
	rctx, stop := context.WithTimeout(ctx, 3*time.Second)
	var wg sync.WaitGroup
	rc := webhooks.NewClient(10 * time.Second)
	t0 := time.Now()
	for range 64 {
		wg.Go(func() {
			for rctx.Err() == nil {
				req, _ := http.NewRequestWithContext(rctx, "POST", recv.URL+"/raw", bytes.NewReader(body))
				req.Header.Set("webhook-signature", sig)
				resp, err := rc.Do(req)
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				raw.Add(1)
			}
		})
	}
	wg.Wait()
	stop()
	b.Logf("net/http alone, 64 workers: %.0f posts/s", float64(raw.Load())/time.Since(t0).Seconds())
}
