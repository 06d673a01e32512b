// Package hub is the central Edgedesk hub. It keeps the global state built
// from the events every edge node ships to it, distributes configuration,
// agents, knowledge-base articles and signed plugins back to the edges, and
// runs the sync receiver that accepts edge event logs over QUIC with mutual
// TLS, acknowledging each sequence only after it is written durably.
//
// The hub's thin main will live in hub/cmd/hub.
package hub
