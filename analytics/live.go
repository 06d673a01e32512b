package analytics

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// Live keeps a table's metrics up to date as rows arrive: one measurer
// that goes on from the row where it stopped, and buckets of waits by
// tenant, metric, region and hour. A dashboard's query then reads figures
// for the hours it shows instead of measuring the history again
// (Table.Aggregate does that, for a policy of the asker's).
type Live struct {
	t      *Table
	policy *Policy // for every tenant; nil: each tenant's own

	mu       sync.Mutex
	m        *Measurer
	done     int // rows measured
	buckets  map[bucketKey]*bucket
	policies int // the version of the tenants' policies measured under
	// missing says why rows were left out (a rolled segment that could
	// not be read): queries fail with it until CatchUp, at retryAt and
	// then less and less often, measures everything again without it.
	missing error
	retryAt time.Time
	backoff time.Duration
}

type bucketKey struct {
	tenant, region int32
	measure        Measure
	hour           int64 // unix ms at the hour's start
}

// bucket is the waits of a tenant, metric, region and hour: their values,
// and each one's end (unix ms: for a range that cuts the hour) and breach,
// in the order they came; and the values sorted, for percentiles, as of
// the last query that asked (the waits after those are merged in then).
type bucket struct {
	values   []time.Duration
	ends     []int64
	breach   []bool
	sorted   []time.Duration
	breached int
}

// percentiles sorts the waits that came since the last call into the
// sorted values.
func (b *bucket) percentiles() []time.Duration {
	if n := len(b.sorted); n < len(b.values) {
		add := slices.Clone(b.values[n:])
		slices.Sort(add)
		merged := make([]time.Duration, 0, len(b.values))
		i, j := 0, 0
		for i < n && j < len(add) {
			if b.sorted[i] <= add[j] {
				merged = append(merged, b.sorted[i])
				i++
			} else {
				merged = append(merged, add[j])
				j++
			}
		}
		b.sorted = append(append(merged, b.sorted[i:]...), add[j:]...)
	}
	return b.sorted
}

// NewLive follows t's metrics under policy, or under each tenant's own
// SLA policy when nil. A tenant's new policy measures its history again.
func NewLive(t *Table, policy *Policy) *Live {
	l := &Live{t: t, policy: policy, policies: -1}
	l.reset()
	return l
}

// reset starts measuring from the first row again (l.mu held or l new).
func (l *Live) reset() {
	l.m = NewMeasurer(l.policy)
	l.m.Sink = l.add
	l.done = 0
	l.buckets = map[bucketKey]*bucket{}
}

// add puts a wait in its bucket (l.mu held).
func (l *Live) add(f *Fact) {
	k := bucketKey{f.Tenant, f.Region, f.Measure, f.End - f.End%3_600_000}
	b := l.buckets[k]
	if b == nil {
		b = &bucket{}
		l.buckets[k] = b
	}
	v := f.Elapsed
	if p := l.m.policyOf(f.Tenant); p != nil && p.BusinessHours != nil {
		v = f.Business
	}
	b.values = append(b.values, v)
	b.ends = append(b.ends, f.End)
	b.breach = append(b.breach, f.Breached)
	if f.Breached {
		b.breached++
	}
}

// CatchUp measures the rows added since the last call. The error names
// the rolled segments that could not be read (after a start or a new
// policy): their waits are missing from the figures, and queries fail
// with it until measuring everything again succeeds: CatchUp tries a
// minute later, then twice as long each time up to an hour, measuring
// apart while queries and the queue go on with the figures it has.
func (l *Live) CatchUp() error {
	l.mu.Lock()
	due := l.missing != nil && time.Now().After(l.retryAt)
	l.mu.Unlock()
	if due {
		l.remeasure()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.catchUp()
}

// remeasure measures the whole table again into state of its own, and
// takes it when every segment was read.
func (l *Live) remeasure() {
	fresh := NewLive(l.t, l.policy)
	err := fresh.catchUp() // fresh is nobody else's: no lock
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.missing, l.backoff = err, min(2*l.backoff, time.Hour)
		l.retryAt = time.Now().Add(l.backoff)
		return
	}
	l.m, l.done, l.buckets, l.policies = fresh.m, fresh.done, fresh.buckets, fresh.policies
	l.m.Sink = l.add
	l.missing, l.backoff = nil, 0
}

func (l *Live) catchUp() error {
	if l.policy == nil {
		if policies, version := l.t.Policies(); version != l.policies {
			l.reset()
			l.m.Policies, l.policies = policies, version
			l.missing = nil
		}
	}
	n, err := l.t.scan(l.done, l.m.Columns)
	l.done = n
	if err != nil && l.missing == nil {
		l.missing, l.backoff = err, time.Minute
		l.retryAt = time.Now().Add(l.backoff)
	}
	return l.missing
}

