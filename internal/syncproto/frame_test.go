package syncproto

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func sample() []*Frame {
	return []*Frame{
		{Type: TypeHello, Hello: &Hello{V: Version, Head: 1200, ConfigSeq: 7, Caps: Caps(), SealKey: bytes.Repeat([]byte{7}, 32)}},
		{Type: TypeWelcome, Welcome: &Welcome{V: Version, Acked: 1100, Edge: "eu-1", Region: "eu", Caps: Caps()}},
		{Type: TypeHello, Hello: &Hello{V: Version, Head: 1200, ConfigSeq: 7}},
		{Type: TypeWelcome, Welcome: &Welcome{V: Version, Acked: 1100, Edge: "eu-1", Region: "eu"}},
		{Type: TypeEvents, Batch: &Batch{First: 1101, Head: 1200, Events: [][]byte{[]byte("a"), bytes.Repeat([]byte("b"), 300)}}},
		{Type: TypeAck, Ack: &Ack{Stored: 1102, Applied: 1101}},
		{Type: TypeConfig, Batch: &Batch{First: 8, Head: 8, Events: [][]byte{[]byte("cfg")}}},
		{Type: TypeConfigAck, ConfigAck: 8},
		{Type: TypeError, Error: &Error{Code: CodeGap, Message: "batch starts at 1105, the hub has 1102"}},
		{Type: TypeEnroll, Enroll: &Enroll{Secret: "s3cret", Edge: "eu-1", Region: "eu", CSR: []byte{0x30, 0x01}}},
		{Type: TypeEnrolled, Enrolled: &Enrolled{Cert: []byte{0x30, 0x02}, CA: []byte{0x30, 0x03}}},
		{Type: TypeStatus, Status: &Status{Time: 1_790_000_000_000, Tenants: []TenantStatus{{Tenant: "demo", Online: 3, Away: 1, Busy: 2}, {Tenant: "acme"}}}},
	}
}

func TestFramesRoundTrip(t *testing.T) {
	var wire []byte
	for _, f := range sample() {
		var err error
		if wire, err = Append(wire, f); err != nil {
			t.Fatalf("append %s: %v", f.Type, err)
		}
	}
	r := NewReader(bytes.NewReader(wire))
	for _, want := range sample() {
		got, err := r.Read()
		if err != nil {
			t.Fatalf("read %s: %v", want.Type, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read %+v, want %+v", got, want)
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

func TestMalformedFramesAreRefused(t *testing.T) {
	batch := func(first, head, n uint64, events ...[]byte) []byte {
		b := []byte{byte(TypeEvents)}
		b = appendU(b, first)
		b = appendU(b, head)
		b = appendU(b, n)
		for _, e := range events {
			b = appendU(b, uint64(len(e)))
			b = append(b, e...)
		}
		return b
	}
	status := func(s Status) []byte {
		b, err := encMode.Marshal(s) // past Append's checks
		if err != nil {
			t.Fatal(err)
		}
		return append([]byte{byte(TypeStatus)}, b...)
	}
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "empty frame"},
		{"status without a tenant", status(Status{Tenants: []TenantStatus{{Online: 1}}}), "a tenant id of 0 bytes"},
		{"status busier than online", status(Status{Tenants: []TenantStatus{{Tenant: "demo", Online: 1, Busy: 2}}}), "2 busy of 1 online"},
		{"status of too many tenants", status(Status{Tenants: make([]TenantStatus, MaxStatusTenants+1)}), "max number of elements"},
		{"unknown type", []byte{99}, "unknown frame type 99"},
		{"sequence 0", batch(0, 1, 1, []byte("x")), "sequences start at 1"},
		{"no events", batch(1, 1, 0), "a batch holds 1 to"},
		{"too many events", batch(1, 1<<20, 1<<17), "a batch holds 1 to"},
		{"count beyond the bytes", batch(1, 10, 10, []byte("x")), "10 events in"},
		{"head before last", batch(5, 5, 2, []byte("x"), []byte("y")), "head 5 before"},
		{"overflow", batch(1<<64-1, 1<<64-1, 2, []byte("x"), []byte("y")), "overflow"},
		{"short event", append(batch(1, 1, 1), 5, 'a'), "5 bytes announced"},
		{"empty event", batch(1, 1, 1, []byte{}), "of 0 bytes"},
		{"trailing bytes", append(batch(1, 1, 1, []byte("x")), 0), "after the frame's body"},
		{"ack with junk", []byte{byte(TypeAck), 1, 1, 1}, "after the frame's body"},
		{"ack cut short", []byte{byte(TypeAck), 0x80}, "bad stored"},
		{"hello not cbor", []byte{byte(TypeHello), 0xff}, "hello"},
		{"hello unknown field", append([]byte{byte(TypeHello)}, 0xa1, 0x18, 0x63, 0x01), "unknown field"},
		{"hello with a capability of 0 bytes", cborFrame(t, TypeHello, map[int]any{1: 1, 4: []string{""}}), "a capability of 0 bytes"},
		{"welcome with a capability too long", cborFrame(t, TypeWelcome, map[int]any{1: 1, 5: []string{strings.Repeat("c", MaxCapLen+1)}}), "a capability of 33 bytes"},
		{"hello with a short region key", cborFrame(t, TypeHello, map[int]any{1: 1, 5: []byte("short")}), "a region's public key of 5 bytes"},
		{"hello with too many capabilities", cborFrame(t, TypeHello, map[int]any{1: 1, 4: make([]string, MaxCaps+1)}), "max number of elements"},
		{"error message too long", body(t, &Frame{Type: TypeError, Error: &Error{Code: "x", Message: strings.Repeat("m", 2000)}}), "too long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.b)
			if !errors.Is(err, ErrFrame) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Decode = %v, want an ErrFrame saying %q", err, c.want)
			}
		})
	}
	// A length beyond the limit is refused before anything is buffered.
	r := NewReader(bytes.NewReader(appendU(nil, MaxFrame+1)))
	if _, err := r.Read(); !errors.Is(err, ErrFrame) {
		t.Fatalf("oversized length: %v", err)
	}
	// A stream cut inside a frame is not a clean end.
	wire := mustAppend(t, sample()[2])
	if _, err := NewReader(bytes.NewReader(wire[:len(wire)-3])).Read(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cut frame: %v, want io.ErrUnexpectedEOF", err)
	}
}

