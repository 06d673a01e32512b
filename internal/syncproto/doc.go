// Package syncproto is the wire format between an edge and its hub
// (docs/sync.md): the frames of one QUIC stream, their encoding and their
// limits. It is the one place both sides take it from.
package syncproto
