package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// protoFrameSeeds are client frames of every type the protocol defines, and
// the kinds of bad input a client (or an attacker) sends.
var protoFrameSeeds = []string{
	// hello, each way of authenticating
	`{"type":"hello","v":1,"token":"eyJhbGciOiJIUzI1NiJ9.e30.sig","scope":"assigned"}`,
	`{"type":"hello","v":1,"inbox":"demo-web"}`,
	`{"type":"hello","v":1,"inbox":"demo-web","visitor":"eyJ.x.y","resume":42}`,
	`{"type":"hello","v":1,"inbox":"demo-web","user":{"id":"u-1","name":"Ann","email":"a@x.test","hash":"ab12"}}`,
	`{"type":"hello","v":1,"token":"t","resume":0}`,
	// every other frame type
	`{"type":"start","id":"r1","client_id":"c-1"}`,
	`{"type":"send","id":"r2","conv":"c1","client_id":"m-1","text":"hi","attachments":["a1","a2"],"private":true}`,
	`{"type":"typing","conv":"c1","on":true}`,
	`{"type":"read","id":"r3","conv":"c1","seq":7}`,
	`{"type":"history","id":"r4","conv":"c1","before":100,"limit":50}`,
	`{"type":"assign","id":"r5","conv":"c1","agent":"agent-bob"}`,
	`{"type":"status","id":"r6","conv":"c1","status":"snoozed","snooze_until":1900000000000}`,
	`{"type":"presence","id":"r7","presence":"away"}`,
	`{"type":"ping","id":"r8"}`,
	`{"type":"conversations","id":"r9","status":"open","limit":10}`,
	`{"type":"teleport"}`,
	`{"type":"priority","id":"r10","conv":"c1","priority":"urgent"}`,
	`{"type":"inbox_set","id":"r11","inbox":"demo-web","skills":[],"priority":"high"}`,
	`{"type":"agents","id":"r16"}`,
	`{"type":"agent_set","id":"r17","agent":"agent-bob","skills":[" VIP "],"languages":[]}`,
	`{"type":"hello","v":1,"inbox":"demo-web","user":{"id":"u-1","hash":"ab12","language":"de-AT","attributes":{"plan":"pro","seats":42,"trial":false,"x":null,"n":-1.5e3,"s":"\u00e9"}}}`,
	`{"type":"hello","inbox":"demo-web","user":{"id":"u","hash":"h","attributes":{"a":{"b":1}}}}`,
	`{"type":"hello","inbox":"demo-web","user":{"id":"u","hash":"h","attributes":{"a":[1]}}}`,
	`{"type":"hello","inbox":"demo-web","user":{"id":"u","hash":"h","attributes":[]}}`,
	`{"type":"hello","inbox":"demo-web","user":{"id":"u","hash":"h","attributes":{}}}`, // clears them: kept apart from none
	`{"type":"call","id":"r12","op":"start","conv":"c1"}`,
	`{"type":"call","id":"r13","op":"join","call":"x","role":"supervisor"}`,
	`{"type":"call","id":"r14","op":"signal","call":"x","signal":{"type":"offer","sdp":"v=0\r\n"}}`,
	`{"type":"call","id":"r15","op":"signal","call":"x","signal":{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0}}}`,
	`{"type":"call","op":"mute","call":"x","muted":false}`,
	`{"type":"call","op":"signal","signal":{"type":"offer","extra":1}}`,
	// unknown fields, nested junk
	`{"type":"ping","extra":1}`,
	`{"type":"send","conv":"c1","client_id":"m","text":"x","meta":{"a":[1,{"b":null}]}}`,
	`{"type":"hello","user":{"id":"u","hash":"h","admin":true}}`,
	`{"type":{"nested":"object"}}`,
	`{"type":["ping"]}`,
	`{"type":"send","attachments":[[["deep"]]]}`,
	`[{"type":"ping"}]`,
	`{"type":"ping"}{"type":"ping"}`,
	`{"type":"ping"} trailing`,
	`{"type":"ping"}}`,
	`{"type":"ping"}]`,
	`{"type":"ping","type":"send"}`,
	`{"TYPE":"ping"}`,
	`{"type":""}`,
	`{}`,
	`null`,
	`"ping"`,
	``,
	`   `,
	`{"type":"ping","id":"` + strings.Repeat("x", 65) + `"}`,
	// huge and odd numbers
	`{"type":"read","seq":18446744073709551615}`,
	`{"type":"read","seq":18446744073709551616}`,
	`{"type":"read","seq":-1}`,
	`{"type":"read","seq":1e400}`,
	`{"type":"history","limit":1.5}`,
	`{"type":"hello","v":99999999999999999999999}`,
	`{"type":"hello","resume":-5}`,
	`{"type":"status","snooze_until":-9223372036854775809}`,
	// strings: escapes, invalid UTF-8, lone surrogates, NUL
	`{"type":"send","text":"\ud83d\ude00 \u0000 \ud800"}`,
	"{\"type\":\"send\",\"text\":\"\xff\xfe\xc0\xaf\"}",
	"{\"type\":\"\xff\"}",
	`{"type":"send","text":"unterminated}`,
	`{"type":"send","private":"yes"}`,
	`{"type":"typing","on":1}`,
}

