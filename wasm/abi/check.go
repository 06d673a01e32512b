package abi

import (
	"errors"
	"unicode/utf8"
)

// What a plugin answers becomes events in the edge's log and text in the
// agents' console, so the host's decoders of answers (DecodeResult,
// DecodeRouteDecision, DecodeAnalysis) check it against the contract's
// limits below, and refuse what breaks them with an error wrapping
// ErrInvalid that names the field: a plugin that answers invalid UTF-8,
// control characters, or more than a field may hold has failed, like one
// that traps. The decoders of requests, which plugins run on every call
// with bytes from the host, do not check.
//
// Built without fmt or unicode's tables, which plugins also link.

// ErrInvalid is wrapped by the errors of an answer that decodes but breaks
// the contract: a string that is not UTF-8, a control character, a field
// past its limit, a value outside its range.
var ErrInvalid = errors.New("invalid answer")

// Limits of what a plugin answers.
const (
	// MaxID is the longest agent id or PII kind: 1 to 64 ASCII letters,
	// digits, '-' and '_', as the edge's ids.
	MaxID = 64
	// MaxReason is the longest reason of a RouteDecision, in bytes: one
	// line of text (the edge keeps its first 200 bytes as the route note).
	MaxReason = 4096
	// MaxLanguage is the longest language of an Analysis: a tag of
	// letters, digits and '-' ("en", "zh-Hant").
	MaxLanguage = 16
	// MaxIntent is the longest intent of an Analysis: one line of text.
	MaxIntent = 64
	// MaxPII is the most PII spans an Analysis may give (a 16 KiB
	// message full of e-mail addresses has some 3,000; the edge records
	// the first 64 in its message.analyzed event).
	MaxPII = 4096
)

// Sentiments an Analysis may give ("" when it has no reading).
const (
	SentimentPositive = "positive"
	SentimentNeutral  = "neutral"
	SentimentNegative = "negative"
)

// invalidError says which field of an answer broke the contract and how.
type invalidError struct{ field, msg string }

func (e *invalidError) Error() string { return ErrInvalid.Error() + ": " + e.field + ": " + e.msg }
func (e *invalidError) Unwrap() error { return ErrInvalid }

func invalid(field, msg string) error { return &invalidError{field: field, msg: msg} }

// Check reports whether d keeps to the contract: Agent empty (the
// conversation waits) or an id, Reason one line of at most MaxReason
// bytes of UTF-8 without control characters. Whether the agent is one the
// request offered is the caller's to check (edge/plugins does).
func (d *RouteDecision) Check() error {
	if d.Agent != "" && !validID(d.Agent) {
		return invalid("agent", "not an id (1-64 ASCII letters, digits, '-' or '_'): "+quote(d.Agent))
	}
	return checkLine("reason", d.Reason, MaxReason)
}

// Check reports whether a keeps to the contract, as far as it can be
// checked without the message (CheckSpans does the rest): Language empty
// or a tag of at most MaxLanguage letters, digits and '-'; Intent one
// line of at most MaxIntent bytes; Sentiment empty, "positive",
// "neutral" or "negative"; confidences 0–100 and the score −100…100; at
// most MaxPII spans, each of a kind that is an id, with 0 ≤ Start < End;
// Redacted valid UTF-8.
func (a *Analysis) Check() error {
	if len(a.Language) > MaxLanguage {
		return invalid("language", "longer than "+itoa(MaxLanguage)+" bytes")
	}
	for i := 0; i < len(a.Language); i++ {
		if c := a.Language[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return invalid("language", "not a language tag (letters, digits and '-'): "+quote(a.Language))
		}
	}
	if err := checkLine("intent", a.Intent, MaxIntent); err != nil {
		return err
	}
	switch a.Sentiment {
	case "", SentimentPositive, SentimentNeutral, SentimentNegative:
	default:
		return invalid("sentiment", quote(a.Sentiment)+" is not positive, neutral or negative")
	}
	if err := checkRange("language confidence", a.LanguageConfidence, 0, 100); err != nil {
		return err
	}
	if err := checkRange("intent confidence", a.IntentConfidence, 0, 100); err != nil {
		return err
	}
	if err := checkRange("sentiment score", a.SentimentScore, -100, 100); err != nil {
		return err
	}
	if len(a.PII) > MaxPII {
		return invalid("pii", itoa(len(a.PII))+" spans, at most "+itoa(MaxPII))
	}
	for i := range a.PII {
		p := &a.PII[i]
		if !validID(p.Kind) {
			return invalid("pii "+itoa(i)+" kind", "not an id (1-64 ASCII letters, digits, '-' or '_'): "+quote(p.Kind))
		}
		if p.Start < 0 || p.End <= p.Start {
			return invalid("pii "+itoa(i), "span "+span(p)+" is empty or negative")
		}
	}
	if !utf8.ValidString(a.Redacted) {
		return invalid("redacted", "not valid UTF-8")
	}
	return nil
}

