package state

import (
	"errors"
	"slices"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/sla"
)

// A conversation's service level clocks, kept by the projector from the
// log as the hub's figures measure the same waits (analytics, the
// measures of docs/metrics.md): a first response wait from the opening
// (or a reopening) to an agent's first answer, a next response wait from
// the customer's turn to the next answer, and the resolution, from the
// opening to the solving. Each runs in the tenant's business hours and
// stands still while the conversation is pending or on hold. When a
// clock's warning or target comes, edge/clock appends a
// conversation.sla event (DueSLA finds them in time order).

// SLAClock is one running wait of a conversation under its tenant's
// policy.
type SLAClock struct {
	Measure string `cbor:"1,keyasint"`
	Since   int64  `cbor:"2,keyasint"` // when the wait began (unix ms)
	// Spent is the business time (ms) counted before Run.
	Spent int64 `cbor:"3,keyasint,omitempty"`
	// Run is when the clock last started counting (unix ms); 0 while it
	// stands still.
	Run    int64 `cbor:"4,keyasint,omitempty"`
	Target int64 `cbor:"5,keyasint"` // ms
	// Warn and Due are when the warning and the target come (unix ms); 0
	// while the clock stands still, Warn 0 once the warning came.
	Warn  int64  `cbor:"6,keyasint,omitempty"`
	Due   int64  `cbor:"7,keyasint,omitempty"`
	Stage string `cbor:"8,keyasint,omitempty"` // "", warning, breached
}

// Left is the business time (ms) left to the target at now: negative
// past it.
func (c *SLAClock) Left(sched *sla.Schedule, now int64) int64 {
	spent := c.Spent
	if c.Run != 0 && now > c.Run {
		spent += sched.Within(c.Run, now).Milliseconds()
	}
	return c.Target - spent
}

// next is the clock's next stage and when it comes; "" when none (it
// stands still, or it has breached).
func (c *SLAClock) next() (string, int64) {
	switch {
	case c.Run == 0 || c.Stage == event.SLABreached:
		return "", 0
	case c.Stage == "" && c.Warn != 0:
		return event.SLAWarning, c.Warn
	case c.Due != 0:
		return event.SLABreached, c.Due
	}
	return "", 0
}

// policy is a tenant's SLA policy as the projector uses it.
type policy struct {
	sla   *event.SLA // nil: none
	sched *sla.Schedule
}

// policyOf is tenant t's policy (cached; ApplyBatch forgets a tenant's
// when its tenant.upserted comes).
func (s *Store) policyOf(txn *badger.Txn, t string) (*policy, error) {
	if p, ok := s.policies[t]; ok {
		return p, nil
	}
	var rec TenantRec
	switch err := s.get(txn, kTenant(t), &rec); {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, err
	}
	p := &policy{sla: rec.SLA, sched: sla.ScheduleOf(rec.SLA)}
	if len(s.policies) >= maxConvCache {
		clear(s.policies)
	}
	s.policies[t] = p
	return p, nil
}

// plan sets a counting clock's warning and due times from what is left
// (none without a target).
func (p *policy) plan(c *SLAClock) {
	c.Warn, c.Due = 0, 0
	if c.Run == 0 || c.Target <= 0 {
		return
	}
	if c.Stage == "" {
		if warnAt := int64(float64(c.Target) * p.sla.WarnShare()); c.Spent < warnAt {
			c.Warn = p.sched.Add(c.Run, time.Duration(warnAt-c.Spent)*time.Millisecond)
		}
	}
	c.Due = p.sched.Add(c.Run, time.Duration(max(0, c.Target-c.Spent))*time.Millisecond)
}

// start is a new clock of measure from ts at priority, nil without a
// policy. A measure the policy sets no target for at this priority still
// counts (without a due): a higher priority may give it one.
func (p *policy) start(measure, priority string, ts int64) *SLAClock {
	if p.sla == nil {
		return nil
	}
	c := &SLAClock{Measure: measure, Since: ts, Run: ts, Target: sla.Target(p.sla, measure, priority).Milliseconds()}
	p.plan(c)
	return c
}

