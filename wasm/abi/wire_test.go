package abi

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

func sampleRequest() RouteRequest {
	return RouteRequest{Tenant: "demo", Conversation: "c1", Inbox: "web", Language: "zh", Skills: []string{"billing", "tech"}, Priority: -2,
		Agents: []AgentStatus{
			{ID: "ann", Online: true, Skills: []string{"billing"}, Languages: []string{"en"}, Load: 1, MaxChats: 4, IdleSince: 1764000000000},
			{ID: "bo", Languages: []string{"zh"}, Load: 300, IdleSince: -5},
		},
		Channel: "web",
		Contact: &Contact{Identified: true, Language: "de", Conversations: 3,
			Attributes: map[string]string{"plan": "enterprise", "seats": "42", "a": "", "trial": "false", "region.name": "欧洲", "bb": "x"}},
		Reading: &Reading{Language: "zh", Intent: "refund", Sentiment: SentimentNegative},
		Team:    "billing-emea",
	}
}

// libEnc is the library's core deterministic encoding, whose order of
// map keys Append writes.
var libEnc, _ = cbor.CoreDetEncOptions().EncMode()

func TestWireMatchesTheLibrary(t *testing.T) {
	q := sampleRequest()
	b, err := libEnc.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRouteRequest(b)
	if err != nil || !reflect.DeepEqual(*got, q) {
		t.Fatalf("DecodeRouteRequest = %+v, %v; want %+v", got, err, q)
	}
	for _, q := range []RouteRequest{q, {}, {Skills: []string{}, Agents: []AgentStatus{{Skills: []string{}}}},
		{Contact: &Contact{}, Reading: &Reading{}}, {Contact: &Contact{Attributes: map[string]string{}}, Channel: "email"}} {
		want, _ := libEnc.Marshal(q)
		if got := q.Append(nil); !bytes.Equal(got, want) {
			t.Errorf("RouteRequest%+v.Append = %x, library %x", q, got, want)
		}
	}
	for _, d := range []RouteDecision{{}, {Agent: "bo", Reason: "least loaded speaking zh"}, {Reason: strings.Repeat("x", 300)}} {
		want, _ := cbor.Marshal(d)
		if got := d.Encode(); !bytes.Equal(got, want) {
			t.Errorf("RouteDecision%+v.Encode = %x, library %x", d, got, want)
		}
		if back, err := DecodeRouteDecision(want); err != nil || back != d {
			t.Errorf("DecodeRouteDecision(%x) = %+v, %v", want, back, err)
		}
	}
	for _, r := range []Result{{}, {Status: StatusFailed, Message: "no"}, {Output: make([]byte, 70000)}} {
		want, _ := cbor.Marshal(r)
		if got := r.Encode(); !bytes.Equal(got, want) {
			t.Errorf("Result.Encode differs from the library for %d-byte output", len(r.Output))
		}
	}
	// a field from a newer host is skipped
	type newer struct {
		RouteRequest
		Extra map[string][]int `cbor:"99,keyasint"`
	}
	b, _ = cbor.Marshal(newer{RouteRequest: q, Extra: map[string][]int{"x": {1, 2}}})
	if got, err := DecodeRouteRequest(b); err != nil || got.Tenant != "demo" || len(got.Agents) != 2 {
		t.Fatalf("with an unknown field: %+v, %v", got, err)
	}
}

// TestWireOldAndNew: a request of an edge from before channel, contact
// and reading decodes with them zero; a plugin from before them reads
// what it knows of a new request (old is the request as it was, decoded
// by the library as that plugin's own decoder, which skips unknown keys,
// would).
func TestWireOldAndNew(t *testing.T) {
	type old struct {
		Tenant       string        `cbor:"1,keyasint"`
		Conversation string        `cbor:"2,keyasint"`
		Inbox        string        `cbor:"3,keyasint,omitempty"`
		Language     string        `cbor:"4,keyasint,omitempty"`
		Skills       []string      `cbor:"5,keyasint,omitempty"`
		Priority     int           `cbor:"6,keyasint,omitempty"`
		Agents       []AgentStatus `cbor:"7,keyasint"`
	}
	q := sampleRequest()
	want := old{q.Tenant, q.Conversation, q.Inbox, q.Language, q.Skills, q.Priority, q.Agents}
	var got old
	if err := cbor.Unmarshal(q.Append(nil), &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("an old plugin reads %+v, %v; want %+v", got, err, want)
	}
	b, _ := cbor.Marshal(want)
	back, err := DecodeRouteRequest(b)
	if err != nil || back.Channel != "" || back.Contact != nil || back.Reading != nil || back.Tenant != q.Tenant || len(back.Agents) != 2 {
		t.Fatalf("an old request reads %+v, %v", back, err)
	}
}

// TestDecoderReuse: a Decoder's second request has nothing of the first's
// contact, reading or attributes, and decoding allocates nothing.
func TestDecoderReuse(t *testing.T) {
	var d Decoder
	q := sampleRequest()
	full := q.Append(nil)
	q.Contact = &Contact{Attributes: map[string]string{"plan": "free"}}
	q.Reading = nil
	other := q.Append(nil)
	q.Contact = nil
	bare := q.Append(nil)
	for range 2 {
		got, err := d.RouteRequest(full)
		if err != nil || !reflect.DeepEqual(normalize(*got), normalize(sampleRequest())) {
			t.Fatalf("full: %+v, %v", got, err)
		}
		got, err = d.RouteRequest(other)
		if err != nil || got.Reading != nil || got.Contact == nil || got.Contact.Identified || got.Contact.Language != "" ||
			!reflect.DeepEqual(got.Contact.Attributes, map[string]string{"plan": "free"}) {
			t.Fatalf("other: %+v, %v", got.Contact, err)
		}
		got, err = d.RouteRequest(bare)
		if err != nil || got.Contact != nil || got.Reading != nil {
			t.Fatalf("bare: %+v, %v", got, err)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = d.RouteRequest(full) }); n != 0 {
		t.Errorf("decoding a request with a contact allocates %v times", n)
	}
	// a key given twice is refused
	dup := []byte{0xa1, 0x09, 0xa1, 0x02, 0xa2, 0x61, 'k', 0x61, 'a', 0x61, 'k', 0x61, 'b'}
	if _, err := d.RouteRequest(dup); !errors.Is(err, ErrWire) || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("an attribute given twice: %v", err)
	}
}

