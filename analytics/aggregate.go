package analytics

import (
	"cmp"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Stat is one group's figures: how many waits, their median and 90th
// percentile, and how many missed their target.
type Stat struct {
	Key      GroupKey
	Count    int
	P50, P90 time.Duration
	Breached int
}

// Query asks for a metric by region and hour: of one tenant (all when
// empty), the waits that ended in [From, To) (unix ms; To 0: no end),
// under a policy (nil: each tenant's own SLA policy).
type Query struct {
	Tenant   string
	Measure  Measure
	From, To int64
	Policy   *Policy
	// GroupBy is the dimension of the groups (region when empty);
	// Interval their length in ms (an hour when 0).
	GroupBy  Dimension
	Interval int64
	// Region, Channel and Inbox keep only the waits of that one ("": all).
	Region, Channel, Inbox string
}

// hourly reports whether q asks for the dashboards' grouping: every wait
// of a tenant by region and hour, which Live keeps ready.
func (q Query) hourly() bool {
	return (q.GroupBy == "" || q.GroupBy == ByRegion) && (q.Interval == 0 || q.Interval == Hour) &&
		q.Region == "" && q.Channel == "" && q.Inbox == ""
}

// Aggregate measures the table and answers q by region and hour. The
// measuring pass shares the conversations between the cores. The error
// names the rolled segments that could not be read: the figures are
// those of the rest.
func (t *Table) Aggregate(q Query) ([]Stat, error) {
	tenant := int32(-1)
	if q.Tenant != "" {
		if tenant = t.tenantCode(q.Tenant); tenant < 0 {
			return nil, nil // nothing of this tenant
		}
	}
	filter, ok := t.filter(q)
	if !ok {
		return nil, nil // a region, channel or inbox the table has never seen
	}
	business := q.Policy != nil && q.Policy.BusinessHours != nil
	var policies map[int32]*Policy
	var businessOf []bool // every tenant's waits, each under its own policy
	if q.Policy == nil {
		policies, _ = t.Policies()
		if tenant >= 0 {
			business = policies[tenant] != nil && policies[tenant].BusinessHours != nil
		} else {
			for tc, p := range policies {
				if p != nil && p.BusinessHours != nil {
					for int(tc) >= len(businessOf) {
						businessOf = append(businessOf, false)
					}
					businessOf[tc] = true
				}
			}
		}
	}
	parts := int32(min(runtime.GOMAXPROCS(0), 8))
	gs := make([]*Grouper, parts)
	ms := make([]*Measurer, parts)
	for part := range parts {
		g := NewGrouperBy(business, q.GroupBy, cmp.Or(q.Interval, Hour))
		g.BusinessOf = businessOf
		m := NewMeasurer(q.Policy)
		m.Only, m.Part, m.Parts, m.Tenant, m.Policies = q.Measure, part, parts, tenant, policies
		m.Sink = g.Add
		if q.From != 0 || q.To != 0 || filter != nil {
			m.Sink = func(f *Fact) {
				if f.End >= q.From && (q.To == 0 || f.End < q.To) && (filter == nil || filter(f)) {
					g.Add(f)
				}
			}
		}
		gs[part], ms[part] = g, m
	}
	_, err := t.scan(0, func(c columns, lo, hi int) {
		var wg sync.WaitGroup
		for _, m := range ms {
			wg.Go(func() { m.Columns(c, lo, hi) })
		}
		wg.Wait()
	})
	for _, o := range gs[1:] {
		gs[0].Merge(o)
	}
	groups := gs[0].Groups()
	out := make([]Stat, len(groups))
	for i, g := range groups {
		out[i] = Stat{Key: g.Key, Count: len(g.Values), P50: Percentile(g.Values, 50), P90: Percentile(g.Values, 90), Breached: g.Breach}
	}
	return out, err
}

// filter is the test of q's region, channel and inbox, nil when it has
// none; false when one names what the table never saw.
func (t *Table) filter(q Query) (func(*Fact) bool, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	type test struct {
		code int32
		of   func(*Fact) int32
	}
	var tests []test
	for _, f := range []struct {
		want string
		dict *Dict
		of   func(*Fact) int32
	}{{q.Region, t.regions, func(f *Fact) int32 { return f.Region }}, {q.Channel, t.channels, func(f *Fact) int32 { return f.Channel }},
		{q.Inbox, t.inboxes, func(f *Fact) int32 { return f.Inbox }}} {
		if f.want == "" {
			continue
		}
		code := f.dict.Lookup(f.want)
		if code < 0 {
			return nil, false
		}
		tests = append(tests, test{code, f.of})
	}
	if len(tests) == 0 {
		return nil, true
	}
	return func(f *Fact) bool {
		for _, x := range tests {
			if x.of(f) != x.code {
				return false
			}
		}
		return true
	}, true
}

func (t *Table) tenantCode(id string) int32 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.tenants.Lookup(id)
}

