// Package nlp is the NLP plugin's logic as plain Go: language detection,
// intent and sentiment of a customer's message, and the personal data in
// it (docs/nlp.md). The plugin (plugins/nlp) runs it under the host's
// sandbox; the tests and BenchmarkNLPNative run the same code natively.
//
// The intent and sentiment models are trained offline from the labelled
// messages in plugins/nlp/data by plugins/nlp/train, which writes them to
// model_gen.go. Reading a message of up to a few hundred words allocates
// nothing but the answer's PII list and redacted text, and uses no regular
// expression and no map.
package nlp

import (
	"math"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// Models are the trained models the analysis uses.
type Models struct {
	Latin       Model // the language of Latin-script text (TextFeatures, then GramFeatures)
	IntentEN    Model // the intent of English messages (TextFeatures)
	IntentZH    Model // the intent of Chinese messages
	SentimentEN Model // negative, neutral, positive (in that order)
	SentimentZH Model
}

// Sentiment labels, in the order of the sentiment models'.
const (
	Negative = "negative"
	Neutral  = "neutral"
	Positive = "positive"
)

// MaxTextBytes bounds the text language, intent and sentiment are read
// from: the first 2 KiB of a message say what it is about. Personal data
// is looked for in the whole text.
const MaxTextBytes = 2048

// Analyze reads a message with the shipped models. hint is the language
// the visitor's browser asks for (a BCP 47 tag, or empty); it decides
// between languages a short message does not tell apart.
func Analyze(text, hint string) abi.Analysis {
	return shipped.Analyze(text, hint)
}

// Analyze reads a message: its language, then, for English and Chinese,
// its intent and sentiment, and the personal data in it.
func (m *Models) Analyze(text, hint string) abi.Analysis {
	var a abi.Analysis
	var scratch [1024]uint32 // features, on the stack
	head := prefix(text, MaxTextBytes)
	var sc scripts
	feats := textFeatures(scratch[:0], head, &sc)
	a.Language, a.LanguageConfidence = m.language(head, hint, feats, &sc)
	var intent, sentiment *Model
	switch a.Language {
	case "en":
		intent, sentiment = &m.IntentEN, &m.SentimentEN
	case "zh":
		intent, sentiment = &m.IntentZH, &m.SentimentZH
	}
	if intent != nil {
		var probs, sprobs [MaxLabels]float64
		top, stop := intent.ProbsPair(sentiment, feats, probs[:], sprobs[:])
		a.Intent, a.IntentConfidence = intent.Labels[top], percent(probs[top])
		a.Sentiment = sentiment.Labels[stop]
		a.SentimentScore = int(math.Round(100 * (sprobs[2] - sprobs[0])))
	}
	a.PII = FindPII(nil, text)
	if len(a.PII) > 0 {
		a.Redacted = Redact(text, a.PII)
	}
	return a
}

// prefix is at most the first n bytes of s, cut at a character boundary.
func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // a continuation byte
		n--
	}
	return s[:n]
}
