// Package protocol is the edge's WebSocket protocol (docs/protocol.md) as
// Go types: the frames a client sends (InFrame) and receives (OutFrame),
// the views of conversations, items, contacts and the rest that frames
// carry, the frame types, error codes and close codes, and the demo data
// of an edge started with --dev. The gateway speaks it; edge/client, the
// load generator and any Go program that talks to an edge import it, and
// nothing else of the edge.
//
// It imports only the standard library, as wasm/abi does for plugins, so
// a client of the protocol does not pull in the edge's log, store or media
// server. Its views are what clients see, not how the edge stores things:
// the gateway builds them from its records in one place.
//
// The TypeScript types of the widget and the console are generated from
// this package into web/src/protocol.gen.ts: interfaces with the JSON
// names (optional where a field is omitted when empty), and the constants
// as objects and unions of their values. A field's ts tag names its
// TypeScript type where the Go type says less (a frame type, a code).
// `go test ./edge/protocol -update` writes the file again after a change,
// and the test fails while the file in the tree differs from what the
// types say.
package protocol
