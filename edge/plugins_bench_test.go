package edge_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// BenchmarkChatWithHostilePlugin measures chat latency (a customer's
// message to its acknowledgement, which waits for the event log) at a
// steady 1,000 messages/s from 20 customers, first with no plugin, then
// with an NLP plugin that loops forever on every message, then with the
// shipped NLP plugin. Every customer message goes to the NLP plugin. It
// reports each phase's p50 and p99 and the hostile phase's p99 over the
// baseline's.
//
//	go test -run '^$' -bench ChatWithHostilePlugin -benchtime 1x ./edge
func BenchmarkChatWithHostilePlugin(b *testing.B) {
	cfg := edgetest.Config(b)
	key := edgetest.TrustPluginKey(b, &cfg)
	e := edgetest.Start(b, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const customers, perSecond, phase = 20, 1000, 4 * time.Second
	clients := make([]*struct {
		conv string
		send func(id, text string) error
	}, customers)
	for i := range clients {
		c := e.Visitor()
		go func() { // the client hands every event over; nobody here reads them
			for range c.Events() {
			}
		}()
		ack, err := c.Start(ctx, "c")
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = &struct {
			conv string
			send func(id, text string) error
		}{ack.Conv, func(id, text string) error { _, err := c.Message(ctx, ack.Conv, id, text); return err }}
	}
	run := func(name string) (p50, p99 time.Duration) {
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		interval := time.Second * customers / perSecond
		end := time.Now().Add(phase)
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t := time.NewTicker(interval)
				defer t.Stop()
				for k := 0; time.Now().Before(end); k++ {
					<-t.C
					start := time.Now()
					if err := c.send(fmt.Sprintf("%s-%d-%d", name, i, k), "Where is my order? It was due on Monday and I am getting worried."); err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					lat = append(lat, time.Since(start))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		slices.Sort(lat)
		p50, p99 = lat[len(lat)/2], lat[len(lat)*99/100]
		b.Logf("%-8s %5d messages  p50 %6.2f ms  p99 %6.2f ms", name, len(lat), ms(p50), ms(p99))
		return p50, p99
	}
	b.ResetTimer()
	for range b.N {
		_, base := run("none")
		e.InstallPlugin(key, "wasm/host/testdata/loop", manifestOf("nlp", "6.6.6-loop", abi.KindNLP))
		_, hostile := run("hostile")
		e.InstallPlugin(key, "plugins/nlp", manifestOf("nlp", "1.0.0", abi.KindNLP))
		_, good := run("nlp")
		b.ReportMetric(ms(base), "p99-ms-none")
		b.ReportMetric(ms(hostile), "p99-ms-hostile")
		b.ReportMetric(ms(good), "p99-ms-nlp")
		b.ReportMetric(float64(hostile)/float64(base), "hostile/none")
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
