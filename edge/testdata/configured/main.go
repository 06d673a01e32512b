//go:build wasip1

// A routing plugin that answers by its configuration (capability config),
// for the tests of plugins' configurations: with {"agent": ID} it assigns
// the conversation to that agent when the request offers them online,
// else to the first online agent; its reason is "config " and the
// configuration it read, or "config none".
package main

import (
	"encoding/json"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() {
	pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) {
		raw := pdk.Config()
		var cfg struct {
			Agent string `json:"agent"`
		}
		if raw != nil {
			if err := json.Unmarshal(raw, &cfg); err != nil {
				return nil, err
			}
		}
		d := &abi.RouteDecision{Reason: "config none"}
		if raw != nil {
			d.Reason = "config " + string(raw)
		}
		for _, a := range r.Agents {
			if a.Online && (d.Agent == "" || a.ID == cfg.Agent) {
				d.Agent = a.ID
			}
		}
		return d, nil
	})
}

func main() {}
