//go:build wasip1

package pdk

import (
	"unsafe"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// The ABI's exports (wasm/abi): what the host calls.

var in, out []byte // the call's input and its encoded Result

//go:wasmexport edgedesk_abi
func abiVersion() int32 { return abi.Version }

//go:wasmexport edgedesk_alloc
func alloc(size uint32) unsafe.Pointer {
	if uint32(cap(in)) < size || cap(in) == 0 {
		in = make([]byte, max(size, 4096))
	}
	in = in[:size]
	return unsafe.Pointer(unsafe.SliceData(in[:cap(in)]))
}

//go:wasmexport edgedesk_call
func call(op, _, length uint32) uint64 {
	res := answer(op, in[:length])
	out = res.Append(out[:0])
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(out))))<<32 | uint64(len(out))
}
