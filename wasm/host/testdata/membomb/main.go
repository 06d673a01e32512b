//go:build wasip1

// A hostile plugin: allocates until memory runs out.
package main

import (
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

var keep [][]byte

func init() {
	pdk.Route(func(*abi.RouteRequest) (*abi.RouteDecision, error) {
		for {
			b := make([]byte, 32<<20)
			b[0] = 1
			keep = append(keep, b)
		}
	})
}

func main() {}
