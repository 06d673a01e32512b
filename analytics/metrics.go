package analytics

import (
	"cmp"
	"slices"
	"time"

	"github.com/edgedesk/edgedesk/internal/sla"
)

// Measure is a service metric measured on one wait: docs/metrics.md
// defines each.
type Measure int8

// Measures.
const (
	FirstResponse Measure = 1 // the customer's wait for a first human answer
	NextResponse  Measure = 2 // a later wait, from the customer's turn to the next answer
	Resolution    Measure = 3 // from the start (or reopen) to resolved
)

func (m Measure) String() string {
	switch m {
	case FirstResponse:
		return "first_response"
	case NextResponse:
		return "next_response"
	case Resolution:
		return "resolution"
	}
	return "measure"
}

// Policy is a service level policy: targets by priority (low, normal,
// high, urgent; 0: none) and whether they count business hours only.
type Policy struct {
	FirstResponse, NextResponse, Resolution [4]time.Duration
	BusinessHours                           *sla.Schedule // nil: the clock runs around the clock
}

func (p *Policy) target(m Measure, priority int8) time.Duration {
	if p == nil {
		return 0
	}
	i := min(max(priority, 0), 3)
	switch m {
	case FirstResponse:
		return p.FirstResponse[i]
	case NextResponse:
		return p.NextResponse[i]
	}
	return p.Resolution[i]
}

// Fact is one measured wait: which metric, whose (conversation, tenant,
// region, inbox, channel, the agent who answered or resolved, priority),
// when it began and ended, how long the clock ran (paused while the
// conversation waited on the customer or was snoozed), how much of that
// was in business hours, and whether it missed the policy's target.
type Fact struct {
	Measure                                     Measure
	Conv, Tenant, Region, Inbox, Channel, Agent int32
	Priority                                    int8
	Start, End                                  int64 // unix ms
	Elapsed, Business                           time.Duration
	Breached                                    bool
}

// convState is what the measuring pass knows of one conversation: 48
// bytes touched by every row of it, so that a million conversations stay
// in few cache lines. What pauses add lives apart (convPaused).
type convState struct {
	started     int64 // the conversation's start or last reopen (0: none seen)
	wait        int64 // when the current wait began (0: nobody waits)
	pausedAt    int64 // paused since (0: the clock runs)
	agent       int32
	paused      int32 // its index in Measurer.paused + 1 (0: never paused)
	tenant      int32 // whose, and where: for the waits still going on
	region      int32
	priority    int8 // its priority at its last row
	waitMeasure Measure
	answered    bool // a first human answer since started
	bot         bool // a bot answers: no human wait until it hands over
	resolved    bool // resolved, so that an open is a reopen
}

// convPaused is the time a conversation's clocks stood still.
type convPaused struct {
	wait, start       int64 // ms paused during the current wait, since started
	waitBiz, startBiz time.Duration
	until             int64 // a snooze's end (unix ms; 0: none)
}

// Measurer measures waits row by row. Rows of one conversation must come
// in their order; conversations may interleave.
type Measurer struct {
	policy *Policy
	convs  []convState
	paused []convPaused
	facts  []Fact
	// Only, when set, keeps the facts of one measure (the others are still
	// followed: a resolution ends a wait).
	Only Measure
	// Sink, when set, is given each fact instead of Facts keeping it (the
	// Fact is reused after Sink returns).
	Sink func(*Fact)
	// Part of Parts, when Parts > 1, measures only the conversations whose
	// code is Part modulo Parts, so that measurers share a table's
	// conversations between cores.
	Part, Parts int32
	// Tenant, when not -1, measures only that tenant's rows (NewMeasurer
	// sets -1).
	Tenant int32
	// Policies are the tenants' own policies, by tenant code, for a
	// measurer made without a policy of its own.
	Policies map[int32]*Policy
}

// policyOf is the policy a tenant's waits are measured under.
func (m *Measurer) policyOf(tenant int32) *Policy {
	if m.policy != nil {
		return m.policy
	}
	return m.Policies[tenant]
}

// pauses is the paused time of s, made when first needed.
func (m *Measurer) pauses(s *convState) *convPaused {
	if s.paused == 0 {
		m.paused = append(m.paused, convPaused{})
		s.paused = int32(len(m.paused))
	}
	return &m.paused[s.paused-1]
}

