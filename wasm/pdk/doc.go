// Package pdk is what a plugin imports to be an Edgedesk plugin: it
// provides the ABI's exports (wasm/abi), calls the plugin's handler, and
// wraps the host functions. A plugin is a Go main package built with
// GOOS=wasip1 GOARCH=wasm -buildmode=c-shared:
//
//	func init() { pdk.Route(func(r *abi.RouteRequest) (*abi.RouteDecision, error) { … }) }
//	func main() {}
//
// An NLP plugin registers pdk.Analyze instead (abi.OpAnalyze).
package pdk
