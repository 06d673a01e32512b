//go:build wasip1

// A hostile plugin: loops forever, as a routing plugin and as an NLP
// plugin.
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
	pdk.Analyze(func(*abi.AnalyzeRequest) (*abi.Analysis, error) {
		for {
			n++
		}
	})
}

func main() {}
