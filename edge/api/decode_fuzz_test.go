package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
)

// FuzzDecodeCreateKey: the decoder of POST /api/v1/api-keys's body never
// panics, and what it takes is one JSON object of the route's fields.
func FuzzDecodeCreateKey(f *testing.F) {
	for _, s := range []string{`{"name":"x","scopes":["read"]}`, `{"name":`, `{"owner":1}`, `{}{}`, `[]`, `null`, "\xff",
		`{"name":"a","scopes":["read","read"]}`, `{"scopes":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var req createRequest
		if err := decodeJSON(b, &req); err != nil {
			return
		}
		_ = event.ValidAPIKeyName(req.Name) && event.ValidScopes(req.Scopes)
	})
}

// FuzzDecodeRequests: the decoders of every route's body never panic, and
// what they take is one JSON object of the route's fields only: a value
// that decodes into one request type encodes back to an object whose keys
// are that type's.
func FuzzDecodeRequests(f *testing.F) {
	for _, s := range []string{`{"text":"hi","attachments":["a1"],"private":true,"sender":{"type":"customer"}}`,
		`{"contact_id":"c1","message":{"text":"x"}}`, `{"contact":{"external_id":"u1","attributes":{"plan":"pro"}},"inbox_id":"web"}`,
		`{"status":"snoozed","snooze_until":"2026-12-04T18:00:00Z"}`, `{"agent_id":null}`, `{"priority":"high"}`,
		`{"inbox_id":"web","name":"Ana","email":"a@example.com"}`, `{"shortcut":"hi","text":"Hello"}`, `{"text":"x"}}`, `{"text":"\ud800"}`,
		`{"url":"https://h.example/x","types":["message.created"],"disabled":false}`, `{"overlap_s":-1}`, `{"ids":["1","x"]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []any{&postMessageRequest{}, &createConversationRequest{}, &createContactRequest{}, &updateContactRequest{},
			&statusRequest{}, &priorityRequest{}, &assigneeRequest{}, &cannedRequest{}, &webhookRequest{}, &rotateRequest{}, &replayRequest{}} {
			if err := decodeJSON(b, v); err != nil {
				continue
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%T decoded from %q does not encode: %v", v, b, err)
			}
			var back map[string]any
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatalf("%T encodes to %q, not an object", v, out)
			}
		}
	})
}

// FuzzCursor: a cursor from the outside either decodes to what
// encodeCursor made of it, or is refused with 400.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{encodeCursor("42"), encodeCursor("c1"), "abc", "", "%%%", "MTo"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		w := httptest.NewRecorder()
		pos, ok := decodeCursor(w, url.Values{"cursor": {c}})
		switch {
		case ok && c != "" && encodeCursor(pos) != c && strings.TrimRight(c, "=") == c:
			// base64 has more than one spelling of some bytes; the position is what counts
			if _, err := base64.RawURLEncoding.DecodeString(c); err != nil {
				t.Fatalf("cursor %q taken as %q though it is not base64url", c, pos)
			}
		case !ok && w.Code != 400:
			t.Fatalf("cursor %q refused with %d", c, w.Code)
		}
	})
}
