//go:build wasip1

// Command routing is Edgedesk's routing plugin: it assigns a new
// conversation to the least loaded online agent with the skills it needs,
// preferring the customer's language and, among equals, the agent idle
// longest (plugins/routing/rules). Built to .wasm by `make plugins`.
package main

import (
	"github.com/edgedesk/edgedesk/plugins/routing/rules"
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

// decision is the last call's, reused: an instance serves one call at a
// time, and pdk encodes the decision before the next (a new one per call
// would be an allocation per call).
var decision abi.RouteDecision

func init() {
	pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) {
		decision = rules.Decide(r)
		return &decision, nil
	})
}

func main() {}