// CheckSpans reports whether every PII span of a lies within text, the
// message the plugin read, and starts and ends on a character's boundary.
func (a *Analysis) CheckSpans(text string) error {
	for i := range a.PII {
		p := &a.PII[i]
		switch {
		case p.Start < 0 || p.End <= p.Start || p.End > len(text):
			return invalid("pii "+itoa(i), "span "+span(p)+" outside the message's "+itoa(len(text))+" bytes")
		case !utf8.RuneStart(text[p.Start]) || p.End < len(text) && !utf8.RuneStart(text[p.End]):
			return invalid("pii "+itoa(i), "span "+span(p)+" cuts a character of the message")
		}
	}
	return nil
}

// checkMessage checks a Result's message: UTF-8, with no control
// characters but tabs and line breaks (an error's text may have several
// lines).
func checkMessage(s string) error {
	if i, msg := badText(s, true); msg != "" {
		return invalid("message", msg+" at byte "+itoa(i))
	}
	return nil
}

// checkLine checks one line of text of at most max bytes.
func checkLine(field, s string, max int) error {
	if len(s) > max {
		return invalid(field, itoa(len(s))+" bytes, at most "+itoa(max))
	}
	if i, msg := badText(s, false); msg != "" {
		return invalid(field, msg+" at byte "+itoa(i))
	}
	return nil
}

// badText finds the first byte of s that is not text: invalid UTF-8, a
// control character (C0, DEL, C1; tab, CR and LF when breaks is set are
// allowed), a line or paragraph separator, or a bidirectional override or
// isolate, which would reorder the console's text around it.
func badText(s string, breaks bool) (at int, msg string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && !(breaks && (c == '\t' || c == '\n' || c == '\r')) || c == 0x7f {
				return i, "control character " + quoteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return i, "not valid UTF-8"
		case r >= 0x80 && r < 0xa0:
			return i, "control character U+00" + hex2(byte(r))
		case r == 0x2028 || r == 0x2029:
			return i, "line or paragraph separator"
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return i, "bidirectional formatting character"
		}
		i += n
	}
	return 0, ""
}

func checkRange(field string, v, lo, hi int) error {
	if v < lo || v > hi {
		return invalid(field, signed(v)+" outside "+signed(lo)+"…"+signed(hi))
	}
	return nil
}

// validID reports whether s is 1 to MaxID ASCII letters, digits, '-' or
// '_' (internal/event.ValidID, which plugins do not link).
func validID(s string) bool {
	if len(s) == 0 || len(s) > MaxID {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func span(p *PII) string { return signed(p.Start) + "-" + signed(p.End) }

func signed(v int) string {
	if v < 0 {
		return "-" + itoa(uint64(-(v+1))+1)
	}
	return itoa(v)
}

// quote shows at most 40 bytes of s, printable ASCII as is and any other
// byte as \xNN, so that an error never carries what it refuses.
func quote(s string) string {
	b := make([]byte, 0, min(len(s), 40)+8)
	b = append(b, '"')
	for i := 0; i < len(s) && i < 40; i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			b = append(b, c)
		} else {
			b = append(b, '\\', 'x')
			b = append(b, hex2(c)...)
		}
	}
	if len(s) > 40 {
		b = append(b, "…"...)
	}
	return string(append(b, '"'))
}

func quoteByte(c byte) string { return "\\x" + hex2(c) }

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
