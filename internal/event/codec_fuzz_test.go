package event_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/edgedesk/edgedesk/internal/event"
)

// sampleEvents returns one valid event of every kind, plus one of a kind this
// code does not know (a newer node's), each with every field of its body set
// so that a round trip exercises all of them.
func sampleEvents() map[string]*event.Event {
	env := func(kind event.Kind) *event.Event {
		return &event.Event{V: event.Version, ID: "ev-" + strings.ReplaceAll(string(kind), ".", "-"),
			Kind: kind, Tenant: "acme", Origin: "edge-1", TS: 1_700_000_000_123,
			Actor: event.Actor{Kind: event.ActorAgent, ID: "agent-1"}}
	}
	out := map[string]*event.Event{}
	e := env(event.KindTenantUpserted)
	e.TenantInfo = &event.Tenant{ID: "acme", Name: "Acme Inc."}
	out["tenant"] = e
	e = env(event.KindInboxUpserted)
	e.Inbox = &event.Inbox{ID: "web", Name: "Website", Channel: "web", IdentitySecret: "s3cret", Color: "#2f5bd3", Greeting: "Hi 👋", ReplyTime: "hours"}
	out["inbox"] = e
	e = env(event.KindAgentUpserted)
	e.Agent = &event.Agent{ID: "agent-1", Email: "a@acme.test", Name: "Ann", PasswordHash: "$2a$10$abc",
		Role: "admin", Skills: []string{"billing", "returns"}, Languages: []string{"en", "de"}, MaxChats: 7}
	out["agent"] = e
	e = env(event.KindContactUpserted)
	e.Contact = &event.Contact{ID: "c1", Inbox: "web", ExternalID: "user-42", Name: "Zoë 🦊", Email: "z@x.test"}
	out["contact"] = e
	e = env(event.KindConversationOpened)
	e.Actor = event.Actor{Kind: event.ActorCustomer, ID: "c1"}
	e.Conversation = &event.ConvOpened{Conv: "conv1", Inbox: "web", Contact: "c1", Assignee: "agent-1", ClientID: "cl-1"}
	out["opened"] = e
	e = env(event.KindMessageCreated)
	e.Message = &event.Message{Conv: "conv1", ClientID: "m-1", Text: "hello 世界\n", Attachments: []string{"att1", "att2"}, Private: true}
	out["message"] = e
	e = env(event.KindStatusChanged)
	e.Status = &event.StatusChange{Conv: "conv1", Status: event.StatusSnoozed, SnoozeUntil: 1_800_000_000_000}
	out["status"] = e
	e = env(event.KindConversationAssign)
	e.Assign = &event.Assignment{Conv: "conv1", Agent: "agent-2"}
	out["assign"] = e
	e = env(event.KindConversationAssign)
	e.ID = "ev-unassign"
	e.Assign = &event.Assignment{Conv: "conv1"}
	out["unassign"] = e
	e = env(event.KindReadMarked)
	e.Read = &event.ReadMark{Conv: "conv1", Seq: 1<<63 + 5}
	out["read"] = e
	e = env(event.KindAttachmentStored)
	e.Attachment = &event.Attachment{ID: "att1", Name: "photo.png", Type: "image/png", Size: 12345,
		SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}
	out["attachment"] = e
	e = env(event.KindCannedUpserted)
	e.Canned = &event.Canned{ID: "shipping", Shortcut: "shipping", Text: "Orders ship within 2 business days. 两天内发货。"}
	out["canned"] = e
	e = env(event.KindCannedUpserted)
	e.ID = "ev-canned-deleted"
	e.Canned = &event.Canned{ID: "shipping", Deleted: true}
	out["canned-deleted"] = e
	e = env(event.KindMessageAnalyzed)
	e.Actor = event.Actor{Kind: event.ActorSystem}
	e.Analysis = &event.Analysis{Conv: "conv1", Message: 42, Language: "zh", LanguageConfidence: 97, Intent: "refund",
		IntentConfidence: 81, Sentiment: "negative", SentimentScore: -60, PII: []event.PIISpan{{Kind: "card", Start: 3, End: 22}},
		Plugin: "nlp@1.0.0"}
	out["analysis"] = e
	e = env(event.KindPluginConfigured)
	e.Actor = event.Actor{Kind: event.ActorSystem, ID: "admin"}
	e.PluginConfig = &event.PluginConfig{Plugin: "routing", Config: []byte(`{"vip":["agent-1"],"note":"日本"}`)}
	out["plugin-config"] = e
	e = env(event.KindPluginConfigured)
	e.ID = "ev-plugin-config-cleared"
	e.PluginConfig = &event.PluginConfig{Plugin: "routing"}
	out["plugin-config-cleared"] = e
	e = env(event.KindAPIKeyCreated)
	e.Actor = event.Actor{Kind: event.ActorAgent, ID: "agent-alice"}
	e.APIKey = &event.APIKey{ID: "k0123456789abcdef01234567", Name: "CRM sync (北京)", Scopes: []string{"read", "write"},
		Hash: bytes.Repeat([]byte{7}, 32)}
	out["apikey-created"] = e
	e = env(event.KindAPIKeyRevoked)
	e.ID = "ev-apikey-revoked"
	e.APIKey = &event.APIKey{ID: "k0123456789abcdef01234567"}
	out["apikey-revoked"] = e
	e = env(event.KindContactRekeyed)
	e.Actor = event.Actor{Kind: event.ActorSystem, ID: "contact-ids"}
	e.Rekey = &event.ContactRekey{From: "up6x76kimifd6xockgfzkso5ebm", To: "usgvsur5lof3qan7qad7bi3wp3y"}
	out["contact-rekeyed"] = e
	e = env(event.KindAttachmentExpired)
	e.Actor = event.Actor{Kind: event.ActorSystem, ID: "attachment-sweep"}
	e.Attachment = &event.Attachment{ID: "att1"}
	out["attachment-expired"] = e
	e = env("future.kind")
	e.Actor = event.Actor{Kind: event.ActorSystem}
	out["unknown-kind"] = e
	return out
}

