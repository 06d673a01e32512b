package nlp

import (
	"unicode"
	"unicode/utf8"
)

// Features are 32-bit hashes (feature hashing): a model keeps one row of
// weights per hash bucket, so reading a message needs no vocabulary, no
// map and no allocation per feature. The trainer (plugins/nlp/train) calls
// the same functions, so the features it learns from are exactly those
// the plugin computes.

// Hash seeds, one per kind of feature, so that a word and a prefix, or a
// character and a symbol, do not share a hash by construction.
const (
	seedWord   = 0x9e3779b97f4a7c15
	seedGram   = 0x165667b19e3779f9
	seedToken  = 0x27d4eb2f165667c5
	seedPrefix = 0x85ebca77c2b2ae63
	seedChar   = 0x4f1bbcdcbfa53e0b
	seedSymbol = 0x5851f42d4c957f2d
)

// mix folds a 64-bit key to a 32-bit feature: the high half folded onto
// the low, then a multiplication by a large odd constant, whose high half
// depends on every bit of the key.
func mix(x uint64) uint32 {
	return uint32((x ^ x>>32) * 0x9e3779b97f4a7c15 >> 32)
}

// FNV-1a, for what does not fit in a word's buffer.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Token kinds that are not words.
const (
	tokShortNumber = iota + 1 // 1–2 digits: a quantity, a day
	tokNumber3                // 3 digits: an error code, a price
	tokNumber4                // 4 digits: a year, a PIN, a price
	tokLongNumber             // 5 or more: an order, a phone, a card
	tokMoney                  // a currency sign
	tokQuestion               // ? or ？
	tokExclaim                // ! or ！
	tokSmile                  // :) :-) :D
	tokFrown                  // :( :-(
)

// maxWord is the longest word, in bytes, the stemmer looks at; longer
// words are hashed whole.
const maxWord = 32

// TextFeatures appends the features of text that the intent and sentiment
// models read, one per token: a word (lower-cased and lightly stemmed,
// and for a word of more than five letters its first five too, so that
// "refund", "refunded" and "refundable" share a feature), a Han, kana or
// Hangul character, a number by its length, a currency sign, ! and ?, an
// emoji or an emoticon. Chinese is thus read as characters, English as
// words. Pairs of adjacent tokens (bigrams) were measured too: at the
// size of the training data they made the intent models less accurate.
func TextFeatures(dst []uint32, text string) []uint32 {
	var sc scripts
	return textFeatures(dst, text, &sc)
}

// textFeatures is TextFeatures, counting the letters of each script in sc
// as it goes (the language detector's first look).
func textFeatures(dst []uint32, text string, sc *scripts) []uint32 {
	han := 0 // sc.han, kept here on the way
	for i := 0; i < len(text); {
		c := text[i]
		var tok uint64
		if c < utf8.RuneSelf {
			switch {
			case isASCIILetter(c):
				var pre uint64
				tok, pre, i = word(text, i, sc)
				dst = append(dst, mix(tok^seedWord))
				if pre != 0 {
					dst = append(dst, mix(pre^seedPrefix))
				}
				continue
			case isDigit(c):
				j := i
				for j < len(text) && (isDigit(text[j]) || (text[j] == ',' || text[j] == '.') && j+1 < len(text) && isDigit(text[j+1])) {
					j++
				}
				dst = append(dst, mix(numberToken(j-i)^seedWord))
				i = j
				continue
			case c == '$':
				tok = seedToken + tokMoney
			case c == '?':
				tok = seedToken + tokQuestion
			case c == '!':
				tok = seedToken + tokExclaim
			case c == ':' || c == ';':
				if t := emoticon(text[i+1:]); t != 0 {
					tok = seedToken + t
				}
			}
			if tok != 0 {
				dst = append(dst, mix(tok^seedWord))
			}
			i++
			continue
		}
		r, size := rune(-1), 3 // CJK without a call
		if i+2 < len(text) {
			r = rune3(text[i], text[i+1], text[i+2])
		}
		if r < 0 {
			r, size = decode(text, i)
		}
		switch {
		case isHan(r):
			tok = seedChar ^ uint64(r)
			han += 3
		case isKana(r):
			tok = seedChar ^ uint64(r)
			sc.count[scriptKana] += 3
		case isHangul(r):
			tok = seedChar ^ uint64(r)
			sc.count[scriptHangul] += 3
		case (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF):
			// CJK punctuation and full-width forms: most of them are
			// separators
			switch r {
			case '？':
				tok = seedToken + tokQuestion
			case '！':
				tok = seedToken + tokExclaim
			case '￥':
				tok = seedToken + tokMoney
			}
		case unicode.IsLetter(r):
			tok, _, i = word(text, i, sc)
			dst = append(dst, mix(tok^seedWord))
			continue
		case r == '€' || r == '£' || r == '¥':
			tok = seedToken + tokMoney
		case unicode.Is(unicode.So, r): // emoji and other symbols
			tok = seedSymbol ^ uint64(r)
		}
		if tok != 0 {
			dst = append(dst, mix(tok^seedWord))
		}
		i += size
	}
	sc.han += han
	return dst
}

