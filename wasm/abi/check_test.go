package abi

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
)

// decisionKeepsTheContract is the contract of a RouteDecision written
// apart from Check, with the standard library's unicode tables: what the
// fuzzers require of every decision a decoder accepts.
func decisionKeepsTheContract(d RouteDecision) error {
	if d.Agent != "" && !idOK(d.Agent) {
		return fmt.Errorf("agent %q", d.Agent)
	}
	return lineOfText("reason", d.Reason, 4096)
}

func idOK(s string) bool {
	return s != "" && len(s) <= 64 && !strings.ContainsFunc(s, func(r rune) bool {
		return r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_')
	})
}

func lineOfText(field, s string, max int) error {
	switch {
	case len(s) > max:
		return fmt.Errorf("%s: %d bytes", field, len(s))
	case !utf8.ValidString(s):
		return fmt.Errorf("%s %q: not UTF-8", field, s)
	case strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) && r != '\u200e' && r != '\u200f' && r != '\u061c'
	}):
		return fmt.Errorf("%s %q: a control character", field, s)
	}
	return nil
}

// analysisKeepsTheContract is the contract of an Analysis, apart from
// Check.
func analysisKeepsTheContract(a *Analysis) error {
	if len(a.Language) > 16 || strings.ContainsFunc(a.Language, func(r rune) bool {
		return r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-')
	}) {
		return fmt.Errorf("language %q", a.Language)
	}
	if err := lineOfText("intent", a.Intent, 64); err != nil {
		return err
	}
	if a.Sentiment != "" && a.Sentiment != "positive" && a.Sentiment != "neutral" && a.Sentiment != "negative" {
		return fmt.Errorf("sentiment %q", a.Sentiment)
	}
	if a.LanguageConfidence < 0 || a.LanguageConfidence > 100 || a.IntentConfidence < 0 || a.IntentConfidence > 100 ||
		a.SentimentScore < -100 || a.SentimentScore > 100 {
		return fmt.Errorf("a number out of range: %+v", *a)
	}
	if len(a.PII) > 4096 {
		return fmt.Errorf("%d spans", len(a.PII))
	}
	for _, p := range a.PII {
		if !idOK(p.Kind) || p.Start < 0 || p.End <= p.Start {
			return fmt.Errorf("span %+v", p)
		}
	}
	if !utf8.ValidString(a.Redacted) {
		return errors.New("redacted: not UTF-8")
	}
	return nil
}

