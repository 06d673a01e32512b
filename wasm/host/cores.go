package host

import (
	"context"
	"errors"
	"runtime"
	"time"
)

// Plugins run machine code on at most Limits.Cores cores at once (by
// default one fewer than Go's GOMAXPROCS, at least one), so that however
// many plugin calls spin, one core is always the edge's. A call holds a
// core while it runs the module (and so does making an instance), and
// hands it on at every metering call (meter.go), every 50-200 µs of
// work: calls waiting for a core take turns with the one running, in the
// order they came. Without it, on two cores, a routing plugin and two NLP
// workers spinning to their deadlines had the chat's goroutines queue
// behind them: the message p99 went to three times its own.
type cores chan struct{}

func newCores(n int) cores {
	c := make(cores, n)
	for range n {
		c <- struct{}{}
	}
	return c
}

// defaultCores leaves one core to the rest of the process.
func defaultCores() int { return max(1, runtime.GOMAXPROCS(0)-1) }

var errNoCore = errors.New("no core was free for plugins before the deadline")

// take waits for a core until deadline (none: no limit) or until ctx ends.
func (c cores) take(ctx context.Context, deadline time.Time) error {
	select {
	case <-c:
		return nil
	default:
	}
	var expired <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-c:
		return nil
	case <-expired:
		return errNoCore
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hold takes a core for the call of st.
func (st *callState) hold(ctx context.Context, c cores) error {
	if err := c.take(ctx, st.deadline); err != nil {
		return err
	}
	st.core = c
	return nil
}

// release gives the call's core back, if it holds one.
func (st *callState) release() {
	if st.core != nil {
		st.core <- struct{}{}
		st.core = nil
	}
}

// yield lets other goroutines run: a call holding a core hands it to the
// call waiting longest, if any, and waits for its turn again.
func (st *callState) yield() {
	if st == nil || st.core == nil {
		runtime.Gosched()
		return
	}
	c := st.core
	c <- struct{}{}
	runtime.Gosched()
	<-c
}