// FirstResponseByRegionHour is the first response time's median and 90th
// percentile by region and hour over the whole table: the dashboards'
// headline figure, and the aggregation benchmarked against a plain loop
// (docs/benchmarks.md).
func FirstResponseByRegionHour(t *Table, p *Policy) ([]Stat, error) {
	return t.Aggregate(Query{Measure: FirstResponse, Policy: p})
}

// StatsSchema is the Arrow schema of an aggregation's answer by region;
// grouped by another dimension, the first column is named after it.
var StatsSchema = statsSchema(ByRegion)

func statsSchema(dim Dimension) *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: string(dim), Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "time", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "count", Type: arrow.PrimitiveTypes.Int64},
		{Name: "p50_ms", Type: arrow.PrimitiveTypes.Float64},
		{Name: "p90_ms", Type: arrow.PrimitiveTypes.Float64},
		{Name: "breached", Type: arrow.PrimitiveTypes.Int64},
		{Name: "breach_rate", Type: arrow.PrimitiveTypes.Float64},
	}, func() *arrow.Metadata {
		m := arrow.NewMetadata([]string{"edgedesk.schema"}, []string{"stats/" + SchemaVersion})
		return &m
	}())
}

// StatsRecord is stats grouped by dim ("" for region) as an Arrow record
// batch: the group's name (null for none, an unassigned wait's agent),
// the interval's start, the figures, and the share of waits that missed
// their target (breach_rate, 0 to 1).
func (t *Table) StatsRecord(mem memory.Allocator, stats []Stat, dim Dimension) (arrow.RecordBatch, error) {
	d := t.dicts()
	dim = cmp.Or(dim, ByRegion)
	dict := map[Dimension]*Dict{ByRegion: d.Regions, ByChannel: d.Channels, ByInbox: d.Inboxes, ByAgent: d.Agents}[dim]
	if dict == nil {
		return nil, fmt.Errorf("analytics: group by %q: region, channel, inbox or agent", dim)
	}
	b := array.NewRecordBuilder(mem, statsSchema(dim))
	defer b.Release()
	for _, s := range stats {
		switch {
		case s.Key.Group < 0:
			b.Field(0).(*array.StringBuilder).AppendNull()
		case int(s.Key.Group) >= dict.Len():
			return nil, fmt.Errorf("analytics: %s code %d of %d", dim, s.Key.Group, dict.Len())
		default:
			b.Field(0).(*array.StringBuilder).Append(dict.Value(s.Key.Group))
		}
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(s.Key.Start))
		b.Field(2).(*array.Int64Builder).Append(int64(s.Count))
		b.Field(3).(*array.Float64Builder).Append(float64(s.P50) / float64(time.Millisecond))
		b.Field(4).(*array.Float64Builder).Append(float64(s.P90) / float64(time.Millisecond))
		b.Field(5).(*array.Int64Builder).Append(int64(s.Breached))
		rate := 0.0
		if s.Count > 0 {
			rate = float64(s.Breached) / float64(s.Count)
		}
		b.Field(6).(*array.Float64Builder).Append(rate)
	}
	return b.NewRecordBatch(), nil
}
