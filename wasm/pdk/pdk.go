package pdk

import (
	"errors"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// The plugin's state: a plugin instance serves one call at a time, and
// what a call reads and writes is reused by the next, so that a call
// allocates as little as it can (an allocation inside a plugin costs more
// than decoding a request).
var (
	handlers  = map[uint32]func([]byte) ([]byte, error){}
	answerBuf []byte // the op's answer, before it goes into the Result
	decoder   abi.Decoder
)

// Handle answers op with h, which gets the op's CBOR input and returns its
// CBOR output.
func Handle(op uint32, h func(input []byte) ([]byte, error)) { handlers[op] = h }

// Route makes the plugin a routing plugin. The request h gets, and its
// strings, are valid until h returns: copy what you keep.
func Route(h func(*abi.RouteRequest) (*abi.RouteDecision, error)) {
	Handle(abi.OpRoute, func(b []byte) ([]byte, error) {
		r, err := decoder.RouteRequest(b)
		if err != nil {
			return nil, &inputError{err}
		}
		d, err := h(r)
		if err != nil {
			return nil, err
		}
		answerBuf = d.Append(answerBuf[:0])
		return answerBuf, nil
	})
}

type inputError struct{ err error }

func (e *inputError) Error() string { return "bad input: " + e.err.Error() }

// Call answers op with input as the host's call would, and returns the
// Result the host would read: for a plugin's own tests, which run with
// `go test` on any platform (host functions panic there). The Result's
// Output is valid until the next call.
func Call(op uint32, input []byte) abi.Result { return answer(op, input) }

func answer(op uint32, input []byte) abi.Result {
	h, ok := handlers[op]
	if !ok {
		return abi.Result{Status: abi.StatusUnsupported, Message: "this plugin does not answer this op"}
	}
	o, err := h(input)
	if err == nil {
		return abi.Result{Status: abi.StatusOK, Output: o}
	}
	return failed(err)
}

// failed is the Result of an op that failed. It is apart from answer
// because errors.As makes its target escape: an allocation, which inside
// a plugin costs more than a whole routing decision's other work, is made
// only when a call fails.
func failed(err error) abi.Result {
	var ie *inputError
	if errors.As(err, &ie) {
		return abi.Result{Status: abi.StatusBadInput, Message: err.Error()}
	}
	return abi.Result{Status: abi.StatusFailed, Message: err.Error()}
}
