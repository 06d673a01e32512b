package analytics

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// synthetic makes a table of about n rows: conversations in four regions
// over seven days, each opened, answered after 10 s to 30 min, with one
// to four more exchanges and a resolution; conversations interleave in
// time as a log's do.
func synthetic(n int) *Table {
	t := NewTable()
	d := t.Dicts()
	rng := rand.New(rand.NewPCG(1, 2))
	regions := []int32{d.Regions.Code("eu"), d.Regions.Code("us"), d.Regions.Code("ap"), d.Regions.Code("sa")}
	tenant, inbox, channel := d.Tenants.Code("demo"), d.Inboxes.Code("web"), d.Channels.Code("web")
	agents := []int32{d.Agents.Code("alice"), d.Agents.Code("bob"), d.Agents.Code("carol")}
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	week := int64(7 * 24 * 3_600_000)
	type pending struct {
		rows []Row
	}
	var open []*pending // conversations under way, emitted interleaved
	rows := 0
	conv := int32(0)
	for rows < n {
		// a new conversation's rows
		c := conv
		d.Convs.Code(strconv.Itoa(int(c))) // a code per conversation
		conv++
		ts := start + int64(float64(week)*float64(rows)/float64(n))
		r := regions[rng.IntN(len(regions))]
		a := agents[rng.IntN(len(agents))]
		base := Row{Tenant: tenant, Region: r, Inbox: inbox, Channel: channel, Conv: c, Agent: -1, Priority: 1}
		var pr []Row
		add := func(k Kind, at int64, agent int32) {
			row := base
			row.TS, row.Kind, row.Agent = at, k, agent
			pr = append(pr, row)
		}
		add(KindOpened, ts, a)
		add(KindCustomerMsg, ts, -1)
		ts += 10_000 + rng.Int64N(30*60_000)
		add(KindAgentMsg, ts, a)
		for range 1 + rng.IntN(4) {
			ts += rng.Int64N(120_000)
			add(KindCustomerMsg, ts, -1)
			ts += 5_000 + rng.Int64N(10*60_000)
			add(KindAgentMsg, ts, a)
		}
		add(KindResolved, ts+60_000, -1)
		rows += len(pr)
		open = append(open, &pending{pr})
		// emit one row of a few conversations under way
		for len(open) > 32 {
			k := rng.IntN(len(open))
			p := open[k]
			t.AppendRow(p.rows[0])
			p.rows = p.rows[1:]
			if len(p.rows) == 0 {
				open = slices.Delete(open, k, k+1)
			}
		}
	}
	for _, p := range open {
		for _, r := range p.rows {
			t.AppendRow(r)
		}
	}
	return t
}

// plainFirstResponse is the same figure as FirstResponseByRegionHour by a
// plain loop over the same columns: no policy, pauses, bots or reopens.
func plainFirstResponse(t *Table) []Stat {
	c := t.tail()
	started := make([]int64, t.convs.Len())
	groups := map[GroupKey][]time.Duration{}
	for i, k := range c.kind {
		switch Kind(k) {
		case KindOpened:
			started[c.conv[i]] = c.ts[i]
		case KindAgentMsg:
			if s := started[c.conv[i]]; s != 0 {
				key := GroupKey{c.region[i], c.ts[i] - c.ts[i]%3_600_000}
				groups[key] = append(groups[key], time.Duration(c.ts[i]-s)*time.Millisecond)
				started[c.conv[i]] = 0
			}
		}
	}
	out := make([]Stat, 0, len(groups))
	for k, v := range groups {
		slices.Sort(v)
		out = append(out, Stat{Key: k, Count: len(v), P50: Percentile(v, 50), P90: Percentile(v, 90)})
	}
	slices.SortFunc(out, func(a, b Stat) int {
		if a.Key.Group != b.Key.Group {
			return int(a.Key.Group - b.Key.Group)
		}
		return int((a.Key.Start - b.Key.Start) / 3_600_000)
	})
	return out
}

// The measured figure and the plain loop's agree on data where their
// definitions meet (no pauses, bots or reopens).
func TestFirstResponseMatchesPlainLoop(t *testing.T) {
	tab := synthetic(200_000)
	got, want := noErr(FirstResponseByRegionHour(tab, nil)), plainFirstResponse(tab)
	if len(got) != len(want) || len(got) < 4*24*6 {
		t.Fatalf("%d groups, the plain loop %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("group %d: %+v, the plain loop %+v", i, got[i], want[i])
		}
	}
}

var (
	tenMillionOnce sync.Once
	tenMillion     *Table
)

