package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Health is what the bus knows of its log's ability to take writes, from a
// stream-info request made every HealthInterval.
type Health struct {
	// Checked is when the stream last answered, or was last asked.
	Checked time.Time
	// Writable is true when the stream has a leader with a quorum of its
	// replicas, so an append can be stored; Why says why not.
	Writable bool
	Why      string
	// Leader is the stream leader's server name; IsLeader says it is
	// this node.
	Leader   string
	IsLeader bool
	// Replicas of the stream, and of the peers other than the leader how
	// many are current, lagging (reachable, behind) or offline.
	Replicas                  int
	Current, Lagging, Offline int
	// Peers are the other servers of the cluster this node has routes
	// to (each peer has several route connections: a pool, and one per
	// pinned account).
	Peers int
	// The stream's state.
	Msgs, Bytes, LastSeq uint64
}

// HealthInterval is how often the stream is asked for its state.
const HealthInterval = time.Second

type health struct {
	b      *Bus
	mu     sync.Mutex
	last   Health
	cancel context.CancelFunc
	done   chan struct{}
}

func newHealth(b *Bus) *health {
	ctx, cancel := context.WithCancel(context.Background())
	h := &health{b: b, cancel: cancel, done: make(chan struct{})}
	h.last = h.measure(ctx)
	go h.run(ctx)
	return h
}

func (h *health) run(ctx context.Context) {
	defer close(h.done)
	t := time.NewTicker(HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := h.measure(ctx)
		if ctx.Err() != nil {
			return
		}
		h.mu.Lock()
		before := h.last
		h.last = now
		h.mu.Unlock()
		// transitions only: a lost peer costs a line, not one a second
		switch {
		case before.Writable && !now.Writable:
			h.b.log.Error("the event log cannot take writes: appends fail until it can", "why", now.Why)
		case !before.Writable && now.Writable:
			h.b.log.Info("the event log takes writes again", "leader", now.Leader)
		case now.Writable && before.Offline != now.Offline:
			h.b.log.Warn("event log replicas changed", "current", now.Current, "lagging", now.Lagging, "offline", now.Offline, "replicas", now.Replicas)
		}
	}
}

func (h *health) measure(ctx context.Context) Health {
	b := h.b
	out := Health{Checked: time.Now(), Replicas: b.opts.Replicas, Peers: b.Peers()}
	if !b.srv.Running() || !b.srv.JetStreamEnabled() {
		out.Why = "the embedded NATS server or its JetStream is not running"
		return out
	}
	ictx, cancel := context.WithTimeout(ctx, HealthInterval)
	info, err := b.stream.Info(ictx)
	cancel()
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			out.Why = fmt.Sprintf("the event stream did not answer in %s: it has no leader (a quorum of its %d replicas is not reachable)", HealthInterval, b.opts.Replicas)
		} else {
			out.Why = fmt.Sprintf("the event stream does not answer: %v", err)
		}
		return out
	}
	out.Msgs, out.Bytes, out.LastSeq = info.State.Msgs, info.State.Bytes, info.State.LastSeq
	if info.Cluster == nil || b.opts.Replicas <= 1 {
		out.Writable, out.Leader, out.IsLeader = true, b.opts.ServerName, true
		return out
	}
	out.Leader = info.Cluster.Leader
	out.IsLeader = out.Leader != "" && out.Leader == b.opts.ServerName
	for _, p := range info.Cluster.Replicas {
		switch {
		case p.Offline:
			out.Offline++
		case p.Current:
			out.Current++
		default:
			out.Lagging++
		}
	}
	reachable := 1 + out.Current + out.Lagging // the leader and those it hears
	switch {
	case out.Leader == "":
		out.Why = "the event stream has no leader"
	case reachable <= b.opts.Replicas/2:
		out.Why = fmt.Sprintf("the event stream's leader reaches %d of %d replicas, no quorum", reachable, b.opts.Replicas)
	default:
		out.Writable = true
	}
	return out
}

func (h *health) get() Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

func (h *health) stop() {
	h.cancel()
	<-h.done
}

// Health returns the log's latest health, measured at most
// HealthInterval ago (a little more while the stream does not answer).
func (b *Bus) Health() Health {
	if b.health == nil {
		return Health{Why: "the event log is not open"}
	}
	return b.health.get()
}

// Peers is the number of other servers of the cluster this node has a
// route to.
func (b *Bus) Peers() int {
	if b.opts.Cluster.Listen == "" {
		return 0
	}
	rz, err := b.srv.Routez(&server.RoutezOptions{})
	if err != nil {
		return 0
	}
	names := map[string]bool{}
	for _, r := range rz.Routes {
		names[r.RemoteName] = true
	}
	return len(names)
}

// HandOver makes another node lead the event stream when this one does,
// and waits (until ctx ends) for the new leader to be elected. A node about
// to stop calls it first: the stream changes leader while every node still
// runs, in a moment, where a leader that just vanishes leaves the others
// without one until an election timeout (seconds). It does nothing on a
// single node, when another node leads, or when the stream has no quorum.
func (b *Bus) HandOver(ctx context.Context) error {
	if b.opts.Replicas <= 1 || b.opts.Cluster.Listen == "" {
		return nil
	}
	if h := b.Health(); !h.Writable {
		return nil // no quorum: no one to hand it to
	}
	for {
		ictx, cancel := context.WithTimeout(ctx, time.Second)
		info, err := b.stream.Info(ictx)
		cancel()
		switch {
		case err == nil && info.Cluster != nil && info.Cluster.Leader != "" && info.Cluster.Leader != b.opts.ServerName:
			return nil
		case err == nil && info.Cluster != nil && info.Cluster.Leader == b.opts.ServerName:
			sctx, cancel := context.WithTimeout(ctx, time.Second)
			_, err = b.nc.RequestWithContext(sctx, "$JS.API.STREAM.LEADER.STEPDOWN."+StreamName, nil)
			cancel()
			if err != nil && ctx.Err() == nil {
				b.log.Debug("stream leader step-down", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("hand the event stream's leadership over: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