// FuzzDecodeFrame: DecodeFrame never panics; every error wraps ErrFrame; an
// accepted frame was one valid JSON object with a type and a short id, and
// survives an encode/decode round trip.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range protoFrameSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeFrame(b)
		if err != nil {
			if !errors.Is(err, ErrFrame) {
				t.Fatalf("error does not wrap ErrFrame: %v", err)
			}
			if fr != nil {
				t.Fatalf("frame returned with an error")
			}
			return
		}
		if fr.Type == "" {
			t.Fatalf("accepted a frame without a type: %q", b)
		}
		if len(fr.ID) > 64 {
			t.Fatalf("accepted an id of %d bytes", len(fr.ID))
		}
		if !json.Valid(b) {
			t.Fatalf("accepted input that is not valid JSON: %q", b)
		}
		if trimmed := strings.TrimLeft(string(b), " \t\r\n"); !strings.HasPrefix(trimmed, "{") {
			t.Fatalf("accepted a JSON value that is not an object: %q", b)
		}
		enc, err := json.Marshal(fr)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		back, err := DecodeFrame(enc)
		if err != nil {
			t.Fatalf("the encoding of an accepted frame is refused: %v\n%s", err, enc)
		}
		want := *fr
		if len(want.Attachments) == 0 {
			want.Attachments = nil // [] and absent mean the same
		}
		if !reflect.DeepEqual(back, &want) {
			t.Fatalf("round trip changed the frame:\n got %+v\nwant %+v", back, &want)
		}
	})
}

func TestDecodeFrameRefusesTrailingJunk(t *testing.T) {
	for _, s := range []string{`{"type":"ping"}}`, `{"type":"ping"}]`, `{"type":"ping"} {}`, `{"type":"ping"} 1`} {
		if fr, err := DecodeFrame([]byte(s)); !errors.Is(err, ErrFrame) {
			t.Errorf("DecodeFrame(%s) = %+v, %v; want ErrFrame", s, fr, err)
		}
	}
	for _, s := range []string{`{"type":"ping"}`, " {\"type\":\"ping\"} \n\t", `{"type":"ping","resume":null}`} {
		if _, err := DecodeFrame([]byte(s)); err != nil {
			t.Errorf("DecodeFrame(%q): %v", s, err)
		}
	}
}

func ExampleDecodeFrame() {
	f, err := DecodeFrame([]byte(`{"type":"send","id":"r1","conv":"c1","client_id":"m1","text":"Hello"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Type, f.Conv, f.Text)
	_, err = DecodeFrame([]byte(`{"type":"send","colour":"blue"}`))
	fmt.Println(errors.Is(err, ErrFrame))
	// Output:
	// send c1 Hello
	// true
}
