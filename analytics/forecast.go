package analytics

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Volume counts the conversations opened per hour in [from, to) (unix
// ms, from on an hour; a last partial hour counts as one): of a tenant
// and a region ("" for all).
func (t *Table) Volume(tenant, region string, from, to int64) ([]float64, error) {
	hours := max(0, (to-from+3_599_999)/3_600_000)
	by, err := t.volumes(Query{Tenant: tenant, Region: region, From: from, To: to})
	out := make([]float64, hours)
	for _, y := range by {
		for i, v := range y {
			out[i] += v
		}
	}
	return out, err
}

// volumes counts the conversations opened per hour in [q.From, q.To) of
// q's tenant, that pass its filters, by q's grouping (region, channel or
// inbox): the groups that have some, in one pass over the table.
func (t *Table) volumes(q Query) (map[string][]float64, error) {
	from, to := q.From, q.To
	hours := max(0, (to-from+3_599_999)/3_600_000)
	keep, ok := t.rowFilter(q)
	if !ok {
		return nil, nil // a tenant, region, channel or inbox never seen
	}
	dim := cmp.Or(q.GroupBy, ByRegion)
	if dim == ByAgent {
		return nil, fmt.Errorf("analytics: volume by %s: by region, channel or inbox", dim)
	}
	by := map[int32][]float64{}
	err := t.scanTimes(from, to, func(c columns, lo, hi int) {
		group := map[Dimension][]int32{ByRegion: c.region, ByChannel: c.channel, ByInbox: c.inbox}[dim]
		for i := lo; i < hi; i++ {
			if Kind(c.kind[i]) != KindOpened || c.ts[i] < from || c.ts[i] >= to || !keep(c, i) {
				continue
			}
			y := by[group[i]]
			if y == nil {
				y = make([]float64, hours)
				by[group[i]] = y
			}
			if h := (c.ts[i] - from) / 3_600_000; int(h) < len(y) {
				y[h]++
			}
		}
	})
	d := t.dicts()
	dict := map[Dimension]*Dict{ByRegion: d.Regions, ByChannel: d.Channels, ByInbox: d.Inboxes}[dim]
	out := make(map[string][]float64, len(by))
	for g, y := range by {
		out[dict.Value(g)] = y
	}
	return out, err
}

// HoltWinters is additive triple exponential smoothing: a level, a trend
// and a seasonal pattern of Period steps (24 for a day of hours), each
// smoothed by its factor (Alpha, Beta, Gamma in (0, 1)).
type HoltWinters struct {
	Alpha, Beta, Gamma float64
	Period             int
}

// Fit is what smoothing a series left: the state to forecast from, and
// the one-step-ahead errors' standard deviation, the band's width.
type Fit struct {
	HoltWinters
	level, trend float64
	season       []float64 // by step within the period, rotated to the next step
	Fitted       []float64 // the one-step-ahead forecast of each step (the first period: none, NaN)
	Sigma        float64
}

// ErrShortSeries is returned for a series shorter than two periods.
var ErrShortSeries = errors.New("forecast: the series needs at least two periods of history")

// Smooth runs the model over y.
func (hw HoltWinters) Smooth(y []float64) (*Fit, error) {
	p := hw.Period
	if p < 1 || len(y) < 2*p {
		return nil, ErrShortSeries
	}
	// initial state: the first period's mean, the mean change between the
	// first two periods, the first period's deviations
	var m1, m2 float64
	for i := range p {
		m1 += y[i]
		m2 += y[p+i]
	}
	m1, m2 = m1/float64(p), m2/float64(p)
	f := &Fit{HoltWinters: hw, level: m1, trend: (m2 - m1) / float64(p), season: make([]float64, p), Fitted: make([]float64, len(y))}
	for i := range p {
		f.season[i] = y[i] - m1
		f.Fitted[i] = math.NaN()
	}
	var sse float64
	n := 0
	for t := p; t < len(y); t++ {
		s := f.season[t%p]
		f.Fitted[t] = f.level + f.trend + s
		e := y[t] - f.Fitted[t]
		sse += e * e
		n++
		prev := f.level
		f.level = hw.Alpha*(y[t]-s) + (1-hw.Alpha)*(f.level+f.trend)
		f.trend = hw.Beta*(f.level-prev) + (1-hw.Beta)*f.trend
		f.season[t%p] = hw.Gamma*(y[t]-f.level) + (1-hw.Gamma)*s
	}
	f.Sigma = math.Sqrt(sse / float64(n))
	// rotate so that season[0] is the step after the series
	rot := make([]float64, p)
	for i := range p {
		rot[i] = f.season[(len(y)+i)%p]
	}
	f.season = rot
	return f, nil
}

// Forecast is the expected value of the h steps after the series.
func (f *Fit) Forecast(h int) []float64 {
	out := make([]float64, h)
	for i := range h {
		out[i] = max(0, f.level+float64(i+1)*f.trend+f.season[i%f.Period])
	}
	return out
}

// Band is the forecast's band: expected ± z standard deviations of the
// one-step errors (z = 2: about 95 % of normal hours inside).
func (f *Fit) Band(h int, z float64) (lo, hi []float64) {
	exp := f.Forecast(h)
	lo, hi = make([]float64, h), make([]float64, h)
	for i, v := range exp {
		lo[i], hi[i] = max(0, v-z*f.Sigma), v+z*f.Sigma
	}
	return lo, hi
}

// Anomalies are the steps of the series (from the second period on)
// outside their one-step-ahead band of z standard deviations.
func (f *Fit) Anomalies(y []float64, z float64) []int {
	var out []int
	for t := f.Period; t < len(y) && t < len(f.Fitted); t++ {
		if math.Abs(y[t]-f.Fitted[t]) > z*f.Sigma {
			out = append(out, t)
		}
	}
	return out
}

// FitBest smooths y with the factors (on a grid of 0.05 to 0.95) whose
// one-step-ahead errors are smallest.
func FitBest(y []float64, period int) (*Fit, error) {
	var best *Fit
	grid := []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.95}
	for _, a := range grid {
		for _, b := range []float64{0.01, 0.05, 0.1, 0.3} {
			for _, g := range grid {
				f, err := HoltWinters{Alpha: a, Beta: b, Gamma: g, Period: period}.Smooth(y)
				if err != nil {
					return nil, err
				}
				if best == nil || f.Sigma < best.Sigma {
					best = f
				}
			}
		}
	}
	return best, nil
}