// word reads the word starting at text[i] (letters, then letters, digits
// and inner apostrophes), lower-cased, and returns its hash, the hash of
// its first five letters when it is an ASCII word of more than five (else
// 0), and where it ends. ASCII words are stemmed first.
func word(text string, i int, sc *scripts) (tok, prefix uint64, end int) {
	j := i
	for j < len(text) {
		if c := text[j]; isASCIILetter(c) || isDigit(c) || c == '\'' && j > i && j+1 < len(text) && isASCIILetter(text[j+1]) {
			j++
			continue
		}
		break
	}
	if j-i <= maxWord && (j == len(text) || text[j] < utf8.RuneSelf || !wordRune(text, j)) {
		tok, prefix = asciiWord(text[i:j])
		sc.latin += j - i
		return tok, prefix, j
	}
	return anyWord(text, i, sc)
}

// wordRune: the character at text[j] continues a word.
func wordRune(text string, j int) bool {
	r, _ := decode(text, j)
	return !isHan(r) && !isKana(r) && !isHangul(r) && unicode.IsLetter(r)
}

// asciiWord is wordHashes of the ASCII word w, lower-cased as it reads
// it, with no copy.
func asciiWord(w string) (tok, prefix uint64) {
	n := len(w)
	if n > 5 {
		prefix = packLower(w[:5])
	}
	// stem: the same cuts as stem's
	cut, y := n, false
	if n >= 5 {
		l1, l2, l3 := w[n-1]|0x20, w[n-2]|0x20, w[n-3]|0x20
		switch {
		case l3 == 'i' && l2 == 'e' && l1 == 's': // "ies" → "y"
			cut, y = n-2, true
		case l3 == 'i' && l2 == 'n' && l1 == 'g':
			cut = n - 3
		case l2 == 'e' && (l1 == 'd' || l1 == 's'), l2 == 'l' && l1 == 'y':
			cut = n - 2
		case l2 == 's' && l1 == 's':
		case l1 == 's' || l1 == 'e':
			cut = n - 1
		}
	}
	// hashBytes of the stem
	s := w[:cut]
	h := uint64(cut) << 56
	for len(s) >= 8 {
		x := packLower(s[:8])
		if y && len(s) == 8 {
			x = x&^(0xFF<<56) | 'y'<<56
		}
		h = (h ^ x) * 0x9e3779b97f4a7c15
		s = s[8:]
	}
	x := packLower(s)
	if y && len(s) > 0 {
		k := 8 * (len(s) - 1)
		x = x&^(0xFF<<k) | 'y'<<k
	}
	return h ^ x, prefix
}

// packLower reads up to eight bytes of letters, digits and apostrophes as
// a little-endian integer, the letters lower-cased (setting bit 5 changes
// no digit and no apostrophe).
func packLower(s string) uint64 {
	var x uint64
	for k := 0; k < len(s); k++ {
		x |= uint64(s[k]|0x20) << (8 * k)
	}
	return x
}

// anyWord is word for words with letters beyond ASCII, or longer than
// maxWord: it lower-cases them into a buffer.
func anyWord(text string, i int, sc *scripts) (tok, prefix uint64, end int) {
	var buf [maxWord]byte
	n := 0
	ascii := true
	var rest uint64 // the hash of the bytes that do not fit in buf; 0: none
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case isASCIILetter(c):
				c |= 0x20
				sc.latin++
			case isDigit(c):
			case c == '\'' && n > 0 && i+1 < len(text) && isASCIILetter(text[i+1]):
			default:
				return wordHashes(buf[:n], ascii && rest == 0, rest, i)
			}
			if n < maxWord {
				buf[n] = c
				n++
			} else {
				rest = (rest ^ uint64(c) + 1) * fnvPrime
			}
			i++
			continue
		}
		r, size := decode(text, i)
		if !unicode.IsLetter(r) || isHan(r) || isKana(r) || isHangul(r) {
			break
		}
		ascii = false
		sc.add(r)
		var enc [utf8.UTFMax]byte
		for _, b := range enc[:utf8.EncodeRune(enc[:], unicode.ToLower(r))] {
			if n < maxWord {
				buf[n] = b
				n++
			} else {
				rest = (rest ^ uint64(b) + 1) * fnvPrime
			}
		}
		i += size
	}
	return wordHashes(buf[:n], ascii && rest == 0, rest, i)
}

// wordHashes are the hashes of the word w (rest: of what did not fit in
// it): of its stem and of its first five letters when it is plain ASCII.
func wordHashes(w []byte, plain bool, rest uint64, end int) (tok, prefix uint64, _ int) {
	if plain {
		if len(w) > 5 {
			prefix = pack(w[:5])
		}
		w = stem(w)
	}
	return hashBytes(w) ^ rest, prefix, end
}

// hashBytes hashes a short byte string: up to seven bytes it is the bytes
// themselves and their number, exactly; longer ones are folded eight bytes
// at a time.
func hashBytes(w []byte) uint64 {
	h := uint64(len(w)) << 56
	for len(w) >= 8 {
		h = (h ^ pack(w[:8])) * 0x9e3779b97f4a7c15
		w = w[8:]
	}
	return h ^ pack(w)
}

