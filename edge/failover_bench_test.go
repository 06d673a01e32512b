package edge_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/gateway"
)

// BenchmarkLeaderLoss measures how long a three-node region stops taking
// writes when the event stream's leader goes: drained (SIGTERM) or
// crashed (its NATS server gone at once). A customer on another node
// sends a message every 10 ms and retries what the log could not take;
// the pause is the longest time between two acknowledgements around the
// loss. Each iteration starts a fresh region (run with -benchtime 3x).
func BenchmarkLeaderLoss(b *testing.B) {
	for _, mode := range []string{"drain", "crash"} {
		b.Run(mode, func(b *testing.B) {
			var total, worst time.Duration
			for i := 0; i < b.N; i++ {
				p := leaderLossPause(b, mode == "crash")
				total += p
				worst = max(worst, p)
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "pause-s/op")
			b.ReportMetric(worst.Seconds(), "worst-pause-s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func leaderLossPause(b *testing.B, crash bool) time.Duration {
	b.StopTimer()
	defer b.StartTimer()
	cfgs := regionConfigs(b, freePorts(b, 3))
	for i := range cfgs {
		cfgs[i].HTTP.DrainDelay = 0
		cfgs[i].Log.Level = "error"
	}
	nodes := startRegion(b, cfgs)
	a, c := nodes[0], nodes[2]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	makeStreamLeader(ctx, b, c, cfgs[0].Node.ID)

	cust, err := client.Dial(ctx, "http://"+c.Addr(), &client.Hello{Inbox: edge.DemoInbox}, client.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer cust.Close()
	opened, err := cust.Start(ctx, "pause")
	if err != nil {
		b.Fatal(err)
	}
	var acks []time.Time
	var lostAt time.Time
	for i := 0; ; i++ {
		if i == 50 {
			lostAt = time.Now()
			if crash {
				a.Bus().Server().Shutdown()
			} else {
				go stopNode(a, 20*time.Second)
			}
		}
		id := fmt.Sprintf("m-%d", i)
		for {
			_, err := cust.Message(ctx, opened.Conv, id, "during the election")
			var se *client.ServerError
			if errors.As(err, &se) && se.Code == gateway.CodeUnavailable {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			if err != nil {
				b.Fatalf("send %s: %v", id, err)
			}
			break
		}
		acks = append(acks, time.Now())
		if !lostAt.IsZero() && len(acks) > 0 && time.Since(lostAt) > time.Second && i > 100 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var pause time.Duration
	for i := 1; i < len(acks); i++ {
		if acks[i].After(lostAt) {
			from := acks[i-1]
			if from.Before(lostAt) {
				from = lostAt
			}
			pause = max(pause, acks[i].Sub(from))
		}
	}
	b.Logf("leader %s (crash %v): writes paused %s", cfgs[0].Node.ID, crash, pause.Round(time.Millisecond))
	for _, n := range nodes {
		stopNode(n, 20*time.Second)
	}
	return pause
}
