//go:build wasip1

// A plugin built for another ABI version: its own exports, no pdk.
package main

import "unsafe"

var buf []byte

//go:wasmexport edgedesk_abi
func abiVersion() int32 { return 2 }

//go:wasmexport edgedesk_alloc
func alloc(n uint32) unsafe.Pointer {
	buf = make([]byte, n+1)
	return unsafe.Pointer(&buf[0])
}

//go:wasmexport edgedesk_call
func call(op, ptr, n uint32) uint64 { return 0 }

func main() {}
