// Package rules is the routing plugin's logic as plain Go: the plugin runs
// it under the host's sandbox, and BenchmarkRoutingNative runs the same
// code natively to measure what the sandbox costs.
package rules

import (
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// Decide picks the agent for a conversation, or none (it waits in the
// queue):
//
//  1. only agents online, under their chat limit, with every skill the
//     conversation needs;
//  2. among them, those who speak the customer's language, when any does:
//     the language read in their messages, else the one their website
//     gave, else their browser's;
//  3. the least loaded, relative to their limit;
//  4. among equals, the one idle longest (fairness);
//  5. then by id, so that the same input always gives the same answer.
func Decide(r *abi.RouteRequest) abi.RouteDecision {
	var best *abi.AgentStatus
	bestLang := false
	want := language(r)
	for i := range r.Agents {
		a := &r.Agents[i]
		if !a.Online || (a.MaxChats > 0 && a.Load >= a.MaxChats) || !hasAll(a.Skills, r.Skills) {
			continue
		}
		lang := want != "" && contains(a.Languages, want)
		if best == nil || better(a, lang, best, bestLang) {
			best, bestLang = a, lang
		}
	}
	if best == nil {
		return abi.RouteDecision{Reason: "queued: no agent online with capacity and the skills " + join(r.Skills)}
	}
	reason := "least loaded"
	if bestLang {
		reason = "least loaded speaking " + want
	}
	return abi.RouteDecision{Agent: best.ID, Reason: reason}
}

// language is the customer's language: the one read in their messages,
// else the one their website gave, else their browser's; "" when none
// is known.
func language(r *abi.RouteRequest) string {
	switch {
	case r.Reading != nil && r.Reading.Language != "":
		return r.Reading.Language
	case r.Contact != nil && r.Contact.Language != "":
		return r.Contact.Language
	}
	return r.Language
}

func better(a *abi.AgentStatus, aLang bool, b *abi.AgentStatus, bLang bool) bool {
	if aLang != bLang {
		return aLang
	}
	// load relative to the limit: 2 of 4 is busier than 2 of 10
	if la, lb := a.Load*limit(b), b.Load*limit(a); la != lb {
		return la < lb
	}
	if a.IdleSince != b.IdleSince {
		return a.IdleSince < b.IdleSince
	}
	return a.ID < b.ID
}

// limit is an agent's chat limit, with no limit counting as 1,000.
func limit(a *abi.AgentStatus) int {
	if a.MaxChats <= 0 {
		return 1000
	}
	return a.MaxChats
}

func hasAll(have, need []string) bool {
	for _, n := range need {
		if !contains(have, n) {
			return false
		}
	}
	return true
}

// contains is slices.Contains for short strings, comparing the first
// byte before the rest: inside a plugin every call of the runtime's
// comparison costs.
func contains(l []string, s string) bool {
	for _, x := range l {
		if len(x) == len(s) && (len(s) == 0 || x[0] == s[0] && x == s) {
			return true
		}
	}
	return false
}

func join(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	out := s[0]
	for _, x := range s[1:] {
		out += ", " + x
	}
	return out
}
