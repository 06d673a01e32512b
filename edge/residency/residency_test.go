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

// A mail's headers are personal data too: with message.text and
// contact.email kept in region, nothing of the sender, the recipients,
// the subject, the quote or the Message-IDs leaves readable, and a
// sealed mail still validates as an event (the hub checks it).
func TestMailSealed(t *testing.T) {
	s, err := NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	em := &event.Email{MessageID: "ann.lee.1@example.com", InReplyTo: "x.ann.lee@example.com", References: []string{"r.ann.lee@example.com"},
		Subject: "Refund for Ann Lee", From: &event.Address{Name: "Ann Lee", Addr: "ann.lee@example.com"},
		To: []event.Address{{Addr: "support@shop.example"}}, Cc: []event.Address{{Name: "Bo", Addr: "bo@example.com"}},
		Quoted: "On Monday Ann Lee wrote", SPF: "pass"}
	e := &event.Event{V: 1, ID: "e1", Tenant: "t1", Kind: event.KindMessageCreated, Actor: event.Actor{Kind: event.ActorCustomer, ID: "p1"},
		Message: &event.Message{Conv: "c1", ClientID: "m1", Text: "hello", Email: em}}
	if !s.Apply(e, Policy{Fields: []string{"message.text", "contact.email", "contact.name"}}) {
		t.Fatal("nothing sealed")
	}
	for _, v := range []string{em.MessageID, em.InReplyTo, em.References[0], em.Subject, em.From.Name, em.From.Addr, em.To[0].Addr, em.Cc[0].Name, em.Cc[0].Addr, em.Quoted} {
		if !strings.HasPrefix(v, Prefix) || strings.Contains(v, "ann") || strings.Contains(v, "Ann") {
			t.Errorf("%q left readable", v)
		}
	}
	if em.SPF != "pass" {
		t.Errorf("a verdict was sealed: %q", em.SPF)
	}
	if err := e.Validate(); err != nil {
		t.Fatalf("a sealed mail does not validate: %v", err)
	}
	d := &event.Event{V: 1, ID: "e2", Tenant: "t1", Kind: event.KindEmailDelivery, Actor: event.Actor{Kind: event.ActorSystem, ID: "email"},
		Delivery: &event.Delivery{Conv: "c1", Ref: 7, Status: event.DeliveryFailed, Detail: "550 5.1.1 <ann.lee@example.com>: no such user"}}
	s.Apply(d, Policy{Fields: []string{"contact.email"}})
	if strings.Contains(d.Delivery.Detail, "ann.lee") {
		t.Errorf("the relay's answer left readable: %q", d.Delivery.Detail)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("a sealed delivery does not validate: %v", err)
	}
}

// A messaging platform's ids of a customer (a WhatsApp phone number, a
// WeChat openid) are sealed like a contact's external id; the platform's
// message id and the channel stay readable; the event still validates.
func TestPlatformIDsSealed(t *testing.T) {
	s, err := NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	pl := &event.Platform{Channel: "acme-wa", From: "5511987654321", Chat: "5511987654321", ID: "wamid.HBgN"}
	e := &event.Event{V: 1, ID: "e1", Tenant: "t1", Kind: event.KindMessageCreated, Actor: event.Actor{Kind: event.ActorCustomer, ID: "p1"},
		Message: &event.Message{Conv: "c1", ClientID: "m1", Text: "oi", Channel: "whatsapp", Platform: pl}}
	if !s.Apply(e, Policy{Fields: []string{"contact.external_id"}}) {
		t.Fatal("nothing sealed")
	}
	for _, v := range []string{pl.From, pl.Chat} {
		if !strings.HasPrefix(v, Prefix) || strings.Contains(v, "98765") {
			t.Errorf("%q left readable", v)
		}
	}
	if pl.ID != "wamid.HBgN" || pl.Channel != "acme-wa" || e.Message.Text != "oi" {
		t.Errorf("sealed more than the policy: %+v %q", pl, e.Message.Text)
	}
	if err := e.Validate(); err != nil {
		t.Fatalf("a sealed platform message does not validate: %v", err)
	}
}