// Query answers q (its Policy is the Live's, not q's) by region and hour,
// from the buckets of the hours in [q.From, q.To).
func (l *Live) Query(q Query) ([]Stat, error) {
	if !q.hourly() || (q.Policy != nil && q.Policy != l.policy) {
		return l.t.Aggregate(q) // not what the buckets hold: measured again
	}
	tenant := int32(-1)
	if q.Tenant != "" {
		if tenant = l.t.tenantCode(q.Tenant); tenant < 0 {
			return nil, nil
		}
	}
	measure := q.Measure
	if measure == 0 {
		measure = FirstResponse
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.catchUp()
	var out []Stat
	for k, b := range l.buckets {
		if k.measure != measure || (tenant >= 0 && k.tenant != tenant) || k.hour+3_600_000 <= q.From || (q.To != 0 && k.hour >= q.To) {
			continue
		}
		if k.hour < q.From || (q.To != 0 && k.hour+3_600_000 > q.To) { // the range cuts the hour
			if s, ok := b.partial(q.From, q.To); ok {
				s.Key = GroupKey{k.region, k.hour}
				out = append(out, s)
			}
			continue
		}
		sorted := b.percentiles()
		out = append(out, Stat{Key: GroupKey{k.region, k.hour}, Count: len(sorted), P50: Percentile(sorted, 50),
			P90: Percentile(sorted, 90), Breached: b.breached})
	}
	if tenant < 0 { // several tenants' buckets of one region and hour: merged
		out = mergeStats(out, l.buckets, measure, q.From, q.To)
	}
	slices.SortFunc(out, func(a, b Stat) int {
		if a.Key.Group != b.Key.Group {
			return int(a.Key.Group - b.Key.Group)
		}
		return int((a.Key.Start - b.Key.Start) / 3_600_000)
	})
	return out, err
}

// partial is the figures of the waits that ended in [from, to) (to 0: no
// end); false when none did.
func (b *bucket) partial(from, to int64) (Stat, bool) {
	var in []time.Duration
	breached := 0
	for i, end := range b.ends {
		if end >= from && (to == 0 || end < to) {
			in = append(in, b.values[i])
			if b.breach[i] {
				breached++
			}
		}
	}
	if len(in) == 0 {
		return Stat{}, false
	}
	slices.Sort(in)
	return Stat{Count: len(in), P50: Percentile(in, 50), P90: Percentile(in, 90), Breached: breached}, true
}

// mergeStats recomputes stats whose region and hour several tenants
// share, from their buckets together (their waits that ended in [from,
// to) where the range cuts the hour).
func mergeStats(stats []Stat, buckets map[bucketKey]*bucket, measure Measure, from, to int64) []Stat {
	seen := map[GroupKey]int{}
	for _, s := range stats {
		seen[s.Key]++
	}
	var out []Stat
	merged := map[GroupKey]bool{}
	for _, s := range stats {
		if seen[s.Key] == 1 {
			out = append(out, s)
			continue
		}
		if merged[s.Key] {
			continue
		}
		merged[s.Key] = true
		var values []time.Duration
		breached := 0
		for k, b := range buckets {
			if k.measure != measure || k.region != s.Key.Group || k.hour != s.Key.Start {
				continue
			}
			for i, end := range b.ends {
				if end >= from && (to == 0 || end < to) {
					values = append(values, b.values[i])
					if b.breach[i] {
						breached++
					}
				}
			}
		}
		slices.Sort(values)
		out = append(out, Stat{Key: s.Key, Count: len(values), P50: Percentile(values, 50), P90: Percentile(values, 90), Breached: breached})
	}
	return out
}

// QueueStat is the live queue of a region: the customers waiting for an
// answer now (first or next), and the longest of their waits.
type QueueStat struct {
	Region    string `json:"region"`
	Waiting   int    `json:"waiting"`
	LongestMS int64  `json:"longest_ms"`
}

// Queue is the live queue of a tenant ("" for all) by region, at now
// (unix ms), after measuring the rows that arrived. Waits paused (pending,
// snoozed) are not in it.
func (l *Live) Queue(tenant string, now int64) []QueueStat {
	tc := int32(-1)
	if tenant != "" {
		if tc = l.t.tenantCode(tenant); tc < 0 {
			return nil
		}
	}
	l.mu.Lock()
	_ = l.catchUp() // the queue is of the rows in memory: the newest
	waiting := l.m.Waiting(now)
	l.mu.Unlock()
	d := l.t.dicts()
	by := map[int32]*QueueStat{}
	for _, f := range waiting {
		if tc >= 0 && f.Tenant != tc {
			continue
		}
		q := by[f.Region]
		if q == nil {
			q = &QueueStat{Region: d.Regions.Value(f.Region)}
			by[f.Region] = q
		}
		q.Waiting++
		q.LongestMS = max(q.LongestMS, f.Elapsed.Milliseconds())
	}
	out := make([]QueueStat, 0, len(by))
	for _, q := range by {
		out = append(out, *q)
	}
	slices.SortFunc(out, func(a, b QueueStat) int { return strings.Compare(a.Region, b.Region) })
	return out
}
