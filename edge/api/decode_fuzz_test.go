package api

import (
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