// pausesOf is the paused time of s, or none.
func (m *Measurer) pausesOf(s *convState) convPaused {
	if s.paused == 0 {
		return convPaused{}
	}
	return m.paused[s.paused-1]
}

// newWait starts a wait of measure at ts.
func (m *Measurer) newWait(s *convState, measure Measure, ts int64) {
	s.wait, s.waitMeasure = ts, measure
	if s.paused != 0 {
		p := &m.paused[s.paused-1]
		p.wait, p.waitBiz = 0, 0
	}
}

// NewMeasurer measures under policy (nil: no targets, around the clock).
func NewMeasurer(policy *Policy) *Measurer { return &Measurer{policy: policy, Tenant: -1} }

// Facts are the waits measured so far.
func (m *Measurer) Facts() []Fact { return m.facts }

// Table measures every row of t.
func (m *Measurer) Table(t *Table) error {
	_, err := t.scan(0, m.Columns)
	return err
}

// partBlock is how many consecutive conversation codes go to one part:
// parts take blocks in turn, so that each part's states fill cache lines
// of their own while every part has conversations all along the log.
const partBlock = 64

// slot is where a conversation's state is in this measurer, and whether
// the conversation is its own.
func (m *Measurer) slot(conv int32) (int32, bool) {
	if m.Parts <= 1 {
		return conv, true
	}
	block := conv / partBlock
	if block%m.Parts != m.Part {
		return 0, false
	}
	return block/m.Parts*partBlock + conv%partBlock, true
}

// conv is the conversation code of a slot (slot's inverse).
func (m *Measurer) conv(slot int32) int32 {
	if m.Parts <= 1 {
		return slot
	}
	return (slot/partBlock*m.Parts+m.Part)*partBlock + slot%partBlock
}

// Columns measures rows [from, to) of c.
func (m *Measurer) Columns(c columns, from, to int) {
	if to > from {
		most := int32(0)
		for _, v := range c.conv[from:to] {
			most = max(most, v)
		}
		n := int(most/partBlock+1) * partBlock // room for every slot up to the largest code
		if m.Parts > 1 {
			n = int(most/partBlock/m.Parts+1) * partBlock // this part's blocks only
		}
		if n > len(m.convs) {
			m.convs = append(m.convs, make([]convState, n-len(m.convs))...)
		}
	}
	for i := from; i < to; i++ {
		if slot, ok := m.slot(c.conv[i]); ok && (m.Tenant < 0 || c.tenant[i] == m.Tenant) {
			m.row(c, i, &m.convs[slot])
		}
	}
}

func (m *Measurer) row(c columns, i int, s *convState) {
	ts := c.ts[i]
	if s.pausedAt != 0 && s.paused != 0 {
		if until := m.paused[s.paused-1].until; until != 0 && ts >= until {
			m.resume(s, until) // the snooze ran out (the edge writes no event for it)
		}
	}
	switch Kind(c.kind[i]) {
	case KindOpened:
		*s = convState{started: ts, wait: ts, waitMeasure: FirstResponse, agent: c.agent[i]}
	case KindCustomerMsg:
		switch {
		case s.started == 0: // began before the table: starts with its first row
			*s = convState{started: ts, wait: ts, waitMeasure: FirstResponse, agent: -1}
		case s.resolved: // writing into a resolved conversation reopens it (the edge's projector does)
			*s = convState{started: ts, wait: ts, waitMeasure: FirstResponse, agent: s.agent}
		case s.pausedAt != 0: // and into a pending or snoozed one opens it again
			m.resume(s, ts)
		}
		if s.wait == 0 && s.answered && !s.bot {
			m.newWait(s, NextResponse, ts)
		}
	case KindBotMsg:
		if !s.answered { // the bot answers: humans owe nothing until it hands over
			s.bot, s.wait = true, 0
		}
	case KindAssigned:
		s.agent = c.agent[i]
		if s.bot && c.agent[i] >= 0 { // a hand-off: the first response clock starts now
			s.bot = false
			m.newWait(s, FirstResponse, ts)
		}
		// a transfer between agents changes who answers, not the clocks
	case KindAgentMsg:
		if s.wait != 0 && s.started != 0 {
			if s.pausedAt != 0 { // answered while paused: the pause so far does not count
				m.resume(s, ts)
				s.pausedAt = ts
			}
			p := m.pausesOf(s)
			m.fact(c, i, s, s.waitMeasure, s.wait, p.wait, p.waitBiz)
			s.wait = 0
		}
		// a human answer, after a bot's too (a hand-off without an assignment)
		s.answered, s.bot = true, false
	case KindStatusPending, KindSnoozed:
		if s.pausedAt == 0 {
			s.pausedAt = ts
		}
		if p := m.pauses(s); Kind(c.kind[i]) == KindSnoozed {
			p.until = c.until[i]
		} else {
			p.until = 0
		}
	case KindStatusOpen:
		if s.resolved { // a reopen: every clock starts again
			*s = convState{started: ts, wait: ts, waitMeasure: FirstResponse, agent: s.agent}
			break
		}
		m.resume(s, ts)
	case KindResolved:
		m.resume(s, ts)
		if s.started != 0 && !s.resolved { // solved again without a reopening: measured once
			p := m.pausesOf(s)
			m.fact(c, i, s, Resolution, s.started, p.start, p.startBiz)
		}
		s.wait, s.resolved = 0, true
	}
	s.tenant, s.region, s.priority = c.tenant[i], c.region[i], c.priority[i]
}

