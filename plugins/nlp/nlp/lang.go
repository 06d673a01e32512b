package nlp

import (
	"math"
	"unicode"
)

// Scripts the language detector tells apart by their code points.
const (
	scriptLatin = iota
	scriptHan
	scriptKana
	scriptHangul
	scriptCyrillic
	scriptGreek
	scriptHebrew
	scriptArabic
	scriptThai
	scriptDevanagari
	scriptOther // letters of any other script
	nScripts
)

// hintBonus is added to the logit of the language the request hints at
// (the visitor's browser language): enough to decide a message of a word
// or two, too little against a sentence.
const hintBonus = 1.5

// letters is the number of letters to be sure of a language: below it the
// confidence is scaled down (a CJK character counts as three).
const letters = 15

// scripts counts the letters of a text by script, as textFeatures reads
// it; a CJK character counts three, being about a word.
type scripts struct {
	latin, han int // the common ones, apart from the rest
	count      [nScripts]int
	ukr, rus   int // letters only Ukrainian or only Russian has
}

// add counts a letter beyond ASCII and CJK.
func (sc *scripts) add(r rune) {
	switch {
	case isLatinLetter(r):
		sc.latin++
	case r >= 0x400 && r <= 0x4FF:
		sc.count[scriptCyrillic]++
		switch unicode.ToLower(r) {
		case 'і', 'ї', 'є', 'ґ':
			sc.ukr++
		case 'ы', 'э', 'ъ', 'ё':
			sc.rus++
		}
	case r >= 0x370 && r <= 0x3FF:
		sc.count[scriptGreek]++
	case r >= 0x590 && r <= 0x5FF:
		sc.count[scriptHebrew]++
	case (r >= 0x600 && r <= 0x6FF) || (r >= 0x750 && r <= 0x77F):
		sc.count[scriptArabic]++
	case r >= 0xE00 && r <= 0xE7F:
		sc.count[scriptThai]++
	case r >= 0x900 && r <= 0x97F:
		sc.count[scriptDevanagari]++
	default:
		sc.count[scriptOther]++
	}
}

// language detects the language of text, whose TextFeatures are feats and
// whose letters sc counted: by script first, then, for the Latin script,
// with the language model over feats and the character trigrams
// (appended after feats, in their spare capacity). hint is a BCP 47 tag
// or empty.
func (m *Models) language(text, hint string, feats []uint32, sc *scripts) (string, int) {
	hint = primaryTag(hint)
	count := sc.count
	count[scriptLatin], count[scriptHan] = sc.latin, sc.han
	total, best := 0, scriptLatin
	for s, n := range count {
		total += n
		if n > count[best] {
			best = s
		}
	}
	// Japanese is written in kana and kanji together
	cjk := count[scriptHan] + count[scriptKana]
	if cjk > count[best] {
		best = scriptHan
	}
	if total == 0 || best == scriptOther {
		return "", 0
	}
	lengthFactor := math.Min(1, float64(total)/letters)
	share := float64(count[best]) / float64(total)
	var lang string
	switch best {
	case scriptLatin:
		all := GramFeatures(feats, text)
		var probs [MaxLabels]float64
		top := m.Latin.Probs(all, m.Latin.Label(hint), hintBonus, probs[:])
		return m.Latin.Labels[top], percent(probs[top] * share * lengthFactor)
	case scriptHan:
		share = float64(cjk) / float64(total)
		// a tenth of kana makes it Japanese; kanji alone is read as
		// Chinese unless the hint says Japanese
		if count[scriptKana]*10 >= cjk || (count[scriptKana] == 0 && hint == "ja") {
			lang = "ja"
		} else {
			lang = "zh"
		}
	case scriptCyrillic:
		lang = "ru"
		if sc.ukr > sc.rus || (sc.ukr == sc.rus && hint == "uk") {
			lang = "uk"
		}
	case scriptHangul:
		lang = "ko"
	case scriptGreek:
		lang = "el"
	case scriptHebrew:
		lang = "he"
	case scriptArabic:
		lang = "ar"
	case scriptThai:
		lang = "th"
	case scriptDevanagari:
		lang = "hi"
	}
	return lang, percent(share * lengthFactor)
}

// primaryTag is the lower-cased primary language subtag of a BCP 47 tag
// ("zh-Hant-TW" → "zh").
func primaryTag(tag string) string {
	for i := range len(tag) {
		if tag[i] == '-' || tag[i] == '_' {
			tag = tag[:i]
			break
		}
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	lower := true
	for i := range len(tag) {
		if !isASCIILetter(tag[i]) {
			return ""
		}
		lower = lower && tag[i] >= 'a'
	}
	if lower {
		return tag // no copy: the common case
	}
	b := []byte(tag)
	for i := range b {
		b[i] |= 0x20
	}
	return string(b)
}

// percent rounds a probability to a percentage.
func percent(p float64) int {
	return int(math.Round(100 * math.Max(0, math.Min(1, p))))
}
