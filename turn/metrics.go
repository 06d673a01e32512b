package turn

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	active  prometheus.Gauge
	allocs  *prometheus.CounterVec // result: ok, quota, no_port
	auth    *prometheus.CounterVec // result: ok, refused (username), bad_integrity
	denied  prometheus.Counter
	relayed *prometheus.CounterVec // direction: to_peer, from_peer
	dropped *prometheus.CounterVec // direction, over the bandwidth cap
}

func newMetrics() *metrics {
	return &metrics{
		active: prometheus.NewGauge(prometheus.GaugeOpts{Name: "edgedesk_turn_allocations",
			Help: "TURN allocations now."}),
		allocs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_turn_allocations_total",
			Help: "TURN allocation requests that passed authentication, by result (ok, quota: the user holds their limit, server_full, no_port)."}, []string{"result"}),
		auth: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_turn_auth_total",
			Help: "TURN authentications by result (ok; refused: a malformed or expired username; bad_integrity: a wrong password)."}, []string{"result"}),
		denied: prometheus.NewCounter(prometheus.CounterOpts{Name: "edgedesk_turn_peers_denied_total",
			Help: "Permissions refused because the peer is loopback, private or reserved."}),
		relayed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_turn_relayed_bytes_total",
			Help: "Bytes relayed, by direction (to_peer, from_peer)."}, []string{"direction"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgedesk_turn_dropped_bytes_total",
			Help: "Bytes dropped over a user's bandwidth cap, by direction."}, []string{"direction"}),
	}
}

func (m *metrics) register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.active, m.allocs, m.auth, m.denied, m.relayed, m.dropped} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}
