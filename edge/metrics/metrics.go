// Package metrics holds the edge's Prometheus series, all prefixed
// edgedesk_, in one registry owned by the node (no global registry).
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the edge's series.
type Metrics struct {
	Registry *prometheus.Registry

	Connections   *prometheus.GaugeVec   // edgedesk_ws_connections{role}
	Messages      *prometheus.CounterVec // edgedesk_messages_total{result}
	FramesIn      prometheus.Counter
	FramesOut     prometheus.Counter
	FrameErrors   *prometheus.CounterVec // edgedesk_ws_frame_errors_total{code}
	SlowClients   prometheus.Counter
	AppendSeconds prometheus.Histogram
	Applied       prometheus.Counter
	Malformed     prometheus.Counter
	Refused       prometheus.Counter
	Uploads       *prometheus.CounterVec // edgedesk_attachments_total{result}
	// AttachmentsExpired counts uploads deleted because no message
	// referenced them in time.
	AttachmentsExpired prometheus.Counter
	// LoginFailures counts sign-ins refused for a wrong address or
	// password; LoginThrottled those refused unchecked because the
	// account or the address was locked, by scope.
	LoginFailures  prometheus.Counter
	LoginThrottled *prometheus.CounterVec // edgedesk_login_throttled_total{scope}
	// RoutingFallbacks counts assignments the built-in rule made because
	// the routing plugin failed.
	RoutingFallbacks prometheus.Counter
	Analyses         *prometheus.CounterVec // edgedesk_nlp_analyses_total{result}
	Calls            prometheus.Gauge       // edgedesk_calls: calls this node hosts now
	CallsEnded       *prometheus.CounterVec // edgedesk_calls_ended_total{reason}
}

// New creates the series and registers them, with Go and process
// collectors, in a new registry.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		Connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "edgedesk_ws_connections", Help: "Open WebSocket connections by role.",
		}, []string{"role"}),
		Messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgedesk_messages_total", Help: "Messages received from clients, by result (accepted, duplicate, refused).",
		}, []string{"result"}),
		FramesIn: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edgedesk_ws_frames_in_total", Help: "WebSocket frames read.",
		}),
		FramesOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edgedesk_ws_frames_out_total", Help: "WebSocket frames queued to clients.",
		}),
		FrameErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgedesk_ws_frame_errors_total", Help: "Error frames sent, by error code.",
		}, []string{"code"}),
		SlowClients: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edgedesk_ws_slow_clients_total", Help: "Clients dropped with a resync instruction because they read too slowly.",
		}),
		AppendSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "edgedesk_publish_seconds",
			Help:    "Time to append an event to the JetStream log until acknowledged.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
		}),
		Applied: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edgedesk_events_applied_total", Help: "Events applied to the state store by the projector.",
		}),
		Malformed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edgedesk_events_malformed_total", Help: "Log entries that were not valid events and were skipped.",
		}),
		Refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edgedesk_events_refused_total", Help: "Log entries the region did not sign (no signature, an unknown key, or one that does not match), skipped by the projector.",
		}),
		Uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgedesk_attachments_total", Help: "Attachment uploads by result.",
		}, []string{"result"}),
		AttachmentsExpired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edgedesk_attachments_expired_total", Help: "Uploads deleted because no message referenced them within attachments.unreferenced_ttl.",
		}),
		LoginFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edgedesk_login_failures_total", Help: "Sign-ins refused for a wrong e-mail address or password.",
		}),
		LoginThrottled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgedesk_login_throttled_total", Help: "Sign-ins refused without checking the password because the account or the client address was locked after failures, by scope (account, address).",
		}, []string{"scope"}),
		RoutingFallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "edgedesk_routing_fallbacks_total", Help: "Conversations the built-in rule assigned because the routing plugin failed.",
		}),
		Analyses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgedesk_nlp_analyses_total", Help: "Customer messages sent to the NLP plugin, by result (ok, failed, suspended: the plugin is resting after failures, dropped: the queue was full).",
		}, []string{"result"}),
		Calls: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "edgedesk_calls", Help: "Calls this node's media server hosts now.",
		}),
		CallsEnded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgedesk_calls_ended_total", Help: "Calls ended, by why (hung up, disconnected, the media connection ended).",
		}, []string{"reason"}),
	}
	r.MustRegister(m.Connections, m.Messages, m.FramesIn, m.FramesOut, m.FrameErrors, m.SlowClients,
		m.AppendSeconds, m.Applied, m.Malformed, m.Refused, m.Uploads, m.AttachmentsExpired, m.LoginFailures, m.LoginThrottled,
		m.RoutingFallbacks, m.Analyses,
		m.Calls, m.CallsEnded,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// GaugeFunc registers a gauge whose value fn reads at scrape time.
func (m *Metrics) GaugeFunc(name, help string, fn func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// GaugeVecFunc registers a gauge with one label whose values fn reads at
// scrape time, one per label value.
func (m *Metrics) GaugeVecFunc(name, help, label string, values []string, fn func(value string) float64) {
	for _, v := range values {
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: prometheus.Labels{label: v}},
			func() float64 { return fn(v) }))
	}
}
