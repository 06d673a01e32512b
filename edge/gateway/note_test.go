package gateway

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// A route note is one line of at most 200 bytes of UTF-8 without control
// characters, whatever the error it quotes holds: a plugin's stderr, or a
// message a host cut in the middle of a character.
func TestNote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"least loaded speaking zh", "least loaded speaking zh"},
		{"routing@1 failed: plugin trap: panic: \xff\xfe", "routing@1 failed: plugin trap: panic: \ufffd"},
		{"cut " + "最"[:2], "cut \ufffd"},
		{"marks stay \u200f\u200e", "marks stay \u200f\u200e"},
		{"esc \x1b[2J bell \x07 del \x7f c1 \u0085 rlo \u202e ls \u2028", "esc  [2J bell   del   c1   rlo   ls  "},
		{strings.Repeat("é", 150), strings.Repeat("é", 100)},
		{strings.Repeat("x", 199) + "最", strings.Repeat("x", 199)},
	} {
		got := note(c.in)
		if got != c.want {
			t.Errorf("note(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzNote: whatever goes in, the note is valid UTF-8, at most 200 bytes,
// with no control or bidirectional formatting character.
func FuzzNote(f *testing.F) {
	f.Add("least loaded")
	f.Add("a\xff\u202e\x00" + strings.Repeat("最", 80))
	f.Fuzz(func(t *testing.T, s string) {
		n := note(s)
		if len(n) > 200 || !utf8.ValidString(n) || strings.ContainsFunc(n, func(r rune) bool {
			return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) && r != '\u200e' && r != '\u200f' && r != '\u061c' || r == '\u2028' || r == '\u2029'
		}) {
			t.Fatalf("note(%q) = %q", s, n)
		}
	})
}
