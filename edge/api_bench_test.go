package edge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// BenchmarkAPIMessageToSocket measures the REST API's message path
// against the WebSocket path on one edge, in the same run.
//
// The edge runs as a process of its own (`edge --dev`, built from this
// source, the per-connection rate limits lifted), so that its CPU, read
// from /proc/PID/stat, is its own: the load generator is this process and
// shares the machine's cores with it. An agent is signed in on a socket
// (scope all) and receives every message as an `event` frame.
//
//  1. Open loop: POST /api/v1/conversations/{id}/messages (as the
//     customer, a unique text each) at a fixed 1,000 requests/s for 5 s,
//     over HTTP keep-alive connections, round robin over 64 conversations
//     made through the API. Latency is from the request's scheduled send
//     time (so a generator that falls behind counts against the edge, not
//     for it) until the agent's socket has the message; also the time to
//     the API's 201. Target: p99 < 20 ms.
//  2. Closed loop, as fast as it goes: 64 concurrent HTTP posters, each
//     posting to its own conversation and waiting for the 201, against 64
//     customers on sockets each sending `send` frames in its own
//     conversation and waiting for the ack; 3 s each, alternating API,
//     socket, API, socket. Reported: messages/s of each, API ÷ socket,
//     and the edge's CPU per message of each.
//
// Beside each rate it reports the cores the edge, this process (the load
// generator) and every other process of the machine (from /proc/stat)
// used meanwhile: on a shared machine a p99 means something only next
// to what else ran.
//
// Every message acknowledged must reach the agent's socket, once; the
// benchmark fails otherwise, on any refused request, or when the open
// loop reaches less than 90% of its rate.
//
//	go test -run '^$' -bench APIMessage -benchtime 1x -v ./edge
//
// EDGEDESK_BENCH_EDGE_CPUPROFILE=FILE writes the edge process's CPU
// profiles of the open loop to FILE, and of the first measured closed
// rounds to FILE.api and FILE.socket (`go tool pprof -top FILE`).
func BenchmarkAPIMessageToSocket(b *testing.B) {
	const (
		rate      = 1000 // requests/s of the open loop
		openFor   = 5 * time.Second
		workers   = 64 // conversations; closed-loop posters and customers
		closedFor = 3 * time.Second
		rounds    = 2 // of API then socket
		text      = "Where is my order? It was due on Monday and I am getting worried."
	)
	profile := os.Getenv("EDGEDESK_BENCH_EDGE_CPUPROFILE")
	var args []string
	if profile != "" {
		args = append(args, edgetest.PprofArg)
	}
	p := edgetest.StartProcess(b, "gateway: {customer_rate: 1000000, agent_rate: 1000000}\nhttp: {drain_delay: 0s}\n", args...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute, DisableCompression: true}}
	defer hc.CloseIdleConnections()
	do := func(method, path, token, body string) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, method, p.URL+path, strings.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		return resp.StatusCode, out, err
	}
	must := func(want int, method, path, token, body string) map[string]any {
		code, out, err := do(method, path, token, body)
		var v map[string]any
		if err == nil && code == want {
			err = json.Unmarshal(out, &v)
		}
		if err != nil || code != want {
			b.Fatalf("%s %s: %d %s %v", method, path, code, out, err)
		}
		return v
	}
	key := must(201, "POST", "/api/v1/api-keys?tenant="+edge.DemoTenant, p.AdminToken(b), `{"name":"bench","scopes":["write"]}`)["token"].(string)

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

	// the API's conversations, one contact each
	apiConvs := make([]string, workers)
	for i := range apiConvs {
		ct := must(201, "POST", "/api/v1/contacts", key, fmt.Sprintf(`{"inbox_id":%q,"name":"Bench %d"}`, edge.DemoInbox, i))["id"].(string)
		apiConvs[i] = must(201, "POST", "/api/v1/conversations", key, fmt.Sprintf(`{"contact_id":%q}`, ct))["id"].(string)
	}
	post := func(conv, msg string) error {
		body, _ := json.Marshal(map[string]any{"text": msg, "sender": map[string]string{"type": "customer"}})
		code, out, err := do("POST", "/api/v1/conversations/"+conv+"/messages", key, string(body))
		if err == nil && code != http.StatusCreated {
			err = fmt.Errorf("%d %s", code, bytes.TrimSpace(out))
		}
		return err
	}
	// the socket's customers, one conversation each
	customers := benchCustomers(ctx, b, p.URL, workers)

	closed := func(kind string, round int, d time.Duration) benchClosedResult {
		var send func(w, k int, msg string) error
		if kind == "api" {
			send = func(w, _ int, msg string) error { return post(apiConvs[w], msg) }
		} else {
			send = func(w, k int, msg string) error {
				_, err := customers[w].c.Message(ctx, customers[w].conv, fmt.Sprintf("r%d-%d", round, k), msg)
				return err
			}
		}
		var prof sync.WaitGroup
		if profile != "" && round == 0 { // the first measured round's
			prof.Go(func() { p.WriteCPUProfile(b, d-time.Second, profile+"."+kind) })
		}
		defer prof.Wait()
		r := benchClosedLoop(b, p, arr, workers, d, func(w, k int) (string, error) {
			msg := fmt.Sprintf("bench %s %d %d %d: %s", kind, round, w, k, text)
			return msg, send(w, k, msg)
		})
		return r
	}
	// warm up both paths (connections, the stores' first growth)
	closed("api", -1, time.Second)
	closed("socket", -1, time.Second)

	// what the edge spends with nothing to do (timers, heartbeats, the
	// sockets' pings), to read the open loop's cores against
	idle0, idleAt := p.CPU(b), time.Now()
	time.Sleep(2 * time.Second)
	idle := (p.CPU(b) - idle0).Seconds() / time.Since(idleAt).Seconds()
	b.Logf("the edge idle with the connections open: %.3f cores", idle)

	var lat, resp []time.Duration
	var openRates, openCPU, openCores, genCores, otherCores []float64
	var apiRates, sockRates, apiCPU, sockCPU []float64
	b.ResetTimer()
	for i := range b.N {
		o := apiOpenLoop(b, p, arr, rate, openFor, profile, func(k int) (string, error) {
			msg := fmt.Sprintf("bench open %d %d: %s", i, k, text)
			return msg, post(apiConvs[k%workers], msg)
		})
		b.Logf("open loop %d req/s for %s: achieved %.0f req/s; to the agent's socket p50 %.2f ms, p99 %.2f ms, max %.2f ms; to the 201 p50 %.2f ms, p99 %.2f ms; the sender fell behind by up to %.2f ms; edge %.1f µs/msg (%.2f cores), generator %.2f cores, other processes %.2f cores",
			rate, openFor, o.rate, ms(percentile(o.lat, 50)), ms(percentile(o.lat, 99)), ms(slices.Max(o.lat)),
			ms(percentile(o.resp, 50)), ms(percentile(o.resp, 99)), ms(o.lag), o.edgeCPU, o.edgeCores, o.genCores, o.otherCores)
		if o.rate < 0.9*rate {
			b.Fatalf("the open loop reached %.0f requests/s of %d", o.rate, rate)
		}
		lat, resp = append(lat, o.lat...), append(resp, o.resp...)
		openRates, openCPU = append(openRates, o.rate), append(openCPU, o.edgeCPU)
		openCores, genCores = append(openCores, o.edgeCores), append(genCores, o.genCores)
		otherCores = append(otherCores, o.otherCores)
		for r := range rounds {
			a := closed("api", i*rounds+r, closedFor)
			s := closed("socket", i*rounds+r, closedFor)
			b.Logf("closed loop round %d, %d concurrent: API %.0f msgs/s (edge %.1f µs/msg, %.2f cores; generator %.2f, others %.2f cores), socket %.0f msgs/s (edge %.1f µs/msg, %.2f cores; generator %.2f, others %.2f cores): API/socket %.3f",
				r+1, workers, a.rate, a.edgeCPU, a.edgeCores, a.genCores, a.otherCores, s.rate, s.edgeCPU, s.edgeCores, s.genCores, s.otherCores, a.rate/s.rate)
			apiRates, sockRates = append(apiRates, a.rate), append(sockRates, s.rate)
			apiCPU, sockCPU = append(apiCPU, a.edgeCPU), append(sockCPU, s.edgeCPU)
		}
	}
	b.StopTimer()
	p99 := percentile(lat, 99)
	met := "not met"
	if p99 < 20*time.Millisecond {
		met = "met"
	}
	b.Logf("target p99 < 20 ms at %d req/s: %s (p99 %.2f ms); API/socket %.3f (means of %d rounds)",
		rate, met, ms(p99), meanOf(apiRates)/meanOf(sockRates), len(apiRates))
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(ms(slices.Max(lat)), "max-ms")
	b.ReportMetric(ms(percentile(resp, 99)), "resp-p99-ms")
	b.ReportMetric(meanOf(openRates), "req/s")
	b.ReportMetric(meanOf(openCPU), "open-edge-µs/msg")
	b.ReportMetric(meanOf(openCores), "open-edge-cores")
	b.ReportMetric(idle, "idle-edge-cores")
	b.ReportMetric(meanOf(genCores), "open-gen-cores")
	b.ReportMetric(meanOf(otherCores), "open-other-cores")
	b.ReportMetric(meanOf(apiRates), "api-msgs/s")
	b.ReportMetric(meanOf(sockRates), "socket-msgs/s")
	b.ReportMetric(meanOf(apiRates)/meanOf(sockRates), "api/socket")
	b.ReportMetric(meanOf(apiCPU), "api-edge-µs/msg")
	b.ReportMetric(meanOf(sockCPU), "socket-edge-µs/msg")
}

