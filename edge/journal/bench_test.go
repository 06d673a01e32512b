package journal_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/edge/journal"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// These benchmarks compare Journal.Append (encode, JetStream publish with a
// dedupe id, wait for the ack, wait for the projector to apply the event to
// Badger) with the engine underneath: raw JetStream publishes of the same
// bytes to a file stream of the same embedded server. BenchmarkAppendVsRaw
// measures both in alternating rounds and reports their ratio, which holds
// steady on a noisy machine where separate benchmarks drift apart:
//
//	go test -run '^$' -bench AppendVsRaw -benchtime 200000x -count 5 ./edge/journal
//	go test -run '^$' -bench . -benchtime 5s -count 3 ./edge/journal

const (
	benchTenant = "bench"
	benchConvs  = 256 // conversations the appended messages spread over
	// appendParallelism × GOMAXPROCS goroutines append at once, like that
	// many WebSocket sessions each waiting for its message to be stored.
	appendParallelism = 128
)

type rig struct {
	bus     *bus.Bus
	store   *state.Store
	journal *journal.Journal
	convs   []string
}

// newRig starts a bus and a store on disk in a fresh directory, runs the
// projector and seeds a tenant, a contact and benchConvs conversations.
func newRig(b testing.TB, durability string) *rig {
	b.Helper()
	dir := b.TempDir()
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bs, err := bus.Start(ctx, bus.Options{Secrets: bus.Secrets{Current: []byte("test-region-secret-0123456789abcdef")}, Dir: filepath.Join(dir, "eventlog"), ServerName: "bench", Durability: durability, Log: log})
	if err != nil {
		b.Fatalf("start bus: %v", err)
	}
	st, err := state.Open(filepath.Join(dir, "state"), state.Options{}, log)
	if err != nil {
		bs.Close()
		b.Fatalf("open state: %v", err)
	}
	j := journal.New(bs, st, journal.Options{Origin: "bench", Log: log, Linger: time.Millisecond})
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := j.Run(runCtx); err != nil {
			b.Errorf("projector: %v", err)
		}
	}()
	b.Cleanup(func() {
		stop()
		<-done
		_ = st.Close()
		bs.Close()
	})
	r := &rig{bus: bs, store: st, journal: j}
	sys := event.Actor{Kind: event.ActorSystem, ID: "bench"}
	seed := []*event.Event{
		{Kind: event.KindTenantUpserted, Tenant: benchTenant, Actor: sys, TenantInfo: &event.Tenant{ID: benchTenant}},
		{Kind: event.KindInboxUpserted, Tenant: benchTenant, Actor: sys, Inbox: &event.Inbox{ID: "web"}},
		{Kind: event.KindContactUpserted, Tenant: benchTenant, Actor: sys, Contact: &event.Contact{ID: "cust", Inbox: "web"}},
	}
	for i := range benchConvs {
		conv := "conv" + strconv.Itoa(i)
		r.convs = append(r.convs, conv)
		seed = append(seed, &event.Event{Kind: event.KindConversationOpened, Tenant: benchTenant, Actor: sys,
			Conversation: &event.ConvOpened{Conv: conv, Inbox: "web", Contact: "cust", Assignee: "agent"}})
	}
	for _, e := range seed {
		if _, err := j.Append(ctx, e); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	return r
}

// message is the i-th benchmark message: a customer's 64-byte text.
func (r *rig) message(i uint64) *event.Event {
	id := strconv.FormatUint(i, 36)
	return &event.Event{Kind: event.KindMessageCreated, Tenant: benchTenant,
		Actor:   event.Actor{Kind: event.ActorCustomer, ID: "cust"},
		Message: &event.Message{Conv: r.convs[i%benchConvs], ClientID: "m" + id, Text: "hello, I have a question about my order and the delivery date ..."}}
}

