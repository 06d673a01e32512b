//go:build wasip1

// A hostile plugin: dies in the middle of a call.
package main

import (
	"os"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() {
	pdk.Route(func(*abi.RouteRequest) (*abi.RouteDecision, error) {
		os.Exit(3)
		return nil, nil
	})
}

func main() {}
