//go:build wasip1

// A plugin that uses the key-value store and the log without being
// granted them (its manifest grants only clock): refused at load.
package main

import (
	"github.com/edgedesk/edgedesk/wasm/abi"
	"github.com/edgedesk/edgedesk/wasm/pdk"
)

func init() {
	pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) {
		pdk.KVSet("seen", []byte(r.Conversation))
		pdk.Log(abi.LogInfo, "hello")
		return &abi.RouteDecision{}, nil
	})
}

func main() {}