// pack reads up to eight bytes as a little-endian integer.
func pack(w []byte) uint64 {
	var x uint64
	for k, c := range w {
		x |= uint64(c) << (8 * k)
	}
	return x
}

// decode returns the character at s[i] and its length in bytes, as
// utf8.DecodeRuneInString(s[i:]) does, reading ASCII and the three-byte
// forms (all of CJK) without a call.
func decode(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	if i+2 < len(s) {
		if r := rune3(s[i], s[i+1], s[i+2]); r >= 0 {
			return r, 3
		}
	}
	return utf8.DecodeRuneInString(s[i:])
}

// rune3 decodes a three-byte UTF-8 sequence, or returns −1.
func rune3(c0, c1, c2 byte) rune {
	r := rune(c0&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F)
	if c0&0xF0 != 0xE0 || (c1|c2)&0x40 != 0 || (c1&c2)&0x80 == 0 || r < 0x800 || (r >= 0xD800 && r <= 0xDFFF) {
		return -1
	}
	return r
}

// stem strips one common English inflection, so that "charge",
// "charged", "charges" and "charging" are one feature. It is crude on
// purpose: it only has to map a word's forms to one key, not to a word.
func stem(w []byte) []byte {
	n := len(w)
	if n < 5 {
		return w
	}
	switch {
	case hasSuffix(w, "ies"):
		w[n-3] = 'y'
		return w[:n-2]
	case hasSuffix(w, "ing"):
		return w[:n-3]
	case hasSuffix(w, "ed"):
		return w[:n-2]
	case hasSuffix(w, "es"):
		return w[:n-2]
	case hasSuffix(w, "ly"):
		return w[:n-2]
	case hasSuffix(w, "ss"):
		return w
	case w[n-1] == 's' || w[n-1] == 'e':
		return w[:n-1]
	}
	return w
}

func hasSuffix(w []byte, s string) bool {
	return len(w) >= len(s) && string(w[len(w)-len(s):]) == s
}

func numberToken(digits int) uint64 {
	switch {
	case digits <= 2:
		return seedToken + tokShortNumber
	case digits == 3:
		return seedToken + tokNumber3
	case digits == 4:
		return seedToken + tokNumber4
	}
	return seedToken + tokLongNumber
}

// emoticon recognises the rest of :) :-) :D :( :-( after the colon.
func emoticon(s string) uint64 {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if len(s) == 0 {
		return 0
	}
	switch s[0] {
	case ')', 'D':
		return tokSmile
	case '(':
		return tokFrown
	}
	return 0
}

// maxGramBytes bounds the text the language model reads: a sentence says
// which language it is.
const maxGramBytes = 160

// GramFeatures appends the character trigrams of the Latin-script words
// of text (lower-cased, with a space on each side of a word: " th",
// "the", "he "), from its first 160 bytes. The language model reads them
// after the message's TextFeatures. (Unigrams and bigrams too made it no
// more accurate and slower.)
func GramFeatures(dst []uint32, text string) []uint32 {
	if len(text) > maxGramBytes {
		text = text[:maxGramBytes]
	}
	const space = ' '
	a, b := uint64(space), uint64(space) // the two characters before
	for i := 0; i < len(text); {
		var r uint64
		if c := text[i]; c < utf8.RuneSelf { // ASCII without a call
			i++
			switch {
			case isASCIILetter(c):
				r = uint64(c | 0x20)
			case b == space:
				continue
			default:
				r = space
			}
		} else {
			l, size := decode(text, i)
			i += size
			switch {
			case isLatinLetter(l):
				r = uint64(unicode.ToLower(l))
			case b == space:
				continue
			default:
				r = space
			}
		}
		if b != space {
			dst = append(dst, trigram(a, b, r))
		}
		a, b = b, r
	}
	if b != space { // the end of the last word
		dst = append(dst, trigram(a, b, space))
	}
	return dst
}

// trigram is the feature of three characters (lower-cased runes).
func trigram(a, b, c uint64) uint32 {
	return mix((a<<42 | b<<21 | c) ^ seedGram)
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isLatinLetter: a letter of the Latin script (Basic Latin to Latin
// Extended-B, and Latin Extended Additional).
func isLatinLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIILetter(byte(r))
	}
	return (r >= 0xC0 && r < 0x250 && r != 0xD7 && r != 0xF7) || (r >= 0x1E00 && r < 0x1F00)
}

func isHan(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0xF900 && r <= 0xFAFF) || (r >= 0x20000 && r <= 0x3134F)
}

func isKana(r rune) bool {
	return (r >= 0x3040 && r <= 0x30FF && r != 0x30FB && r != 0x30FC) || (r >= 0x31F0 && r <= 0x31FF) || (r >= 0xFF66 && r <= 0xFF9D)
}

func isHangul(r rune) bool {
	return (r >= 0xAC00 && r <= 0xD7A3) || (r >= 0x1100 && r <= 0x11FF) || (r >= 0x3130 && r <= 0x318F)
}
