package analytics

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// CSATSchema is the Arrow schema of a satisfaction answer: per region and
// hour, the conversations rated, their mean score (1 to 5) and the share
// of satisfied customers (4 or 5), the usual CSAT figure. Grouped by
// another dimension, the first column is named after it.
var CSATSchema = meansSchema(ByRegion, "csat", "ratings", "satisfied")

// SentimentSchema is the Arrow schema of a sentiment answer: per region
// and hour, the readings, their mean score and the share above zero.
var SentimentSchema = meansSchema(ByRegion, "sentiment", "readings", "positive")

// meansSchema is the schema of an answer of means by dim and interval:
// how many, their mean, a share.
func meansSchema(dim Dimension, name, count, share string) *arrow.Schema {
	m := arrow.NewMetadata([]string{"edgedesk.schema"}, []string{name + "/" + SchemaVersion})
	return arrow.NewSchema([]arrow.Field{
		{Name: string(dim), Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "time", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: count, Type: arrow.PrimitiveTypes.Int64},
		{Name: "mean", Type: arrow.PrimitiveTypes.Float64},
		{Name: share, Type: arrow.PrimitiveTypes.Float64},
	}, &m)
}

// CSAT is a group's satisfaction (or sentiment) in an interval.
type CSAT struct {
	Group     string // the region, channel, inbox or agent
	None      bool   // no group: by agent, a conversation nobody was assigned
	Start     int64  // the interval's start, unix ms
	Ratings   int
	Mean      float64
	Satisfied float64 // share of 4 and 5 (sentiment: of readings above zero)
}

// Satisfaction answers q's ratings (its tenant, range, grouping, interval
// and filters; not its measure or policy) by the interval they were
// given in. A conversation rated again counts once, with its last rating.
// By agent, a rating counts for the agent the conversation was assigned
// to when it was given (its row's agent).
func (t *Table) Satisfaction(q Query) ([]CSAT, error) { return t.means(KindCSAT, true, q) }

// Sentiment answers the NLP plugin's readings of customer messages as
// Satisfaction answers ratings: every reading counts, Mean is their mean
// score, Satisfied the share above zero.
func (t *Table) Sentiment(q Query) ([]CSAT, error) { return t.means(KindSentiment, false, q) }

// means sums the values of the rows of kind by q's groups and intervals:
// each conversation's last one only, with last.
func (t *Table) means(kind Kind, last bool, q Query) ([]CSAT, error) {
	keep, ok := t.rowFilter(q)
	if !ok {
		return nil, nil // a tenant, region, channel or inbox never seen
	}
	dim, interval := cmp.Or(q.GroupBy, ByRegion), cmp.Or(q.Interval, Hour)
	type key struct {
		group int32
		start int64
	}
	type value struct {
		key
		v int32
	}
	var values []value
	latest := map[int32]int{} // conversation → its index in values, with last
	err := t.scanTimes(q.From, cmp.Or(q.To, math.MaxInt64), func(c columns, lo, hi int) {
		for i := lo; i < hi; i++ {
			if Kind(c.kind[i]) != kind || c.ts[i] < q.From || (q.To != 0 && c.ts[i] >= q.To) || !keep(c, i) {
				continue
			}
			g := c.region[i]
			switch dim {
			case ByChannel:
				g = c.channel[i]
			case ByInbox:
				g = c.inbox[i]
			case ByAgent:
				g = c.agent[i] // the conversation's assignee then (-1: none)
			}
			v := value{key{g, c.ts[i] - c.ts[i]%interval}, c.value[i]}
			if j, ok := latest[c.conv[i]]; ok && last {
				values[j] = v
				continue
			}
			latest[c.conv[i]] = len(values)
			values = append(values, v)
		}
	})
	d := t.dicts()
	dict := map[Dimension]*Dict{ByRegion: d.Regions, ByChannel: d.Channels, ByInbox: d.Inboxes, ByAgent: d.Agents}[dim]
	sums := map[key]*[3]int{} // count, sum, satisfied (a rating of 4 or 5; a reading above 0)
	for _, r := range values {
		s := sums[r.key]
		if s == nil {
			s = &[3]int{}
			sums[r.key] = s
		}
		s[0]++
		s[1] += int(r.v)
		if (kind == KindCSAT && r.v >= 4) || (kind != KindCSAT && r.v > 0) {
			s[2]++
		}
	}
	out := make([]CSAT, 0, len(sums))
	for k, s := range sums {
		row := CSAT{None: k.group < 0, Start: k.start, Ratings: s[0], Mean: float64(s[1]) / float64(s[0]),
			Satisfied: float64(s[2]) / float64(s[0])}
		if k.group >= 0 {
			row.Group = dict.Value(k.group)
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b CSAT) int {
		if a.None != b.None {
			return map[bool]int{true: 1, false: -1}[a.None]
		}
		if a.Group != b.Group {
			return strings.Compare(a.Group, b.Group)
		}
		return cmp.Compare(a.Start, b.Start)
	})
	return out, err
}

// rowFilter is the test of q's tenant, region, channel and inbox on a
// row; false when one names what the table never saw.
func (t *Table) rowFilter(q Query) (func(c columns, i int) bool, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	tenant, region, channel, inbox := int32(-1), int32(-1), int32(-1), int32(-1)
	for _, f := range []struct {
		want string
		dict *Dict
		code *int32
	}{{q.Tenant, t.tenants, &tenant}, {q.Region, t.regions, &region}, {q.Channel, t.channels, &channel}, {q.Inbox, t.inboxes, &inbox}} {
		if f.want == "" {
			continue
		}
		if *f.code = f.dict.Lookup(f.want); *f.code < 0 {
			return nil, false
		}
	}
	return func(c columns, i int) bool {
		return (tenant < 0 || c.tenant[i] == tenant) && (region < 0 || c.region[i] == region) &&
			(channel < 0 || c.channel[i] == channel) && (inbox < 0 || c.inbox[i] == inbox)
	}, true
}

// CSATRecord is Satisfaction as an Arrow record batch of CSATSchema (its
// first column named after q's grouping).
func (t *Table) CSATRecord(mem memory.Allocator, q Query) (arrow.RecordBatch, error) {
	rows, err := t.Satisfaction(q)
	return meansRecord(mem, meansSchema(cmp.Or(q.GroupBy, ByRegion), "csat", "ratings", "satisfied"), rows), err
}

// SentimentRecord is Sentiment as an Arrow record batch of SentimentSchema
// (its first column named after q's grouping).
func (t *Table) SentimentRecord(mem memory.Allocator, q Query) (arrow.RecordBatch, error) {
	rows, err := t.Sentiment(q)
	return meansRecord(mem, meansSchema(cmp.Or(q.GroupBy, ByRegion), "sentiment", "readings", "positive"), rows), err
}

func meansRecord(mem memory.Allocator, schema *arrow.Schema, rows []CSAT) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, s := range rows {
		if s.None {
			b.Field(0).(*array.StringBuilder).AppendNull()
		} else {
			b.Field(0).(*array.StringBuilder).Append(s.Group)
		}
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(s.Start))
		b.Field(2).(*array.Int64Builder).Append(int64(s.Ratings))
		b.Field(3).(*array.Float64Builder).Append(s.Mean)
		b.Field(4).(*array.Float64Builder).Append(s.Satisfied)
	}
	return b.NewRecordBatch()
}
