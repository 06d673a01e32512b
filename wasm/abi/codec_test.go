package abi

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
)

// FuzzDecodeResult: whatever bytes a plugin returns give a Result or an
// error, never a panic, and a Result encodes back to one that decodes the
// same.
func FuzzDecodeResult(f *testing.F) {
	for _, r := range []Result{{}, {Status: StatusFailed, Message: "no"}, {Output: []byte{0xa1, 1, 2}}} {
		b, _ := cbor.Marshal(r)
		f.Add(b)
	}
	f.Add([]byte{0xff})
	f.Add([]byte{0xa2, 0x01, 0x03, 0x02, 0x62, 0xc3, 0x28}) // a message that is not UTF-8
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeResult(b)
		var lib Result
		lerr := cbor.Unmarshal(b, &lib)
		if err != nil {
			if !errors.Is(err, ErrWire) && !errors.Is(err, ErrInvalid) && !strings.Contains(err.Error(), "unknown status") {
				t.Fatalf("error without ErrWire or ErrInvalid: %v", err)
			}
			return
		}
		if !utf8.ValidString(r.Message) || strings.ContainsFunc(r.Message, func(c rune) bool {
			return unicode.IsControl(c) && c != '\t' && c != '\n' && c != '\r'
		}) {
			t.Fatalf("accepted the message %q", r.Message)
		}
		if lerr == nil && !reflect.DeepEqual(normal(r), normal(lib)) {
			t.Fatalf("fast %+v, library %+v", r, lib)
		}
		again, err := cbor.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := DecodeResult(again)
		if err != nil || !reflect.DeepEqual(normal(r), normal(r2)) {
			t.Fatalf("%+v re-encodes to %+v, %v", r, r2, err)
		}
	})
}

func normal(r Result) Result {
	if len(r.Output) == 0 {
		r.Output = nil
	}
	return r
}

func TestDecodeResultRefusesUnknownStatus(t *testing.T) {
	b, _ := cbor.Marshal(Result{Status: 9})
	if _, err := DecodeResult(b); err == nil {
		t.Fatal("status 9 accepted")
	}
}
