package conversation_test

import (
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
)

// TestMergeAndSplitKeepEveryMessage: a conversation merged into another
// of its customer is closed and points to it, every message of both
// still in their timelines; a customer's message split off opens a new
// conversation with its copy, linked both ways; bad merges and splits are
// refused, saying why.
func TestMergeAndSplitKeepEveryMessage(t *testing.T) {
	d := newDesk(t)
	a := d.open(t, ana, "first")
	b := d.open(t, ana, "second")
	other := d.open(t, ben, "bens")
	for i, id := range []string{a.ID, b.ID, a.ID} {
		conv := must(d.store.Conversation(tenant, id))
		must(d.svc.Post(ctx, ana, conv, conversation.Post{ClientID: "m" + string(rune('a'+i)), Text: "message " + string(rune('A'+i))}))
	}
	must(d.svc.Assign(ctx, alice, a.ID, "bob"))
	messages := func(conv string) []string {
		var out []string
		for _, it := range timeline(t, d, conv) {
			if it.Kind == "message" {
				out = append(out, it.Text)
			}
		}
		return out
	}
	for _, bad := range []struct {
		conv, into, says string
	}{
		{a.ID, other.ID, "only two conversations of one customer are merged"},
		{a.ID, a.ID, "into must be another conversation's id"},
		{a.ID, "nope", "no such conversation to merge into"},
	} {
		if _, err := d.svc.Merge(ctx, alice, bad.conv, bad.into); err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("merge %s into %s: %v, want %q", bad.conv, bad.into, err, bad.says)
		}
	}
	if _, err := d.svc.Merge(ctx, ana, a.ID, b.ID); code(err) != "forbidden" {
		t.Fatalf("a customer merges: %v", err)
	}
	must(d.svc.Merge(ctx, alice, a.ID, b.ID))
	src, dst := must(d.store.Conversation(tenant, a.ID)), must(d.store.Conversation(tenant, b.ID))
	if src.Status != event.StatusClosed || src.MergedInto != b.ID || len(dst.MergedFrom) != 1 || dst.MergedFrom[0] != a.ID {
		t.Fatalf("after the merge: %s merged into %q; into's from %v", src.Status, src.MergedInto, dst.MergedFrom)
	}
	if n := must(d.store.AgentLoad(tenant, "bob")); n != 0 {
		t.Fatalf("bob's load after his conversation was merged: %d", n)
	}
	if got := strings.Join(messages(a.ID), "|") + "|" + strings.Join(messages(b.ID), "|"); got != "message A|message C|message B" {
		t.Fatalf("messages after the merge: %s", got)
	}
	if _, err := d.svc.Merge(ctx, alice, a.ID, b.ID); err == nil || !strings.Contains(err.Error(), "merged into "+b.ID+" already") {
		t.Fatalf("merging again: %v", err)
	}
	if _, err := d.svc.Post(ctx, ana, src, conversation.Post{ClientID: "late", Text: "hello?"}); code(err) != "invalid" {
		t.Fatalf("a message to a merged conversation: %v", err)
	}

	// split message B off b
	var seqB uint64
	for _, it := range timeline(t, d, b.ID) {
		if it.Kind == "message" && it.Text == "message B" {
			seqB = it.Seq
		}
	}
	split := must(d.svc.Split(ctx, alice, b.ID, seqB))
	again := must(d.svc.Split(ctx, alice, b.ID, seqB))
	if again.ID != split.ID || split.Contact != b.Contact || split.Inbox != b.Inbox {
		t.Fatalf("split: %+v, again %s", split, again.ID)
	}
	if got := messages(split.ID); len(got) != 1 || got[0] != "message B" {
		t.Fatalf("the split conversation's messages: %v", got)
	}
	if got := messages(b.ID); len(got) != 1 || got[0] != "message B" {
		t.Fatalf("the original keeps its message: %v", got)
	}
	orig := must(d.store.Conversation(tenant, b.ID))
	if len(split.Links) != 1 || split.Links[0].Conv != b.ID || split.Links[0].Kind != event.LinkSplit || split.Links[0].Ref != seqB ||
		len(orig.Links) != 1 || orig.Links[0].Conv != split.ID {
		t.Fatalf("links: split %+v, original %+v", split.Links, orig.Links)
	}
	for _, it := range timeline(t, d, b.ID) {
		if it.Kind == "message" && it.ActorKind == event.ActorCustomer {
			continue
		}
		if it.Kind == "linked" || it.Kind == "merged" {
			if !it.Private {
				t.Fatalf("a %s item customers see", it.Kind)
			}
		}
	}
	if _, err := d.svc.Split(ctx, alice, b.ID, 999999); code(err) != "not_found" {
		t.Fatalf("splitting a message that is not there: %v", err)
	}
	// related links, both ways, and off again
	must(d.svc.Link(ctx, bob, other.ID, b.ID, false))
	if o := must(d.store.Conversation(tenant, other.ID)); len(o.Links) != 1 || o.Links[0].Kind != event.LinkRelated {
		t.Fatalf("links of the linked: %+v", o.Links)
	}
	if r := must(d.svc.Link(ctx, bob, other.ID, b.ID, false)); !r.Duplicate {
		t.Fatal("linking twice made a change")
	}
	must(d.svc.Link(ctx, bob, b.ID, other.ID, true))
	if o := must(d.store.Conversation(tenant, other.ID)); len(o.Links) != 0 {
		t.Fatalf("links after the unlink: %+v", o.Links)
	}
}
