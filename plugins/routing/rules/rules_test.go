package rules

import (
	"testing"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

func TestDecide(t *testing.T) {
	agents := []abi.AgentStatus{
		{ID: "ann", Online: true, Skills: []string{"billing"}, Languages: []string{"en"}, Load: 1, MaxChats: 4, IdleSince: 50},
		{ID: "bo", Online: true, Skills: []string{"billing", "tech"}, Languages: []string{"zh", "en"}, Load: 1, MaxChats: 4, IdleSince: 10},
		{ID: "cy", Online: true, Skills: []string{"tech"}, Languages: []string{"fr"}, Load: 0, MaxChats: 2, IdleSince: 90},
		{ID: "di", Online: false, Skills: []string{"billing", "tech"}, Languages: []string{"zh"}, Load: 0, MaxChats: 4},
		{ID: "ed", Online: true, Skills: []string{"billing"}, Languages: []string{"es"}, Load: 3, MaxChats: 3},
	}
	for _, c := range []struct {
		name string
		req  abi.RouteRequest
		want string
	}{
		{"least loaded relative to the limit", abi.RouteRequest{}, "cy"},
		{"skills", abi.RouteRequest{Skills: []string{"billing"}}, "bo"}, // ann and bo 1/4; bo idle longer
		{"language first", abi.RouteRequest{Skills: []string{"billing"}, Language: "en"}, "bo"},
		{"language beats load", abi.RouteRequest{Language: "zh"}, "bo"},
		{"every skill", abi.RouteRequest{Skills: []string{"billing", "tech"}}, "bo"},
		{"nobody: queued", abi.RouteRequest{Skills: []string{"legal"}}, ""},
		{"the website's language before the browser's", abi.RouteRequest{Language: "en", Contact: &abi.Contact{Language: "fr"}}, "cy"},
		{"the language read before the others", abi.RouteRequest{Language: "en", Contact: &abi.Contact{Language: "fr"},
			Reading: &abi.Reading{Language: "zh", Intent: "refund"}}, "bo"},
		{"no language read: the website's", abi.RouteRequest{Contact: &abi.Contact{Language: "fr"}, Reading: &abi.Reading{Intent: "refund"}}, "cy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.req.Agents = agents
			if got := Decide(&c.req); got.Agent != c.want || got.Reason == "" {
				t.Fatalf("Decide = %+v, want %q with a reason", got, c.want)
			}
		})
	}
	// full agents and offline ones are never picked
	full := []abi.AgentStatus{{ID: "x", Online: true, Load: 2, MaxChats: 2}, {ID: "y", Load: 0}}
	if got := Decide(&abi.RouteRequest{Agents: full}); got.Agent != "" {
		t.Fatalf("Decide over full and offline agents = %+v", got)
	}
}
