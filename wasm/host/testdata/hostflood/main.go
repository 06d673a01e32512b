//go:build wasip1

// A hostile plugin: calls the host without end.
package main

import (
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() {
	pdk.Route(func(*abi.RouteRequest) (*abi.RouteDecision, error) {
		for {
			pdk.NowMillis()
		}
	})
}

func main() {}