// resume restarts a paused conversation's clocks at ts.
func (m *Measurer) resume(s *convState, ts int64) {
	if s.pausedAt == 0 {
		return
	}
	// each clock is paused from the pause or its own start, the later
	p := m.pauses(s)
	if s.wait != 0 {
		from := max(s.pausedAt, s.wait)
		p.wait += ts - from
		p.waitBiz += m.within(s.tenant, from, ts)
	}
	if s.started != 0 {
		from := max(s.pausedAt, s.started)
		p.start += ts - from
		p.startBiz += m.within(s.tenant, from, ts)
	}
	p.until = 0
	s.pausedAt = 0
}

// within is the business time of [from, to) under a tenant's policy (0
// without business hours: nothing uses it then).
func (m *Measurer) within(tenant int32, from, to int64) time.Duration {
	p := m.policyOf(tenant)
	if p == nil || p.BusinessHours == nil {
		return 0
	}
	return p.BusinessHours.Within(from, to)
}

// fact records a wait of measure from since to row i, less paused ms
// (and pausedBiz of business time).
func (m *Measurer) fact(c columns, i int, s *convState, measure Measure, since, paused int64, pausedBiz time.Duration) {
	if m.Only != 0 && m.Only != measure {
		return
	}
	end := c.ts[i]
	f := Fact{Measure: measure, Conv: c.conv[i], Tenant: c.tenant[i], Region: c.region[i], Inbox: c.inbox[i],
		Channel: c.channel[i], Agent: c.agent[i], Priority: c.priority[i], Start: since, End: end,
		Elapsed: time.Duration(max(0, end-since-paused)) * time.Millisecond}
	if f.Agent < 0 {
		f.Agent = s.agent
	}
	f.Business = f.Elapsed
	policy := m.policyOf(f.Tenant)
	if policy != nil && policy.BusinessHours != nil {
		f.Business = max(0, policy.BusinessHours.Within(since, end)-pausedBiz)
	}
	if target := policy.target(measure, f.Priority); target > 0 {
		f.Breached = f.Business > target
	}
	if m.Sink != nil {
		m.Sink(&f)
		return
	}
	m.facts = append(m.facts, f)
}

// Waiting are the conversations whose customer waits at now for a first
// or next answer, as unfinished facts (End: now; paused ones not
// counted), so that a wait already past its target counts as breached
// before it ends.
func (m *Measurer) Waiting(now int64) []Fact {
	var out []Fact
	for slot := range m.convs {
		s := &m.convs[slot]
		if s.wait == 0 || s.pausedAt != 0 || s.started == 0 {
			continue
		}
		p := m.pausesOf(s)
		f := Fact{Measure: s.waitMeasure, Conv: m.conv(int32(slot)), Tenant: s.tenant, Region: s.region, Agent: s.agent, Start: s.wait, End: now,
			Elapsed: time.Duration(max(0, now-s.wait-p.wait)) * time.Millisecond}
		f.Business = f.Elapsed
		policy := m.policyOf(s.tenant)
		if policy != nil && policy.BusinessHours != nil {
			f.Business = max(0, policy.BusinessHours.Within(s.wait, now)-p.waitBiz)
		}
		f.Priority = s.priority
		if target := policy.target(f.Measure, s.priority); target > 0 {
			f.Breached = f.Business > target
		}
		out = append(out, f)
	}
	return out
}

