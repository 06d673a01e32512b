package analytics

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// CSATSchema is the Arrow schema of a satisfaction answer: per region and
// hour, the conversations rated, their mean score (1 to 5) and the share
// of satisfied customers (4 or 5), the usual CSAT figure.
var CSATSchema = arrow.NewSchema([]arrow.Field{
	{Name: "region", Type: arrow.BinaryTypes.String},
	{Name: "time", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
	{Name: "ratings", Type: arrow.PrimitiveTypes.Int64},
	{Name: "mean", Type: arrow.PrimitiveTypes.Float64},
	{Name: "satisfied", Type: arrow.PrimitiveTypes.Float64},
}, func() *arrow.Metadata {
	m := arrow.NewMetadata([]string{"edgedesk.schema"}, []string{"csat/" + SchemaVersion})
	return &m
}())

// CSAT is a region's satisfaction in an hour.
type CSAT struct {
	Region    string
	Hour      int64 // unix ms
	Ratings   int
	Mean      float64
	Satisfied float64 // share of 4 and 5
}

// Satisfaction answers a tenant's ratings in [from, to) by region and the
// hour they were given. A conversation rated again counts once, with its
// last rating.
func (t *Table) Satisfaction(tenant string, from, to int64) []CSAT {
	c, d := t.view()
	tc := int32(-1)
	if tenant != "" {
		if tc = t.tenantCode(tenant); tc < 0 {
			return nil
		}
	}
	type rated struct {
		region int32
		hour   int64
		score  int32
	}
	last := map[int32]rated{}
	for i, k := range c.kind {
		if Kind(k) != KindCSAT || c.ts[i] < from || c.ts[i] >= to || (tc >= 0 && c.tenant[i] != tc) {
			continue
		}
		last[c.conv[i]] = rated{c.region[i], c.ts[i] - c.ts[i]%3_600_000, c.value[i]}
	}
	type key struct {
		region int32
		hour   int64
	}
	sums := map[key]*[3]int{} // ratings, score sum, satisfied
	for _, r := range last {
		s := sums[key{r.region, r.hour}]
		if s == nil {
			s = &[3]int{}
			sums[key{r.region, r.hour}] = s
		}
		s[0]++
		s[1] += int(r.score)
		if r.score >= 4 {
			s[2]++
		}
	}
	out := make([]CSAT, 0, len(sums))
	for k, s := range sums {
		out = append(out, CSAT{Region: d.Regions.Value(k.region), Hour: k.hour, Ratings: s[0],
			Mean: float64(s[1]) / float64(s[0]), Satisfied: float64(s[2]) / float64(s[0])})
	}
	slices.SortFunc(out, func(a, b CSAT) int {
		if a.Region != b.Region {
			if a.Region < b.Region {
				return -1
			}
			return 1
		}
		return int((a.Hour - b.Hour) / 3_600_000)
	})
	return out
}

// CSATRecord is Satisfaction as an Arrow record batch of CSATSchema.
func (t *Table) CSATRecord(mem memory.Allocator, tenant string, from, to int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, CSATSchema)
	defer b.Release()
	for _, s := range t.Satisfaction(tenant, from, to) {
		b.Field(0).(*array.StringBuilder).Append(s.Region)
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(s.Hour))
		b.Field(2).(*array.Int64Builder).Append(int64(s.Ratings))
		b.Field(3).(*array.Float64Builder).Append(s.Mean)
		b.Field(4).(*array.Float64Builder).Append(s.Satisfied)
	}
	return b.NewRecordBatch()
}
