//go:build wasip1

// A routing plugin that decides by what the edge says of the customer:
// a customer whose website gives them a plan goes to an online agent with
// that plan as a skill; the others as the shipped plugin decides. Its
// reason says what it saw of the request, for the test to read.
package main

import (
	"slices"
	"strconv"

	"github.com/edgedesk/edgedesk/plugins/routing/rules"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() {
	pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) {
		d := rules.Decide(r)
		plan := ""
		if r.Contact != nil {
			plan = r.Contact.Attributes["plan"]
		}
		for _, a := range r.Agents {
			if plan != "" && a.Online && (a.MaxChats == 0 || a.Load < a.MaxChats) && slices.Contains(a.Skills, plan) {
				d.Agent = a.ID
				break
			}
		}
		d.Reason = saw(r, d.Agent)
		return &d, nil
	})
}

// saw is what the request said: its channel, the contact, the reading,
// and the chosen agent's skills and languages.
func saw(r *abi.RouteRequest, agent string) string {
	s := "channel=" + r.Channel
	if c := r.Contact; c != nil {
		s += " identified=" + strconv.FormatBool(c.Identified) + " convs=" + strconv.Itoa(c.Conversations) +
			" lang=" + c.Language + " plan=" + c.Attributes["plan"] + " seats=" + c.Attributes["seats"]
	} else {
		s += " contact=none"
	}
	if g := r.Reading; g != nil {
		s += " reading=" + g.Language + "/" + g.Intent + "/" + g.Sentiment
	}
	for _, a := range r.Agents {
		if a.ID == agent {
			s += " agent-skills=" + join(a.Skills) + " agent-langs=" + join(a.Languages)
		}
	}
	return s
}

func join(l []string) string {
	out := ""
	for i, x := range l {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func main() {}
