package abi

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

func sampleAnalyses() []Analysis {
	return []Analysis{
		{},
		{Language: "en", LanguageConfidence: 97, Intent: "refund", IntentConfidence: 81, Sentiment: "negative", SentimentScore: -64,
			PII:      []PII{{Kind: PIIEmail, Start: 12, End: 29}, {Kind: PIICard, Start: 300, End: 319}},
			Redacted: "my email is [email] and " + strings.Repeat("x", 300)},
		{Language: "zh", LanguageConfidence: 100, Sentiment: "neutral"},
		{SentimentScore: 100, PII: []PII{{Kind: PIIPhone, Start: 0, End: 70000}}, Redacted: "[phone]"},
		{Language: "zh-Hant", IntentConfidence: 100, SentimentScore: -100, Intent: "退款 refund", Redacted: "line\nbreak\x01"},
	}
}

func sampleAnalyzeRequests() []AnalyzeRequest {
	return []AnalyzeRequest{
		{},
		{Tenant: "demo", Text: "Where is my parcel? I ordered it two weeks ago."},
		{Tenant: "demo", Text: "我的订单还没到", Language: "zh-CN"},
		{Text: strings.Repeat("long message ", 6000), Language: "en"},
	}
}

// The fast codec writes the library's bytes and reads them back, both ways.
func TestAnalyzeMatchesTheLibrary(t *testing.T) {
	for _, q := range sampleAnalyzeRequests() {
		want, err := cbor.Marshal(q)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.Encode(); !bytes.Equal(got, want) {
			t.Errorf("AnalyzeRequest%.60q.Encode = %x…, library %x…", q.Text, head(got), head(want))
		}
		got, err := DecodeAnalyzeRequest(want)
		if err != nil || *got != q {
			t.Errorf("DecodeAnalyzeRequest(library bytes) = %+v, %v", got, err)
		}
		var d Decoder
		if shared, err := d.AnalyzeRequest(want); err != nil || shared != q {
			t.Errorf("Decoder.AnalyzeRequest(library bytes) = %+v, %v", shared, err)
		}
		var lib AnalyzeRequest
		if err := cbor.Unmarshal(q.Encode(), &lib); err != nil || lib != q {
			t.Errorf("the library reads %+v, %v", lib, err)
		}
	}
	for _, a := range sampleAnalyses() {
		want, err := cbor.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Encode(); !bytes.Equal(got, want) {
			t.Errorf("Analysis%+v.Encode = %x…, library %x…", a.PII, head(got), head(want))
		}
		got, err := DecodeAnalysis(want)
		if err != nil || !reflect.DeepEqual(*got, a) {
			t.Errorf("DecodeAnalysis(library bytes) = %+v, %v; want %+v", got, err, a)
		}
		var lib Analysis
		if err := cbor.Unmarshal(a.Encode(), &lib); err != nil || !reflect.DeepEqual(normalAnalysis(lib), normalAnalysis(a)) {
			t.Errorf("the library reads %+v, %v", lib, err)
		}
	}
	// fields from a newer plugin or host are skipped
	type newerAnalysis struct {
		Analysis
		Replies []string       `cbor:"9,keyasint"`
		Extra   map[int][]bool `cbor:"70,keyasint"`
	}
	b, _ := cbor.Marshal(newerAnalysis{Analysis: sampleAnalyses()[1], Replies: []string{"a", "b"}, Extra: map[int][]bool{1: {true}}})
	if got, err := DecodeAnalysis(b); err != nil || got.Intent != "refund" || len(got.PII) != 2 {
		t.Fatalf("with unknown fields: %+v, %v", got, err)
	}
	type newerRequest struct {
		AnalyzeRequest
		Conversation string `cbor:"4,keyasint"`
	}
	b, _ = cbor.Marshal(newerRequest{AnalyzeRequest{Tenant: "t", Text: "hi"}, "c1"})
	if got, err := DecodeAnalyzeRequest(b); err != nil || got.Text != "hi" {
		t.Fatalf("with an unknown field: %+v, %v", got, err)
	}
}

