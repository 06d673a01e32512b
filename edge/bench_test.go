package edge_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/config"
)

// BenchmarkColdStart measures a node with a fresh data directory (no --dev)
// from New to Start returning, that is ready: signing key created, embedded
// NATS and JetStream started, event stream created, Badger opened, projector
// caught up, HTTP listening.
//
//	go test -run '^$' -bench ColdStart -benchtime 20x ./edge
func BenchmarkColdStart(b *testing.B) {
	log := slog.New(slog.DiscardHandler)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := config.Default()
		cfg.Node.ID = "bench-edge"
		cfg.DataDir = b.TempDir()
		cfg.HTTP.Addr = "127.0.0.1:0"
		cfg.Log.Level = "warn"
		cfg.HTTP.DrainDelay = 0 // shutdown is not what this measures
		if err := cfg.Validate(); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		b.StartTimer()
		start := time.Now()
		n := edge.New(cfg, log)
		err := n.Start(ctx)
		total += time.Since(start)
		b.StopTimer()
		if err != nil {
			cancel()
			b.Fatalf("start: %v", err)
		}
		if err := n.Shutdown(ctx); err != nil {
			b.Errorf("shutdown: %v", err)
		}
		cancel()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Microseconds())/1e3/float64(b.N), "ms/op")
}
