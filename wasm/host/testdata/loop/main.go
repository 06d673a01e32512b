//go:build wasip1

// A hostile plugin: loops forever.
package main

import (
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

var n uint64

func init() {
	pdk.Route(func(*abi.RouteRequest) (*abi.RouteDecision, error) {
		for {
			n++
		}
	})
}

func main() {}
