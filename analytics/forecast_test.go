package analytics

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// hourly is three weeks of hourly volume: a daily rhythm (quiet at night,
// busiest mid-afternoon), weekends at half, a slow growth, and noise of
// the size counts have (the square root of the mean).
func hourly(days int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	y := make([]float64, days*24)
	for t := range y {
		hour, day := t%24, t/24
		mean := 40 + 30*math.Sin(2*math.Pi*float64(hour-8)/24) + 0.05*float64(t)
		if day%7 >= 5 {
			mean *= 0.5
		}
		mean = max(mean, 1)
		y[t] = max(0, math.Round(mean+rng.NormFloat64()*math.Sqrt(mean)))
	}
	return y
}

// Holt-Winters forecasts the next day of a series with daily and weekly
// rhythms better than the same hour a week before does, within a fifth
// of the volume (the noise alone is about a tenth), and its band flags a
// spike while leaving ordinary hours alone.
func TestForecastAndAnomalies(t *testing.T) {
	var hwErr, naiveErr float64
	for seed := range uint64(3) {
		y := hourly(21, seed+1)
		mae, rel, err := Backtest(y[:18*24], 0, 24) // a Thursday forecast from 17 days
		if err != nil {
			t.Fatal(err)
		}
		var abs, sum float64
		for i := 17 * 24; i < 18*24; i++ {
			abs += math.Abs(y[i] - y[i-168])
			sum += y[i]
		}
		t.Logf("series %d, next-day backtest: mean absolute error %.1f conversations/hour, %.1f %% of the volume; the same hour a week before: %.1f %%",
			seed+1, mae, 100*rel, 100*abs/sum)
		hwErr += rel / 3
		naiveErr += abs / sum / 3
	}
	if hwErr > 0.2 || hwErr >= naiveErr {
		t.Errorf("the next day's forecast is off by %.1f %% of the volume, the same hour a week before by %.1f %%", 100*hwErr, 100*naiveErr)
	}
	y := hourly(21, 1)
	f, err := FitHourly(y)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := f.Band(24, 2)
	exp := f.Forecast(24)
	for i := range exp {
		if lo[i] > exp[i] || hi[i] < exp[i] || lo[i] < 0 {
			t.Fatalf("hour %d: band %.1f–%.1f around %.1f", i, lo[i], hi[i], exp[i])
		}
	}
	spiked := append([]float64(nil), y...)
	spiked[20*24+14] += 10 * f.Sigma // an outage elsewhere sends everyone here at 14:00
	g, err := f.HoltWinters.Smooth(spiked)
	if err != nil {
		t.Fatal(err)
	}
	anomalies := g.Anomalies(spiked, 4)
	found := false
	for _, a := range anomalies {
		found = found || a == 20*24+14
	}
	if !found {
		t.Errorf("the spike at hour %d is not flagged (flagged: %v)", 20*24+14, anomalies)
	}
	if len(anomalies) > len(y)/50 {
		t.Errorf("%d of %d ordinary hours flagged", len(anomalies)-1, len(y))
	}
	if _, err := (HoltWinters{Alpha: 0.5, Beta: 0.1, Gamma: 0.1, Period: 24}).Smooth(y[:30]); err != ErrShortSeries {
		t.Errorf("a series of 30 hours: %v, want ErrShortSeries", err)
	}
}

// Volume counts the conversations opened per hour, of one region or all.
func TestVolume(t *testing.T) {
	tab := synthetic(20_000)
	from := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	to := from + 7*24*3_600_000
	all := noErr(tab.Volume("demo", "", from, to))
	c := tab.tail()
	opened := 0
	for _, k := range c.kind {
		if Kind(k) == KindOpened {
			opened++
		}
	}
	var sum, eu float64
	for _, v := range all {
		sum += v
	}
	for _, v := range noErr(tab.Volume("demo", "eu", from, to)) {
		eu += v
	}
	if len(all) != 7*24 || int(sum) != opened || eu <= 0 || eu >= sum {
		t.Fatalf("%d hours, %v opened (the table: %d), eu %v", len(all), sum, opened, eu)
	}
	if v := noErr(tab.Volume("nobody", "", from, to)); len(v) != 7*24 || v[0] != 0 {
		t.Errorf("another tenant's volume: %v", v[:1])
	}
}

// The volume answer: each hour's conversations with its expectation and
// band, the spike marked as an anomaly, and a day forecast after the
// range, as Arrow.
func TestVolumeRecord(t *testing.T) {
	y := hourly(21, 1)
	spike := 20*24 + 14
	y[spike] += 120
	tab := NewTable()
	d := tab.Dicts()
	from := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	tenant, eu := d.Tenants.Code("demo"), d.Regions.Code("eu")
	n := 0
	for h, v := range y {
		for range int(v) {
			c := d.Convs.Code(strconv.Itoa(n))
			n++
			tab.AppendRow(Row{TS: from + int64(h)*3_600_000 + int64(n%3_600_000), Tenant: tenant, Region: eu, Conv: c, Kind: KindOpened, Agent: -1})
		}
	}
	rec, err := tab.VolumeRecord(memory.DefaultAllocator, Query{Tenant: "demo", From: from, To: from + int64(len(y))*3_600_000}, 24)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if rec.NumRows() != int64(len(y)+24) {
		t.Fatalf("%d rows, want %d hours and 24 ahead", rec.NumRows(), len(y))
	}
	opened, expected, anomaly := rec.Column(2).(*array.Float64), rec.Column(3).(*array.Float64), rec.Column(6).(*array.Boolean)
	if opened.Value(spike) != y[spike] || !anomaly.Value(spike) {
		t.Fatalf("the spike hour: %v opened, anomaly %v", opened.Value(spike), anomaly.Value(spike))
	}
	flagged := 0
	for i := range len(y) {
		if anomaly.Value(i) {
			flagged++
		}
	}
	if flagged > len(y)/50 {
		t.Errorf("%d hours flagged", flagged)
	}
	if !expected.IsNull(0) || expected.IsNull(len(y)-1) {
		t.Error("an expectation before a day of history, or none at the end")
	}
	last := int(rec.NumRows()) - 1
	if !opened.IsNull(last) || expected.IsNull(last) || expected.Value(last) <= 0 {
		t.Error("the forecast hours: no volume yet, an expectation")
	}
}
