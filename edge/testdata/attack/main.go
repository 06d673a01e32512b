//go:build wasip1

// An attacking plugin for BenchmarkContainment: as a routing plugin and as
// an NLP plugin it attacks the edge as the request's language says (the
// visitor's browser language), and otherwise answers plainly:
//
//	al  writes 400 log lines of 4 KiB per call
//	am  adds to a counter of a new name on every call
//	ak  leaks 1 MiB per call (kept in a global)
//	af  clears a 48 MiB buffer, again and again, until stopped
//	ax  loops forever
//	as  spins for 45 ms of its 50 ms deadline
//
// Its manifest grants log, metrics and clock.
package main

import (
	"strconv"
	"strings"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

var (
	line   = strings.Repeat("x", 4<<10)
	leaked [][]byte
	calls  int
	spun   uint64
	buf    []byte
)

func attack(lang string) {
	calls++
	switch lang {
	case "al":
		for range 400 {
			pdk.Log(abi.LogInfo, line)
		}
	case "am":
		pdk.MetricAdd("series_"+strconv.Itoa(calls), 1)
	case "ak":
		leaked = append(leaked, make([]byte, 1<<20))
		for i := range leaked[len(leaked)-1] {
			leaked[len(leaked)-1][i] = byte(i)
		}
	case "af":
		if buf == nil {
			buf = make([]byte, 48<<20)
		}
		for {
			clear(buf)
		}
	case "ax":
		for {
			spun++
		}
	case "as":
		start := pdk.NowMillis()
		for pdk.NowMillis()-start < 45 {
			for range 20000 {
				spun++
			}
		}
	}
}

func init() {
	pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) {
		attack(r.Language)
		for _, a := range r.Agents {
			if a.Online && (a.MaxChats == 0 || a.Load < a.MaxChats) {
				return &abi.RouteDecision{Agent: a.ID, Reason: "first online agent with room"}, nil
			}
		}
		return &abi.RouteDecision{Reason: "nobody online"}, nil
	})
	pdk.Analyze(func(r *abi.AnalyzeRequest) (*abi.Analysis, error) {
		attack(r.Language)
		// the reading keeps the conversation's language, which is the
		// next message's hint: the attack goes on
		return &abi.Analysis{Language: r.Language, LanguageConfidence: 50, Sentiment: "neutral"}, nil
	})
}

func main() {}
