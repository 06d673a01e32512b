package nlp

import (
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// Personal data is found by hand-written scanners over the bytes of the
// text (every pattern is ASCII), one pass for e-mail addresses and one for
// numbers: Go's regexp package is slow under WebAssembly, and a checksum
// (Luhn, ISO 7064) has to be computed anyway.

// FindPII appends to dst the personal data in text, in order, without
// overlaps:
//
//   - e-mail addresses (an ASCII local part, a domain of at least two
//     labels and a top-level domain of letters);
//   - phone numbers: international ("+" and 8–15 digits, separated by
//     single spaces, dashes, dots or parentheses), North American
//     ("(415) 555-2671", "415-555-2671", "415.555.2671", "1-800-555-0199":
//     the groups must be separated) and Chinese mobile numbers (1[3-9] and
//     9 digits, whole or grouped 3-4-4);
//   - payment card numbers: 13–19 digits starting with 2–6, whole or in
//     groups separated by single spaces or dashes, passing the Luhn check;
//   - ID numbers: China's resident ID (17 digits and a check digit or X,
//     ISO 7064 MOD 11-2, with a plausible birth date) and US social
//     security numbers (ddd-dd-dddd; area 000, 666 and 900–999, group 00
//     and serial 0000 are never issued and not matched).
//
// A number must stand alone: a digit or letter right before or after it
// (an order reference like "A1234567890123" or "#13812345678"), or a
// longer run of digits it would be part of, means it is not matched.
func FindPII(dst []abi.PII, text string) []abi.PII {
	emails := findEmails(nil, text)
	e := 0 // the next e-mail
	for i := 0; i < len(text); {
		limit := len(text) // numbers are looked for up to the next e-mail
		if e < len(emails) {
			limit = emails[e].Start
		}
		for i < limit {
			c := text[i]
			if c < utf8.RuneSelf {
				if isDigit(c) || c == '+' || c == '(' {
					break
				}
				i++
			} else if c&0xF0 == 0xE0 && i+2 < limit && text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80 {
				i += 3 // a CJK character, in one step
			} else {
				i++
			}
		}
		if i == limit {
			if e < len(emails) {
				dst = append(dst, emails[e])
				i = emails[e].End
				e++
			}
			continue
		}
		c := text[i]
		if !numberStart(text, i) {
			i++
			continue
		}
		kind, end := number(text[:limit], i)
		if kind == "" {
			// skip the rest of this run of digits and letters
			i++
			for isDigit(c) && i < limit && (isDigit(text[i]) || isASCIILetter(text[i])) {
				i++
			}
			continue
		}
		dst = append(dst, abi.PII{Kind: kind, Start: i, End: end})
		i = end
	}
	return dst
}

// Redact returns text with each span replaced by its kind in brackets
// ("[email]"); the spans are in order and do not overlap, as FindPII
// gives them.
func Redact(text string, pii []abi.PII) string {
	if len(pii) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	at := 0
	for _, p := range pii {
		b.WriteString(text[at:p.Start])
		b.WriteByte('[')
		b.WriteString(p.Kind)
		b.WriteByte(']')
		at = p.End
	}
	b.WriteString(text[at:])
	return b.String()
}

// numberStart: a number may start at text[i] only after a character that
// is not part of a code ("A-123", "#123", "x.123" or a digit).
func numberStart(text string, i int) bool {
	if i == 0 {
		return true
	}
	p := text[i-1]
	switch {
	case isDigit(p) || isASCIILetter(p) || p == '#' || p == '_' || p == '+' || p == '@':
		return false
	case p == '-' || p == '.' || p == '/' || p == '(':
		return i < 2 || !(isDigit(text[i-2]) || isASCIILetter(text[i-2]))
	}
	return true
}

// numberEnd: a number may end at text[i] only before a character that
// does not continue it.
func numberEnd(text string, i int) bool {
	if i >= len(text) {
		return true
	}
	c := text[i]
	switch {
	case isDigit(c) || isASCIILetter(c) || c == '_' || c == '@':
		return false
	case c == '-' || c == '.' || c == '/' || c == ',':
		return i+1 >= len(text) || !isDigit(text[i+1])
	}
	return true
}

// number tries the numeric kinds at text[i], most specific first.
func number(text string, i int) (kind string, end int) {
	switch text[i] {
	case '+':
		if end := intlPhone(text, i); end > 0 {
			return abi.PIIPhone, end
		}
		return "", 0
	case '(':
		if end := usPhone(text, i); end > 0 {
			return abi.PIIPhone, end
		}
		return "", 0
	}
	if end := chineseID(text, i); end > 0 {
		return abi.PIIID, end
	}
	if end := card(text, i); end > 0 {
		return abi.PIICard, end
	}
	if end := ssn(text, i); end > 0 {
		return abi.PIIID, end
	}
	if end := usPhone(text, i); end > 0 {
		return abi.PIIPhone, end
	}
	if end := chineseMobile(text, i); end > 0 {
		return abi.PIIPhone, end
	}
	return "", 0
}

// digits counts the digits from text[i] on, up to max+1.
func digits(text string, i, max int) int {
	n := 0
	for i+n < len(text) && n <= max && isDigit(text[i+n]) {
		n++
	}
	return n
}

// group reads exactly n digits at i, then checks what follows is not a
// digit; it returns the end, or −1.
func group(text string, i, n int) int {
	if digits(text, i, n) != n {
		return -1
	}
	return i + n
}

// intlPhone: "+", a country code and 8–15 digits in all, in groups
// separated by one space, dash or dot, or by parentheses ("+44 (0)20 7946
// 0958", "+1 (415) 555-2671").
func intlPhone(text string, i int) int {
	j := i + 1
	if j >= len(text) || text[j] < '1' || text[j] > '9' {
		return -1
	}
	n, end := 0, -1
	for j < len(text) {
		d := digits(text, j, 15)
		if d == 0 {
			break
		}
		n += d
		j += d
		if n > 15 {
			return -1
		}
		end = j
		// a separator: one of " -.", or a parenthesis with a space before
		// or after it
		k := j
		if k < len(text) && (text[k] == ' ' || text[k] == '-' || text[k] == '.') {
			k++
		}
		if k < len(text) && (text[k] == '(' || text[k] == ')') {
			k++
			if k < len(text) && text[k] == ' ' {
				k++
			}
		}
		if k == j || k >= len(text) || !isDigit(text[k]) {
			break
		}
		j = k
	}
	if n < 8 || !numberEnd(text, end) {
		return -1
	}
	return end
}

// usPhone: a North American number with separated groups: an optional
// "1" and separator, the area code (2–9, then two digits) bare or in
// parentheses, the exchange (2–9, then two digits), and four digits.
func usPhone(text string, i int) int {
	j := i
	if text[j] == '1' && j+1 < len(text) && (text[j+1] == '-' || text[j+1] == ' ' || text[j+1] == '.') {
		j += 2
	}
	paren := j < len(text) && text[j] == '('
	if paren {
		j++
	}
	if j >= len(text) || text[j] < '2' || text[j] > '9' || group(text, j, 3) < 0 {
		return -1
	}
	j += 3
	if paren {
		if j >= len(text) || text[j] != ')' {
			return -1
		}
		j++
		if j < len(text) && (text[j] == ' ' || text[j] == '-') {
			j++
		}
	} else {
		if j >= len(text) || (text[j] != '-' && text[j] != ' ' && text[j] != '.') {
			return -1
		}
		j++
	}
	if j >= len(text) || text[j] < '2' || text[j] > '9' || group(text, j, 3) < 0 {
		return -1
	}
	j += 3
	if j >= len(text) || (text[j] != '-' && text[j] != ' ' && text[j] != '.') {
		return -1
	}
	j++
	if group(text, j, 4) < 0 || !numberEnd(text, j+4) {
		return -1
	}
	return j + 4
}

// chineseMobile: 1, 3–9, then 9 digits: whole, or 3-4-4 separated by
// spaces or dashes.
func chineseMobile(text string, i int) int {
	if i+1 >= len(text) || text[i] != '1' || text[i+1] < '3' || text[i+1] > '9' {
		return -1
	}
	if digits(text, i, 11) == 11 && numberEnd(text, i+11) {
		return i + 11
	}
	if group(text, i, 3) < 0 || i+3 >= len(text) {
		return -1
	}
	sep := text[i+3]
	if sep != ' ' && sep != '-' {
		return -1
	}
	j := i + 4
	if group(text, j, 4) < 0 || j+4 >= len(text) || text[j+4] != sep || group(text, j+5, 4) < 0 || !numberEnd(text, j+9) {
		return -1
	}
	return j + 9
}

// card: 13–19 digits starting with 2–6 (the major industry identifiers
// of payment cards), whole or in groups separated by one space or dash,
// passing the Luhn check; the longest such prefix of the run that ends
// where a group ends.
func card(text string, i int) int {
	if text[i] < '2' || text[i] > '6' {
		return -1
	}
	var ds [20]byte
	n, j, best := 0, i, -1
	for {
		d := digits(text, j, 19)
		if d == 0 || n+d > 19 {
			break
		}
		for k := range d {
			ds[n+k] = text[j+k] - '0'
		}
		n += d
		j += d
		if n >= 13 && numberEnd(text, j) && luhn(ds[:n]) {
			best = j
		}
		if j+1 < len(text) && (text[j] == ' ' || text[j] == '-') && isDigit(text[j+1]) {
			j++
			continue
		}
		break
	}
	return best
}

// luhn: the check every payment card number passes.
func luhn(ds []byte) bool {
	sum := 0
	for k := range ds {
		d := int(ds[len(ds)-1-k])
		if k%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// chineseID: a resident ID of 18 characters: a region code (1–9 first),
// a birth date YYYYMMDD from 1900 on, a sequence number and the ISO 7064
// MOD 11-2 check character (0–9 or X).
func chineseID(text string, i int) int {
	d := digits(text, i, 18)
	if d < 17 || d > 18 || text[i] == '0' || i+18 > len(text) || !numberEnd(text, i+18) {
		return -1
	}
	check := text[i+17]
	if check == 'x' {
		check = 'X'
	}
	if d == 17 && check != 'X' {
		return -1
	}
	id := text[i : i+18]
	year := atoi(id[6:10])
	month, day := atoi(id[10:12]), atoi(id[12:14])
	if year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1 || day > 31 {
		return -1
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2} // 2^(17−k) mod 11
	sum := 0
	for k, w := range weights {
		sum += int(id[k]-'0') * w
	}
	if "10X98765432"[sum%11] != check {
		return -1
	}
	return i + 18
}

// ssn: a US social security number, ddd-dd-dddd, of an area, group and
// serial that can be issued.
func ssn(text string, i int) int {
	if group(text, i, 3) < 0 || i+11 > len(text) || text[i+3] != '-' || group(text, i+4, 2) < 0 ||
		text[i+6] != '-' || group(text, i+7, 4) < 0 || !numberEnd(text, i+11) {
		return -1
	}
	area, grp, serial := atoi(text[i:i+3]), atoi(text[i+4:i+6]), atoi(text[i+7:i+11])
	if area == 0 || area == 666 || area >= 900 || grp == 0 || serial == 0 {
		return -1
	}
	return i + 11
}

func atoi(s string) int {
	n := 0
	for k := range len(s) {
		n = n*10 + int(s[k]-'0')
	}
	return n
}

// findEmails appends the e-mail addresses in text.
func findEmails(dst []abi.PII, text string) []abi.PII {
	from := 0 // an address starts at or after the end of the last one
	for at := 0; ; at++ {
		k := strings.IndexByte(text[at:], '@')
		if k < 0 {
			return dst
		}
		at += k
		start := at
		for start > from && isLocal(text[start-1]) {
			start--
		}
		for start < at && text[start] == '.' {
			start++
		}
		if start == at || text[at-1] == '.' {
			continue
		}
		end := at + 1
		for end < len(text) && isDomain(text[end]) {
			end++
		}
		for end > at+1 && (text[end-1] == '.' || text[end-1] == '-') {
			end--
		}
		if !domain(text[at+1 : end]) {
			continue
		}
		dst = append(dst, abi.PII{Kind: abi.PIIEmail, Start: start, End: end})
		from, at = end, end-1
	}
}

func isLocal(c byte) bool {
	return isASCIILetter(c) || isDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomain(c byte) bool { return isASCIILetter(c) || isDigit(c) || c == '.' || c == '-' }

// domain: at least two labels of 1–63 letters, digits and inner dashes,
// the last one of two or more letters.
func domain(d string) bool {
	labels := 0
	for len(d) > 0 {
		k := strings.IndexByte(d, '.')
		label := d
		if k >= 0 {
			label, d = d[:k], d[k+1:]
		} else {
			d = ""
		}
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		labels++
		if k < 0 { // the top-level domain
			if len(label) < 2 {
				return false
			}
			for j := range len(label) {
				if !isASCIILetter(label[j]) {
					return false
				}
			}
		}
	}
	return labels >= 2
}
