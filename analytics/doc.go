// Package analytics is Edgedesk's columnar analytics: the event table (the
// service facts of the event log as columns, handed out as Arrow record
// batches of a versioned schema), the definitions of the service metrics
// measured on it (first response, next response and resolution time, SLA
// breaches, in business hours where a policy says so), and their
// aggregation by region and hour. docs/metrics.md defines each metric;
// the hub feeds the table and serves it to the Grafana data source.
package analytics
