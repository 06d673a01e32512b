package hub

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edgedesk/edgedesk/analytics"
)

// The hub's analytics: every edge's service facts go into one table as
// its projectors read the logs; the table rolls them to Parquet files
// (<data>/analytics), which a hub that starts again reads before the
// events after them; a live measurer keeps their metrics in buckets by
// hour, and the query API answers metrics by region and hour from those
// as Arrow (docs/metrics.md).

// followAnalytics measures the rows the projectors added, every second,
// so that a query finds the figures ready; rolls the table's tail to a
// Parquet file at the turn of each roll period (or when it holds
// analytics.MaxTail rows); and drops from memory the segments older than
// the hub keeps there.
func (h *Hub) followAnalytics(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	roll := h.cfg.Analytics.Roll
	period := time.Now().Truncate(roll)
	var lastErr string
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			err := h.live.CatchUp()
			turned := now.Truncate(roll).After(period)
			if turned {
				period = now.Truncate(roll)
			}
			tail := h.analytics.TailLen()
			if (turned && (tail > 0 || h.analytics.Unwritten() > 0)) || tail >= analytics.MaxTail {
				if rerr := h.analytics.Roll(now.UnixMilli()); rerr != nil {
					err = rerr
				} else {
					h.log.Debug("analytics rolled", "table", h.analytics.String())
				}
			}
			h.analytics.Evict(now.Add(-h.cfg.Analytics.Memory).UnixMilli())
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			if msg != "" && msg != lastErr { // the same failure once, not every second
				h.log.Error("analytics", "err", err)
			}
			lastErr = msg
		}
	}
}

// ArrowStream is the media type of an Arrow IPC stream.
const ArrowStream = "application/vnd.apache.arrow.stream"

// analyticsQuery answers GET /api/v1/analytics/query: ?tenant= (required),
// &measure=first_response|next_response|resolution (default
// first_response), &from= and &to= (RFC 3339; default the last 7 days),
// &group_by=region|channel|inbox|agent (default region), &interval= (a
// duration, default 1h), &region=, &channel=, &inbox= (filters), as an
// Arrow IPC stream of analytics.StatsSchema (its first column named after
// the grouping), a row per group and interval; or, with measure=volume
// (&ahead= hours to forecast, default 24; hourly, by region, channel or
// inbox), of analytics.VolumeSchema; or, with measure=csat or sentiment
// (any grouping, interval and filters), of analytics.CSATSchema or
// SentimentSchema.
func (h *Hub) analyticsQuery(w http.ResponseWriter, r *http.Request) {
	q, msg := parseQuery(r, time.Now())
	if msg != "" {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid", msg})
		return
	}
	schema := analytics.StatsSchema
	var rec arrow.RecordBatch
	var err error
	if r.URL.Query().Get("measure") == "volume" {
		ahead := 24
		if s := r.URL.Query().Get("ahead"); s != "" {
			if ahead, err = strconv.Atoi(s); err != nil || ahead < 0 || ahead > 168 {
				writeJSON(w, http.StatusBadRequest, apiError{"invalid", "ahead: the hours to forecast, 0 to 168"})
				return
			}
		}
		schema = analytics.VolumeSchema
		rec, err = h.analytics.VolumeRecord(memory.DefaultAllocator, q, ahead)
	} else if r.URL.Query().Get("measure") == "csat" {
		schema = analytics.CSATSchema
		rec, err = h.analytics.CSATRecord(memory.DefaultAllocator, q)
	} else if r.URL.Query().Get("measure") == "sentiment" {
		schema = analytics.SentimentSchema
		rec, err = h.analytics.SentimentRecord(memory.DefaultAllocator, q)
	} else {
		var stats []analytics.Stat
		if stats, err = h.live.Query(q); err == nil {
			rec, err = h.analytics.StatsRecord(memory.DefaultAllocator, stats, q.GroupBy)
		}
	}
	if err != nil {
		if rec != nil {
			rec.Release()
		}
		h.log.Error("analytics query", "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{"unavailable", "the figures could not be made: part of the history could not be read (the hub's log says which)"})
		return
	}
	defer rec.Release()
	w.Header().Set("Content-Type", ArrowStream)
	w.Header().Set("Cache-Control", "no-store")
	if rec != nil {
		schema = rec.Schema()
	}
	wr := ipc.NewWriter(w, ipc.WithSchema(schema))
	if err := wr.Write(rec); err != nil {
		h.log.Debug("writing an analytics answer", "err", err)
		return
	}
	_ = wr.Close()
}

// LiveQueue is one event of the live stream: the queue by region at a
// time (unix ms).
type LiveQueue struct {
	Time  int64        `json:"time"`
	Queue []LiveRegion `json:"queue"`
}

// LiveRegion is a region's queue and, when an edge of the region said
// in the last StaffFresh, its agents.
type LiveRegion struct {
	analytics.QueueStat
	Agents *Agents `json:"agents,omitempty"`
}

// Agents are a tenant's agents in a region: online, away, and of the
// online ones those with an unresolved conversation assigned.
type Agents struct {
	Online int `json:"online"`
	Away   int `json:"away"`
	Busy   int `json:"busy"`
}

// StaffFresh is how old an edge's word on its agents may be: edges say
// it when it changes and every 10 s.
const StaffFresh = 30 * time.Second

// liveRegions joins a tenant's queue by region with its agents by region,
// from the newest fresh report of each region's connected edges.
func (h *Hub) liveRegions(tenant string, queue []analytics.QueueStat, now time.Time) []LiveRegion {
	type report struct {
		at     time.Time
		agents Agents
	}
	staff := map[string]report{}
	h.mu.Lock()
	for _, e := range h.edges {
		e.mu.Lock()
		st, at := e.staff, e.staffAt
		e.mu.Unlock()
		if st == nil || now.Sub(at) > StaffFresh || at.Before(staff[e.region].at) {
			continue
		}
		for _, t := range st.Tenants {
			if t.Tenant == tenant { // a region the tenant has no agents in says nothing of it
				staff[e.region] = report{at: at, agents: Agents{int(t.Online), int(t.Away), int(t.Busy)}}
			}
		}
	}
	h.mu.Unlock()
	out := make([]LiveRegion, 0, len(queue)+len(staff))
	for _, q := range queue {
		out = append(out, LiveRegion{QueueStat: q})
	}
	for region := range staff {
		if !slices.ContainsFunc(out, func(r LiveRegion) bool { return r.Region == region }) {
			out = append(out, LiveRegion{QueueStat: analytics.QueueStat{Region: region}})
		}
	}
	for i := range out {
		if r, ok := staff[out[i].Region]; ok {
			out[i].Agents = &r.agents
		}
	}
	slices.SortFunc(out, func(a, b LiveRegion) int { return cmp.Compare(a.Region, b.Region) })
	return out
}

// analyticsLive answers GET /api/v1/analytics/live?tenant= (required)
// &every= (a duration, 1s to 1m, default 1s) with a stream of Server-Sent
// Events, one LiveQueue as JSON each, now and every period, until the
// client goes away.
func (h *Hub) analyticsLive(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	if tenant == "" {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid", "give tenant"})
		return
	}
	every := time.Second
	if s := r.URL.Query().Get("every"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second || d > time.Minute {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "every: a duration from 1s to 1m"})
			return
		}
		every = d
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeJSON(w, http.StatusInternalServerError, apiError{"unavailable", "this server cannot stream"})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		now := time.Now()
		b, _ := json.Marshal(LiveQueue{Time: now.UnixMilli(), Queue: h.liveRegions(tenant, h.live.Queue(tenant, now.UnixMilli()), now)})
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return
		}
		flusher.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-h.closing:
			return
		case <-t.C:
		}
	}
}

