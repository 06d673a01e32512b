package hub_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/residency"
	"github.com/edgedesk/edgedesk/edge/uplink"
	"github.com/edgedesk/edgedesk/hub/hubtest"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/pki"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// BenchmarkSync ships a backlog of b.N chat messages (about 200 bytes of
// CBOR each, message text sealed under the demo tenant's policy) from an
// edge's JetStream log to a hub over QUIC on loopback, until the hub has
// stored and fsynced them all; then it sends the same number of bytes over
// one raw quic-go stream with TLS 1.3, in the same run. It reports
// events/s, the backlog's catch-up time, and sync ÷ raw throughput.
//
//	go test -run '^$' -bench Sync -benchtime 1000000x ./hub
func BenchmarkSync(b *testing.B) {
	h := hubtest.Start(b)
	cfg := edgetest.Config(b)
	cfg.Node.ID, cfg.Node.Region = "bench-1", "eu"
	e := edgetest.Start(b, cfg)
	codec := event.NewCodec()
	ctx := context.Background()
	bytes := 0
	var wg sync.WaitGroup
	inflight := make(chan struct{}, 4096) // JetStream bounds pending async publishes
	text := "Hello, I ordered a teapot last week and it has not arrived yet. Could you tell me where it is? Order 1234."
	for i := range b.N {
		ev := &event.Event{ID: event.NewID(), Kind: event.KindMessageCreated, Tenant: edge.DemoTenant, Origin: "bench-1",
			TS: time.Now().UnixMilli(), Actor: event.Actor{Kind: event.ActorCustomer, ID: "k1"},
			Message: &event.Message{Conv: "c1", ClientID: fmt.Sprint(i), Text: text}}
		data, err := codec.Encode(ev)
		if err != nil {
			b.Fatal(err)
		}
		bytes += len(data)
		wg.Add(1)
		inflight <- struct{}{}
		e.Node.Bus().AppendAsync(bus.Subject(edge.DemoTenant), ev.ID, data, func(_ uint64, _ bool, err error) {
			if err != nil {
				b.Error(err)
			}
			<-inflight
			wg.Done()
		})
	}
	wg.Wait()
	last, err := e.Node.Bus().LastSeq(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for e.Node.Store().Applied() < last { // the edge's own projector is done
		time.Sleep(10 * time.Millisecond)
	}
	sealer, err := residency.NewSealer(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := uplink.Enroll(ctx, h.QUICAddr(), h.DevToken(), "bench-1", "eu", dir, syncproto.QUICConfig()); err != nil {
		b.Fatal(err)
	}
	u := uplink.New(uplink.Options{Addr: h.QUICAddr(), Dir: dir, Log: edgetest.Logger(b), QUIC: syncproto.QUICConfig(),
		Read: e.Node.Bus().Read, Head: e.Node.Bus().LastSeq, Sealer: sealer,
		Policy: func(string) residency.Policy { return residency.Policy{Fields: edge.DemoResidency} }})

	if p := os.Getenv("EDGEDESK_SYNC_PROFILE"); p != "" { // the sync phase alone
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	b.ResetTimer()
	start := time.Now()
	uctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = u.Run(uctx) }()
	for u.Status().AckedSeq < last {
		time.Sleep(time.Millisecond)
	}
	syncTime := time.Since(start)
	b.StopTimer()
	cancel()
	<-done

	rawTime := rawQUIC(b, bytes)
	b.ReportMetric(float64(last)/syncTime.Seconds(), "events/s")
	b.ReportMetric(syncTime.Seconds(), "catchup-s")
	b.ReportMetric(float64(bytes)/rawTime.Seconds()/(1<<20), "raw-MiB/s")
	b.ReportMetric(rawTime.Seconds()/syncTime.Seconds(), "sync/raw")
}

// rawQUIC sends n bytes over one quic-go stream with TLS 1.3 on loopback,
// from dial to the receiver having read them all.
func rawQUIC(b *testing.B, n int) time.Duration {
	ca, err := pki.LoadOrCreateCA(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cert, err := ca.ServerCert()
	if err != nil {
		b.Fatal(err)
	}
	ln, err := quic.ListenAddr("127.0.0.1:0", &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}, NextProtos: []string{"raw"}}, syncproto.QUICConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	got := make(chan int64, 1)
	go func() {
		conn, err := ln.Accept(context.Background())
		if err != nil {
			got <- -1
			return
		}
		s, err := conn.AcceptStream(context.Background())
		if err != nil {
			got <- -1
			return
		}
		m, _ := io.Copy(io.Discard, s)
		got <- m
		conn.CloseWithError(0, "")
	}()
	start := time.Now()
	conn, err := quic.DialAddr(context.Background(), ln.Addr().String(),
		&tls.Config{MinVersion: tls.VersionTLS13, ServerName: pki.HubName, RootCAs: ca.Pool(), NextProtos: []string{"raw"}}, syncproto.QUICConfig())
	if err != nil {
		b.Fatal(err)
	}
	s, err := conn.OpenStreamSync(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for left := n; left > 0; left -= len(chunk) {
		if _, err := s.Write(chunk[:min(len(chunk), left)]); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	if m := <-got; m != int64(n) {
		b.Fatalf("raw QUIC delivered %d bytes of %d", m, n)
	}
	d := time.Since(start)
	conn.CloseWithError(0, "")
	return d
}

// BenchmarkSyncLag appends chat messages to an edge's log at 5,000 a
// second for 10 s while the uplink ships them, and reports how long each
// waited from its append until the hub acknowledged storing it: p50, p99
// and the maximum. b.N is ignored beyond 1.
//
//	go test -run '^$' -bench SyncLag -benchtime 1x ./hub
func BenchmarkSyncLag(b *testing.B) {
	const rate, seconds = 5000, 10
	h := hubtest.Start(b)
	cfg := edgetest.Config(b)
	cfg.Node.ID, cfg.Node.Region = "lag-1", "eu"
	cfg.Hub.Addr, cfg.Hub.EnrollTokenFile = h.QUICAddr(), h.DevToken()
	e := edgetest.Start(b, cfg)
	if err := h.WaitSynced("lag-1", 1, 30*time.Second); err != nil {
		b.Fatal(err)
	}
	u := e.Node.Uplink()
	codec := event.NewCodec()
	text := "Hello, I ordered a teapot last week and it has not arrived yet. Could you tell me where it is? Order 1234."
	n := rate * seconds
	appended := make([]time.Time, n+1)
	seqOf := make(chan [2]uint64, n) // seq, index
	acked := make([]time.Duration, 0, n)
	b.ResetTimer()
	done := make(chan struct{})
	go func() { // the acknowledgements, as the uplink sees them
		defer close(done)
		var pending [][2]uint64
		for len(acked) < n {
			for len(seqOf) > 0 {
				pending = append(pending, <-seqOf)
			}
			a := u.Status().AckedSeq
			now := time.Now()
			keep := pending[:0]
			for _, p := range pending {
				if p[0] <= a {
					acked = append(acked, now.Sub(appended[p[1]]))
				} else {
					keep = append(keep, p)
				}
			}
			pending = keep
			time.Sleep(200 * time.Microsecond)
		}
	}()
	tick := time.NewTicker(time.Second / 100) // 50 events every 10 ms
	defer tick.Stop()
	for i := 0; i < n; {
		<-tick.C
		for j := 0; j < rate/100 && i < n; j++ {
			ev := &event.Event{ID: event.NewID(), Kind: event.KindMessageCreated, Tenant: edge.DemoTenant, Origin: "lag-1",
				TS: time.Now().UnixMilli(), Actor: event.Actor{Kind: event.ActorCustomer, ID: "k1"},
				Message: &event.Message{Conv: "c1", ClientID: fmt.Sprint(i), Text: text}}
			data, err := codec.Encode(ev)
			if err != nil {
				b.Fatal(err)
			}
			idx := i
			appended[idx] = time.Now()
			e.Node.Bus().AppendAsync(bus.Subject(edge.DemoTenant), ev.ID, data, func(seq uint64, _ bool, err error) {
				if err != nil {
					b.Error(err)
				}
				seqOf <- [2]uint64{seq, uint64(idx)}
			})
			i++
		}
	}
	<-done
	b.StopTimer()
	slices.Sort(acked)
	q := func(p float64) float64 { return float64(acked[int(p*float64(len(acked)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
}
