//go:build wasip1

// A hostile plugin: recurses without end.
package main

import (
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func deeper(n int) int { return deeper(n+1) + 1 }

func init() {
	pdk.Route(func(*abi.RouteRequest) (*abi.RouteDecision, error) {
		return &abi.RouteDecision{Agent: string(rune(deeper(0)))}, nil
	})
}

func main() {}
