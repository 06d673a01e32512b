package edge_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/gateway"
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// BenchmarkContainment attacks an edge under chat load with a plugin
// (edge/testdata/attack) installed as both its routing and its NLP
// plugin, one attack at a time: log flood, metric-series flood, memory
// leak, bulk-memory loop, endless loop, slow calls. For each it reports
// the chat's p99 (a customer's message to its acknowledgement) and the
// p99 of opening a conversation (which waits for routing) as ratios of
// the same load with no plugin measured just before, the time until the
// edge suspended the plugin, and the edge's RSS once the shipped plugins
// have replaced the attacker, as a ratio of with them before the attack.
//
//	go test -run '^$' -bench Containment -benchtime 1x -v ./edge
//	go test -run '^$' -bench 'Containment/bulk' -benchtime 1x -v ./edge    one attack
func BenchmarkContainment(b *testing.B) {
	cfg := edgetest.Config(b)
	cfg.Log.Level = "error"
	key := edgetest.TrustPluginKey(b, &cfg)
	e := edgetest.Start(b, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	version := 0
	install := func(path, name, kind string, caps ...string) {
		version++
		e.InstallPlugin(key, path, manifestOf(name, fmt.Sprintf("1.%d.0", version), kind, caps...))
	}
	shipped := func() {
		install("plugins/routing", "routing", abi.KindRouting, "log", "metrics")
		install("plugins/nlp", "nlp", abi.KindNLP)
	}

	const customers, perSecond, opensPerSecond, phase = 20, 500, 10, 4 * time.Second
	run := func(lang string) (msgP99, openP99 time.Duration, suspendedAfter time.Duration) {
		type cust struct {
			send func(id string) error
		}
		var cs []cust
		for range customers {
			c := e.Visitor()
			go func() {
				for range c.Events() {
				}
			}()
			ack, err := c.Request(ctx, &gateway.InFrame{Type: gateway.TypeStart, ClientID: "c", Lang: lang})
			if err != nil || ack.Type != gateway.OutAck {
				b.Fatalf("start: %+v %v", ack, err)
			}
			cs = append(cs, cust{func(id string) error {
				_, err := c.Message(ctx, ack.Conv, id, "Where is my order? It was due on Monday and I am getting worried.")
				return err
			}})
		}
		suspensions := func() float64 { return metricSum(b, e, "edgedesk_plugin_suspensions_total") }
		before := suspensions()
		start := time.Now()
		end := start.Add(phase)
		var mu sync.Mutex
		var msgs, opens []time.Duration
		var wg sync.WaitGroup
		for i, c := range cs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t := time.NewTicker(time.Second * customers / perSecond)
				defer t.Stop()
				for k := 0; time.Now().Before(end); k++ {
					<-t.C
					s := time.Now()
					if err := c.send(fmt.Sprintf("%s-%d-%d", lang, i, k)); err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					msgs = append(msgs, time.Since(s))
					mu.Unlock()
				}
			}()
		}
		wg.Add(1)
		go func() { // new visitors: each start is routed
			defer wg.Done()
			t := time.NewTicker(time.Second / opensPerSecond)
			defer t.Stop()
			for time.Now().Before(end) {
				<-t.C
				c := e.Visitor()
				s := time.Now()
				ack, err := c.Request(ctx, &gateway.InFrame{Type: gateway.TypeStart, ClientID: "c", Lang: lang})
				if err != nil || ack.Type != gateway.OutAck {
					b.Errorf("start during the attack: %+v %v", ack, err)
					c.Close()
					return
				}
				mu.Lock()
				opens = append(opens, time.Since(s))
				mu.Unlock()
				c.Close()
			}
		}()
		for time.Now().Before(end) && suspendedAfter == 0 {
			if suspensions() > before {
				suspendedAfter = time.Since(start)
			}
			time.Sleep(50 * time.Millisecond)
		}
		wg.Wait()
		return p99(msgs), p99(opens), suspendedAfter
	}

	uninstall := func(name string) {
		req, err := http.NewRequest(http.MethodDelete, e.URL+"/api/v1/plugins/"+name, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.AdminToken())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusNoContent {
			b.Fatalf("uninstall %s: %d", name, resp.StatusCode)
		}
	}
	// warm up: what happens once (the attacker compiled and loaded, the
	// stores' first growth) is not the first attack's RSS
	shipped()
	run("en")
	install("edge/testdata/attack", "routing", abi.KindRouting, "log", "metrics", "clock")
	install("edge/testdata/attack", "nlp", abi.KindNLP, "log", "metrics", "clock")
	run("en")
	for _, attack := range []struct{ lang, what string }{
		{"al", "log flood"}, {"am", "metric series"}, {"ak", "memory leak"},
		{"af", "bulk-memory loop"}, {"ax", "endless loop"}, {"as", "slow (45 ms)"},
	} {
		b.Run(strings.ReplaceAll(attack.what, " ", "-"), func(b *testing.B) {
			for range b.N {
				// the same load with no plugin, just before: the machine's
				// noise moves by minutes
				uninstall("routing")
				uninstall("nlp")
				baseMsg, baseOpen, _ := run("en")
				b.Logf("%-16s no plugin: message p99 %.1f ms, open p99 %.1f ms", attack.what, ms(baseMsg), ms(baseOpen))
				shipped()
				rssBefore := rss(b)
				callsBefore := metricSeries(b, e, "edgedesk_plugin_calls_total")
				install("edge/testdata/attack", "routing", abi.KindRouting, "log", "metrics", "clock")
				install("edge/testdata/attack", "nlp", abi.KindNLP, "log", "metrics", "clock")
				msg, open, susp := run(attack.lang)
				calls := metricSeries(b, e, "edgedesk_plugin_calls_total")
				var results []string
				for k, v := range calls {
					if d := v - callsBefore[k]; d > 0 {
						results = append(results, fmt.Sprintf("%s=%.0f", strings.TrimPrefix(k, "edgedesk_plugin_calls_total"), d))
					}
				}
				slices.Sort(results)
				b.Logf("%-16s calls: %s", attack.what, strings.Join(results, " "))
				shipped()
				time.Sleep(2 * time.Second) // the attacker's last calls end, its instances close
				rssAfter := rss(b)
				suspended := "not suspended"
				if susp > 0 {
					suspended = fmt.Sprintf("suspended after %.2f s", susp.Seconds())
				}
				b.Logf("%-16s message p99 %7.1f ms (%.2f×)  open p99 %7.1f ms (%.2f×)  %s  RSS %d → %d MiB (%.2f×)",
					attack.what, ms(msg), float64(msg)/float64(baseMsg), ms(open), float64(open)/float64(baseOpen),
					suspended, rssBefore>>20, rssAfter>>20, float64(rssAfter)/float64(rssBefore))
				b.ReportMetric(float64(msg)/float64(baseMsg), "msg-p99-x")
				b.ReportMetric(float64(open)/float64(baseOpen), "open-p99-x")
				b.ReportMetric(susp.Seconds(), "s-to-suspension")
				b.ReportMetric(float64(rssAfter)/float64(rssBefore), "rss-x")
			}
		})
	}
}

func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)*99/100]
}

// rss is this process's resident memory once the garbage is collected
// and returned: what the edge holds, not what the Go runtime has yet to
// give back.
func rss(b *testing.B) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb int64
		if _, err := fmt.Sscanf(sc.Text(), "VmRSS: %d kB", &kb); err == nil {
			return kb << 10
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// metricSeries reads every series of a metric in the edge's /metrics, by
// its name and labels.
func metricSeries(b *testing.B, e *edgetest.Edge, name string) map[string]float64 {
	resp, body := e.Get("/metrics", "")
	if resp.StatusCode != 200 {
		b.Fatalf("/metrics: %d", resp.StatusCode)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		var v float64
		if _, err := fmt.Sscan(line[i+1:], &v); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// metricSum is the sum of a series over its labels in the edge's /metrics.
func metricSum(b *testing.B, e *edgetest.Edge, name string) float64 {
	var sum float64
	for _, v := range metricSeries(b, e, name) {
		sum += v
	}
	return sum
}