func benchAppend(b *testing.B, durability string) {
	r := newRig(b, durability)
	ctx := context.Background()
	var next atomic.Uint64
	b.SetParallelism(appendParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.journal.Append(ctx, r.message(next.Add(1))); err != nil {
				b.Errorf("append: %v", err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppend is the edge's write path with durability "process".
func BenchmarkAppend(b *testing.B) { benchAppend(b, bus.DurabilityProcess) }

// BenchmarkAppendSerial appends one event at a time: ns/op is the latency
// of one append when nothing else is in flight, which bounds what one
// WebSocket session (whose frames the gateway handles one after another)
// can send per second.
func BenchmarkAppendSerial(b *testing.B) {
	r := newRig(b, bus.DurabilityProcess)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := r.journal.Append(ctx, r.message(uint64(i))); err != nil {
			b.Fatalf("append: %v", err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppendGroupFsync adds a shared fsync of the log before each
// acknowledgement.
func BenchmarkAppendGroupFsync(b *testing.B) { benchAppend(b, bus.DurabilityGroupFsync) }

// BenchmarkAppendAlwaysFsync has JetStream fsync every write (sync_always).
func BenchmarkAppendAlwaysFsync(b *testing.B) { benchAppend(b, bus.DurabilityAlwaysFsync) }

// asyncWindow is how many AppendAsync calls are in flight at once in the
// async benchmarks: the gateway allows 64 per connection.
const asyncWindow = 256

// appendAsync appends n messages with AppendAsync from one goroutine, at
// most asyncWindow unfinished, and waits for all of them.
func (r *rig) appendAsync(b *testing.B, next *atomic.Uint64, n int) {
	sem := make(chan struct{}, asyncWindow)
	var wg sync.WaitGroup
	for range n {
		sem <- struct{}{}
		wg.Add(1)
		r.journal.AppendAsync(r.message(next.Add(1)), func(_ uint64, _ bool, err error) {
			if err != nil {
				b.Errorf("append: %v", err)
			}
			<-sem
			wg.Done()
		})
	}
	wg.Wait()
}

// BenchmarkAppendAsync is the gateway's write path since sends are
// pipelined: AppendAsync from one goroutine, asyncWindow in flight.
func BenchmarkAppendAsync(b *testing.B) {
	r := newRig(b, bus.DurabilityProcess)
	var next atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	r.appendAsync(b, &next, b.N)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// rawStream creates a file stream beside the event log on the same server.
func rawStream(b *testing.B, r *rig) jetstream.JetStream {
	b.Helper()
	js, err := jetstream.New(r.bus.Conn(), jetstream.WithPublishAsyncMaxPending(1<<16))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "RAW", Subjects: []string{"raw.>"}, Storage: jetstream.FileStorage,
		Duplicates: 10 * time.Minute, MaxMsgSize: 1 << 20, Discard: jetstream.DiscardNew,
	}); err != nil {
		b.Fatalf("create raw stream: %v", err)
	}
	return js
}

// encoded is what Append would publish for a benchmark message.
func encoded(b *testing.B, r *rig) []byte {
	b.Helper()
	e := r.message(0)
	e.ID, e.Origin, e.TS = event.NewID(), "bench", time.Now().UnixMilli()
	data, err := r.journal.Codec().Encode(e)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// benchRawAsync publishes the bytes of an encoded message event b.N times,
// asynchronously with a dedupe id each, as bus.Append does, and waits for
// every acknowledgement.
func benchRawAsync(b *testing.B, durability string) {
	r := newRig(b, durability)
	js := rawStream(b, r)
	data := encoded(b, r)
	futures := make([]jetstream.PubAckFuture, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m := &nats.Msg{Subject: "raw.bench", Data: data, Header: nats.Header{}}
		// Wait (instead of failing) while 65536 acknowledgements are pending.
		f, err := js.PublishMsgAsync(m, jetstream.WithMsgID("r"+strconv.Itoa(i)), jetstream.WithStallWait(time.Minute))
		if err != nil {
			b.Fatalf("publish: %v", err)
		}
		futures = append(futures, f)
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(5 * time.Minute):
		b.Fatal("acknowledgements did not arrive in 5 minutes")
	}
	b.StopTimer()
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			b.Fatalf("publish: %v", err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRawJetStreamPublish is the engine's best case for the bytes
// BenchmarkAppend stores: async publishes, many in flight.
func BenchmarkRawJetStreamPublish(b *testing.B) { benchRawAsync(b, bus.DurabilityProcess) }

// BenchmarkRawJetStreamSyncAlways is the same with sync_always.
func BenchmarkRawJetStreamSyncAlways(b *testing.B) { benchRawAsync(b, bus.DurabilityAlwaysFsync) }

// BenchmarkRawJetStreamPublishParallel publishes the same bytes with
// request/reply publishes from as many goroutines as BenchmarkAppend: the
// engine's cost for callers that each wait for their acknowledgement.
func BenchmarkRawJetStreamPublishParallel(b *testing.B) {
	r := newRig(b, bus.DurabilityProcess)
	js := rawStream(b, r)
	data := encoded(b, r)
	var next atomic.Uint64
	ctx := context.Background()
	b.SetParallelism(appendParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m := &nats.Msg{Subject: "raw.bench", Data: data, Header: nats.Header{}}
			if _, err := js.PublishMsg(ctx, m, jetstream.WithMsgID(fmt.Sprintf("p%d", next.Add(1)))); err != nil {
				b.Errorf("publish: %v", err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppendVsRaw measures the three in alternating rounds of the same
// run, so that all see the same machine (a shared VM's neighbours, disk
// cache, the streams' sizes), and reports the ratios: rounds of appendRound
// Appends from 256 goroutines, as many AppendAsync calls from one goroutine
// (asyncWindow in flight), and as many raw async publishes of the same
// bytes to a second stream of the same server.
func BenchmarkAppendVsRaw(b *testing.B) {
	const appendRound = 4096
	r := newRig(b, bus.DurabilityProcess)
	js := rawStream(b, r)
	data := encoded(b, r)
	ctx := context.Background()
	workers := appendParallelism * runtime.GOMAXPROCS(0)
	var next, raw atomic.Uint64
	var tAppend, tAsync, tRaw time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += appendRound {
		k := min(appendRound, b.N-done)
		start := time.Now()
		var left atomic.Int64
		left.Store(int64(k))
		var wg sync.WaitGroup
		for range min(workers, k) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for left.Add(-1) >= 0 {
					if _, err := r.journal.Append(ctx, r.message(next.Add(1))); err != nil {
						b.Errorf("append: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		tAppend += time.Since(start)

		start = time.Now()
		r.appendAsync(b, &next, k)
		tAsync += time.Since(start)

		start = time.Now()
		for range k {
			m := &nats.Msg{Subject: "raw.bench", Data: data, Header: nats.Header{}}
			if _, err := js.PublishMsgAsync(m, jetstream.WithMsgID("v"+strconv.FormatUint(raw.Add(1), 36)),
				jetstream.WithStallWait(time.Minute)); err != nil {
				b.Fatalf("publish: %v", err)
			}
		}
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(time.Minute):
			b.Fatal("acknowledgements did not arrive in a minute")
		}
		tRaw += time.Since(start)
	}
	b.StopTimer()
	appendRate := float64(b.N) / tAppend.Seconds()
	asyncRate := float64(b.N) / tAsync.Seconds()
	rawRate := float64(b.N) / tRaw.Seconds()
	b.ReportMetric(appendRate, "append-events/s")
	b.ReportMetric(asyncRate, "async-events/s")
	b.ReportMetric(rawRate, "raw-events/s")
	b.ReportMetric(appendRate/rawRate, "append/raw")
	b.ReportMetric(asyncRate/rawRate, "async/raw")
}