// slaFor moves conversation c's clocks for event e, which took c from
// prev (its record before e): clocks start, stop, stand still and count
// again as the hub's measurer has them do.
func (s *Store) slaFor(txn *badger.Txn, e *event.Event, prev, c *ConversationRec) error {
	p, err := s.policyOf(txn, c.Tenant)
	if err != nil {
		return err
	}
	clocks := slices.Clone(c.SLA) // records share their slices with caches
	has := func(m string) int { return slices.IndexFunc(clocks, func(k SLAClock) bool { return k.Measure == m }) }
	drop := func(m string) {
		if i := has(m); i >= 0 {
			clocks = slices.Delete(clocks, i, i+1)
		}
	}
	add := func(m string, ts int64) {
		drop(m)
		if k := p.start(m, c.Priority, ts); k != nil {
			clocks = append(clocks, *k)
		}
	}
	pause := func(ts int64) {
		for i := range clocks {
			if k := &clocks[i]; k.Run != 0 {
				k.Spent += p.sched.Within(k.Run, ts).Milliseconds()
				k.Run = 0
				p.plan(k)
			}
		}
	}
	resume := func(ts int64) {
		for i := range clocks {
			if k := &clocks[i]; k.Run == 0 {
				k.Run = ts
				p.plan(k)
			}
		}
	}
	// a snooze that ended before ts ended at its time, as the hub counts it
	resumeAt := func(ts int64) int64 {
		if prev.Status == event.StatusOnHold && prev.SnoozeUntil != 0 && prev.SnoozeUntil < ts {
			return prev.SnoozeUntil
		}
		return ts
	}
	paused := func(st string) bool { return st == event.StatusPending || st == event.StatusOnHold }
	restart := func(ts int64) {
		clocks, c.Answered, c.SLAEnded = nil, false, false
		if p.sla != nil {
			add(sla.FirstResponse, ts)
			add(sla.Resolution, ts)
		}
	}
	ts := e.TS
	switch e.Kind {
	case event.KindConversationOpened:
		restart(ts)
	case event.KindMessageCreated:
		m := e.Message
		switch {
		case m.Private || e.Actor.Kind == event.ActorSystem:
		case e.Actor.Kind == event.ActorCustomer:
			switch {
			case prev.SLAEnded:
				restart(ts) // a reopening: every clock starts again
			case paused(prev.Status) && !paused(c.Status):
				resume(resumeAt(ts))
			}
			if c.Answered && has(sla.FirstResponse) < 0 && has(sla.NextResponse) < 0 && p.sla != nil {
				add(sla.NextResponse, ts) // the customer's turn
			}
		case e.Actor.Kind == event.ActorAgent:
			drop(sla.FirstResponse)
			drop(sla.NextResponse)
			c.Answered = true
		}
	case event.KindStatusChanged:
		switch {
		case event.Done(c.Status):
			clocks, c.SLAEnded = nil, true // solved: the resolution ends, and any wait
		case prev.SLAEnded && c.Status == event.StatusOpen:
			restart(ts) // reopened (set pending or on hold, it waits for the customer's reply)
		case paused(c.Status) && !paused(prev.Status):
			pause(ts)
		case paused(prev.Status) && !paused(c.Status):
			if e.Status.Due != 0 { // the clock's wake-up: at the snooze's end
				ts = e.Status.Due
			}
			resume(resumeAt(ts))
		}
	case event.KindPriorityChanged:
		for i := range clocks {
			k := &clocks[i]
			k.Target = sla.Target(p.sla, k.Measure, c.Priority).Milliseconds()
			p.plan(k)
		}
	case event.KindSLAStage:
		st := e.SLAStage
		i := has(st.Measure)
		if i < 0 || clocks[i].Since != st.Since || clocks[i].Stage == event.SLABreached || clocks[i].Stage == st.Stage {
			return nil
		}
		clocks[i].Stage = st.Stage
		if st.Stage == event.SLAWarning {
			clocks[i].Warn = 0
		}
	}
	if slices.Equal(clocks, c.SLA) {
		return nil
	}
	if len(clocks) == 0 {
		clocks = nil
	}
	if err := s.indexSLA(txn, c, c.SLA, clocks); err != nil {
		return err
	}
	c.SLA = clocks
	return nil
}

// indexSLA moves conversation c's entries in the clocks' time index
// (dq/<ms>/<tenant>/<conv>/<measure>: the stage that comes then) from
// the old clocks' next stages to the new ones'.
func (s *Store) indexSLA(txn *badger.Txn, c *ConversationRec, old, clocks []SLAClock) error {
	for i := range old {
		if stage, at := old[i].next(); stage != "" {
			if err := txn.Delete(kDueSLA(at, c.Tenant, c.ID, old[i].Measure)); err != nil {
				return err
			}
		}
	}
	for i := range clocks {
		if stage, at := clocks[i].next(); stage != "" {
			if err := txn.Set(kDueSLA(at, c.Tenant, c.ID, clocks[i].Measure), []byte(stage)); err != nil {
				return err
			}
		}
	}
	return nil
}

// DueClock is a clock's stage that has come: the conversation, its clock
// (Measure, Since) and the stage, and when it came.
type DueClock struct {
	Tenant, Conv, Measure, Stage string
	Since, At                    int64
}

// DueSLA returns up to limit clocks' stages due at or before now, the
// earliest first.
func (s *Store) DueSLA(now int64, limit int) ([]DueClock, error) {
	var out []DueClock
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(prefixSLA)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid() && len(out) < limit; it.Next() {
			parts := strings.Split(string(it.Item().Key()[len(prefixSLA):]), "/")
			if len(parts) != 4 {
				continue
			}
			ms, err := parseSeqHex(parts[0])
			if err != nil {
				continue
			}
			if int64(ms) > now {
				break
			}
			stage, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			var c ConversationRec
			switch err := s.get(txn, kConv(parts[1], parts[2]), &c); {
			case errors.Is(err, ErrNotFound):
				continue
			case err != nil:
				return err
			}
			i := slices.IndexFunc(c.SLA, func(k SLAClock) bool { return k.Measure == parts[3] })
			if i < 0 {
				continue
			}
			out = append(out, DueClock{Tenant: parts[1], Conv: parts[2], Measure: parts[3], Stage: string(stage),
				Since: c.SLA[i].Since, At: int64(ms)})
		}
		return nil
	})
	return out, err
}