// BenchmarkFirstResponse aggregates 10,000,000 events into the first
// response time's median and 90th percentile by region and hour, against
// the plain loop over the same columns in the same run.
//
//	go test -run '^$' -bench FirstResponse -benchtime 5x ./analytics
func BenchmarkFirstResponse(b *testing.B) {
	tenMillionOnce.Do(func() { tenMillion = synthetic(10_000_000) })
	b.Logf("%d rows, %d conversations", tenMillion.Len(), tenMillion.convs.Len())
	b.Run("edgedesk", func(b *testing.B) {
		for b.Loop() {
			FirstResponseByRegionHour(tenMillion, nil)
		}
		b.ReportMetric(float64(tenMillion.Len())/b.Elapsed().Seconds()*float64(b.N)/1e6, "Mevents/s")
	})
	b.Run("plain-loop", func(b *testing.B) {
		for b.Loop() {
			plainFirstResponse(tenMillion)
		}
		b.ReportMetric(float64(tenMillion.Len())/b.Elapsed().Seconds()*float64(b.N)/1e6, "Mevents/s")
	})
	// the same rows rolled in ten segments and evicted: read from their
	// Parquet files for each aggregation
	b.Run("from-parquet", func(b *testing.B) {
		var cuts []int
		for i := 1; i < 10; i++ {
			cuts = append(cuts, i*tenMillion.Len()/10)
		}
		tab := rolledCopy(b, b.TempDir(), tenMillion, cuts...)
		if err := tab.Roll(t0.UnixMilli()); err != nil {
			b.Fatal(err)
		}
		tab.Evict(time.Now().UnixMilli())
		b.ResetTimer()
		for b.Loop() {
			if _, err := FirstResponseByRegionHour(tab, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(tenMillion.Len())/b.Elapsed().Seconds()*float64(b.N)/1e6, "Mevents/s")
	})
}

// Live figures, kept up to date as rows arrive, are those of measuring
// the whole table again, for any hours asked.
func TestLiveMatchesAggregate(t *testing.T) {
	tab := synthetic(100_000)
	live := NewLive(tab, nil)
	live.CatchUp()
	// more rows after the first catch-up: new conversations
	d := tab.Dicts()
	for i := range 3000 {
		ts := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC).UnixMilli() + int64(i)*1000
		c := d.Convs.Code("late-" + strconv.Itoa(i))
		r := Row{TS: ts, Tenant: d.Tenants.Code("demo"), Region: int32(i % 4), Conv: c, Agent: -1, Priority: 1, Kind: KindOpened}
		tab.AppendRow(r)
		r.Kind, r.TS = KindAgentMsg, ts+int64(i%90)*1000
		tab.AppendRow(r)
	}
	day := int64(24 * 3_600_000)
	from := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC).UnixMilli()
	for _, q := range []Query{
		{Tenant: "demo", Measure: FirstResponse},
		{Tenant: "demo", Measure: NextResponse, From: from, To: from + 2*day},
		{Measure: Resolution, From: from + day, To: from + 10*day},
		// ranges that cut their first and last hours: only the waits that
		// ended inside count, as measured again
		{Tenant: "demo", Measure: FirstResponse, From: from + 17*60_000 + 123, To: from + day + 45*60_000},
		{Measure: NextResponse, From: from + 59*60_000, To: from + 3*day + 1},
	} {
		got, want := noErr(live.Query(q)), noErr(tab.Aggregate(q))
		if len(got) == 0 || !slices.Equal(got, want) {
			t.Fatalf("%+v: live %d groups, measured again %d (first %+v vs %+v)", q, len(got), len(want), first(got), first(want))
		}
	}
	// a second tenant in the same regions and hours, after the buckets
	// were sorted: merged, and cut, as measured again
	for i := range 2000 {
		ts := from + 30*60_000 + int64(i)*7_000
		c := d.Convs.Code("acme-" + strconv.Itoa(i))
		r := Row{TS: ts, Tenant: d.Tenants.Code("acme"), Region: int32(i % 4), Conv: c, Agent: -1, Priority: 1, Kind: KindOpened}
		tab.AppendRow(r)
		r.Kind, r.TS = KindAgentMsg, ts+int64(i%120)*1000
		tab.AppendRow(r)
	}
	for _, q := range []Query{
		{Measure: FirstResponse, From: from + 17*60_000 + 123, To: from + day + 45*60_000},
		{Tenant: "demo", Measure: FirstResponse, From: from + 17*60_000 + 123, To: from + day + 45*60_000},
	} {
		got, want := noErr(live.Query(q)), noErr(tab.Aggregate(q))
		if len(got) == 0 || !slices.Equal(got, want) {
			t.Fatalf("%+v, two tenants: live %d groups, measured again %d (first %+v vs %+v)", q, len(got), len(want), first(got), first(want))
		}
	}
	if got := noErr(live.Query(Query{Tenant: "nobody"})); got != nil {
		t.Errorf("a tenant with no rows has figures: %+v", got)
	}
}