// Answers that decode but break the contract are refused with ErrInvalid,
// and the error names the field; the same answers within the limits are
// accepted.
func TestAnswersAreChecked(t *testing.T) {
	for _, c := range []struct {
		name  string
		d     RouteDecision
		field string // "" : accepted
	}{
		{"shipped", RouteDecision{Agent: "agent-alice", Reason: "least loaded speaking zh"}, ""},
		{"queued", RouteDecision{Reason: "queued: no agent online with capacity and the skills " + strings.Repeat("s", 2200)}, ""},
		{"unicode reason", RouteDecision{Agent: "a_1", Reason: "最少负载 — 中文 🙂 with a joiner \u200d and marks \u200f"}, ""},
		{"longest reason", RouteDecision{Reason: strings.Repeat("é", MaxReason/2)}, ""},
		{"invalid UTF-8 reason", RouteDecision{Agent: "bo", Reason: "least \xff\xfe loaded"}, "reason: not valid UTF-8 at byte 6"},
		{"truncated rune", RouteDecision{Reason: "最"[:2]}, "reason: not valid UTF-8"},
		{"surrogate", RouteDecision{Reason: "\xed\xa0\x80"}, "reason: not valid UTF-8"},
		{"escape", RouteDecision{Reason: "ok \x1b[31mred"}, "reason: control character \\x1b"},
		{"newline", RouteDecision{Reason: "one\ntwo"}, "reason: control character \\x0a"},
		{"NUL", RouteDecision{Reason: "a\x00"}, "reason: control character \\x00"},
		{"DEL", RouteDecision{Reason: "a\x7f"}, "reason"},
		{"C1", RouteDecision{Reason: "a\u0085"}, "reason: control character U+0085"},
		{"line separator", RouteDecision{Reason: "a\u2028b"}, "reason: line or paragraph separator"},
		{"override", RouteDecision{Reason: "gpj.\u202eexe"}, "reason: bidirectional"},
		{"isolate", RouteDecision{Reason: "a\u2066b"}, "reason: bidirectional"},
		{"long reason", RouteDecision{Reason: strings.Repeat("x", MaxReason+1)}, "reason: 4097 bytes, at most 4096"},
		{"agent not UTF-8", RouteDecision{Agent: "b\xffo"}, `agent: not an id (1-64 ASCII letters, digits, '-' or '_'): "b\xffo"`},
		{"agent with a space", RouteDecision{Agent: "bo b"}, "agent: not an id"},
		{"agent too long", RouteDecision{Agent: strings.Repeat("a", 65)}, "agent: not an id"},
		{"agent non-ASCII", RouteDecision{Agent: "bö"}, "agent: not an id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := cbor.Marshal(c.d) // the library writes what Go holds, UTF-8 or not
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeRouteDecision(b)
			if c.field == "" {
				if err != nil || got != c.d {
					t.Fatalf("DecodeRouteDecision = %+v, %v; want it accepted", got, err)
				}
				if err := decisionKeepsTheContract(got); err != nil {
					t.Fatalf("the test's own contract refuses it: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.field) || got != (RouteDecision{}) {
				t.Fatalf("DecodeRouteDecision = %+v, %v; want ErrInvalid naming %q", got, err, c.field)
			}
			if decisionKeepsTheContract(c.d) == nil {
				t.Fatal("the test's own contract accepts it")
			}
			if strings.ContainsRune(err.Error(), utf8.RuneError) || !utf8.ValidString(err.Error()) {
				t.Fatalf("the error carries what it refuses: %q", err)
			}
		})
	}

	good := Analysis{Language: "en", LanguageConfidence: 90, Intent: "refund", IntentConfidence: 80, Sentiment: "negative", SentimentScore: -50,
		PII: []PII{{Kind: PIIEmail, Start: 3, End: 10}}, Redacted: "my [email]"}
	for _, c := range []struct {
		name  string
		edit  func(a *Analysis)
		field string
	}{
		{"shipped", func(*Analysis) {}, ""},
		{"empty", func(a *Analysis) { *a = Analysis{} }, ""},
		{"language not UTF-8", func(a *Analysis) { a.Language = "e\xff" }, "language: not a language tag"},
		{"language with a space", func(a *Analysis) { a.Language = "en US" }, "language: not a language tag"},
		{"language too long", func(a *Analysis) { a.Language = strings.Repeat("a", 17) }, "language: longer than 16 bytes"},
		{"intent not UTF-8", func(a *Analysis) { a.Intent = "re\xc0fund" }, "intent: not valid UTF-8 at byte 2"},
		{"intent with a tab", func(a *Analysis) { a.Intent = "re\tfund" }, "intent: control character"},
		{"intent too long", func(a *Analysis) { a.Intent = strings.Repeat("i", 65) }, "intent: 65 bytes, at most 64"},
		{"sentiment unknown", func(a *Analysis) { a.Sentiment = "angry" }, `sentiment: "angry" is not positive, neutral or negative`},
		{"sentiment not UTF-8", func(a *Analysis) { a.Sentiment = "\xff" }, `sentiment: "\xff" is not`},
		{"language confidence", func(a *Analysis) { a.LanguageConfidence = 101 }, "language confidence: 101 outside 0…100"},
		{"intent confidence", func(a *Analysis) { a.IntentConfidence = -1 }, "intent confidence: -1 outside 0…100"},
		{"sentiment score", func(a *Analysis) { a.SentimentScore = -1 << 40 }, "sentiment score: -1099511627776 outside -100…100"},
		{"4096 spans", func(a *Analysis) {
			a.PII = make([]PII, MaxPII)
			for i := range a.PII {
				a.PII[i] = PII{Kind: PIIPhone, Start: i, End: i + 1}
			}
		}, ""},
		{"too many spans", func(a *Analysis) {
			a.PII = make([]PII, MaxPII+1)
			for i := range a.PII {
				a.PII[i] = PII{Kind: PIIPhone, Start: i, End: i + 1}
			}
		}, "pii: 4097 spans, at most 4096"},
		{"kind not UTF-8", func(a *Analysis) { a.PII[0].Kind = "e\xffmail" }, `pii 0 kind: not an id`},
		{"kind empty", func(a *Analysis) { a.PII[0].Kind = "" }, `pii 0 kind: not an id`},
		{"span negative", func(a *Analysis) { a.PII[0].Start = -3 }, "pii 0: span -3-10 is empty or negative"},
		{"span empty", func(a *Analysis) { a.PII[0].End = 3 }, "pii 0: span 3-3"},
		{"redacted not UTF-8", func(a *Analysis) { a.Redacted = "my [email] \xff" }, "redacted: not valid UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := good
			a.PII = append([]PII(nil), good.PII...)
			c.edit(&a)
			b, err := cbor.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeAnalysis(b)
			if c.field == "" {
				if err != nil || got == nil {
					t.Fatalf("DecodeAnalysis = %+v, %v; want it accepted", got, err)
				}
				if err := analysisKeepsTheContract(got); err != nil {
					t.Fatalf("the test's own contract refuses it: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.field) || got != nil {
				t.Fatalf("DecodeAnalysis = %+v, %v; want ErrInvalid naming %q", got, err, c.field)
			}
			if analysisKeepsTheContract(&a) == nil {
				t.Fatal("the test's own contract accepts it")
			}
		})
	}

	// spans against the message
	text := "mail li@x.cn 我"
	for _, c := range []struct {
		span PII
		want string
	}{
		{PII{Kind: "email", Start: 5, End: 12}, ""},
		{PII{Kind: "x", Start: 13, End: len(text)}, ""},
		{PII{Kind: "email", Start: 5, End: len(text) + 1}, "outside the message's 16 bytes"},
		{PII{Kind: "email", Start: 14, End: len(text)}, "cuts a character"},
		{PII{Kind: "email", Start: 13, End: 14}, "cuts a character"},
		{PII{Kind: "email", Start: -1, End: 2}, "outside"},
	} {
		a := Analysis{PII: []PII{c.span}}
		err := a.CheckSpans(text)
		if c.want == "" && err != nil || c.want != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckSpans(%+v) = %v, want %q", c.span, err, c.want)
		}
	}

	// a Result's message may have lines, not other control characters
	for _, c := range []struct {
		msg string
		ok  bool
	}{
		{"no agent\n\tat line 2\r\n", true},
		{"失败", true},
		{"bad \xff", false},
		{"bell \x07", false},
		{"\u202e", false},
	} {
		b, _ := cbor.Marshal(Result{Status: StatusFailed, Message: c.msg})
		r, err := DecodeResult(b)
		if c.ok != (err == nil) || c.ok && r.Message != c.msg || !c.ok && !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodeResult(message %q) = %+v, %v", c.msg, r, err)
		}
	}
}

// FuzzCheckSpans: whatever spans CheckSpans accepts cut the message into
// valid UTF-8 pieces; it never panics.
func FuzzCheckSpans(f *testing.F) {
	f.Add("mail li@x.cn 我", 5, 12)
	f.Add("我", 1, 3)
	f.Add("", 0, 1)
	f.Add("abc", 2, 1<<40)
	f.Fuzz(func(t *testing.T, text string, start, end int) {
		if !utf8.ValidString(text) {
			return // the edge's messages are UTF-8
		}
		a := Analysis{PII: []PII{{Kind: "k", Start: start, End: end}}}
		if err := a.CheckSpans(text); err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error without ErrInvalid: %v", err)
			}
			return
		}
		for _, s := range []string{text[:start], text[start:end], text[end:]} {
			if !utf8.ValidString(s) || s == text[start:end] && s == "" {
				t.Fatalf("accepted %d-%d of %q", start, end, text)
			}
		}
	})
}
