package state_test

import (
	"errors"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

func rekey(from, to string) *event.Event {
	return &event.Event{Kind: event.KindContactRekeyed, Actor: event.Actor{Kind: event.ActorSystem},
		Rekey: &event.ContactRekey{From: from, To: to}}
}

// contact.rekeyed moves a contact's record and conversations to the new
// id; applied again, or for an id with no contact, it changes nothing; a
// target that exists keeps its record and gains the conversations.
func TestRekeyMovesAContactAndItsConversations(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	l.apply(&event.Event{Kind: event.KindContactUpserted, Actor: cust,
		Contact: &event.Contact{ID: "k1", Inbox: "web", ExternalID: "user-1", Name: "Ann"}})
	l.apply(opened("v1", ""), opened("v2", ""), msg(cust, "v1", "m1", false))
	before, _ := s.Contact("t1", "k1")

	l.apply(rekey("k1", "n1"))
	if _, err := s.Contact("t1", "k1"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("the old id still has a contact: %v", err)
	}
	c, err := s.Contact("t1", "n1")
	if err != nil || c.ExternalID != "user-1" || c.Name != "Ann" || c.CreatedAt != before.CreatedAt {
		t.Fatalf("moved contact %+v, %v; want Ann as she was", c, err)
	}
	convs, err := s.ContactConversations("t1", "n1", 10)
	if err != nil || len(convs) != 2 {
		t.Fatalf("conversations of the new id: %+v, %v", convs, err)
	}
	for _, v := range convs {
		if v.Contact != "n1" || v.ContactName != "Ann" {
			t.Fatalf("conversation %s names contact %q (%q)", v.ID, v.Contact, v.ContactName)
		}
	}
	if old, _ := s.ContactConversations("t1", "k1", 10); len(old) != 0 {
		t.Fatalf("the old id keeps conversations %+v", old)
	}
	if tl, _, err := s.Timeline("t1", "v1", 0, 10, true); err != nil || len(tl) != 2 {
		t.Fatalf("timeline after the move: %+v, %v", tl, err)
	}

	l.apply(rekey("k1", "n1"), rekey("nobody", "n1")) // nothing to move
	if convs, _ := s.ContactConversations("t1", "n1", 10); len(convs) != 2 {
		t.Fatalf("a repeated move changed the conversations: %+v", convs)
	}

	// into a contact that exists: its record stays, the conversations join
	l.apply(&event.Event{Kind: event.KindContactUpserted, Actor: cust, Contact: &event.Contact{ID: "n2", Name: "Bea"}})
	l.apply(rekey("n1", "n2"))
	if c, err := s.Contact("t1", "n2"); err != nil || c.Name != "Bea" {
		t.Fatalf("target contact %+v, %v; want Bea's record", c, err)
	}
	if convs, _ := s.ContactConversations("t1", "n2", 10); len(convs) != 2 || convs[0].ContactName != "Bea" {
		t.Fatalf("conversations of the target: %+v", convs)
	}
}

// attachment.expired forgets an upload no message referenced, and keeps
// one a message referenced before it in the log.
func TestExpiredAttachmentIsForgottenUnlessReferenced(t *testing.T) {
	s := open(t)
	l := &log{t: t, s: s}
	stored := func(id string) *event.Event {
		return &event.Event{Kind: event.KindAttachmentStored, Actor: cust,
			Attachment: &event.Attachment{ID: id, Type: "image/png", Size: 10, SHA256: "x"}}
	}
	expired := func(id string) *event.Event {
		return &event.Event{Kind: event.KindAttachmentExpired, Actor: event.Actor{Kind: event.ActorSystem},
			Attachment: &event.Attachment{ID: id}}
	}
	l.apply(stored("a1"), stored("a2"), opened("v1", ""))
	m := msg(cust, "v1", "m1", false)
	m.Message.Attachments = []string{"a2"}
	l.apply(m, expired("a1"), expired("a2"), expired("never-stored"))
	if _, err := s.Attachment("t1", "a1"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("unreferenced upload after expiry: %v", err)
	}
	if _, err := s.Attachment("t1", "a2"); err != nil {
		t.Fatalf("referenced upload after expiry: %v", err)
	}
}
