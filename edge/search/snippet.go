package search

import (
	"slices"
	"unicode/utf8"

	bsearch "github.com/blevesearch/bleve/v2/search"
)

// snippet is up to snippetRunes of src around its first match, and the
// matches in it as code point ranges.
func snippet(src string, locs bsearch.TermLocationMap) (string, [][2]int) {
	var spans [][2]int // bytes
	for _, list := range locs {
		for _, l := range list {
			if l.Start < l.End && l.End <= uint64(len(src)) {
				a, b := int(l.Start), int(l.End)
				for a > 0 && !utf8.RuneStart(src[a]) { // on rune boundaries
					a--
				}
				for b < len(src) && !utf8.RuneStart(src[b]) {
					b++
				}
				spans = append(spans, [2]int{a, b})
			}
		}
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	// the window: from a little before the first match, on a rune start
	from := 0
	if len(spans) > 0 {
		from = spans[0][0]
		for back := 0; from > 0 && back < snippetRunes/4; back++ {
			_, n := utf8.DecodeLastRuneInString(src[:from])
			from -= n
		}
	}
	to := from
	for n := 0; to < len(src) && n < snippetRunes; n++ {
		_, size := utf8.DecodeRuneInString(src[to:])
		to += size
	}
	out := src[from:to]
	var marks [][2]int
	last := -1
	for _, s := range spans {
		if s[0] < from || s[1] > to || s[0] < last {
			continue // outside the window, or overlapping the one before
		}
		start := utf8.RuneCountInString(src[from:s[0]])
		marks = append(marks, [2]int{start, start + utf8.RuneCountInString(src[s[0]:s[1]])})
		last = s[1]
	}
	if from > 0 {
		out = "…" + out
		for i := range marks {
			marks[i][0]++
			marks[i][1]++
		}
	}
	if to < len(src) {
		out += "…"
	}
	return out, marks
}
