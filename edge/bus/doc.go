// Package bus runs the edge's embedded NATS server with JetStream and owns
// the event log: a file-backed stream that events are appended to with
// dedupe ids and that projectors read back in order. Core NATS subjects on
// the same server carry ephemeral live traffic (typing, presence) between
// the nodes of a region.
package bus