// socketArrivals records when each benchmark message (text "bench …") reached
// an agent's socket.
// benchCustomer is a customer on a socket with a conversation.
type benchCustomer struct {
	c    *client.Client
	conv string
}

// benchCustomers are n customers of the demo inbox, each on a socket of
// its own with a conversation started; closed when the benchmark ends.
func benchCustomers(ctx context.Context, b *testing.B, url string, n int) []benchCustomer {
	out := make([]benchCustomer, n)
	for i := range out {
		c, err := client.Dial(ctx, url, &client.Hello{Inbox: edge.DemoInbox}, client.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		go func() { // the echoes of their own messages: nobody reads them
			for range c.Events() {
			}
		}()
		ack, err := c.Start(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}
		out[i] = benchCustomer{c, ack.Conv}
	}
	return out
}

type socketArrivals struct {
	mu   sync.Mutex
	at   map[string]time.Time
	dups int
}

func watchSocketArrivals(c *client.Client) *socketArrivals {
	a := &socketArrivals{at: map[string]time.Time{}}
	go func() {
		for f := range c.Events() {
			if f.Type != protocol.OutEvent || f.Item == nil || f.Item.Kind != "message" || !strings.HasPrefix(f.Item.Text, "bench ") {
				continue
			}
			now := time.Now()
			a.mu.Lock()
			if _, ok := a.at[f.Item.Text]; ok {
				a.dups++
			} else {
				a.at[f.Item.Text] = now
			}
			a.mu.Unlock()
		}
	}()
	return a
}

// await waits until every text has arrived, or fails the benchmark after
// within; it returns when each arrived.
func (a *socketArrivals) await(b *testing.B, texts []string, within time.Duration) []time.Time {
	at := make([]time.Time, len(texts))
	deadline := time.Now().Add(within)
	for {
		missing := 0
		a.mu.Lock()
		for i, t := range texts {
			if at[i].IsZero() {
				if at[i] = a.at[t]; at[i].IsZero() {
					missing++
				}
			}
		}
		dups := a.dups
		a.mu.Unlock()
		if dups > 0 {
			b.Fatalf("%d messages reached the agent's socket twice", dups)
		}
		if missing == 0 {
			return at
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d acknowledged messages did not reach the agent's socket within %s", missing, len(texts), within)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

type apiOpenResult struct {
	lat, resp []time.Duration
	lag       time.Duration
	rate      float64 // requests answered per second
	edgeCPU   float64 // µs per message
	// the cores the edge, this process and all other processes used
	edgeCores, genCores, otherCores float64
}

// apiOpenLoop sends rate requests a second for d, each at its time whatever
// the answers before it, and measures each message until it reached the
// agent's socket.
func apiOpenLoop(b *testing.B, p *edgetest.Process, arr *socketArrivals, rate int, d time.Duration, profile string,
	send func(k int) (string, error)) apiOpenResult {
	n := int(d.Seconds() * float64(rate))
	texts := make([]string, n)
	due := make([]time.Time, n)
	answered := make([]time.Time, n)
	var failed firstError
	var wg sync.WaitGroup
	var prof sync.WaitGroup
	if profile != "" {
		prof.Go(func() { p.WriteCPUProfile(b, d-time.Second, profile) })
	}
	edge0, gen0, all0 := p.CPU(b), edgetest.ProcCPU(b, 0), edgetest.MachineCPU(b)
	start := time.Now().Add(5 * time.Millisecond)
	var lag time.Duration
	for k := range n {
		at := start.Add(time.Duration(k) * time.Second / time.Duration(rate))
		if w := time.Until(at); w > 0 {
			time.Sleep(w)
		}
		lag = max(lag, time.Since(at))
		due[k] = at
		wg.Go(func() {
			t, err := send(k)
			answered[k] = time.Now()
			texts[k] = t
			failed.note(err)
		})
	}
	wg.Wait()
	last := slices.MaxFunc(answered, func(x, y time.Time) int { return x.Compare(y) })
	if f, err := failed.get(); f > 0 {
		b.Fatalf("%d of %d requests failed; the first: %v", f, n, err)
	}
	at := arr.await(b, texts, 15*time.Second)
	end := slices.MaxFunc(at, func(x, y time.Time) int { return x.Compare(y) })
	edgeCPU, genCPU, allCPU := p.CPU(b)-edge0, edgetest.ProcCPU(b, 0)-gen0, edgetest.MachineCPU(b)-all0
	wall := end.Sub(start)
	prof.Wait()
	o := apiOpenResult{lag: lag, rate: float64(n) / last.Sub(start).Seconds(),
		edgeCPU:   float64(edgeCPU.Microseconds()) / float64(n),
		edgeCores: edgeCPU.Seconds() / wall.Seconds(), genCores: genCPU.Seconds() / wall.Seconds(),
		otherCores: max(0, (allCPU-edgeCPU-genCPU).Seconds()/wall.Seconds())}
	for k := range n {
		o.lat = append(o.lat, at[k].Sub(due[k]))
		o.resp = append(o.resp, answered[k].Sub(due[k]))
	}
	return o
}

type benchClosedResult struct {
	rate    float64 // messages acknowledged per second
	edgeCPU float64 // µs per message, until all reached the agent
	// the cores the edge, this process and all other processes used
	edgeCores, genCores, otherCores float64
}

// benchClosedLoop runs workers that each send a message and wait for its
// acknowledgement, again and again, for d; then waits until all reached
// the agent's socket.
func benchClosedLoop(b *testing.B, p *edgetest.Process, arr *socketArrivals, workers int, d time.Duration,
	send func(w, k int) (string, error)) benchClosedResult {
	sent := make([][]string, workers)
	var failed firstError
	var wg sync.WaitGroup
	edge0, gen0, all0 := p.CPU(b), edgetest.ProcCPU(b, 0), edgetest.MachineCPU(b)
	start := time.Now()
	end := start.Add(d)
	for w := range workers {
		wg.Go(func() {
			for k := 0; time.Now().Before(end); k++ {
				t, err := send(w, k)
				if err != nil {
					failed.note(err)
					return
				}
				sent[w] = append(sent[w], t)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f, err := failed.get(); f > 0 {
		b.Fatalf("%d senders failed; the first: %v", f, err)
	}
	texts := slices.Concat(sent...)
	arr.await(b, texts, 15*time.Second)
	edgeCPU, genCPU, allCPU := p.CPU(b)-edge0, edgetest.ProcCPU(b, 0)-gen0, edgetest.MachineCPU(b)-all0
	wall := time.Since(start)
	return benchClosedResult{rate: float64(len(texts)) / elapsed.Seconds(),
		edgeCPU:   float64(edgeCPU.Microseconds()) / float64(len(texts)),
		edgeCores: edgeCPU.Seconds() / wall.Seconds(), genCores: genCPU.Seconds() / wall.Seconds(),
		otherCores: max(0, (allCPU-edgeCPU-genCPU).Seconds()/wall.Seconds())}
}

// firstError counts errors and keeps the first.
type firstError struct {
	mu    sync.Mutex
	n     int
	first error
}

func (f *firstError) note(err error) {
	if err == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n++; f.first == nil {
		f.first = err
	}
}

func (f *firstError) get() (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n, f.first
}

// percentile is the q-th percentile of d (sorted in place).
func percentile(d []time.Duration, q int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, len(d)*q/100)]
}

func meanOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
