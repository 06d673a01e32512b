// Package clock is the ticket lifecycle's clock: it makes the changes
// that time makes. An on-hold conversation whose snooze has ended opens
// again; a solved one whose days are up (tickets.close_after) is closed;
// a service level clock that reaches its warning or its target records
// it (and a breach escalates the priority, as the tenant's policy says). It reads what is due from the state's time indexes, which the
// projector keeps from the log, so nothing is lost when a node restarts
// or another takes over: every node of a region runs a clock, the
// changes' ids are derived from the time they are for, and the log and
// the projector keep one of each (docs/tickets.md).
package clock

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Options configure a Clock.
type Options struct {
	Store         *state.Store
	Conversations *conversation.Service
	// CloseAfter is how long a solved conversation stays solved before it
	// is closed; 0: never.
	CloseAfter time.Duration
	// Interval is how often the clock looks at what is due (default 1s).
	Interval time.Duration
	// Now is the time (nil: time.Now).
	Now func() time.Time
	Log *slog.Logger
}

// Clock makes the lifecycle's changes that time makes.
type Clock struct{ o Options }

// batch bounds the changes of one look: what is left waits for the next.
const batch = 500

// New is a clock; Run starts it.
func New(o Options) *Clock {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Clock{o: o}
}

// Run looks at what is due every Interval until ctx ends.
func (c *Clock) Run(ctx context.Context) error {
	t := time.NewTicker(c.o.Interval)
	defer t.Stop()
	for {
		if _, err := c.Tick(ctx); err != nil && ctx.Err() == nil {
			c.o.Log.Warn("the lifecycle's clock could not make a change; it tries again", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Tick makes what is due now: it returns how many changes it asked for,
// and the first error (the others are still tried).
func (c *Clock) Tick(ctx context.Context) (int, error) {
	now := c.o.Now().UnixMilli()
	var first error
	n := 0
	do := func(list []state.Due, err error, to string) {
		if err != nil {
			first = cmpErr(first, err)
			return
		}
		for _, d := range list {
			if _, err := c.o.Conversations.Elapse(ctx, d.Tenant, d.Conv, to, d.At); err != nil {
				first = cmpErr(first, err)
				continue
			}
			n++
		}
	}
	wakes, err := c.o.Store.DueWakes(now, batch)
	do(wakes, err, event.StatusOpen)
	stages, err := c.o.Store.DueSLA(now, batch)
	if err != nil {
		first = cmpErr(first, err)
	}
	for _, d := range stages {
		if _, err := c.o.Conversations.SLAStage(ctx, d.Tenant, d.Conv, d.Measure, d.Stage, d.Since, d.At); err != nil {
			first = cmpErr(first, err)
			continue
		}
		n++
	}
	if c.o.CloseAfter > 0 {
		solved, err := c.o.Store.SolvedBefore(now-c.o.CloseAfter.Milliseconds(), batch)
		do(solved, err, event.StatusClosed)
	}
	return n, first
}

func cmpErr(first, err error) error {
	if first != nil || errors.Is(err, context.Canceled) {
		return first
	}
	return err
}
