package journal

import (
	"container/heap"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgedesk/edgedesk/edge/bus"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Observer receives measurements; nil fields are skipped.
type Observer struct {
	AppendSeconds func(seconds float64)
	Applied       func(n int)
	Malformed     func()
	// Refused counts log entries the region did not sign.
	Refused func()
}

// Options configure a journal.
type Options struct {
	// Origin is the edge's node id, stamped on the events it appends.
	Origin string
	Log    *slog.Logger
	Obs    Observer
	// Linger is how long the projector waits for more events when fewer
	// than 64 are ready (0: never). Waiting ~1ms costs that much latency
	// at low load and saves a Badger transaction, a delivery round and
	// their wake-ups per event at moderate load.
	Linger time.Duration
}

// Journal appends events and projects the log.
type Journal struct {
	bus    *bus.Bus
	store  *state.Store
	codec  *event.Codec
	origin string
	log    *slog.Logger
	obs    Observer
	linger time.Duration

	sink atomic.Pointer[func([]state.Change)]

	mu       sync.Mutex
	waiters  waitHeap
	released uint64            // highest sequence whose waiters were released
	dups     map[uint64]uint64 // recent duplicate sequences → original
	failed   error
	running  atomic.Bool
}

// Done receives the outcome of an asynchronous append: the event's sequence,
// or for an event that repeats an earlier one (same dedupe id or client id),
// the original's sequence with dup set. It runs on the projector or the bus
// goroutine and must not block.
type Done = func(seq uint64, dup bool, err error)

// New returns a journal that appends to b and projects into s.
func New(b *bus.Bus, s *state.Store, o Options) *Journal {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Journal{bus: b, store: s, codec: event.NewCodec(), origin: o.Origin, log: o.Log, obs: o.Obs,
		linger: o.Linger, dups: map[uint64]uint64{}, released: s.Applied()}
}

// SetSink sets the function that receives the changes of every applied
// batch, in log order. It runs on the projector goroutine and must not block.
func (j *Journal) SetSink(fn func([]state.Change)) { j.sink.Store(&fn) }

// Codec is the event codec.
func (j *Journal) Codec() *event.Codec { return j.codec }

// Append stamps e (origin, time and id when unset), appends it and waits
// until the state has applied it. It returns the log sequence; for an event
// that repeats an earlier one, the original's sequence.
func (j *Journal) Append(ctx context.Context, e *event.Event) (uint64, error) {
	type result struct {
		seq uint64
		err error
	}
	ch := make(chan result, 1)
	j.AppendAsync(e, func(seq uint64, _ bool, err error) { ch <- result{seq, err} })
	select {
	case r := <-ch:
		e.Seq = r.seq
		return r.seq, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// AppendAsync appends like Append without waiting; done is called once the
// state has applied the event, or with the error that stopped it. Events
// appended from one goroutine are applied, and done is called, in order.
// An event that does not validate, or whose bytes the log's decoder would
// refuse (ErrRefused), is not appended.
func (j *Journal) AppendAsync(e *event.Event, done Done) {
	start := time.Now()
	if e.Origin == "" {
		e.Origin = j.origin
	}
	if e.TS == 0 {
		e.TS = start.UnixMilli()
	}
	if e.ID == "" {
		e.ID = event.NewID()
	}
	data, err := j.codec.Encode(e)
	if err != nil {
		done(0, false, err)
		return
	}
	if err := checkEncoded(data); err != nil {
		// appended, it would be skipped as malformed by every projector
		err = refused(e, err)
		j.log.Error("refused to append an event the log could not read back", "tenant", e.Tenant, "err", err)
		done(0, false, err)
		return
	}
	j.bus.AppendAsync(bus.Subject(e.Tenant), e.ID, data, func(seq uint64, dup bool, err error) {
		if err != nil {
			done(0, false, err)
			return
		}
		if j.obs.AppendSeconds != nil {
			j.obs.AppendSeconds(time.Since(start).Seconds())
		}
		j.whenApplied(seq, func(dupOf uint64, err error) {
			switch {
			case err != nil:
				done(0, false, err)
			case dupOf != 0:
				done(dupOf, true, nil)
			default:
				done(seq, dup, nil)
			}
		})
	})
}

// WaitApplied returns once the state has applied seq.
func (j *Journal) WaitApplied(ctx context.Context, seq uint64) error {
	ch := make(chan error, 1)
	j.whenApplied(seq, func(_ uint64, err error) { ch <- err })
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// whenApplied calls fn once seq is applied, with the original sequence when
// the event at seq was a duplicate.
func (j *Journal) whenApplied(seq uint64, fn func(dupOf uint64, err error)) {
	j.mu.Lock()
	if j.failed != nil {
		err := j.failed
		j.mu.Unlock()
		fn(0, err)
		return
	}
	if j.released >= seq {
		dupOf := j.dups[seq]
		j.mu.Unlock()
		fn(dupOf, nil)
		return
	}
	heap.Push(&j.waiters, &waiter{seq: seq, fn: fn})
	j.mu.Unlock()
}

// maxDups bounds how many recent duplicates are remembered for appends whose
// acknowledgement arrives after the projector applied them.
const maxDups = 1 << 14

// release records a batch's duplicates and runs the waiters up to applied.
func (j *Journal) release(applied uint64, changes []state.Change) {
	var ready []*waiter
	j.mu.Lock()
	for i := range changes {
		if c := &changes[i]; c.Duplicate && c.DuplicateOf != 0 {
			if len(j.dups) >= maxDups {
				clear(j.dups)
			}
			j.dups[c.Event.Seq] = c.DuplicateOf
		}
	}
	j.released = applied
	for len(j.waiters) > 0 && j.waiters[0].seq <= applied {
		ready = append(ready, heap.Pop(&j.waiters).(*waiter))
	}
	dups := j.dups
	j.mu.Unlock()
	for _, w := range ready {
		w.fn(dups[w.seq], nil) // written only on this goroutine
	}
}

func (j *Journal) fail(err error) {
	j.mu.Lock()
	j.failed = err
	ready := []*waiter(j.waiters)
	j.waiters = nil
	j.mu.Unlock()
	for _, w := range ready {
		w.fn(0, err)
	}
}

// CatchUp waits until the state has applied everything the log held when it
// was called.
func (j *Journal) CatchUp(ctx context.Context) error {
	last, err := j.bus.LastSeq(ctx)
	if err != nil {
		return err
	}
	return j.WaitApplied(ctx, last)
}

// Running reports whether the projector loop runs.
func (j *Journal) Running() bool { return j.running.Load() }

type rawEvent struct {
	seq  uint64
	data []byte
}

// maxBatch bounds the events applied in one store transaction.
const maxBatch = 1024

// lingerBelow is the batch size below which the projector waits up to
// Options.Linger for more events.
const lingerBelow = 64

// Run projects the log into the store until ctx ends. It starts after the
// store's applied sequence, so a restart continues where it stopped and an
// empty store is rebuilt from the beginning of the log.
func (j *Journal) Run(ctx context.Context) error {
	j.running.Store(true)
	defer j.running.Store(false)
	in := make(chan rawEvent, 4*maxBatch)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readErr := make(chan error, 1)
	from := j.store.Applied() + 1
	go func() {
		readErr <- j.bus.Read(rctx, from, func(seq uint64, data []byte) {
			select {
			case in <- rawEvent{seq: seq, data: data}:
			case <-rctx.Done():
			}
		})
	}()
	batch := make([]*event.Event, 0, maxBatch)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		var first rawEvent
		select {
		case <-ctx.Done():
			j.fail(ErrStopped)
			return nil
		case err := <-readErr:
			if err != nil {
				j.fail(err)
				return err
			}
			j.fail(ErrStopped)
			return nil
		case first = <-in:
		}
		batch = append(batch[:0], j.decode(first))
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-in:
				batch = append(batch, j.decode(r))
			default:
				break drain
			}
		}
		if j.linger > 0 && len(batch) < lingerBelow {
			// Group commit: a small batch waits a moment for company, so
			// that at moderate load events share a transaction and a
			// delivery instead of paying for one each.
			linger.Reset(j.linger)
		wait:
			for len(batch) < lingerBelow {
				select {
				case r := <-in:
					batch = append(batch, j.decode(r))
				case <-linger.C:
					break wait
				case <-ctx.Done():
					break wait
				}
			}
			linger.Stop()
		}
		changes, err := j.store.ApplyBatch(batch)
		if err != nil {
			err = fmt.Errorf("projector stopped: %w", err)
			j.log.Error("projector failed; the node can no longer apply events", "err", err)
			j.fail(err)
			return err
		}
		if j.obs.Applied != nil {
			j.obs.Applied(len(batch))
		}
		j.release(j.store.Applied(), changes)
		if fn := j.sink.Load(); fn != nil && len(changes) > 0 {
			(*fn)(changes)
		}
	}
}

// decode parses a log entry. An entry that is not a valid event (written by
// something other than an edge) still advances the sequence; it applies
// nothing and is reported.
func (j *Journal) decode(r rawEvent) *event.Event {
	if r.data == nil {
		// not signed by the region (the bus said why): nothing of it
		// is read
		if j.obs.Refused != nil {
			j.obs.Refused()
		}
		return &event.Event{Seq: r.seq, Kind: "invalid"}
	}
	e, err := j.codec.Decode(r.data)
	if err != nil {
		j.log.Warn("skipping malformed event in the log", "seq", r.seq, "err", err)
		if j.obs.Malformed != nil {
			j.obs.Malformed()
		}
		return &event.Event{Seq: r.seq, Kind: "invalid"}
	}
	e.Seq = r.seq
	return e
}

type waiter struct {
	seq uint64
	fn  func(dupOf uint64, err error)
}

type waitHeap []*waiter

func (h waitHeap) Len() int           { return len(h) }
func (h waitHeap) Less(a, b int) bool { return h[a].seq < h[b].seq }
func (h waitHeap) Swap(a, b int)      { h[a], h[b] = h[b], h[a] }
func (h *waitHeap) Push(x any)        { *h = append(*h, x.(*waiter)) }
func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	return w
}
