package gateway

import (
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go"
)

// A call operation relayed by another node is decoded from bytes off the
// region's NATS: whatever they are, the host answers with an error code
// and a message (there is no call here to act on), the relayed signals
// and searches find nobody, and nothing panics.
func FuzzRemoteCallOp(f *testing.F) {
	g := &Gateway{calls: map[string]*call{}, members: map[string]*session{}, log: slog.New(slog.DiscardHandler)}
	f.Add([]byte(`{"op":"join","call":"c1","tenant":"demo","member":"m1","origin":"node-b","role":"agent"}`))
	f.Add([]byte(`{"op":"signal","call":"c1","signal":{"type":"offer","sdp":"v=0"}}`))
	f.Add([]byte(`{"op":"leave","reason":"🙂"}`))
	f.Add([]byte(`{"op":"decline","call":"c1","tenant":"demo","member":"m1","origin":"node-b","role":"customer"}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var op remoteOp
		if json.Unmarshal(b, &op) != nil {
			return
		}
		err := g.hostOp(op)
		ce, ok := err.(*clientError)
		if !ok || ce.code == "" || ce.msg == "" {
			t.Fatalf("%q: %v, want a client error with a code and a message", b, err)
		}
		g.onCallSignal(&nats.Msg{Data: b}) // a signal for a member not here is dropped
		g.onCallFind(&nats.Msg{Data: b})   // a call not here is not answered for
	})
}