func TestAnalyzeRefusesMalformed(t *testing.T) {
	good := sampleAnalyses()[1]
	b := good.Encode()
	for _, c := range []struct {
		name       string
		in         []byte
		requestToo bool // also malformed as a request (not only an unknown key there)
	}{
		{"empty", nil, true},
		{"truncated", b[:len(b)-3], true},
		{"trailing", append(append([]byte(nil), b...), 0), true},
		{"not a map", []byte{0x83, 1, 2, 3}, true},
		{"duplicate key", []byte{0xa2, 0x01, 0x62, 'e', 'n', 0x01, 0x62, 'z', 'h'}, true},
		{"indefinite map", []byte{0xbf, 0x01, 0x62, 'e', 'n', 0xff}, true},
		{"huge list", []byte{0xa1, 0x07, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, true},
		{"string as an int", []byte{0xa1, 0x02, 0x61, '1'}, false},
		{"int overflow", []byte{0xa1, 0x06, 0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0}, false},
		{"PII not a map", []byte{0xa1, 0x07, 0x81, 0x01}, false},
	} {
		if a, err := DecodeAnalysis(c.in); !errors.Is(err, ErrWire) || a != nil {
			t.Errorf("%s: DecodeAnalysis = %+v, %v; want ErrWire", c.name, a, err)
		}
		if q, err := DecodeAnalyzeRequest(c.in); c.requestToo && (!errors.Is(err, ErrWire) || q != nil) {
			t.Errorf("%s: DecodeAnalyzeRequest = %+v, %v; want ErrWire", c.name, q, err)
		}
	}
}

// FuzzAnalyze: both fast readers accept what the library accepts and read
// it to the same message (differential fuzzing); what they refuse they
// refuse with ErrWire, never a panic; and what they read, they write back
// as the library would.
func FuzzAnalyze(f *testing.F) {
	for _, a := range sampleAnalyses() {
		b, _ := cbor.Marshal(a)
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	for _, q := range sampleAnalyzeRequests()[:3] {
		b, _ := cbor.Marshal(q)
		f.Add(b)
	}
	f.Add([]byte{0xa1, 0x07, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0xa1, 0x07, 0x81, 0xa1, 0x02, 0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, err := DecodeAnalysis(b); err != nil {
			if !errors.Is(err, ErrWire) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("DecodeAnalysis: error without ErrWire or ErrInvalid: %v", err)
			}
		} else {
			if err := analysisKeepsTheContract(got); err != nil {
				t.Fatalf("DecodeAnalysis accepted %+v: %v", *got, err)
			}
			var want Analysis
			if lerr := cbor.Unmarshal(b, &want); lerr == nil && !reflect.DeepEqual(normalAnalysis(*got), normalAnalysis(want)) {
				t.Fatalf("fast %+v, library %+v", *got, want)
			}
			lib, err := cbor.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if enc := got.Encode(); !bytes.Equal(enc, lib) {
				t.Fatalf("%+v encodes to %x, library %x", *got, enc, lib)
			}
		}
		var d Decoder
		shared, serr := d.AnalyzeRequest(b)
		if got, err := DecodeAnalyzeRequest(b); err != nil {
			if !errors.Is(err, ErrWire) || !errors.Is(serr, ErrWire) {
				t.Fatalf("DecodeAnalyzeRequest: error without ErrWire: %v (shared: %v)", err, serr)
			}
		} else {
			if serr != nil || shared != *got {
				t.Fatalf("Decoder.AnalyzeRequest = %+v, %v; DecodeAnalyzeRequest %+v", shared, serr, *got)
			}
			var want AnalyzeRequest
			if lerr := cbor.Unmarshal(b, &want); lerr == nil && *got != want {
				t.Fatalf("fast %+v, library %+v", *got, want)
			}
			lib, err := cbor.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if enc := got.Encode(); !bytes.Equal(enc, lib) {
				t.Fatalf("%+v encodes to %x, library %x", *got, enc, lib)
			}
		}
	})
}

// normalAnalysis makes an empty list nil, as the two readers may differ
// there.
func normalAnalysis(a Analysis) Analysis {
	if len(a.PII) == 0 {
		a.PII = nil
	}
	return a
}

func head(b []byte) []byte { return b[:min(len(b), 24)] }
