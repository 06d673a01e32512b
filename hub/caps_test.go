package hub_test

import (
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/edgedesk/edgedesk/hub/hubtest"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// oldWelcome is the welcome of protocol version 1 before capability
// lists, decoded as an edge of then did: an unknown field is refused.
type oldWelcome struct {
	V      int    `cbor:"1,keyasint"`
	Acked  uint64 `cbor:"2,keyasint"`
	Edge   string `cbor:"3,keyasint"`
	Region string `cbor:"4,keyasint"`
}

// byteReader reads one byte at a time.
type byteReader struct{ r io.Reader }

func (b byteReader) ReadByte() (byte, error) {
	var p [1]byte
	_, err := io.ReadFull(b.r, p[:])
	return p[0], err
}

// rawWelcome reads the welcome's body off the stream, before c.read has
// buffered anything.
func (c *rawSync) rawWelcome() []byte {
	c.t.Helper()
	_ = c.s.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := binary.ReadUvarint(byteReader{c.s}) // no read-ahead
	if err != nil {
		c.t.Fatal(err)
	}
	if n == 0 || n > 1<<16 {
		c.t.Fatalf("a welcome of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c.s, b); err != nil {
		c.t.Fatal(err)
	}
	if syncproto.Type(b[0]) != syncproto.TypeWelcome {
		c.t.Fatalf("answered hello with a %s frame", syncproto.Type(b[0]))
	}
	return b[1:]
}

// The hub lists its capabilities to an edge that lists its own, and to an
// edge older than capability lists sends the welcome that edge reads (no
// list) and still takes its status frames.
func TestCapabilitiesWithNewAndOldEdges(t *testing.T) {
	h := hubtest.Start(t)
	evs := events(t, 2)

	t.Run("a new edge", func(t *testing.T) {
		c := dialRaw(t, h, "caps-new")
		c.send(&syncproto.Frame{Type: syncproto.TypeHello, Hello: &syncproto.Hello{V: syncproto.Version, Caps: syncproto.Caps()}})
		f := c.read()
		if f.Type != syncproto.TypeWelcome || !syncproto.HasCap(f.Welcome.Caps, syncproto.CapStatus) {
			t.Fatalf("welcome = %+v, want the hub's capabilities, %s among them", f.Welcome, syncproto.CapStatus)
		}
	})

	t.Run("an edge older than capabilities", func(t *testing.T) {
		c := dialRaw(t, h, "caps-old")
		c.send(&syncproto.Frame{Type: syncproto.TypeHello, Hello: &syncproto.Hello{V: syncproto.Version, Head: 2}})
		strict, err := cbor.DecOptions{ExtraReturnErrors: cbor.ExtraDecErrorUnknownField}.DecMode()
		if err != nil {
			t.Fatal(err)
		}
		var w oldWelcome
		if err := strict.Unmarshal(c.rawWelcome(), &w); err != nil {
			t.Fatalf("an older edge cannot read the welcome: %v", err)
		}
		if w.Edge != "caps-old" {
			t.Fatalf("welcome = %+v", w)
		}
		// it sends status frames without asking: the hub takes them and
		// goes on (a refusal would come instead of the ack)
		c.send(&syncproto.Frame{Type: syncproto.TypeStatus,
			Status: &syncproto.Status{Time: 1, Tenants: []syncproto.TenantStatus{{Tenant: "demo", Online: 1}}}})
		c.send(&syncproto.Frame{Type: syncproto.TypeEvents, Batch: &syncproto.Batch{First: 1, Head: 2, Events: evs}})
		if f := c.read(); f.Type != syncproto.TypeAck || f.Ack.Stored != 2 {
			t.Fatalf("after a status and a batch: %s %+v %+v, want the batch acknowledged", f.Type, f.Ack, f.Error)
		}
	})
}
