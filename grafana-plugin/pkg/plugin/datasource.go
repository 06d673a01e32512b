// Package plugin is the backend of the Edgedesk data source for Grafana:
// it asks the hub for service metrics (answered as Arrow, turned into
// data frames, one series per region), checks that the hub answers with
// the configured token, and streams the hub's live queue to Grafana Live.
// See docs/grafana.md.
package plugin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// ID is the data source's plugin id (src/datasource/plugin.json).
const ID = "edgedesk-hub-datasource"

// Settings are the data source's JSON settings; the hub's admin token is
// its secure setting "token".
type Settings struct {
	// URL is the hub's HTTP API, e.g. https://hub.example.com:8443.
	URL string `json:"url"`
}

// Datasource is one configured Edgedesk data source: a hub and its token.
type Datasource struct {
	hub    *url.URL
	token  string
	client *http.Client
}

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.StreamHandler         = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// NewDatasource makes a data source from Grafana's settings of it.
func NewDatasource(_ context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	var set Settings
	if len(s.JSONData) > 0 {
		if err := json.Unmarshal(s.JSONData, &set); err != nil {
			return nil, fmt.Errorf("edgedesk: the data source's settings are not JSON: %w", err)
		}
	}
	if set.URL == "" {
		set.URL = s.URL
	}
	u, err := url.Parse(set.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("edgedesk: the hub's URL %q: give http(s)://host:port of its HTTP API", set.URL)
	}
	return &Datasource{hub: u, token: s.DecryptedSecureJSONData["token"], client: &http.Client{Timeout: 30 * time.Second}}, nil
}

// Dispose is called when the settings change; nothing is held open.
func (d *Datasource) Dispose() {}

// get asks the hub for path (with query), with the token.
func (d *Datasource) get(ctx context.Context, client *http.Client, path string, query url.Values) (*http.Response, error) {
	u := d.hub.JoinPath(path)
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	return client.Do(req)
}

// hubError reads the hub's error answer.
func hubError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var e struct{ Message string }
	if json.Unmarshal(b, &e) == nil && e.Message != "" {
		return fmt.Errorf("the hub answered %d: %s", resp.StatusCode, e.Message)
	}
	return fmt.Errorf("the hub answered %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
}

