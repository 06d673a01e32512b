package gateway

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

var protoLiveSeeds = []string{
	`{"kind":"typing","node":"edge-1","conv":"c1","contact":"v1","actor_kind":"agent","actor_id":"agent-alice","on":true}`,
	`{"kind":"typing","node":"edge-2","conv":"c1","contact":"v1","actor_kind":"customer","actor_id":"v1"}`,
	`{"kind":"presence","node":"edge-1","agent":"agent-alice","status":"online"}`,
	`{"kind":"presence","node":"edge-1","agent":"agent-alice","status":"away"}`,
	`{"kind":"presence","node":"edge-1","agent":"agent-alice","status":"offline"}`,
	`{"kind":"presence","agent":"agent-alice","status":"asleep"}`,
	`{"kind":"presence","agent":"bad id","status":"online"}`,
	`{"kind":"typing","conv":"","actor_id":"a"}`,
	`{"kind":"typing","conv":"c1","actor_id":"` + strings.Repeat("a", 65) + `"}`,
	`{"kind":"teleport"}`,
	`{"kind":"typing","conv":"c1","actor_id":"a","future":{"x":[1,2]}}`,
	`{"kind":"typing","conv":"c1","actor_id":"a","on":"yes"}`,
	"{\"kind\":\"typing\",\"conv\":\"c1\",\"actor_id\":\"a\",\"node\":\"\xff\"}",
	`{"kind":"typing","conv":"c\u0000","actor_id":"a"}`,
	`{"kind":"typing","conv":"c1","actor_id":"a"}]`,
	`[]`, `null`, `{}`, ``, `1e999`,
}

// FuzzDecodeLive: DecodeLive never panics; it accepts only typing and
// presence messages whose ids (and presence status) are valid; an error
// comes with no message and is either errLive or a JSON error; an accepted
// message survives an encode/decode round trip.
func FuzzDecodeLive(f *testing.F) {
	for _, s := range protoLiveSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, kind, err := DecodeLive(b)
		if err != nil {
			if m != nil || kind != "" {
				t.Fatalf("message returned with an error")
			}
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			if !errors.Is(err, errLive) && !errors.As(err, &se) && !errors.As(err, &te) {
				t.Fatalf("unexpected kind of error %T: %v", err, err)
			}
			return
		}
		if kind != m.Kind {
			t.Fatalf("kind %q for a %q message", kind, m.Kind)
		}
		switch kind {
		case "typing":
			if !validLiveID(m.Conv) || !validLiveID(m.ActorID) {
				t.Fatalf("accepted typing with conv %q actor %q", m.Conv, m.ActorID)
			}
		case "presence":
			if !validLiveID(m.Agent) || !validPresence(m.Status) {
				t.Fatalf("accepted presence with agent %q status %q", m.Agent, m.Status)
			}
		default:
			t.Fatalf("accepted kind %q", kind)
		}
		enc, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		back, kind2, err := DecodeLive(enc)
		if err != nil || kind2 != kind || !reflect.DeepEqual(back, m) {
			t.Fatalf("round trip: %v %q\n got %+v\nwant %+v", err, kind2, back, m)
		}
	})
}

// validLiveID restates event.ValidID independently, so that the fuzz target
// checks the property rather than calling the same code.
func validLiveID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range []byte(s) {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}
