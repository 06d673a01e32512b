package search

import (
	"testing"
	"unicode/utf8"

	bsearch "github.com/blevesearch/bleve/v2/search"
)

// FuzzSnippet: any text and any locations (as a corrupt index might hold)
// give a snippet of valid UTF-8 whose marks lie within it.
func FuzzSnippet(f *testing.F) {
	f.Add("My parcel never arrived, the tracking number is 4711.", uint64(3), uint64(9))
	f.Add("我的包裹还没有到，请帮我查一下物流。", uint64(6), uint64(12))
	f.Add("\xff\xfe broken", uint64(0), uint64(40))
	f.Fuzz(func(t *testing.T, src string, start, end uint64) {
		if !utf8.ValidString(src) {
			return // the index holds what events held: UTF-8
		}
		out, marks := snippet(src, bsearch.TermLocationMap{"x": {{Start: start, End: end}}})
		if !utf8.ValidString(out) {
			t.Fatalf("snippet %q is not UTF-8", out)
		}
		n := utf8.RuneCountInString(out)
		for _, m := range marks {
			if m[0] < 0 || m[0] >= m[1] || m[1] > n {
				t.Fatalf("mark %v outside the snippet %q (%d runes)", m, out, n)
			}
		}
	})
}
