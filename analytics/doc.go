// Package analytics will hold Edgedesk's columnar analytics: event tables as
// Arrow record batches (a recent window in memory, history as Parquet), the
// definitions of the service metrics (first response time, resolution time,
// SLA breaches, volumes, sentiment, CSAT, agent occupancy), and the Arrow
// frames the hub serves to the Grafana data source.
package analytics
