//go:build wasip1

package pdk

import (
	"errors"
	"unsafe"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

var (
	handlers = map[uint32]func([]byte) ([]byte, error){}
	in, out  []byte
)

// Handle answers op with h, which gets the op's CBOR input and returns its
// CBOR output.
func Handle(op uint32, h func(input []byte) ([]byte, error)) { handlers[op] = h }

// Route makes the plugin a routing plugin.
func Route(h func(*abi.RouteRequest) (*abi.RouteDecision, error)) {
	Handle(abi.OpRoute, func(b []byte) ([]byte, error) {
		r, err := abi.DecodeRouteRequest(b)
		if err != nil {
			return nil, &inputError{err}
		}
		d, err := h(r)
		if err != nil {
			return nil, err
		}
		return d.Encode(), nil
	})
}

type inputError struct{ err error }

func (e *inputError) Error() string { return "bad input: " + e.err.Error() }

//go:wasmexport edgedesk_abi
func abiVersion() int32 { return abi.Version }

//go:wasmexport edgedesk_alloc
func alloc(size uint32) unsafe.Pointer {
	if uint32(cap(in)) < size || cap(in) == 0 {
		in = make([]byte, max(size, 1))
	}
	in = in[:size]
	return unsafe.Pointer(unsafe.SliceData(in[:cap(in)]))
}

//go:wasmexport edgedesk_call
func call(op, _, length uint32) uint64 {
	res := answer(op, in[:length])
	out = res.Encode()
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(out))))<<32 | uint64(len(out))
}

func answer(op uint32, input []byte) abi.Result {
	h, ok := handlers[op]
	if !ok {
		return abi.Result{Status: abi.StatusUnsupported, Message: "this plugin does not answer this op"}
	}
	o, err := h(input)
	var ie *inputError
	switch {
	case errors.As(err, &ie):
		return abi.Result{Status: abi.StatusBadInput, Message: err.Error()}
	case err != nil:
		return abi.Result{Status: abi.StatusFailed, Message: err.Error()}
	}
	return abi.Result{Status: abi.StatusOK, Output: o}
}
