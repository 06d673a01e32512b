// Package journal ties the event log to the state: Append encodes an event,
// appends it to the log and returns once the projector has applied it, and
// Run is the projector loop that reads the log in order, applies it to the
// store in batches and hands what changed to the live delivery.
//
// Every node of a region runs its own projector over the shared log, so an
// event accepted by any node reaches the clients connected to every node.
package journal
