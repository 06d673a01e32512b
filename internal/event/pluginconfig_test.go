package event_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
)

func TestParsePluginConfig(t *testing.T) {
	big := `{"x":"` + strings.Repeat("a", event.MaxPluginConfig-8) + `"}` // 64 KiB exactly
	cases := []struct {
		name, body, want string
		err              error
	}{
		{"object", `{"agent": "agent-bob",  "n": [1, 2]}`, `{"agent":"agent-bob","n":[1,2]}`, nil},
		{"white space around", " \n\t{}\r\n", `{}`, nil},
		{"at the limit", big, big, nil},
		{"nothing clears", "", "", nil},
		{"white space clears", " \n", "", nil},
		{"null clears", " null ", "", nil},
		{"over the limit", big + " ", "", event.ErrPluginConfigTooLarge},
		{"an array", `[1,2]`, "", event.ErrPluginConfigInvalid},
		{"a string", `"x"`, "", event.ErrPluginConfigInvalid},
		{"a number", `42`, "", event.ErrPluginConfigInvalid},
		{"not JSON", `agent=bob`, "", event.ErrPluginConfigInvalid},
		{"cut short", `{"agent":`, "", event.ErrPluginConfigInvalid},
		{"two objects", `{} {}`, "", event.ErrPluginConfigInvalid},
		{"not UTF-8", "{\"a\":\"\xff\"}", "", event.ErrPluginConfigInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := event.ParsePluginConfig([]byte(c.body))
			if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if string(got) != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if c.want == "" && got != nil {
				t.Fatalf("a cleared configuration is nil, not %q", got)
			}
		})
	}
	// the error says what was wrong
	_, err := event.ParsePluginConfig([]byte(`{"agent":}`))
	if err == nil || !strings.Contains(err.Error(), "invalid character '}'") {
		t.Fatalf("error %v, want it to say where the JSON breaks", err)
	}
	// a plugin.configured event with a bad configuration or name does
	// not validate
	for _, pc := range []*event.PluginConfig{
		{Plugin: "routing", Config: []byte(`[1]`)},
		{Plugin: "routing", Config: []byte(big + " ")},
		{Plugin: "Routing", Config: []byte(`{}`)},
		{Plugin: "-x"},
		{Plugin: ""},
		nil,
	} {
		e := &event.Event{V: 1, ID: "e1", Kind: event.KindPluginConfigured, Tenant: "acme", PluginConfig: pc}
		if err := e.Validate(); !errors.Is(err, event.ErrMalformed) {
			t.Errorf("%+v: %v, want ErrMalformed", pc, err)
		}
	}
}

// FuzzParsePluginConfig: whatever bytes an API receives, the parser does
// not panic; what it accepts is a JSON object within the limit, in
// compact form, that the log accepts and reads back unchanged.
func FuzzParsePluginConfig(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, " {\"a\" : [1, {\"b\": null}]} ", `null`, ``, `[]`, `{"a":"\u00e9\ud83d\ude00"}`,
		`{"a":1}{`, "{\"a\":\"\xff\"}", `{"a":1e400}`, `{"a":"x"}  x`, strings.Repeat(`{"a":`, 100)} {
		f.Add([]byte(s))
	}
	c := event.NewCodec()
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := event.ParsePluginConfig(b)
		if err != nil {
			if cfg != nil || !errors.Is(err, event.ErrPluginConfigInvalid) && !errors.Is(err, event.ErrPluginConfigTooLarge) {
				t.Fatalf("%q: %q, %v", b, cfg, err)
			}
			return
		}
		if err := event.CheckPluginConfig(cfg); err != nil {
			t.Fatalf("%q accepted as %q, which does not check: %v", b, cfg, err)
		}
		if cfg != nil {
			var m map[string]json.RawMessage // numbers past float64 are JSON too
			if err := json.Unmarshal(cfg, &m); err != nil || m == nil {
				t.Fatalf("%q accepted as %q, not an object: %v", b, cfg, err)
			}
			var again bytes.Buffer
			if err := json.Compact(&again, cfg); err != nil || !bytes.Equal(again.Bytes(), cfg) {
				t.Fatalf("%q accepted as %q, not compact", b, cfg)
			}
		}
		e := &event.Event{ID: "e1", Kind: event.KindPluginConfigured, Tenant: "acme", Actor: event.Actor{Kind: event.ActorSystem},
			PluginConfig: &event.PluginConfig{Plugin: "p", Config: cfg}}
		enc, err := c.Encode(e)
		if err != nil {
			t.Fatalf("%q: the event does not encode: %v", b, err)
		}
		back, err := c.Decode(enc)
		if err != nil || !bytes.Equal(back.PluginConfig.Config, cfg) {
			t.Fatalf("%q: read back as %+v, %v", b, back, err)
		}
	})
}
