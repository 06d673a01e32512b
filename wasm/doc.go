// Package wasm is the home of Edgedesk's WebAssembly plugin support: the
// versioned plugin ABI (the contract between host and plugin), the host
// runtime that runs routing and NLP plugins under wazero with a deadline and
// memory cap on every call, and the guest SDK that lets plugin authors write
// ordinary Go built with GOOS=wasip1 and //go:wasmexport.
//
// The ABI lives in wasm/abi; a plugin imports it and wasm/pdk, whose
// sources PDK carries for plugins made outside this repository.
package wasm
