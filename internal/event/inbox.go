package event

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An inbox's branding: what the chat widget shows its visitors. Each is
// optional; "" is unset (the widget's default colour, no greeting, no
// expected reply time).

// MaxGreeting bounds an inbox's greeting, in characters.
const MaxGreeting = 280

// ReplyTimes are the expected reply times an inbox can show: "Usually
// replies in a few minutes", "in an hour", "in a day".
var ReplyTimes = []string{"minutes", "hours", "day"}

// NormalizeColor lower-cases a colour as a person typed it ("#2F5BD3"),
// trimmed; ValidColor then checks it.
func NormalizeColor(c string) string { return strings.ToLower(strings.TrimSpace(c)) }

// ValidColor reports whether c is a brand colour: "#rrggbb" in lower-case
// hex digits, or "" (unset).
func ValidColor(c string) bool {
	if c == "" {
		return true
	}
	if len(c) != 7 || c[0] != '#' {
		return false
	}
	for _, d := range []byte(c[1:]) {
		if !(d >= '0' && d <= '9' || d >= 'a' && d <= 'f') {
			return false
		}
	}
	return true
}

// ValidGreeting checks an inbox's greeting: UTF-8 text of at most
// MaxGreeting characters, without control characters (line breaks
// included: the widget shows it as one paragraph) or bidirectional
// controls (which could turn the text around the widget's own), or ""
// (none).
func ValidGreeting(g string) error {
	if !utf8.ValidString(g) {
		return fmt.Errorf("greeting is not UTF-8")
	}
	if n := utf8.RuneCountInString(g); n > MaxGreeting {
		return fmt.Errorf("greeting has %d characters, at most %d", n, MaxGreeting)
	}
	if i := strings.IndexFunc(g, control); i >= 0 {
		return fmt.Errorf("greeting has a control character (%U) at byte %d: give one line of text", []rune(g[i:])[0], i)
	}
	return nil
}

// control reports a control character (Cc) or a bidirectional control
// (embeddings, overrides and isolates, the marks).
func control(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// ValidReplyTime reports whether r is an expected reply time (see
// ReplyTimes) or "" (unset).
func ValidReplyTime(r string) bool { return r == "" || slices.Contains(ReplyTimes, r) }

// validBranding checks an inbox's branding as its event carries it.
func validBranding(in *Inbox) bool {
	return ValidColor(in.Color) && ValidGreeting(in.Greeting) == nil && ValidReplyTime(in.ReplyTime)
}