// cborFrame is a frame of type typ whose body is v in CBOR, past Append's
// checks.
func cborFrame(t *testing.T, typ Type, v any) []byte {
	b, err := encMode.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte{byte(typ)}, b...)
}

// The hello and welcome of peers older than capabilities: their decoders
// refuse a field they do not know.
type (
	oldHello struct {
		V         int    `cbor:"1,keyasint"`
		Head      uint64 `cbor:"2,keyasint"`
		ConfigSeq uint64 `cbor:"3,keyasint"`
	}
	oldWelcome struct {
		V      int    `cbor:"1,keyasint"`
		Acked  uint64 `cbor:"2,keyasint"`
		Edge   string `cbor:"3,keyasint"`
		Region string `cbor:"4,keyasint"`
	}
)

// Capabilities keep both kinds of peer working: without a list, hello and
// welcome are the bytes an older peer sends and takes; a list is a field
// an older peer refuses, which is why a hub lists its capabilities only to
// an edge that listed its own, and an edge refused says hello again
// without them (edge/uplink, hub).
func TestCapabilitiesAndOlderPeers(t *testing.T) {
	old := func(v any) []byte {
		b, err := encMode.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// an older edge's hello reads as one without capabilities
	f, err := Decode(append([]byte{byte(TypeHello)}, old(oldHello{V: 1, Head: 5, ConfigSeq: 2})...))
	if err != nil || f.Hello.Caps != nil || f.Hello.Head != 5 {
		t.Fatalf("an older edge's hello: %+v, %v", f, err)
	}
	// a welcome without capabilities is what an older edge reads
	w := body(t, &Frame{Type: TypeWelcome, Welcome: &Welcome{V: 1, Acked: 3, Edge: "eu-1", Region: "eu"}})
	if !bytes.Equal(w[1:], old(oldWelcome{V: 1, Acked: 3, Edge: "eu-1", Region: "eu"})) {
		t.Fatalf("a welcome without capabilities is not the older encoding")
	}
	if err := decMode.Unmarshal(w[1:], new(oldWelcome)); err != nil {
		t.Fatalf("an older edge cannot read a welcome without capabilities: %v", err)
	}
	// a hello without capabilities is what an older hub reads; one with
	// them it refuses
	h := body(t, &Frame{Type: TypeHello, Hello: &Hello{V: 1, Head: 5}})
	if err := decMode.Unmarshal(h[1:], new(oldHello)); err != nil {
		t.Fatalf("an older hub cannot read a hello without capabilities: %v", err)
	}
	h = body(t, &Frame{Type: TypeHello, Hello: &Hello{V: 1, Head: 5, Caps: Caps()}})
	if err := decMode.Unmarshal(h[1:], new(oldHello)); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Fatalf("an older hub reads a hello with capabilities: %v, want an unknown field", err)
	}
	// an empty list is no list, as encoded
	f, err = Decode(cborFrame(t, TypeWelcome, map[int]any{1: 1, 5: []string{}}))
	if err != nil || f.Welcome.Caps != nil {
		t.Fatalf("a welcome with an empty list: %+v, %v; want no list", f.Welcome, err)
	}
	if !HasCap(Caps(), CapStatus) || HasCap(nil, CapStatus) {
		t.Fatal("HasCap")
	}
	if _, err := Append(nil, &Frame{Type: TypeHello, Hello: &Hello{V: 1, Caps: []string{""}}}); err == nil {
		t.Fatal("a hello with an empty capability encodes")
	}
}

func appendU(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// body is a frame's bytes after its length.
func body(t testing.TB, f *Frame) []byte {
	b := mustAppend(t, f)
	_, n := uvarintLen(b)
	return b[n:]
}

func mustAppend(t testing.TB, f *Frame) []byte {
	b, err := Append(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecode: any bytes give a frame or an ErrFrame, never a panic, and a
// frame that decodes encodes back to bytes that decode to the same frame.
func FuzzDecode(f *testing.F) {
	for _, fr := range sample() {
		f.Add(body(f, fr))
	}
	f.Add([]byte{byte(TypeEvents), 1, 1, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrFrame) {
				t.Fatalf("error without ErrFrame: %v", err)
			}
			return
		}
		wire, err := Append(nil, fr)
		if err != nil {
			t.Fatalf("a decoded frame does not encode: %v", err)
		}
		again, err := NewReader(bytes.NewReader(wire)).Read()
		if err != nil || !reflect.DeepEqual(again, fr) {
			t.Fatalf("re-encoded frame reads back as %+v, %v; want %+v", again, err, fr)
		}
	})
}

func uvarintLen(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