func first(s []Stat) Stat {
	if len(s) == 0 {
		return Stat{}
	}
	return s[0]
}

// BenchmarkQuery7Days answers a 7-day dashboard's first response figures
// by region and hour from a table of 7,000,000 events (1,000,000 a day)
// while rows keep arriving (1,000 between queries), from the live
// buckets, against measuring the table again for each query in the same
// run.
//
//	go test -run '^$' -bench Query7Days -benchtime 200x ./analytics
func BenchmarkQuery7Days(b *testing.B) {
	tab := synthetic(7_000_000)
	live := NewLive(tab, nil)
	live.CatchUp()
	d := tab.Dicts()
	tenant := d.Tenants.Code("demo")
	from := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	q := Query{Tenant: "demo", Measure: FirstResponse, From: from, To: from + 7*24*3_600_000}
	var took []time.Duration
	n := 0
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		for range 500 { // new conversations answered in the last hour
			ts := q.To - 3_600_000 + int64(n%3_000_000)
			c := d.Convs.Code("new-" + strconv.Itoa(n))
			r := Row{TS: ts, Tenant: tenant, Region: int32(n % 4), Conv: c, Agent: -1, Priority: 1, Kind: KindOpened}
			tab.AppendRow(r)
			r.Kind, r.TS = KindAgentMsg, ts+30_000
			tab.AppendRow(r)
			n++
		}
		b.StartTimer()
		start := time.Now()
		if len(noErr(live.Query(q))) == 0 {
			b.Fatal("no figures")
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(Percentile(took, 99))/1e6, "p99-ms")
	b.ReportMetric(float64(Percentile(took, 50))/1e6, "p50-ms")
	start := time.Now()
	noErr(tab.Aggregate(q))
	b.ReportMetric(float64(time.Since(start))/1e6, "measured-again-ms")
}

// Grouped by agent and day, filtered to a region, the waits are those of
// the region, each under the agent who answered, in the day it ended.
func TestGroupByAgentAndDay(t *testing.T) {
	tab := synthetic(100_000)
	day := int64(24 * 3_600_000)
	byRegion := noErr(tab.Aggregate(Query{Tenant: "demo", Measure: FirstResponse}))
	eu := 0
	euCode := tab.regions.Lookup("eu")
	for _, s := range byRegion {
		if s.Key.Group == euCode {
			eu += s.Count
		}
	}
	got := noErr(tab.Aggregate(Query{Tenant: "demo", Measure: FirstResponse, GroupBy: ByAgent, Interval: day, Region: "eu"}))
	n, agents := 0, map[string]bool{}
	for _, s := range got {
		if s.Key.Start%day != 0 {
			t.Fatalf("a group starting at %d, not on a day", s.Key.Start)
		}
		agents[tab.agents.Value(s.Key.Group)] = true
		n += s.Count
	}
	if n != eu || len(agents) != 3 || !agents["alice"] || len(got) > 3*8 {
		t.Fatalf("%d waits in %d groups by %v; eu had %d", n, len(got), agents, eu)
	}
	if got := noErr(tab.Aggregate(Query{Tenant: "demo", Measure: FirstResponse, Region: "mars"})); got != nil {
		t.Errorf("a region never seen has figures: %d groups", len(got))
	}
}

// BenchmarkMemory reports what the hub holds per row and per conversation
// for 2,000,000 events: the table in memory, then rolled and evicted
// (what stays: dictionaries and each conversation's ingest state), and
// the live measurer's state and buckets on top.
//
//	go test -run '^$' -bench Memory -benchtime 1x ./analytics
func BenchmarkMemory(b *testing.B) {
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for b.Loop() {
		before := heap()
		src := synthetic(2_000_000)
		tab := rolledCopy(b, b.TempDir(), src, src.Len()/2)
		src = nil
		if err := tab.Roll(t0.UnixMilli()); err != nil {
			b.Fatal(err)
		}
		inMemory := heap() - before
		tab.Evict(time.Now().UnixMilli())
		evicted := heap() - before
		live := NewLive(tab, nil)
		if err := live.CatchUp(); err != nil {
			b.Fatal(err)
		}
		for _, m := range []Measure{FirstResponse, NextResponse, Resolution} { // a dashboard asked for every hour
			if _, err := live.Query(Query{Tenant: "demo", Measure: m}); err != nil {
				b.Fatal(err)
			}
		}
		withLive := heap() - before
		rows, convs := float64(tab.Len()), float64(tab.convs.Len())
		b.ReportMetric(float64(inMemory)/rows, "B/row-in-memory")
		b.ReportMetric(float64(evicted)/convs, "B/conv-evicted")
		b.ReportMetric(float64(withLive-evicted)/convs, "B/conv-live")
		runtime.KeepAlive(live)
	}
}
