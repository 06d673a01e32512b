//go:build wasip1

// A hostile plugin: answers with 2 MiB, over the 1 MiB cap.
package main

import (
	"strings"

	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() {
	pdk.Route(func(*abi.RouteRequest) (*abi.RouteDecision, error) {
		return &abi.RouteDecision{Reason: strings.Repeat("x", 2<<20)}, nil
	})
}

func main() {}
