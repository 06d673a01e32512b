//go:build wasip1

// A plugin that misbehaves as the request's language says (one module for
// every test, so that it is compiled once), and otherwise answers like the
// shipped ones. As a routing plugin, it decides with plugins/routing/rules
// and then:
//
//	xu  gives a reason that is not UTF-8
//	xc  gives a reason with a terminal escape
//	xa  chooses an agent the request did not offer
//	xl  gives a reason of 5,000 bytes
//	xs  is slow: spins for 25 ms (needs the clock capability) first
//
// As an NLP plugin, it reads every message as English and neutral, with
// no personal data, and then:
//
//	xu  gives an intent that is not UTF-8
//	xp  marks personal data past the end of the message
//	xs  is slow: spins for 25 ms first
package main

import (
	"github.com/edgedesk/edgedesk/plugins/routing/rules"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

var n uint64

// spin keeps a core busy for ms milliseconds, asking the clock every
// 20,000 iterations (each ask is a host call, of which a call may make
// 10,000).
func spin(ms int64) {
	start := pdk.NowMillis()
	for pdk.NowMillis()-start < ms {
		for range 20000 {
			n++
		}
	}
}

func init() {
	pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) {
		if r.Language == "xs" {
			spin(25)
		}
		d := rules.Decide(r)
		switch r.Language {
		case "xu":
			d.Reason = "least loaded \xff\xfe"
		case "xc":
			d.Reason = "least loaded \x1b[2J"
		case "xa":
			d.Agent = "mallory"
		case "xl":
			b := make([]byte, 5000)
			for i := range b {
				b[i] = 'x'
			}
			d.Reason = string(b)
		}
		return &d, nil
	})
	pdk.Analyze(func(r *abi.AnalyzeRequest) (*abi.Analysis, error) {
		if r.Language == "xs" {
			spin(25)
		}
		a := &abi.Analysis{Language: "en", LanguageConfidence: 90, Sentiment: abi.SentimentNeutral}
		switch r.Language {
		case "xu":
			a.Intent = "refund\xc0"
		case "xp":
			a.PII = []abi.PII{{Kind: abi.PIIEmail, Start: 0, End: len(r.Text) + 1}}
		}
		return a, nil
	})
}

func main() {}
