package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/edgedesk/edgedesk/plugins/nlp/nlp"
)

// score counts right answers.
type score struct{ right, total int }

func (s score) accuracy() float64 {
	if s.total == 0 {
		return 0
	}
	return float64(s.right) / float64(s.total)
}

func (s *score) add(ok bool) {
	s.total++
	if ok {
		s.right++
	}
}

// report is the accuracy of each task on the test messages.
type report struct {
	language  map[string]*score // by the message's language; "" is all
	intent    map[string]*score // by language
	sentiment map[string]*score
}

// evaluate reads each test message as the plugin does (Models.Analyze):
// the language without a hint, over every message; the intent and the
// sentiment of the English and Chinese ones with their language as the
// hint, so that a message misread as another language counts as wrong.
func evaluate(ms *nlp.Models, set dataset) report {
	r := report{language: map[string]*score{}, intent: map[string]*score{}, sentiment: map[string]*score{}}
	get := func(m map[string]*score, k string) *score {
		if m[k] == nil {
			m[k] = &score{}
		}
		return m[k]
	}
	for _, m := range set.test {
		a := ms.Analyze(m.text, "")
		get(r.language, m.lang).add(a.Language == m.lang)
		get(r.language, "").add(a.Language == m.lang)
		if m.intent == "" {
			continue
		}
		a = ms.Analyze(m.text, m.lang)
		get(r.intent, m.lang).add(a.Intent == m.intent)
		get(r.sentiment, m.lang).add(a.Sentiment == m.sentiment)
	}
	return r
}

func printReport(w io.Writer, set dataset, r report) {
	fmt.Fprintf(w, "%d training messages, %d test messages\n", len(set.train), len(set.test))
	fmt.Fprintf(w, "%-22s %9s %s\n", "task", "accuracy", "right/total")
	line := func(name string, s *score) {
		fmt.Fprintf(w, "%-22s %8.1f%% %d/%d\n", name, 100*s.accuracy(), s.right, s.total)
	}
	for _, t := range []struct {
		name string
		m    map[string]*score
	}{{"intent", r.intent}, {"sentiment", r.sentiment}} {
		for _, l := range []string{"en", "zh"} {
			if s := t.m[l]; s != nil {
				line(t.name+" ("+l+")", s)
			}
		}
	}
	langs := make([]string, 0, len(r.language))
	for l := range r.language {
		if l != "" {
			langs = append(langs, l)
		}
	}
	slices.Sort(langs)
	for _, l := range langs {
		line("language ("+l+")", r.language[l])
	}
	if s := r.language[""]; s != nil {
		line("language (all)", s)
	}
}

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