// Bounds of a query: the work and the answer stay in proportion.
const (
	maxRange     = 400 * 24 * time.Hour
	maxIntervals = 20_000
)

// parseQuery reads a query's parameters, or says what is wrong with them.
func parseQuery(r *http.Request, now time.Time) (analytics.Query, string) {
	v := r.URL.Query()
	q := analytics.Query{Tenant: v.Get("tenant"), Measure: analytics.FirstResponse,
		From: now.Add(-7 * 24 * time.Hour).UnixMilli(), To: now.UnixMilli()}
	if q.Tenant == "" {
		return q, "give tenant"
	}
	switch v.Get("measure") {
	case "", "first_response", "volume", "csat", "sentiment":
	case "next_response":
		q.Measure = analytics.NextResponse
	case "resolution":
		q.Measure = analytics.Resolution
	default:
		return q, "measure: first_response, next_response, resolution, volume, csat or sentiment"
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := v.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				if ms, err2 := strconv.ParseInt(s, 10, 64); err2 == nil {
					t = time.UnixMilli(ms)
				} else {
					return q, p.name + ": an RFC 3339 time (2026-11-26T00:00:00Z) or unix milliseconds"
				}
			}
			*p.dst = t.UnixMilli()
		}
	}
	if q.To <= q.From {
		return q, "to must be after from"
	}
	if q.To-q.From > maxRange.Milliseconds() {
		return q, "from and to: at most 400 days apart"
	}
	switch g := analytics.Dimension(v.Get("group_by")); g {
	case "", analytics.ByRegion, analytics.ByChannel, analytics.ByInbox, analytics.ByAgent:
		q.GroupBy = g
	default:
		return q, "group_by: region, channel, inbox or agent"
	}
	if s := v.Get("interval"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Minute || d > 7*24*time.Hour {
			return q, "interval: a duration from 1m to 168h, e.g. 1h or 24h"
		}
		q.Interval = d.Milliseconds()
	}
	if v.Get("measure") == "volume" && (q.GroupBy == analytics.ByAgent || cmp.Or(q.Interval, analytics.Hour) != analytics.Hour) {
		return q, "measure=volume: hourly (the forecast's step), grouped by region, channel or inbox"
	}
	if (q.To-q.From)/cmp.Or(q.Interval, analytics.Hour) > maxIntervals {
		return q, fmt.Sprintf("interval: at most %d intervals between from and to; give a longer one", maxIntervals)
	}
	q.Region, q.Channel, q.Inbox = v.Get("region"), v.Get("channel"), v.Get("inbox")
	return q, ""
}
