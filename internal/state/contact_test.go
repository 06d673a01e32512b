package state_test

import (
	"maps"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
)

// A contact keeps the language and attributes its website last gave: an
// event without attributes keeps them, one with a set replaces them, an
// empty set clears them. CountContactConversations counts the index.
func TestContactAttributesAndConversations(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	upsert := func(c *event.Contact) *event.Event {
		c.ID = "k1"
		return &event.Event{Kind: event.KindContactUpserted, Actor: cust, Contact: c}
	}
	check := func(lang string, attrs map[string]string) {
		t.Helper()
		c, err := s.Contact("t1", "k1")
		if err != nil || c.Language != lang || !maps.Equal(c.Attributes, attrs) {
			t.Fatalf("contact %+v, %v; want language %q, attributes %v", c, err, lang, attrs)
		}
	}
	l.apply(upsert(&event.Contact{ExternalID: "u1", Language: "de",
		Attributes: &event.Attributes{Pairs: []event.Attribute{{Key: "plan", Value: "enterprise"}, {Key: "seats", Value: "42"}}}}))
	check("de", map[string]string{"plan": "enterprise", "seats": "42"})
	l.apply(upsert(&event.Contact{Name: "Ann"}))
	check("de", map[string]string{"plan": "enterprise", "seats": "42"})
	l.apply(upsert(&event.Contact{Language: "fr", Attributes: &event.Attributes{Pairs: []event.Attribute{{Key: "plan", Value: "free"}}}}))
	check("fr", map[string]string{"plan": "free"})
	l.apply(upsert(&event.Contact{Attributes: &event.Attributes{}}))
	check("fr", nil)

	l.apply(opened("v1", ""), opened("v2", ""), opened("v3", ""))
	for _, c := range []struct {
		except string
		limit  int
		want   int
	}{{"", 10, 3}, {"v2", 10, 2}, {"nope", 10, 3}, {"", 2, 2}} {
		if n, err := s.CountContactConversations("t1", "k1", c.except, c.limit); err != nil || n != c.want {
			t.Errorf("CountContactConversations(except %q, limit %d) = %d, %v; want %d", c.except, c.limit, n, err, c.want)
		}
	}
	if n, err := s.CountContactConversations("t1", "k2", "", 10); err != nil || n != 0 {
		t.Errorf("a contact without conversations: %d, %v", n, err)
	}
}