// FitHourly fits an hourly series with a daily period, or with a weekly
// one (weekends differ) when the series holds two weeks and a day and the
// weekly model forecast its last day better.
func FitHourly(y []float64) (*Fit, error) {
	if len(y) >= 2*168+24 {
		_, daily, err1 := Backtest(y, 24, 24)
		_, weekly, err2 := Backtest(y, 168, 24)
		if err1 == nil && err2 == nil && weekly < daily {
			return FitBest(y, 168)
		}
	}
	return FitBest(y, 24)
}

// Backtest fits y without its last h steps and compares the forecast of
// those steps with them: the mean absolute error, and the mean absolute
// error over the mean (a scale-free share; steps of zero volume make the
// usual percentage error meaningless).
// A period of 0 fits as FitHourly does.
func Backtest(y []float64, period, h int) (mae, relative float64, err error) {
	if h <= 0 || len(y) <= h {
		return 0, 0, errors.New("forecast: nothing to test against")
	}
	var f *Fit
	if period == 0 {
		f, err = FitHourly(y[:len(y)-h])
	} else {
		f, err = FitBest(y[:len(y)-h], period)
	}
	if err != nil {
		return 0, 0, err
	}
	var sum, abs float64
	for i, v := range f.Forecast(h) {
		actual := y[len(y)-h+i]
		abs += math.Abs(actual - v)
		sum += actual
	}
	mae = abs / float64(h)
	if sum > 0 {
		relative = abs / sum
	}
	return mae, relative, nil
}

// VolumeSchema is the Arrow schema of a volume answer: per region and
// hour, the conversations opened (null for the hours forecast), the
// expected volume with its band, and whether the hour is an anomaly.
// Grouped by channel or inbox, the first column is named after it.
var VolumeSchema = volumeSchema(ByRegion)

func volumeSchema(dim Dimension) *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: string(dim), Type: arrow.BinaryTypes.String},
		{Name: "time", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "opened", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "expected", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "lower", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "upper", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "anomaly", Type: arrow.FixedWidthTypes.Boolean},
	}, func() *arrow.Metadata {
		m := arrow.NewMetadata([]string{"edgedesk.schema"}, []string{"volume/" + SchemaVersion})
		return &m
	}())
}

// Band widths: the band drawn is ±2 standard deviations of the one-step
// errors; an hour beyond ±4 is an anomaly.
const (
	bandZ    = 2
	anomalyZ = 4
)

// VolumeRecord answers the hourly volume of q's tenant over [q.From,
// q.To) (From rounded down to an hour) by region (or q's channel or inbox
// grouping), filtered as q says, each hour with its one-step-ahead
// expectation and band once two days of history allow a fit, and the
// ahead hours after to forecast.
func (t *Table) VolumeRecord(mem memory.Allocator, q Query, ahead int) (arrow.RecordBatch, error) {
	q.From -= q.From % 3_600_000
	from := q.From
	by, err := t.volumes(q)
	if err != nil {
		return nil, err
	}
	regions := slices.Sorted(maps.Keys(by))
	b := array.NewRecordBuilder(mem, volumeSchema(cmp.Or(q.GroupBy, ByRegion)))
	defer b.Release()
	region, ts := b.Field(0).(*array.StringBuilder), b.Field(1).(*array.TimestampBuilder)
	opened, exp, lo, hi := b.Field(2).(*array.Float64Builder), b.Field(3).(*array.Float64Builder), b.Field(4).(*array.Float64Builder), b.Field(5).(*array.Float64Builder)
	anomaly := b.Field(6).(*array.BooleanBuilder)
	for _, name := range regions {
		y := by[name]
		fit, err := FitHourly(y)
		if err != nil {
			fit = nil // under two days: the volume without a band
		}
		for i, v := range y {
			region.Append(name)
			ts.Append(arrow.Timestamp(from + int64(i)*3_600_000))
			opened.Append(v)
			if fit == nil || math.IsNaN(fit.Fitted[i]) {
				exp.AppendNull()
				lo.AppendNull()
				hi.AppendNull()
				anomaly.Append(false)
				continue
			}
			e := max(0, fit.Fitted[i])
			exp.Append(e)
			lo.Append(max(0, e-bandZ*fit.Sigma))
			hi.Append(e + bandZ*fit.Sigma)
			anomaly.Append(math.Abs(v-fit.Fitted[i]) > anomalyZ*fit.Sigma)
		}
		if fit == nil {
			continue
		}
		fl, fh := fit.Band(ahead, bandZ)
		for i, e := range fit.Forecast(ahead) {
			region.Append(name)
			ts.Append(arrow.Timestamp(from + int64(len(y)+i)*3_600_000))
			opened.AppendNull()
			exp.Append(e)
			lo.Append(fl[i])
			hi.Append(fh[i])
			anomaly.Append(false)
		}
	}
	return b.NewRecordBatch(), nil
}