// CheckHealth asks the hub for its edges with the token.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	resp, err := d.get(ctx, d.client, "/api/v1/edges", nil)
	if err != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError,
			Message: "cannot reach the Edgedesk hub at " + d.hub.Redacted() + ": " + err.Error()}, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError,
			Message: "the hub refused the token: give its admin token (the file admin-token in its data directory)"}, nil
	}
	if resp.StatusCode != http.StatusOK {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: hubError(resp).Error()}, nil
	}
	var body struct {
		Edges []struct {
			Connected bool `json:"connected"`
		} `json:"edges"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: "the hub's answer is not its edges: " + err.Error()}, nil
	}
	connected := 0
	for _, e := range body.Edges {
		if e.Connected {
			connected++
		}
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk,
		Message: fmt.Sprintf("Connected to the Edgedesk hub: %d edges, %d connected now", len(body.Edges), connected)}, nil
}

// Query is a panel's query of the data source.
type Query struct {
	Tenant string `json:"tenant"`
	// Measure is first_response (the default), next_response, resolution,
	// volume (conversations opened, with the forecast band) or csat.
	Measure string `json:"measure"`
	// GroupBy (region, channel, inbox, agent) and Interval (a duration)
	// shape every measure (volume is hourly, and not by agent); Region,
	// Channel and Inbox filter them.
	GroupBy  string `json:"groupBy,omitempty"`
	Interval string `json:"interval,omitempty"`
	Region   string `json:"region,omitempty"`
	Channel  string `json:"channel,omitempty"`
	Inbox    string `json:"inbox,omitempty"`
}

// QueryData answers each query with a frame of the metric's median and
// 90th percentile, the waits and the breaches by hour, a series per
// region.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	out := backend.NewQueryDataResponse()
	for _, q := range req.Queries {
		out.Responses[q.RefID] = d.query(ctx, q)
	}
	return out, nil
}

func (d *Datasource) query(ctx context.Context, q backend.DataQuery) backend.DataResponse {
	var m Query
	if err := json.Unmarshal(q.JSON, &m); err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, "the query is not JSON: "+err.Error())
	}
	if m.Tenant == "" {
		return backend.ErrDataResponse(backend.StatusBadRequest, "give the tenant whose metrics to show")
	}
	if m.Measure == "" {
		m.Measure = "first_response"
	}
	params := url.Values{"tenant": {m.Tenant}, "measure": {m.Measure},
		"from": {q.TimeRange.From.UTC().Format(time.RFC3339)}, "to": {q.TimeRange.To.UTC().Format(time.RFC3339)}}
	for k, v := range map[string]string{"group_by": m.GroupBy, "interval": m.Interval, "region": m.Region, "channel": m.Channel, "inbox": m.Inbox} {
		if v != "" {
			params.Set(k, v)
		}
	}
	resp, err := d.get(ctx, d.client, "/api/v1/analytics/query", params)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadGateway, "cannot reach the Edgedesk hub: "+err.Error())
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		status := backend.StatusBadGateway
		if resp.StatusCode == http.StatusBadRequest {
			status = backend.StatusBadRequest
		}
		return backend.ErrDataResponse(status, hubError(resp).Error())
	}
	kind := "stats"
	if m.Measure == "volume" || m.Measure == "csat" || m.Measure == "sentiment" {
		kind = m.Measure
	}
	frame, err := answerFrame(resp.Body, kind, m.Measure)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadGateway, "the hub's answer: "+err.Error())
	}
	return backend.DataResponse{Frames: data.Frames{frame}}
}

// arrowReader reads the hub's Arrow stream of the given schema.
func arrowReader(r io.Reader, schema string) (*ipc.Reader, error) {
	// bounds: a damaged or hostile answer declaring a huge message must
	// not make the plugin allocate it. ipc.NewReader (arrow-go v18.8.0)
	// leaves its message reader without the size limits it is given, so
	// the message reader is made here with them.
	limits := []ipc.Option{ipc.WithMetadataSizeLimit(1 << 20), ipc.WithBodySizeLimit(maxAnswer)}
	rd, err := ipc.NewReaderFromMessageReader(ipc.NewMessageReader(io.LimitReader(r, maxAnswer), limits...), limits...)
	if err != nil {
		return nil, err
	}
	if v, _ := rd.Schema().Metadata().GetValue("edgedesk.schema"); v != schema {
		rd.Release()
		return nil, fmt.Errorf("schema %q, want %s: the hub and the plugin are of different versions", v, schema)
	}
	return rd, nil
}

// maxAnswer bounds the hub's answer: a year of hours in twenty regions
// is under 8 MiB.
const maxAnswer = 64 << 20

// answers are the hub's Arrow schemas, how their columns become fields:
// a field's name and unit by column (columns not named are left out).
var answers = map[string]struct {
	schema string
	fields map[string]fieldSpec
}{
	"stats": {"stats/1", map[string]fieldSpec{"p50_ms": {"p50", "ms"}, "p90_ms": {"p90", "ms"}, "count": {"count", ""}, "breached": {"breached", ""},
		"breach_rate": {"breach_rate", "percentunit"}}},
	"volume": {"volume/1", map[string]fieldSpec{"opened": {"opened", ""}, "expected": {"expected", ""}, "lower": {"lower", ""},
		"upper": {"upper", ""}, "anomaly": {"anomaly", ""}}},
	"csat":      {"csat/1", map[string]fieldSpec{"ratings": {"ratings", ""}, "mean": {"mean", ""}, "satisfied": {"satisfied", "percentunit"}}},
	"sentiment": {"sentiment/1", map[string]fieldSpec{"readings": {"readings", ""}, "mean": {"mean", ""}, "positive": {"positive", "percentunit"}}},
}

type fieldSpec struct{ name, unit string }

// answerFrame reads one of the hub's answers (region, time, then figures)
// into a wide frame: time, then each figure for each region, labelled
// region=<name>; an hour a region has no row is null, a false anomaly
// too (so that only anomalies are drawn).
func answerFrame(r io.Reader, kind, name string) (*data.Frame, error) {
	spec := answers[kind]
	rd, err := arrowReader(r, spec.schema)
	if err != nil {
		return nil, err
	}
	defer rd.Release()
	cols := rd.Schema().Fields()
	if len(cols) < 2 || cols[1].Name != "time" {
		return nil, errors.New("the answer's first columns are not its groups and time")
	}
	dim := cols[0].Name // region, or what the query grouped by
	type cell struct {
		region string
		t      int64
		vals   map[string]*float64
	}
	var cells []cell
	for rd.Next() {
		rec := rd.RecordBatch()
		region, ok1 := rec.Column(0).(*array.String)
		ts, ok2 := rec.Column(1).(*array.Timestamp)
		if !ok1 || !ok2 {
			return nil, errors.New("the group and time columns are not a string and a timestamp")
		}
		for i := range int(rec.NumRows()) {
			c := cell{region: region.Value(i), t: int64(ts.Value(i)), vals: map[string]*float64{}}
			if region.IsNull(i) {
				c.region = "(none)"
			}
			for j := 2; j < int(rec.NumCols()); j++ {
				col := rec.Column(j)
				if col.IsNull(i) {
					continue
				}
				var v float64
				switch a := col.(type) {
				case *array.Float64:
					v = a.Value(i)
				case *array.Int64:
					v = float64(a.Value(i))
				case *array.Boolean:
					if !a.Value(i) {
						continue
					}
					v = 1
				default:
					return nil, fmt.Errorf("column %s is a %s", cols[j].Name, col.DataType())
				}
				c.vals[cols[j].Name] = &v
			}
			cells = append(cells, c)
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	var times []int64
	var regions []string
	seenT, seenR := map[int64]bool{}, map[string]bool{}
	for _, c := range cells {
		if !seenT[c.t] {
			seenT[c.t] = true
			times = append(times, c.t)
		}
		if !seenR[c.region] {
			seenR[c.region] = true
			regions = append(regions, c.region)
		}
	}
	slices.Sort(times)
	slices.Sort(regions)
	tt := make([]time.Time, len(times))
	for i, t := range times {
		tt[i] = time.UnixMilli(t).UTC()
	}
	series := map[string]map[string][]*float64{} // region → column → values by time
	for _, reg := range regions {
		series[reg] = map[string][]*float64{}
		for col := range spec.fields {
			series[reg][col] = make([]*float64, len(times))
		}
	}
	for _, c := range cells {
		i, _ := slices.BinarySearch(times, c.t)
		for col, v := range c.vals {
			if s, ok := series[c.region][col]; ok {
				s[i] = v
			}
		}
	}
	frame := data.NewFrame(name, data.NewField("time", nil, tt))
	for _, reg := range regions {
		for _, col := range cols[2:] {
			f, ok := spec.fields[col.Name]
			if !ok {
				continue
			}
			frame.Fields = append(frame.Fields, data.NewField(f.name, data.Labels{dim: reg}, series[reg][col.Name]).
				SetConfig(&data.FieldConfig{Unit: f.unit, DisplayNameFromDS: f.name + " " + reg}))
		}
	}
	return frame, nil
}

// Live queue streams: the path is queue/<tenant>.

// SubscribeStream allows a tenant's queue stream.
func (d *Datasource) SubscribeStream(_ context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	if tenant, ok := strings.CutPrefix(req.Path, "queue/"); !ok || tenant == "" || strings.ContainsAny(tenant, "/?#&") {
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
	}
	return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusOK}, nil
}

// PublishStream refuses: the queue comes from the hub only.
func (d *Datasource) PublishStream(context.Context, *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	return &backend.PublishStreamResponse{Status: backend.PublishStreamStatusPermissionDenied}, nil
}

// LiveQueue is an event of the hub's live stream.
type LiveQueue struct {
	Time  int64 `json:"time"`
	Queue []struct {
		Region    string `json:"region"`
		Waiting   int64  `json:"waiting"`
		LongestMS int64  `json:"longest_ms"`
		// Agents, when the region's edge said: online, away, busy.
		Agents *struct {
			Online int64 `json:"online"`
			Away   int64 `json:"away"`
			Busy   int64 `json:"busy"`
		} `json:"agents"`
	} `json:"queue"`
}

// RunStream follows the hub's live queue of the path's tenant and sends
// each event as a frame (time, then waiting and longest wait per region),
// reconnecting with a back-off when the hub goes away, until ctx ends.
func (d *Datasource) RunStream(ctx context.Context, req *backend.RunStreamRequest, sender *backend.StreamSender) error {
	tenant := strings.TrimPrefix(req.Path, "queue/")
	backoff := time.Second
	for ctx.Err() == nil {
		sent, err := d.follow(ctx, tenant, sender)
		if ctx.Err() != nil {
			return nil
		}
		if sent > 0 {
			backoff = time.Second // it was flowing: the next try comes soon
		}
		backend.Logger.Warn("edgedesk: the hub's live queue stopped; following it again", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
	return nil
}

// follow reads one connection's events and says how many it sent on. A
// hub silent for 30 s (it sends one a second) is given up on.
func (d *Datasource) follow(ctx context.Context, tenant string, sender *backend.StreamSender) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := d.get(ctx, &http.Client{}, "/api/v1/analytics/live", url.Values{"tenant": {tenant}})
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, hubError(resp)
	}
	idle := time.AfterFunc(30*time.Second, cancel)
	defer idle.Stop()
	sent := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		idle.Reset(30 * time.Second)
		payload, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		frame, err := queueFrame([]byte(payload))
		if err != nil {
			return sent, err
		}
		if err := sender.SendFrame(frame, data.IncludeAll); err != nil {
			return sent, err
		}
		sent++
	}
	if err := sc.Err(); err != nil {
		return sent, err
	}
	return sent, io.ErrUnexpectedEOF
}

// queueFrame turns a live queue event into a frame: time, then waiting
// and longest (ms) for each region, named "waiting eu", "longest eu",
// and, when the region's agents are known, "online eu", "busy eu" and
// "away eu".
func queueFrame(b []byte) (*data.Frame, error) {
	var q LiveQueue
	if err := json.Unmarshal(b, &q); err != nil {
		return nil, fmt.Errorf("a live queue event that is not JSON: %w", err)
	}
	frame := data.NewFrame("queue", data.NewField("time", nil, []time.Time{time.UnixMilli(q.Time).UTC()}))
	// names of their own per region: Grafana's streaming frames match
	// fields by name when a region joins, and would mix them up
	for _, r := range q.Queue {
		labels := data.Labels{"region": r.Region}
		frame.Fields = append(frame.Fields,
			data.NewField("waiting "+r.Region, labels, []int64{r.Waiting}),
			data.NewField("longest "+r.Region, labels, []float64{float64(r.LongestMS)}).SetConfig(&data.FieldConfig{Unit: "ms"}))
		if a := r.Agents; a != nil {
			frame.Fields = append(frame.Fields, data.NewField("online "+r.Region, labels, []int64{a.Online}),
				data.NewField("busy "+r.Region, labels, []int64{a.Busy}), data.NewField("away "+r.Region, labels, []int64{a.Away}))
		}
	}
	return frame, nil
}