// FuzzWire: the fast reader accepts what the library accepts, and reads
// it to the same request (differential fuzzing); what it refuses it
// refuses with ErrWire, never a panic.
func FuzzWire(f *testing.F) {
	q := sampleRequest()
	b, _ := cbor.Marshal(q)
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte{0xa1, 0x07, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0xa3, 0x08, 0x63, 'w', 'e', 'b', 0x09, 0xf6, 0x0a, 0xf6})                      // channel, null contact and reading
	f.Add([]byte{0xa2, 0x09, 0xa0, 0x0a, 0xa0})                                                 // an empty contact and reading
	f.Add([]byte{0xa1, 0x09, 0xa2, 0x01, 0xf5, 0x02, 0xa0})                                     // identified, no attributes
	f.Add([]byte{0xa1, 0x09, 0xa1, 0x02, 0xa2, 0x61, 'k', 0x61, 'a', 0x61, 'k', 0x61, 'b'})     // an attribute twice
	f.Add([]byte{0xa1, 0x09, 0xa1, 0x02, 0xa1, 0x01, 0x61, 'a'})                                // an attribute's key not text
	f.Add([]byte{0xa1, 0x09, 0xa2, 0x04, 0x3a, 0x7f, 0xff, 0xff, 0xff, 0x63, 0x01, 0x02, 0x03}) // a negative count, an unknown key
	f.Add([]byte{0xa1, 0x0a, 0xa3, 0x01, 0x62, 'z', 'h', 0x02, 0x60, 0x03, 0xf6})               // a null sentiment
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeRouteRequest(b)
		if err != nil {
			if !errors.Is(err, ErrWire) {
				t.Fatalf("error without ErrWire: %v", err)
			}
			return
		}
		again, err := DecodeRouteRequest(got.Append(nil))
		if err != nil || !reflect.DeepEqual(normalize(*again), normalize(*got)) {
			t.Fatalf("%+v re-encodes to %+v, %v", *got, again, err)
		}
		var want RouteRequest
		if lerr := cbor.Unmarshal(b, &want); lerr == nil && !reflect.DeepEqual(normalize(*got), normalize(want)) {
			t.Fatalf("fast %+v, library %+v", *got, want)
		}
	})
}

// normalize makes empty lists nil, as the two readers may differ there.
func normalize(q RouteRequest) RouteRequest {
	if len(q.Skills) == 0 {
		q.Skills = nil
	}
	if len(q.Agents) == 0 {
		q.Agents = nil
	}
	if q.Contact != nil && len(q.Contact.Attributes) == 0 {
		c := *q.Contact
		c.Attributes = nil
		q.Contact = &c
	}
	for i := range q.Agents {
		a := &q.Agents[i]
		if len(a.Skills) == 0 {
			a.Skills = nil
		}
		if len(a.Languages) == 0 {
			a.Languages = nil
		}
	}
	return q
}

// FuzzRouteDecision: what a routing plugin answers is decoded as the
// library decodes it, or refused with ErrWire.
func FuzzRouteDecision(f *testing.F) {
	for _, d := range []RouteDecision{{}, {Agent: "bo", Reason: "least loaded"}} {
		b, _ := cbor.Marshal(d)
		f.Add(b)
	}
	f.Add([]byte{0xa2, 0x01, 0x61, 'a', 0x01, 0x61, 'b'})
	f.Add([]byte{0xa2, 0x01, 0x62, 'b', 'o', 0x02, 0x63, 0xff, 0xfe, 'x'}) // the reason is not UTF-8
	f.Add([]byte{0xa2, 0x01, 0x62, 'b', 'o', 0x02, 0x63, 'a', 0x1b, '['})  // an escape in the reason
	f.Add([]byte{0xa2, 0x01, 0x62, 'b', 0x0a, 0x02, 0x63, 'o', 'k', '.'})  // a line break in the agent
	f.Add([]byte{0xa1, 0x02, 0x63, 0xe2, 0x80, 0xae})                      // a right-to-left override
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeRouteDecision(b)
		if err != nil {
			if !errors.Is(err, ErrWire) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error without ErrWire or ErrInvalid: %v", err)
			}
			if got != (RouteDecision{}) {
				t.Fatalf("a refused answer gave a decision: %+v", got)
			}
			return
		}
		if err := decisionKeepsTheContract(got); err != nil {
			t.Fatalf("DecodeRouteDecision accepted %+v: %v", got, err)
		}
		if back, err := DecodeRouteDecision(got.Encode()); err != nil || back != got {
			t.Fatalf("%+v re-encodes to %+v, %v", got, back, err)
		}
		var want RouteDecision
		if cbor.Unmarshal(b, &want) == nil && got != want {
			t.Fatalf("fast %+v, library %+v", got, want)
		}
	})
}