// Percentile is the p-th percentile (0–100) of sorted values, by the
// nearest rank.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// Group is one group of an aggregation: its key and the facts' values,
// sorted.
type Group struct {
	Key    GroupKey
	Values []time.Duration
	Breach int // facts past their target
}

// GroupKey says which facts a group holds: the code of its value of the
// grouping dimension (a region, a channel, an inbox, an agent; -1: none)
// and the start of its interval (unix ms).
type GroupKey struct {
	Group int32
	Start int64
}

// Dimension is what facts are grouped by.
type Dimension string

// Dimensions.
const (
	ByRegion  Dimension = "region"
	ByChannel Dimension = "channel"
	ByInbox   Dimension = "inbox"
	ByAgent   Dimension = "agent"
)

// of is a fact's code in the dimension.
func (d Dimension) of(f *Fact) int32 {
	switch d {
	case ByChannel:
		return f.Channel
	case ByInbox:
		return f.Inbox
	case ByAgent:
		return f.Agent
	}
	return f.Region
}

// Hour is the interval of the dashboards' figures.
const Hour = int64(3_600_000)

// Grouper gathers facts into groups by a dimension and the interval they
// ended in, as they come (Measurer.Sink).
type Grouper struct {
	business bool
	// BusinessOf, when set, says by tenant code whose waits count in
	// business hours (each tenant's own policy), instead of business.
	BusinessOf []bool
	dim        Dimension
	interval   int64 // ms
	index      map[GroupKey]int32
	groups     []Group
	lastKey    GroupKey
	last       int32
}

// NewGrouper groups by region and hour, business time when business is
// set, else elapsed.
func NewGrouper(business bool) *Grouper { return NewGrouperBy(business, ByRegion, Hour) }

// NewGrouperBy groups by dim and interval (ms).
func NewGrouperBy(business bool, dim Dimension, interval int64) *Grouper {
	return &Grouper{business: business, dim: dim, interval: max(interval, 1), index: map[GroupKey]int32{}, last: -1}
}

// Add puts a fact in its group.
func (g *Grouper) Add(f *Fact) {
	key := GroupKey{g.dim.of(f), f.End - f.End%g.interval}
	i := g.last
	if key != g.lastKey || i < 0 {
		var ok bool
		if i, ok = g.index[key]; !ok {
			i = int32(len(g.groups))
			g.index[key] = i
			g.groups = append(g.groups, Group{Key: key})
		}
		g.lastKey, g.last = key, i
	}
	v := f.Elapsed
	if g.BusinessOf != nil {
		if int(f.Tenant) < len(g.BusinessOf) && g.BusinessOf[f.Tenant] {
			v = f.Business
		}
	} else if g.business {
		v = f.Business
	}
	gr := &g.groups[i]
	gr.Values = append(gr.Values, v)
	if f.Breached {
		gr.Breach++
	}
}

// Merge adds the groups of o (made with the same business setting).
func (g *Grouper) Merge(o *Grouper) {
	for _, og := range o.groups {
		i, ok := g.index[og.Key]
		if !ok {
			i = int32(len(g.groups))
			g.index[og.Key] = i
			g.groups = append(g.groups, Group{Key: og.Key})
		}
		g.groups[i].Values = append(g.groups[i].Values, og.Values...)
		g.groups[i].Breach += og.Breach
	}
	g.last = -1
}

// Groups are the groups, by region then hour, each one's values sorted.
func (g *Grouper) Groups() []Group {
	for i := range g.groups {
		slices.Sort(g.groups[i].Values)
	}
	slices.SortFunc(g.groups, func(a, b Group) int {
		if a.Key.Group != b.Key.Group {
			return cmp.Compare(a.Key.Group, b.Key.Group)
		}
		return cmp.Compare(a.Key.Start, b.Key.Start)
	})
	return g.groups
}

// ByRegionHour groups facts by region and the hour they ended in (see
// Grouper).
func ByRegionHour(facts []Fact, business bool) []Group {
	g := NewGrouper(business)
	for i := range facts {
		g.Add(&facts[i])
	}
	return g.Groups()
}
