package event_test

import (
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/internal/event"
)

func TestInboxBrandingBounds(t *testing.T) {
	for _, c := range []struct {
		color string
		ok    bool
	}{{"", true}, {"#2f5bd3", true}, {"#2F5BD3", false}, {"2f5bd3", false}, {"#fff", false}, {"#2f5bd3ff", false}, {"#2f5bdz", false}, {"red", false}} {
		if got := event.ValidColor(c.color); got != c.ok {
			t.Errorf("ValidColor(%q) = %v", c.color, got)
		}
	}
	if got := event.NormalizeColor(" #2F5BD3 "); got != "#2f5bd3" {
		t.Errorf("NormalizeColor = %q", got)
	}
	for _, c := range []struct {
		greeting string
		ok       bool
	}{
		{"", true}, {"Hi! Ask us anything.", true}, {"你好，有什么可以帮您？", true}, {"👋 Hi", true},
		{strings.Repeat("é", event.MaxGreeting), true}, {strings.Repeat("é", event.MaxGreeting+1), false},
		{"a\nb", false}, {"a\tb", false}, {"a\x00", false}, {"a\u202eb", false}, {"a\u2066b", false}, {"\xff", false},
	} {
		if err := event.ValidGreeting(c.greeting); (err == nil) != c.ok {
			t.Errorf("ValidGreeting(%q) = %v", c.greeting, err)
		}
	}
	for _, r := range []string{"", "minutes", "hours", "day"} {
		if !event.ValidReplyTime(r) {
			t.Errorf("ValidReplyTime(%q) = false", r)
		}
	}
	for _, r := range []string{"Minutes", "week", " day"} {
		if event.ValidReplyTime(r) {
			t.Errorf("ValidReplyTime(%q) = true", r)
		}
	}
}
