package conversation_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
)

// TestTags: agents and the API add and remove a conversation's tags, kept
// trimmed and in lower case and sorted; bad tags, a tag both added and
// removed, and more than a conversation holds are refused whole; a change
// that changes nothing records nothing; customers tag nothing; the list
// filters by tag.
func TestTags(t *testing.T) {
	d := newDesk(t)
	c := d.open(t, ana, "tagged")
	other := d.open(t, ben, "plain")
	tags := func() string {
		return strings.Join(must(d.svc.Conversation(alice, c.ID)).Tags, " ")
	}
	must(d.svc.SetTags(ctx, bob, c.ID, []string{" VIP ", "refund", "退款", "vip"}, nil))
	if got := tags(); got != "refund vip 退款" {
		t.Fatalf("tags %q", got)
	}
	r := must(d.svc.SetTags(ctx, key, c.ID, []string{"priority.eu"}, []string{"refund"}))
	if got := tags(); got != "priority.eu vip 退款" || r.Duplicate {
		t.Fatalf("after the API's change: %q (%+v)", got, r)
	}
	if r := must(d.svc.SetTags(ctx, bob, c.ID, []string{"vip"}, []string{"absent"})); !r.Duplicate {
		t.Fatalf("a change that changes nothing recorded %+v", r)
	}
	many := make([]string, 32)
	for i := range many {
		many[i] = fmt.Sprintf("t%02d", i)
	}
	for name, c := range map[string]struct {
		who         conversation.Actor
		add, remove []string
		want        string
	}{
		"a customer":          {ana, []string{"x"}, nil, "forbidden"},
		"a space":             {bob, []string{"vip customer"}, nil, "without spaces"},
		"a comma":             {bob, []string{"a,b"}, nil, "without spaces"},
		"a tag of 41 letters": {bob, []string{strings.Repeat("a", 41)}, nil, "1 to 40"},
		"added and removed":   {bob, []string{"x"}, []string{"X"}, "both added and removed"},
		"nothing":             {bob, nil, nil, "name tags"},
		"33 at once":          {bob, append(many, "t32"), nil, "at most 32"},
		"more than it holds":  {bob, many, nil, "at most 32 tags; it would have 35"},
		"an empty tag":        {bob, []string{" "}, nil, "1 to 40"},
		"an unknown conv":     {bob, []string{"x"}, nil, "no such conversation"},
		"a control character": {bob, []string{"a\x00b"}, nil, "1 to 40"},
	} {
		conv := c
		id := d.open(t, ana, "tagged").ID
		if name == "an unknown conv" {
			id = "nope"
		}
		_, err := d.svc.SetTags(ctx, conv.who, id, conv.add, conv.remove)
		if err == nil || !strings.Contains(err.Error(), conv.want) {
			t.Errorf("%s: %v, want a refusal saying %q", name, err, conv.want)
		}
	}
	if got := tags(); got != "priority.eu vip 退款" {
		t.Fatalf("after the refusals: %q", got)
	}
	list, _ := must2(d.svc.List(alice, conversation.Filter{Tag: "VIP"}, 0))
	if len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("the list by tag vip: %d conversations", len(list))
	}
	if _, _, err := d.svc.List(alice, conversation.Filter{Tag: "a b"}, 0); code(err) != "invalid" {
		t.Fatalf("a bad tag filter: %v", err)
	}
	_, items, _ := must3(d.svc.History(alice, c.ID, 0, 50))
	var lines []string
	for _, it := range items {
		if it.Kind == "tags" {
			if !it.Private || it.ActorKind == event.ActorCustomer {
				t.Errorf("a tags item for customers: %+v", it)
			}
			lines = append(lines, fmt.Sprintf("+%v -%v", it.Tags.Add, it.Tags.Remove))
		}
	}
	if got := strings.Join(lines, "; "); got != "+[vip refund 退款] -[]; +[priority.eu] -[refund]" {
		t.Fatalf("the tags items: %q", got)
	}
	if got := must(d.svc.Conversation(alice, other.ID)).Tags; len(got) != 0 {
		t.Fatalf("the other conversation has tags %v", got)
	}
}
