package analytics

import (
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
}

// Aggregate measures the table and answers q by region and hour. The
// measuring pass shares the conversations between the cores.
func (t *Table) Aggregate(q Query) []Stat {
	c, _ := t.view()
	tenant := int32(-1)
	if q.Tenant != "" {
		if tenant = t.tenantCode(q.Tenant); tenant < 0 {
			return nil // nothing of this tenant
		}
	}
	business := q.Policy != nil && q.Policy.BusinessHours != nil
	var policies map[int32]*Policy
	if q.Policy == nil {
		policies, _ = t.Policies()
		if tenant >= 0 {
			business = policies[tenant] != nil && policies[tenant].BusinessHours != nil
		}
	}
	parts := int32(min(runtime.GOMAXPROCS(0), 8))
	gs := make([]*Grouper, parts)
	var wg sync.WaitGroup
	for part := range parts {
		g := NewGrouper(business)
		gs[part] = g
		wg.Go(func() {
			m := NewMeasurer(q.Policy)
			m.Only, m.Part, m.Parts, m.Tenant, m.Policies = q.Measure, part, parts, tenant, policies
			m.Sink = g.Add
			if q.From != 0 || q.To != 0 {
				m.Sink = func(f *Fact) {
					if f.End >= q.From && (q.To == 0 || f.End < q.To) {
						g.Add(f)
					}
				}
			}
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

func (t *Table) tenantCode(id string) int32 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.tenants.Lookup(id)
}

// FirstResponseByRegionHour is the first response time's median and 90th
// percentile by region and hour over the whole table: the dashboards'
// headline figure, and the aggregation benchmarked against a plain loop
// (docs/benchmarks.md).
func FirstResponseByRegionHour(t *Table, p *Policy) []Stat {
	return t.Aggregate(Query{Measure: FirstResponse, Policy: p})
}

// StatsSchema is the Arrow schema of an aggregation's answer.
var StatsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "region", Type: arrow.BinaryTypes.String},
	{Name: "time", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
	{Name: "count", Type: arrow.PrimitiveTypes.Int64},
	{Name: "p50_ms", Type: arrow.PrimitiveTypes.Float64},
	{Name: "p90_ms", Type: arrow.PrimitiveTypes.Float64},
	{Name: "breached", Type: arrow.PrimitiveTypes.Int64},
}, func() *arrow.Metadata {
	m := arrow.NewMetadata([]string{"edgedesk.schema"}, []string{"stats/" + SchemaVersion})
	return &m
}())

// StatsRecord is stats as an Arrow record batch of StatsSchema.
func (t *Table) StatsRecord(mem memory.Allocator, stats []Stat) (arrow.RecordBatch, error) {
	_, d := t.view()
	b := array.NewRecordBuilder(mem, StatsSchema)
	defer b.Release()
	for _, s := range stats {
		if int(s.Key.Region) >= d.Regions.Len() {
			return nil, fmt.Errorf("analytics: region code %d of %d", s.Key.Region, d.Regions.Len())
		}
		b.Field(0).(*array.StringBuilder).Append(d.Regions.Value(s.Key.Region))
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(s.Key.Hour))
		b.Field(2).(*array.Int64Builder).Append(int64(s.Count))
		b.Field(3).(*array.Float64Builder).Append(float64(s.P50) / float64(time.Millisecond))
		b.Field(4).(*array.Float64Builder).Append(float64(s.P90) / float64(time.Millisecond))
		b.Field(5).(*array.Int64Builder).Append(int64(s.Breached))
	}
	return b.NewRecordBatch(), nil
}
