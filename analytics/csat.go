package analytics

import (
	"cmp"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// CSATSchema is the Arrow schema of a satisfaction answer: per region and
// hour, the conversations rated, their mean score (1 to 5) and the share
// of satisfied customers (4 or 5), the usual CSAT figure.
var CSATSchema = meansSchema("csat", "ratings", "satisfied")

// meansSchema is the schema of an answer of means by region and hour:
// how many, their mean, a share.
func meansSchema(name, count, share string) *arrow.Schema {
	m := arrow.NewMetadata([]string{"edgedesk.schema"}, []string{name + "/" + SchemaVersion})
	return arrow.NewSchema([]arrow.Field{
		{Name: "region", Type: arrow.BinaryTypes.String},
		{Name: "time", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: count, Type: arrow.PrimitiveTypes.Int64},
		{Name: "mean", Type: arrow.PrimitiveTypes.Float64},
		{Name: share, Type: arrow.PrimitiveTypes.Float64},
	}, &m)
}

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
func (t *Table) Satisfaction(tenant string, from, to int64) ([]CSAT, error) {
	return t.means(KindCSAT, true, tenant, from, to)
}

// Sentiment answers the NLP plugin's readings of a tenant's customer
// messages in [from, to) by region and hour: how many, and their mean
// score (Satisfied is the share of readings above zero).
func (t *Table) Sentiment(tenant string, from, to int64) ([]CSAT, error) {
	return t.means(KindSentiment, false, tenant, from, to)
}

// means sums the values of the rows of kind by region and hour: each
// conversation's last one only, with last.
func (t *Table) means(kind Kind, last bool, tenant string, from, to int64) ([]CSAT, error) {
	tc := int32(-1)
	if tenant != "" {
		if tc = t.tenantCode(tenant); tc < 0 {
			return nil, nil
		}
	}
	type value struct {
		region int32
		hour   int64
		v      int32
	}
	var values []value
	latest := map[int32]int{} // conversation → its index in values, with last
	_, err := t.scan(0, func(c columns, lo, hi int) {
		for i := lo; i < hi; i++ {
			if Kind(c.kind[i]) != kind || c.ts[i] < from || c.ts[i] >= to || (tc >= 0 && c.tenant[i] != tc) {
				continue
			}
			v := value{c.region[i], c.ts[i] - c.ts[i]%Hour, c.value[i]}
			if j, ok := latest[c.conv[i]]; ok && last {
				values[j] = v
				continue
			}
			latest[c.conv[i]] = len(values)
			values = append(values, v)
		}
	})
	d := t.dicts()
	type key struct {
		region int32
		hour   int64
	}
	sums := map[key]*[3]int{} // count, sum, satisfied (a rating of 4 or 5; a reading above 0)
	for _, r := range values {
		s := sums[key{r.region, r.hour}]
		if s == nil {
			s = &[3]int{}
			sums[key{r.region, r.hour}] = s
		}
		s[0]++
		s[1] += int(r.v)
		if (kind == KindCSAT && r.v >= 4) || (kind != KindCSAT && r.v > 0) {
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
			return strings.Compare(a.Region, b.Region)
		}
		return cmp.Compare(a.Hour, b.Hour)
	})
	return out, err
}

// CSATRecord is Satisfaction as an Arrow record batch of CSATSchema.
func (t *Table) CSATRecord(mem memory.Allocator, tenant string, from, to int64) (arrow.RecordBatch, error) {
	rows, err := t.Satisfaction(tenant, from, to)
	return meansRecord(mem, CSATSchema, rows), err
}

// SentimentSchema is the Arrow schema of a sentiment answer: per region
// and hour, the readings, their mean score and the share above zero.
var SentimentSchema = meansSchema("sentiment", "readings", "positive")

// SentimentRecord is Sentiment as an Arrow record batch of SentimentSchema.
func (t *Table) SentimentRecord(mem memory.Allocator, tenant string, from, to int64) (arrow.RecordBatch, error) {
	rows, err := t.Sentiment(tenant, from, to)
	return meansRecord(mem, SentimentSchema, rows), err
}

func meansRecord(mem memory.Allocator, schema *arrow.Schema, rows []CSAT) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, s := range rows {
		b.Field(0).(*array.StringBuilder).Append(s.Region)
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(s.Hour))
		b.Field(2).(*array.Int64Builder).Append(int64(s.Ratings))
		b.Field(3).(*array.Float64Builder).Append(s.Mean)
		b.Field(4).(*array.Float64Builder).Append(s.Satisfied)
	}
	return b.NewRecordBatch()
}
