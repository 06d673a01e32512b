package hub

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/edgedesk/edgedesk/analytics"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// edgeState is what the hub holds for one edge: its projected state (the
// edge's own projector code, run on the hub) and its sync connection.
type edgeState struct {
	name, region string
	store        *state.Store
	kick         chan struct{} // the log grew: the projector looks

	mu   sync.Mutex
	conn *quic.Conn // the current sync connection, or nil
	head uint64     // the edge's last sequence, as it last said
	// configAcked is the last configuration sequence the edge applied.
	configAcked uint64
	lastTS      int64 // time of the last event stored (unix ms)
	stored      atomic.Uint64
	// staff is the region's agents as the edge last said (syncproto.Status),
	// and when the hub heard it; nil while the edge is not connected.
	staff   *syncproto.Status
	staffAt time.Time
}

// edge returns the state of edge name, opening its store and starting its
// projector, which runs until ctx ends, on first use.
func (h *Hub) edge(ctx context.Context, name, region string) (*edgeState, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.edges[name]; ok {
		return e, nil
	}
	dir := filepath.Join(h.cfg.DataDir, "state", name)
	st, err := state.Open(dir, state.Options{Uncompressed: true}, h.log.With("edge", name))
	if err != nil {
		return nil, err
	}
	if l := st.Layout(); l != state.Layout {
		// written by another version of the projector: rebuilt from the log
		h.log.Warn("rebuilding an edge's state written with another layout", "edge", name, "store_layout", l, "layout", state.Layout)
		if err := st.Close(); err != nil {
			return nil, err
		}
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		if st, err = state.Open(dir, state.Options{Uncompressed: true}, h.log.With("edge", name)); err != nil {
			return nil, err
		}
	}
	stored, err := h.elog.Stored(name)
	if err != nil {
		st.Close()
		return nil, err
	}
	e := &edgeState{name: name, region: region, store: st, kick: make(chan struct{}, 1)}
	e.stored.Store(stored)
	h.edges[name] = e
	// the analytics table holds what the store has before the hub is
	// ready: no query answers half of the history after a start
	h.replayAnalytics(ctx, e)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.project(ctx, e)
	}()
	return e, nil
}

// attach makes conn the edge's sync connection, closing an older one (the
// edge reconnected before the hub noticed the old one was gone).
func (e *edgeState) attach(conn *quic.Conn) {
	e.mu.Lock()
	old := e.conn
	e.conn = conn
	e.mu.Unlock()
	if old != nil && old != conn {
		_ = old.CloseWithError(closeReplaced, "replaced by a newer connection of the same edge")
	}
}

func (e *edgeState) detach(conn *quic.Conn) {
	e.mu.Lock()
	if e.conn == conn {
		e.conn, e.staff = nil, nil
	}
	e.mu.Unlock()
}

// project applies the edge's stored log to its state store, after what the
// store has applied, until ctx ends.
func (h *Hub) project(ctx context.Context, e *edgeState) {
	log := h.log.With("edge", e.name)
	batch := make([]*event.Event, 0, 1024)
	for {
		applied, stored := e.store.Applied(), e.stored.Load()
		if applied >= stored {
			select {
			case <-ctx.Done():
				return
			case <-e.kick:
				continue
			}
		}
		batch = batch[:0]
		err := h.elog.Read(e.name, applied+1, stored, func(seq uint64, data []byte) bool {
			ev, err := h.codec.Decode(data)
			if err != nil {
				// checked when received; a log written by an older hub
				// may still hold one: it advances the sequence only
				log.Warn("skipping malformed event in the hub's log", "seq", seq, "err", err)
				ev = &event.Event{Kind: "invalid"}
			}
			ev.Seq = seq
			batch = append(batch, ev)
			return len(batch) < cap(batch)
		})
		if err == nil && len(batch) > 0 {
			if _, err = e.store.ApplyBatch(batch); err == nil {
				for _, ev := range batch {
					h.analytics.AppendFrom(e.name, ev.Seq, e.region, ev)
				}
			}
		}
		if err != nil {
			log.Error("the hub's projector stopped for this edge; restart the hub", "err", err)
			return
		}
	}
}

// replayAnalytics reads into the analytics table what the edge's store
// applied before this start and the table's rolled segments do not hold
// (at most a roll period's events, once segments are written), rolling
// every analytics.MaxTail rows.
func (h *Hub) replayAnalytics(ctx context.Context, e *edgeState) {
	from, applied := h.analytics.Position(e.name)+1, e.store.Applied()
	if from > applied {
		return
	}
	err := h.elog.Read(e.name, from, applied, func(seq uint64, data []byte) bool {
		if ev, err := h.codec.Decode(data); err == nil && h.analytics.AppendFrom(e.name, seq, e.region, ev) &&
			h.analytics.TailLen() >= analytics.MaxTail {
			// a long log (a first start with this version) rolls as it is
			// read: segments stay of a size a query reads back at once
			if err := h.analytics.Roll(time.Now().UnixMilli()); err != nil {
				h.log.Error("analytics", "err", err)
			}
		}
		return ctx.Err() == nil
	})
	if err != nil {
		h.log.Error("cannot read the log into the analytics table; its figures miss this edge's past", "edge", e.name, "err", err)
	}
}

// EdgeStatus is one edge in GET /api/v1/edges.
type EdgeStatus struct {
	ID              string  `json:"id"`
	Region          string  `json:"region"`
	Connected       bool    `json:"connected"`
	LastSeqReceived uint64  `json:"last_seq_received"`
	LastSeqApplied  uint64  `json:"last_seq_applied"`
	LagSeconds      float64 `json:"lag_seconds"`
	EventsTotal     uint64  `json:"events_total"`
	ConfigSeqAcked  uint64  `json:"config_seq_acked"`
	Revoked         bool    `json:"revoked,omitempty"`
}

func (e *edgeState) status(now time.Time) EdgeStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := EdgeStatus{ID: e.name, Region: e.region, Connected: e.conn != nil,
		LastSeqReceived: e.stored.Load(), LastSeqApplied: e.store.Applied(), EventsTotal: e.stored.Load(),
		ConfigSeqAcked: e.configAcked}
	// Behind the edge, the lag is the age of the newest event the hub has:
	// the edge's events since then are not here yet.
	if e.head > s.LastSeqReceived && e.lastTS > 0 {
		s.LagSeconds = max(0, now.Sub(time.UnixMilli(e.lastTS)).Seconds())
	}
	return s
}
