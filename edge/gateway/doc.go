// Package gateway is the edge's client-facing side: the WebSocket protocol
// that customers and agents speak (edge/protocol's types, docs/protocol.md),
// with the views of the edge's records that its frames carry (views.go),
// agent sign-in, and attachment upload and download over HTTP.
//
// Each connection has one reader goroutine, which handles the client's
// frames in order, and one writer goroutine fed by a bounded queue. Live
// delivery never blocks: a client whose queue overflows is told to resync
// and is disconnected, so one slow reader cannot stall the others.
package gateway
