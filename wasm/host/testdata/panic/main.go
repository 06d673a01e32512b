//go:build wasip1

// A plugin that panics: the Go runtime prints the panic and stops the
// module; the host reports the panic's message.
package main

import (
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() {
	pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) {
		var m map[string]int
		m[r.Tenant] = 1
		return nil, nil
	})
}

func main() {}
