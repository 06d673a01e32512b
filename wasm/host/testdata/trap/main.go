//go:build wasip1

// A hostile plugin: dies in the middle of a call.
package main

import (
	"os"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() {
	pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) {
		if r.Tenant == "panic" {
			var m map[string]int
			m["x"] = 1 // nil map: a Go panic, which exits the module
		}
		os.Exit(3)
		return nil, nil
	})
}

func main() {}
