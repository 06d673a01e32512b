// Package automation runs the tenant's automation rules' actions at the
// edge. The projector decides which rules fire, at each change's place in
// the log (internal/state), and writes each firing down; the Runner of
// every node of a region makes the firings' actions, one event each, and
// says when a time rule's time has come. Its events' ids are derived from
// the firing, the step and the time, and the projector applies each only
// as its firing's next step, so the log keeps every action once however
// many nodes run, restart or die half-way (docs/automation.md).
package automation

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Options configure a Runner.
type Options struct {
	Store         *state.Store
	Conversations *conversation.Service
	// Interval is how often it looks for firings and time rules' times
	// without being woken (default 1s); the projector wakes it at once
	// when it writes a firing down.
	Interval time.Duration
	// Now is the time (nil: time.Now).
	Now func() time.Time
	Log *slog.Logger
}

// Runner makes the actions of firings.
type Runner struct{ o Options }

// batch bounds the firings and times of one look.
const batch = 500

// New is a runner; Run starts it.
func New(o Options) *Runner {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Runner{o: o}
}

// Run makes what is to be made until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	t := time.NewTicker(r.o.Interval)
	defer t.Stop()
	wake := r.o.Store.AutomationWake()
	for {
		for {
			n, err := r.Step(ctx)
			if err != nil && ctx.Err() == nil {
				r.o.Log.Warn("automation could not make a rule's action; it tries again", "err", err)
				break
			}
			if n == 0 || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-wake:
		}
	}
}

// Step makes the next action of every firing written down, and fires
// the time rules whose time has come; it returns how many events it
// appended, and the first error (the others are still tried).
func (r *Runner) Step(ctx context.Context) (int, error) {
	var first error
	n := 0
	firings, err := r.o.Store.Firings(batch)
	if err != nil {
		return 0, err
	}
	for i := range firings {
		if _, err := r.o.Conversations.RunFiring(ctx, &firings[i]); err != nil {
			first = cmpErr(first, err)
			continue
		}
		n++
	}
	due, err := r.o.Store.DueAutomation(r.o.Now().UnixMilli(), batch)
	if err != nil {
		return n, cmpErr(first, err)
	}
	for _, d := range due {
		if _, err := r.o.Conversations.FireDue(ctx, d); err != nil {
			first = cmpErr(first, err)
			continue
		}
		n++
	}
	return n, first
}

func cmpErr(first, err error) error {
	if first != nil || errors.Is(err, context.Canceled) {
		return first
	}
	return err
}
