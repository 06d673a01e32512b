package state_test

import (
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// allocated is the disk space a file takes (Badger's files are
// preallocated, mostly holes).
func allocated(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return info.Size()
}

// BenchmarkRebuildSLA is the state of open tickets with their service
// level clocks rebuilt from the log: EDGEDESK_BENCH_TICKETS conversations
// (default 1,000,000), each opened and written to by its customer (2
// events), projected in batches of 1,000 into a new store on disk, with
// the tenant's policy in business hours (Berlin, Monday to Friday,
// holidays) and, in the same run, without a policy (the projector's cost
// without clocks): the ratio is clocks ÷ none. Reported: seconds and
// events/s of each, the Go heap in use after each (after a GC), and the
// store's size on disk.
//
//	go test -run '^$' -bench RebuildSLA -benchtime 1x ./internal/state
func BenchmarkRebuildSLA(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("EDGEDESK_BENCH_TICKETS")); err == nil && v > 0 {
		n = v
	}
	run := func(policy *event.SLA) (took time.Duration, heap uint64, disk int64) {
		dir := b.TempDir()
		s, err := state.Open(dir, state.Options{}, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC).UnixMilli()
		var seq uint64
		next := func(e *event.Event) *event.Event {
			seq++
			e.Seq, e.Tenant = seq, "bench"
			if e.TS == 0 {
				e.TS = start + int64(seq)*100 // ten events a second: a million tickets over 2.3 days
			}
			return e
		}
		if _, err := s.ApplyBatch([]*event.Event{next(&event.Event{Kind: event.KindTenantUpserted,
			TenantInfo: &event.Tenant{ID: "bench", SLA: policy}})}); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		t0 := time.Now()
		batch := make([]*event.Event, 0, 1000)
		for i := 0; i < n; {
			batch = batch[:0]
			for ; i < n && len(batch) < cap(batch); i++ {
				conv, contact := "c"+strconv.Itoa(i), "k"+strconv.Itoa(i)
				cust := event.Actor{Kind: event.ActorCustomer, ID: contact}
				batch = append(batch,
					next(&event.Event{Kind: event.KindConversationOpened, Actor: cust,
						Conversation: &event.ConvOpened{Conv: conv, Inbox: "web", Contact: contact, Priority: event.Priorities[i%4]}}),
					next(&event.Event{Kind: event.KindMessageCreated, Actor: cust,
						Message: &event.Message{Conv: conv, ClientID: "m1", Text: "Where is my order? It was due yesterday."}}))
			}
			if _, err := s.ApplyBatch(batch); err != nil {
				b.Fatal(err)
			}
		}
		took = time.Since(t0)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if info, err := d.Info(); err == nil {
					disk += allocated(info)
				}
			}
			return nil
		})
		// the clocks are there: one conversation's, and what is due
		if policy != nil {
			c, err := s.Conversation("bench", "c1")
			if err != nil || len(c.SLA) != 2 {
				b.Fatalf("conversation c1's clocks: %+v (%v)", c, err)
			}
			due, err := s.DueSLA(start+int64(seq)*100+14*86400_000, 10)
			if err != nil || len(due) != 10 {
				b.Fatalf("due: %d (%v)", len(due), err)
			}
		}
		return took, ms.HeapInuse, disk
	}
	p := policy()
	for range b.N {
		none, noneHeap, noneDisk := run(nil)
		clocks, heap, disk := run(p)
		events := float64(2 * n)
		b.ReportMetric(clocks.Seconds(), "s-clocks")
		b.ReportMetric(none.Seconds(), "s-none")
		b.ReportMetric(clocks.Seconds()/none.Seconds(), "clocks/none")
		b.ReportMetric(events/clocks.Seconds(), "events/s-clocks")
		b.ReportMetric(events/none.Seconds(), "events/s-none")
		b.ReportMetric(float64(heap)/(1<<20), "heap-MiB-clocks")
		b.ReportMetric(float64(noneHeap)/(1<<20), "heap-MiB-none")
		b.ReportMetric(float64(disk)/(1<<20), "disk-MiB-clocks")
		b.ReportMetric(float64(noneDisk)/(1<<20), "disk-MiB-none")
	}
}
