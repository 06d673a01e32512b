package hub

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the hub's series, in the hub's own registry.
type metrics struct {
	registry   *prometheus.Registry
	events     *prometheus.CounterVec // edgedesk_hub_events_received_total{edge}
	duplicates *prometheus.CounterVec // edgedesk_hub_events_duplicate_total{edge}
	refused    *prometheus.CounterVec // edgedesk_hub_refused_total{reason}
	connected  prometheus.Gauge       // edgedesk_hub_edges_connected
}

func newMetrics() *metrics {
	r := prometheus.NewRegistry()
	m := &metrics{
		registry: r,
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgedesk_hub_events_received_total", Help: "Events of edges' logs stored by the hub.",
		}, []string{"edge"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgedesk_hub_events_duplicate_total", Help: "Events sent again that the hub already held (ignored).",
		}, []string{"edge"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgedesk_hub_refused_total", Help: "Connections and enrolments refused, by reason.",
		}, []string{"reason"}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "edgedesk_hub_edges_connected", Help: "Edges with a sync connection.",
		}),
	}
	r.MustRegister(m.events, m.duplicates, m.refused, m.connected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
