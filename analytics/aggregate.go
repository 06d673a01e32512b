package analytics

import (
	"runtime"
	"sync"
	"time"
)

// Stat is one group's figures: how many waits, their median and 90th
// percentile, and how many missed their target.
type Stat struct {
	Key      GroupKey
	Count    int
	P50, P90 time.Duration
	Breached int
}

// FirstResponseByRegionHour measures every row of t and answers the first
// response time's median and 90th percentile by region and hour: the
// dashboards' headline figure, and the aggregation benchmarked against a
// plain loop (docs/benchmarks.md).
func FirstResponseByRegionHour(t *Table, p *Policy) []Stat {
	business := p != nil && p.BusinessHours != nil
	c, _ := t.view()
	// the conversations shared between the cores: each measurer scans every
	// row and keeps the state of its own conversations only
	parts := int32(min(runtime.GOMAXPROCS(0), 8))
	gs := make([]*Grouper, parts)
	var wg sync.WaitGroup
	for part := range parts {
		gs[part] = NewGrouper(business)
		wg.Go(func() {
			m := NewMeasurer(p)
			m.Only, m.Sink, m.Part, m.Parts = FirstResponse, gs[part].Add, part, parts
			m.Columns(c, 0, len(c.ts))
		})
	}
	wg.Wait()
	for _, o := range gs[1:] {
		gs[0].Merge(o)
	}
	groups := gs[0].Groups()
	out := make([]Stat, len(groups))
	for i, g := range groups {
		out[i] = Stat{Key: g.Key, Count: len(g.Values), P50: Percentile(g.Values, 50), P90: Percentile(g.Values, 90), Breached: g.Breach}
	}
	return out
}
