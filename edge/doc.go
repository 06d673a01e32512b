// Package edge is the edge node: Node owns the subsystems of one edge (the
// embedded NATS server and event log, the Badger state, the projector, the
// WebSocket gateway and the HTTP server) and starts and stops them in order.
// edge/cmd/edge is its command.
package edge
