package state_test

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// BenchmarkApplyMessages measures the projector's cost per chat message:
// batches of messages spread over many conversations applied to a store on
// disk. BenchmarkBadgerSetOneKey writes one key of the same size per message
// in batches of the same size: the engine underneath, for a ratio.
//
//	go test -run '^$' -bench 'ApplyMessages|BadgerSetOneKey' -benchtime 200000x -count 3 ./internal/state
const (
	benchConvs = 512
	benchBatch = 64
)

func BenchmarkApplyMessages(b *testing.B) {
	s, err := state.Open(b.TempDir(), state.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	convs := make([]string, benchConvs)
	var seq uint64
	var setup []*event.Event
	for i := range convs {
		convs[i] = event.NewID()
		seq++
		setup = append(setup, &event.Event{Seq: seq, Tenant: "bench", Kind: event.KindConversationOpened, TS: 1,
			Actor:        event.Actor{Kind: event.ActorCustomer, ID: "contact-" + convs[i]},
			Conversation: &event.ConvOpened{Conv: convs[i], Inbox: "web", Contact: "contact-" + convs[i], Assignee: "agent-1"}})
	}
	if _, err := s.ApplyBatch(setup); err != nil {
		b.Fatal(err)
	}
	batch := make([]*event.Event, 0, benchBatch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += benchBatch {
		batch = batch[:0]
		for k := i; k < min(i+benchBatch, b.N); k++ {
			seq++
			conv := convs[k%benchConvs]
			batch = append(batch, &event.Event{Seq: seq, Tenant: "bench", Kind: event.KindMessageCreated, TS: int64(seq),
				ID:      event.NewID(),
				Actor:   event.Actor{Kind: event.ActorCustomer, ID: "contact-" + conv},
				Message: &event.Message{Conv: conv, ClientID: fmt.Sprintf("c-%012d", k), Text: "a sixty-four byte chat message, about what a customer types...."}})
		}
		if _, err := s.ApplyBatch(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkBadgerSetOneKey(b *testing.B) {
	db, err := badger.Open(badger.DefaultOptions(b.TempDir()).WithLogger(nil).WithSyncWrites(false).
		WithMemTableSize(32 << 20).WithDetectConflicts(false))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 160)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += benchBatch {
		txn := db.NewTransaction(true)
		for k := i; k < min(i+benchBatch, b.N); k++ {
			if err := txn.Set(fmt.Appendf(nil, "tl/bench/%s/%016x", "0123456789abcdefghij", k), val); err != nil {
				b.Fatal(err)
			}
		}
		if err := txn.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
