package journal

import (
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/internal/event"
)

func opened(note string) *event.Event {
	return &event.Event{V: event.Version, ID: "e1", Kind: event.KindConversationOpened, Tenant: "demo", Origin: "edge-1", TS: 1764000000000,
		Actor: event.Actor{Kind: event.ActorCustomer, ID: "cust"},
		Conversation: &event.ConvOpened{Conv: "c1", Inbox: "web", Contact: "cust", Assignee: "agent-alice",
			RoutedBy: "builtin", RouteNote: note, RouteFallback: true, Language: "en"}}
}

// checkEncoded refuses exactly what the log's decoder refuses of what the
// codec encodes, and names the field.
func TestCheckEncoded(t *testing.T) {
	codec := event.NewCodec()
	skills := func(n int) *event.Event {
		e := &event.Event{V: event.Version, ID: "e2", Kind: event.KindAgentUpserted, Tenant: "demo", TS: 1,
			Actor: event.Actor{Kind: event.ActorSystem}, Agent: &event.Agent{ID: "a", Email: "a@x", Languages: make([]string, n)}}
		for i := range e.Agent.Languages {
			e.Agent.Languages[i] = "en"
		}
		return e
	}
	for _, c := range []struct {
		name string
		e    *event.Event
		want string // "" : accepted
	}{
		{"plain", opened("least loaded"), ""},
		{"unicode", opened("最少负载 🙂"), ""},
		{"note not UTF-8", opened("routing@1 failed: reason \xff\xfe"), "field Conversation.RouteNote (key 24.7): text that is not valid UTF-8 at its byte 25"},
		{"cut rune", opened("最"[:2]), "field Conversation.RouteNote (key 24.7): text that is not valid UTF-8 at its byte 0"},
		{"message text", &event.Event{V: 1, ID: "m1", Kind: event.KindMessageCreated, Tenant: "demo", Actor: event.Actor{Kind: event.ActorCustomer, ID: "c"},
			Message: &event.Message{Conv: "c1", ClientID: "x", Text: "ok\xc0"}}, "field Message.Text (key 25.3)"},
		{"actor id", &event.Event{V: 1, ID: "t1", Kind: event.KindTenantUpserted, Tenant: "demo", Actor: event.Actor{Kind: event.ActorSystem, ID: "\x80"},
			TenantInfo: &event.Tenant{ID: "demo"}}, "field Actor.ID (key 7.2)"},
		{"a list item", &event.Event{V: 1, ID: "a1", Kind: event.KindAgentUpserted, Tenant: "demo", Actor: event.Actor{Kind: event.ActorSystem},
			Agent: &event.Agent{ID: "a", Email: "a@x", Skills: []string{"ok", "b\xffd"}}}, "field Agent.Skills (key 22.6): text that is not valid UTF-8"},
		{"4096 items", skills(4096), ""},
		{"4097 items", skills(4097), "field Agent.Languages (key 22.7): 4097 items in a list, the log's limit is 4096"},
		{"too large", &event.Event{V: 1, ID: "m2", Kind: event.KindMessageCreated, Tenant: "demo", Actor: event.Actor{Kind: event.ActorCustomer, ID: "c"},
			Message: &event.Message{Conv: "c1", ClientID: "x", Text: strings.Repeat("x", event.MaxEncodedSize)}}, "bytes, the log's limit is 1048576"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := codec.Encode(c.e)
			if err != nil {
				t.Fatalf("the codec refuses to encode it: %v", err)
			}
			_, derr := codec.Decode(b)
			err = checkEncoded(b)
			if c.want == "" {
				if err != nil || derr != nil {
					t.Fatalf("checkEncoded = %v, the decoder %v; want both to accept", err, derr)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("checkEncoded = %v, want %q", err, c.want)
			}
			if derr == nil {
				t.Fatal("the decoder accepts what checkEncoded refuses")
			}
		})
	}
	// bytes the codec never writes
	for _, b := range [][]byte{
		{0xbf, 0x01, 0x01, 0xff},       // indefinite map
		{0xa2, 0x02, 0x00, 0x01, 0x00}, // keys out of order
		{0xa2, 0x01, 0x00, 0x01, 0x00}, // a key twice
		{0xa1, 0x61, 'a', 0x00},        // a text key
		{0xa1, 0x01, 0xc1, 0x00},       // a tag
		{0xa1, 0x01, 0xf8, 0x20},       // a simple value
		{0xa1, 0x01, 0x7b, 0xff, 0xff}, // a truncated length
		{0xa1, 0x01, 0x00, 0x00},       // bytes after the event
		{0xa1, 0x01, 0x1c},             // reserved information
		{0xa1, 0x01, 0x62, 'a', 0xed},  // text cut in a rune
		{0xa1, 0x01, 0x7a, 0, 0, 0, 9}, // text longer than the event
		{0x91, 0x01},                   // 17 items announced, 1 there
		{0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x00}, // 17 levels
	} {
		if err := checkEncoded(b); err == nil {
			t.Errorf("checkEncoded(%x) accepted it", b)
		}
	}
}

// FuzzCheckEncoded holds checkEncoded to the log's decoder: for events the
// codec encodes, with fuzzed text, checkEncoded accepts exactly what the
// decoder accepts; for any bytes, it never accepts what the decoder
// refuses, and never panics.
func FuzzCheckEncoded(f *testing.F) {
	codec := event.NewCodec()
	for _, note := range []string{"least loaded", "\xff", "最少", "最"[:2]} {
		b, _ := codec.Encode(opened(note))
		f.Add(note, uint16(1), b)
	}
	f.Add("", uint16(5000), []byte{0xa1, 0x01, 0x9f, 0xff})
	f.Add("x", uint16(0), []byte{0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x00})
	f.Fuzz(func(t *testing.T, text string, n uint16, raw []byte) {
		e := opened(text)
		e.Kind, e.Conversation = event.KindAgentUpserted, nil
		e.Agent = &event.Agent{ID: "a", Email: "a@x", Name: text, Skills: make([]string, int(n)%5000)}
		for i := range e.Agent.Skills {
			e.Agent.Skills[i] = text
		}
		b, err := codec.Encode(e)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		_, derr := codec.Decode(b)
		if cerr := checkEncoded(b); (cerr == nil) != (derr == nil) {
			t.Fatalf("checkEncoded: %v; the decoder: %v", cerr, derr)
		}
		var v any
		if checkEncoded(raw) == nil {
			if err := codec.Unmarshal(raw, &v); err != nil {
				t.Fatalf("checkEncoded accepts %x, the decoder refuses it: %v", raw, err)
			}
		}
	})
}

// BenchmarkCheck: what checking an event costs beside encoding it, and
// what decoding it again would (a 64-byte customer message, as
// BenchmarkAppend appends):
//
//	go test -run '^$' -bench Check -count 5 ./edge/journal
func BenchmarkCheck(b *testing.B) {
	codec := event.NewCodec()
	e := &event.Event{Kind: event.KindMessageCreated, Tenant: "bench", ID: event.NewID(), Origin: "bench", TS: time.Now().UnixMilli(),
		Actor:   event.Actor{Kind: event.ActorCustomer, ID: "cust"},
		Message: &event.Message{Conv: "conv1", ClientID: "m1", Text: "hello, I have a question about my order and the delivery date ..."}}
	for _, c := range []struct {
		name  string
		check func([]byte) error
	}{
		{"encode", func([]byte) error { return nil }},
		{"encode+check", checkEncoded},
		{"encode+decode", func(d []byte) error { _, err := codec.Decode(d); return err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := codec.Encode(e)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.check(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
