// Package event defines Edgedesk's event model: every change to a tenant's
// state (a tenant, inbox, agent or contact appearing, a conversation opened,
// a message sent, a status change, an assignment, a read marker, an
// attachment stored) is one Event, appended to the event log and turned into
// state by the projectors of the edge and the hub.
//
// Events are encoded as CBOR (RFC 8949) maps with small integer keys. Readers
// ignore keys they do not know and writers never reuse a key, so old and new
// nodes read each other's events: the format evolves by adding keys. The
// encoding is deterministic (core deterministic encoding, RFC 8949 §4.2), so
// the same event always has the same bytes. See docs/events.md.
package event