func TestCodecRoundTrip(t *testing.T) {
	c := event.NewCodec()
	for name, want := range sampleEvents() {
		t.Run(name, func(t *testing.T) {
			b, err := c.Encode(want)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			got, err := c.Decode(b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip changed the event:\n got %+v\nwant %+v", got, want)
			}
			// Canonical encoding: the same event always has the same bytes.
			b2, err := c.Encode(got)
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if !bytes.Equal(b, b2) {
				t.Fatalf("encoding is not deterministic:\n%x\n%x", b, b2)
			}
			if got.Seq != 0 {
				t.Fatalf("Seq must not be encoded, decoded %d", got.Seq)
			}
		})
	}
}

func TestCodecEncodeSetsVersionAndValidates(t *testing.T) {
	c := event.NewCodec()
	e := sampleEvents()["message"]
	e.V = 0
	b, err := c.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	if e.V != event.Version {
		t.Fatalf("Encode left V=%d, want %d", e.V, event.Version)
	}
	got, err := c.Decode(b)
	if err != nil || got.V != event.Version {
		t.Fatalf("decode: %v, V=%v", err, got)
	}
	// An event without the body its kind requires is refused on both sides.
	bad := sampleEvents()["message"]
	bad.Message = nil
	if _, err := c.Encode(bad); !errors.Is(err, event.ErrMalformed) {
		t.Fatalf("encode of a message event without a message: %v, want ErrMalformed", err)
	}
}

