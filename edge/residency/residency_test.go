package residency

import (
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
)

// A contact's attribute values are sealed each bound to its key (the keys
// stay readable), and open only under that key; redaction blanks them.
func TestAttributesSealed(t *testing.T) {
	s, err := NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	contact := func() *event.Event {
		return &event.Event{ID: "e1", Kind: event.KindContactUpserted, Contact: &event.Contact{ID: "k1",
			Attributes: &event.Attributes{Pairs: []event.Attribute{{Key: "plan", Value: "enterprise"}, {Key: "seats", Value: "42"}}}}}
	}
	e := contact()
	if !s.Apply(e, Policy{Fields: []string{"contact.attributes"}}) {
		t.Fatal("nothing sealed")
	}
	p := e.Contact.Attributes.Pairs
	if p[0].Key != "plan" || !strings.HasPrefix(p[0].Value, Prefix) || len(p[1].Value) > event.MaxAttributeSealed {
		t.Fatalf("sealed: %+v", p)
	}
	if v, err := s.Open(p[0].Value, "e1", "contact.attributes.plan"); err != nil || v != "enterprise" {
		t.Fatalf("open: %q, %v", v, err)
	}
	if _, err := s.Open(p[0].Value, "e1", "contact.attributes.seats"); err == nil {
		t.Fatal("a value opened under another key")
	}
	e = contact()
	if !s.Apply(e, Policy{Fields: []string{"contact.attributes"}, Redact: true}) || e.Contact.Attributes.Pairs[1].Value != Redacted {
		t.Fatalf("redacted: %+v", e.Contact.Attributes)
	}
	e = contact()
	if s.Apply(e, Policy{Fields: []string{"contact.name"}}) || e.Contact.Attributes.Pairs[0].Value != "enterprise" {
		t.Fatalf("a policy without attributes sealed them: %+v", e.Contact.Attributes)
	}
	// a value of the longest a website may give, sealed, still fits an event
	e = contact()
	e.Contact.Attributes.Pairs[0].Value = strings.Repeat("é", event.MaxAttributeValue/2)
	s.Apply(e, Policy{Fields: []string{"contact.attributes"}})
	if n := len(e.Contact.Attributes.Pairs[0].Value); n > event.MaxAttributeSealed {
		t.Fatalf("a sealed value of %d bytes", n)
	}
}
