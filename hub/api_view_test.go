package hub

import (
	"encoding/json"
	"testing"

	"github.com/edgedesk/edgedesk/internal/state"
)

// The operators' list shows a conversation as the edges' records were
// encoded before they had views: the same names, the same order.
func TestRegionViewJSON(t *testing.T) {
	c := &state.ConversationRec{ID: "c1", Tenant: "demo", Inbox: "demo-web", Contact: "v1", Status: "snoozed",
		SnoozeUntil: 9, Assignee: "agent-bob", OpenedAt: 1, OpenedSeq: 2, LastSeq: 3, LastAt: 4, Messages: 5,
		LastText: "hi", ContactName: "Ada", Language: "en", Intent: "refund", Sentiment: "negative", RoutedBy: "builtin",
		RouteNote: "n", RouteFallback: true, Priority: "high", Channel: "api"}
	b, err := json.Marshal(regionView("eu-1", "eu", c))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"edge":"eu-1","region":"eu","id":"c1","tenant":"demo","inbox":"demo-web","contact":"v1","status":"snoozed",` +
		`"snooze_until":9,"assignee":"agent-bob","opened_at":1,"opened_seq":2,"last_seq":3,"last_at":4,"messages":5,` +
		`"last_text":"hi","contact_name":"Ada","language":"en","intent":"refund","sentiment":"negative","routed_by":"builtin",` +
		`"route_note":"n","route_fallback":true,"priority":"high","channel":"api"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(regionView("eu-1", "eu", &state.ConversationRec{ID: "c2", Tenant: "demo", Inbox: "demo-web", Contact: "v2", Status: "open"}))
	if want := `{"edge":"eu-1","region":"eu","id":"c2","tenant":"demo","inbox":"demo-web","contact":"v2","status":"open","opened_at":0,"opened_seq":0,"last_seq":0,"last_at":0,"messages":0}`; string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}