// rawEvent is an event as a newer writer might send it: a CBOR map with
// integer keys, to which fields this code does not know can be added.
func rawEvent(extra map[int]any, msgExtra map[int]any) map[int]any {
	msg := map[int]any{1: "conv1", 2: "m-1", 3: "hi"}
	for k, v := range msgExtra {
		msg[k] = v
	}
	m := map[int]any{1: 1, 2: "ev-1", 3: string(event.KindMessageCreated), 4: "acme", 5: "edge-9", 6: int64(1234),
		7: map[int]any{1: event.ActorCustomer, 2: "c1"}, 25: msg}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestCodecIgnoresUnknownKeysOfNewerWriters(t *testing.T) {
	c := event.NewCodec()
	b, err := cbor.Marshal(rawEvent(map[int]any{99: "a field from the future", 90: map[int]any{1: "x"}},
		map[int]any{17: []int{1, 2, 3}}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decode(b)
	if err != nil {
		t.Fatalf("an event with unknown keys must decode: %v", err)
	}
	want := &event.Event{V: 1, ID: "ev-1", Kind: event.KindMessageCreated, Tenant: "acme", Origin: "edge-9", TS: 1234,
		Actor: event.Actor{Kind: event.ActorCustomer, ID: "c1"}, Message: &event.Message{Conv: "conv1", ClientID: "m-1", Text: "hi"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// Without the unknown keys the same event decodes the same.
	b2, _ := cbor.Marshal(rawEvent(nil, nil))
	got2, err := c.Decode(b2)
	if err != nil || !reflect.DeepEqual(got2, want) {
		t.Fatalf("plain event: %v %+v", err, got2)
	}
}

func TestCodecRefusesNewerVersion(t *testing.T) {
	c := event.NewCodec()
	b, err := cbor.Marshal(rawEvent(map[int]any{1: event.Version + 1}, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Decode(b)
	if !errors.Is(err, event.ErrMalformed) {
		t.Fatalf("a newer version must be refused with ErrMalformed, got %v", err)
	}
	if !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("error should name the version: %v", err)
	}
	// Version 0 (absent) is refused too.
	m := rawEvent(nil, nil)
	delete(m, 1)
	b, _ = cbor.Marshal(m)
	if _, err := c.Decode(b); !errors.Is(err, event.ErrMalformed) {
		t.Fatalf("an event without a version must be refused, got %v", err)
	}
	// Encode refuses to write a version it does not know either.
	e := sampleEvents()["tenant"]
	e.V = event.Version + 1
	if _, err := c.Encode(e); !errors.Is(err, event.ErrMalformed) {
		t.Fatalf("encode of a newer version: %v", err)
	}
}

func TestCodecRefusesBadInput(t *testing.T) {
	c := event.NewCodec()
	good, err := c.Encode(sampleEvents()["message"])
	if err != nil {
		t.Fatal(err)
	}
	dupKey := append([]byte{0xa2}, // map of 2 pairs, both with key 1
		0x01, 0x01, 0x01, 0x01)
	cases := map[string][]byte{
		"empty":             {},
		"not a map":         {0x83, 0x01, 0x02, 0x03},
		"truncated":         good[:len(good)/2],
		"trailing bytes":    append(append([]byte{}, good...), 0x00),
		"duplicate key":     dupKey,
		"indefinite length": {0xbf, 0x01, 0x01, 0xff},
		"too large":         bytes.Repeat([]byte{0}, event.MaxEncodedSize+1),
		"bad id":            mustCBOR(t, rawEvent(map[int]any{2: "has space"}, nil)),
		"bad tenant":        mustCBOR(t, rawEvent(map[int]any{4: strings.Repeat("t", 65)}, nil)),
		"missing body":      mustCBOR(t, rawEvent(map[int]any{25: nil}, nil)),
		"wrong body":        mustCBOR(t, rawEvent(map[int]any{3: string(event.KindStatusChanged)}, nil)),
		"wrong type":        mustCBOR(t, rawEvent(map[int]any{6: "yesterday"}, nil)),
		"invalid utf-8":     mustCBOR(t, rawEvent(nil, map[int]any{3: invalidUTF8Text{}})),
		"deep nesting":      mustCBOR(t, rawEvent(map[int]any{99: nested(40)}, nil)),
		"huge array":        mustCBOR(t, rawEvent(map[int]any{99: make([]int, 5000)}, nil)),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			e, err := c.Decode(b)
			if !errors.Is(err, event.ErrMalformed) {
				t.Fatalf("Decode = %+v, %v; want an error wrapping ErrMalformed", e, err)
			}
			if e != nil {
				t.Fatalf("Decode returned an event with an error: %+v", e)
			}
		})
	}
}

// emptyListsAsNil returns a copy of e whose empty lists are nil.
func emptyListsAsNil(e *event.Event) *event.Event {
	c := *e
	nilIfEmpty := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	}
	if e.Agent != nil {
		a := *e.Agent
		a.Skills, a.Languages = nilIfEmpty(a.Skills), nilIfEmpty(a.Languages)
		c.Agent = &a
	}
	if e.Message != nil {
		m := *e.Message
		m.Attachments = nilIfEmpty(m.Attachments)
		c.Message = &m
	}
	if e.PluginConfig != nil && len(e.PluginConfig.Config) == 0 {
		c.PluginConfig = &event.PluginConfig{Plugin: e.PluginConfig.Plugin}
	}
	return &c
}

func nested(depth int) any {
	var v any = 1
	for i := 0; i < depth; i++ {
		v = []any{v}
	}
	return v
}

// invalidUTF8Text encodes as a CBOR text string holding bytes that are not
// UTF-8.
type invalidUTF8Text struct{}

func (invalidUTF8Text) MarshalCBOR() ([]byte, error) { return []byte{0x62, 0xff, 0xfe}, nil }

func mustCBOR(t testing.TB, v any) []byte {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecode feeds arbitrary bytes to Decode: it must never panic, every
// error must wrap ErrMalformed, and whatever it accepts must survive an
// encode/decode round trip unchanged and be valid.
func FuzzDecode(f *testing.F) {
	c := event.NewCodec()
	for _, e := range sampleEvents() {
		b, err := c.Encode(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)-1])
		f.Add(b[:len(b)/2])
		f.Add(append(append([]byte{}, b...), b...))
	}
	f.Add(mustCBOR(f, rawEvent(map[int]any{99: "future", 1000000: []any{1, "x", nil}}, map[int]any{9: true})))
	f.Add(mustCBOR(f, rawEvent(map[int]any{1: 2}, nil)))
	f.Add(mustCBOR(f, rawEvent(map[int]any{6: -1 << 63}, nil)))
	f.Add(mustCBOR(f, rawEvent(nil, map[int]any{4: []string{}})))
	f.Add(mustCBOR(f, map[string]any{"V": 1, "ID": "x", "Kind": "tenant.upserted"}))
	f.Add([]byte{})
	f.Add([]byte{0xa0})
	f.Add([]byte{0xf6})
	f.Add([]byte{0xa1, 0x01, 0xc1, 0x01}) // tagged value
	f.Add([]byte{0xa1, 0x19, 0xff, 0xff, 0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0})
	f.Add([]byte("\x00\x01\x02garbage\xff\xfe"))
	f.Add(bytes.Repeat([]byte{0x81}, 100))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := c.Decode(b)
		if err != nil {
			if !errors.Is(err, event.ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			if e != nil {
				t.Fatalf("event returned with an error")
			}
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("Decode accepted an invalid event: %v", err)
		}
		if e.Seq != 0 {
			t.Fatalf("Decode set Seq %d", e.Seq)
		}
		enc, err := c.Encode(e)
		if err != nil {
			t.Fatalf("a decoded event does not encode: %v\nevent %+v", err, e)
		}
		back, err := c.Decode(enc)
		if err != nil {
			t.Fatalf("the encoding of a decoded event does not decode: %v", err)
		}
		// An empty list and an absent one mean the same and both encode
		// as absent (omitempty); every other field must come back as it was.
		if !reflect.DeepEqual(back, emptyListsAsNil(e)) {
			t.Fatalf("round trip changed the event:\n got %#v\nwant %#v", back, e)
		}
		enc2, err := c.Encode(back)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not canonical: %v\n%x\n%x", err, enc, enc2)
		}
	})
}
