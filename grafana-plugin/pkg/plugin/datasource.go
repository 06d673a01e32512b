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
	// Measure is first_response (the default), next_response, resolution
	// or volume (conversations opened, with the forecast band).
	Measure string `json:"measure"`
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
	resp, err := d.get(ctx, d.client, "/api/v1/analytics/query", url.Values{"tenant": {m.Tenant}, "measure": {m.Measure},
		"from": {q.TimeRange.From.UTC().Format(time.RFC3339)}, "to": {q.TimeRange.To.UTC().Format(time.RFC3339)}})
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
	read := statsFrame
	if m.Measure == "volume" {
		read = volumeFrame
	}
	frame, err := read(resp.Body, m.Measure)
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

// volumeFrame reads the hub's volume answer (schema volume/1) into a
// wide frame: time, then opened, expected, lower, upper and anomaly
// (1 or null) for each region.
func volumeFrame(r io.Reader, _ string) (*data.Frame, error) {
	rd, err := arrowReader(r, "volume/1")
	if err != nil {
		return nil, err
	}
	defer rd.Release()
	type point struct {
		opened, expected, lower, upper *float64
		anomaly                        bool
	}
	series := map[string]map[int64]point{}
	var times []int64
	for rd.Next() {
		rec := rd.RecordBatch()
		if rec.NumCols() < 7 {
			return nil, fmt.Errorf("%d columns, want 7", rec.NumCols())
		}
		region, ok1 := rec.Column(0).(*array.String)
		ts, ok2 := rec.Column(1).(*array.Timestamp)
		anomaly, ok3 := rec.Column(6).(*array.Boolean)
		var vals [4]*array.Float64
		ok := ok1 && ok2 && ok3
		for j := range vals {
			vals[j], ok3 = rec.Column(2 + j).(*array.Float64)
			ok = ok && ok3
		}
		if !ok {
			return nil, errors.New("the columns are not region, time, opened, expected, lower, upper, anomaly")
		}
		for i := range int(rec.NumRows()) {
			var p point
			ptrs := []**float64{&p.opened, &p.expected, &p.lower, &p.upper}
			for j, col := range vals {
				if !col.IsNull(i) {
					v := col.Value(i)
					*ptrs[j] = &v
				}
			}
			p.anomaly = anomaly.Value(i)
			reg := region.Value(i)
			if series[reg] == nil {
				series[reg] = map[int64]point{}
			}
			t := int64(ts.Value(i))
			if _, seen := series[reg][t]; !seen && !slices.Contains(times, t) {
				times = append(times, t)
			}
			series[reg][t] = p
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	slices.Sort(times)
	tt := make([]time.Time, len(times))
	for i, t := range times {
		tt[i] = time.UnixMilli(t).UTC()
	}
	frame := data.NewFrame("volume", data.NewField("time", nil, tt))
	regions := make([]string, 0, len(series))
	for reg := range series {
		regions = append(regions, reg)
	}
	slices.Sort(regions)
	one := 1.0
	for _, reg := range regions {
		cols := make([][]*float64, 5)
		for j := range cols {
			cols[j] = make([]*float64, len(times))
		}
		for i, t := range times {
			p, ok := series[reg][t]
			if !ok {
				continue
			}
			cols[0][i], cols[1][i], cols[2][i], cols[3][i] = p.opened, p.expected, p.lower, p.upper
			if p.anomaly {
				cols[4][i] = &one
			}
		}
		labels := data.Labels{"region": reg}
		for j, name := range []string{"opened", "expected", "lower", "upper", "anomaly"} {
			frame.Fields = append(frame.Fields, data.NewField(name, labels, cols[j]).SetConfig(&data.FieldConfig{DisplayNameFromDS: name + " " + reg}))
		}
	}
	return frame, nil
}

// maxAnswer bounds the hub's answer: a year of hours in twenty regions
// is under 8 MiB.
const maxAnswer = 64 << 20

// statRow is one region's figures of one hour.
type statRow struct {
	t               time.Time
	region          string
	count, breached int64
	p50, p90        float64
}

// statsFrame reads the hub's Arrow stream (schema stats/1) into a wide
// frame: time, then p50, p90, count and breached for each region.
func statsFrame(r io.Reader, measure string) (*data.Frame, error) {
	// bounds: a damaged or hostile answer declaring a huge message must
	// not make the plugin allocate it. ipc.NewReader (arrow-go v18.8.0)
	// leaves its message reader without the size limits it is given, so
	// the message reader is made here with them.
	rd, err := arrowReader(r, "stats/1")
	if err != nil {
		return nil, err
	}
	defer rd.Release()
	var rows []statRow
	for rd.Next() {
		rec := rd.RecordBatch()
		if rec.NumCols() < 6 {
			return nil, fmt.Errorf("%d columns, want 6", rec.NumCols())
		}
		region, ok1 := rec.Column(0).(*array.String)
		ts, ok2 := rec.Column(1).(*array.Timestamp)
		count, ok3 := rec.Column(2).(*array.Int64)
		p50, ok4 := rec.Column(3).(*array.Float64)
		p90, ok5 := rec.Column(4).(*array.Float64)
		breached, ok6 := rec.Column(5).(*array.Int64)
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
			return nil, errors.New("the columns are not region, time, count, p50_ms, p90_ms, breached")
		}
		for i := range int(rec.NumRows()) {
			rows = append(rows, statRow{time.UnixMilli(int64(ts.Value(i))).UTC(), region.Value(i), count.Value(i),
				breached.Value(i), p50.Value(i), p90.Value(i)})
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	// long to wide: one time column, a field per region and figure
	slices.SortFunc(rows, func(a, b statRow) int { return a.t.Compare(b.t) })
	var times []time.Time
	var regions []string
	for _, r := range rows {
		if len(times) == 0 || !times[len(times)-1].Equal(r.t) {
			times = append(times, r.t)
		}
		if !slices.Contains(regions, r.region) {
			regions = append(regions, r.region)
		}
	}
	slices.Sort(regions)
	frame := data.NewFrame(measure, data.NewField("time", nil, times))
	type series struct{ p50, p90, count, breached []*float64 }
	by := map[string]*series{}
	for _, reg := range regions {
		by[reg] = &series{make([]*float64, len(times)), make([]*float64, len(times)), make([]*float64, len(times)), make([]*float64, len(times))}
	}
	for _, r := range rows {
		i, _ := slices.BinarySearchFunc(times, r.t, func(a, b time.Time) int { return a.Compare(b) })
		s := by[r.region]
		count, breached := float64(r.count), float64(r.breached)
		s.p50[i], s.p90[i], s.count[i], s.breached[i] = &r.p50, &r.p90, &count, &breached
	}
	for _, reg := range regions {
		labels := data.Labels{"region": reg}
		s := by[reg]
		frame.Fields = append(frame.Fields,
			data.NewField("p50", labels, s.p50).SetConfig(&data.FieldConfig{Unit: "ms", DisplayNameFromDS: "p50 " + reg}),
			data.NewField("p90", labels, s.p90).SetConfig(&data.FieldConfig{Unit: "ms", DisplayNameFromDS: "p90 " + reg}),
			data.NewField("count", labels, s.count).SetConfig(&data.FieldConfig{DisplayNameFromDS: "waits " + reg}),
			data.NewField("breached", labels, s.breached).SetConfig(&data.FieldConfig{DisplayNameFromDS: "breached " + reg}))
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
	} `json:"queue"`
}

// RunStream follows the hub's live queue of the path's tenant and sends
// each event as a frame (time, then waiting and longest wait per region),
// reconnecting with a back-off when the hub goes away, until ctx ends.
func (d *Datasource) RunStream(ctx context.Context, req *backend.RunStreamRequest, sender *backend.StreamSender) error {
	tenant := strings.TrimPrefix(req.Path, "queue/")
	backoff := time.Second
	for ctx.Err() == nil {
		err := d.follow(ctx, tenant, sender)
		if ctx.Err() != nil {
			return nil
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

// follow reads one connection's events.
func (d *Datasource) follow(ctx context.Context, tenant string, sender *backend.StreamSender) error {
	resp, err := d.get(ctx, &http.Client{}, "/api/v1/analytics/live", url.Values{"tenant": {tenant}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return hubError(resp)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		payload, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		frame, err := queueFrame([]byte(payload))
		if err != nil {
			return err
		}
		if err := sender.SendFrame(frame, data.IncludeAll); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}

// queueFrame turns a live queue event into a frame.
func queueFrame(b []byte) (*data.Frame, error) {
	var q LiveQueue
	if err := json.Unmarshal(b, &q); err != nil {
		return nil, fmt.Errorf("a live queue event that is not JSON: %w", err)
	}
	frame := data.NewFrame("queue", data.NewField("time", nil, []time.Time{time.UnixMilli(q.Time).UTC()}))
	for _, r := range q.Queue {
		labels := data.Labels{"region": r.Region}
		frame.Fields = append(frame.Fields,
			data.NewField("waiting", labels, []int64{r.Waiting}),
			data.NewField("longest", labels, []float64{float64(r.LongestMS)}).SetConfig(&data.FieldConfig{Unit: "ms"}))
	}
	return frame, nil
}
