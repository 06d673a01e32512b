package pdk

import (
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// The NLP plugin's state, reused from call to call: the request (whose
// strings share the input buffer) and the encoded answer.
var (
	request     abi.AnalyzeRequest
	analysisBuf []byte
)

// Analyze makes the plugin an NLP plugin: h reads a customer's message
// (abi.OpAnalyze). The request h gets, and its strings, are valid until h
// returns: copy what you keep. A nil Analysis is an empty one: nothing
// recognised.
func Analyze(h func(*abi.AnalyzeRequest) (*abi.Analysis, error)) {
	Handle(abi.OpAnalyze, func(b []byte) ([]byte, error) {
		var d abi.Decoder
		var err error
		if request, err = d.AnalyzeRequest(b); err != nil {
			return nil, &inputError{err}
		}
		a, err := h(&request)
		if err != nil {
			return nil, err
		}
		if a == nil {
			a = &abi.Analysis{}
		}
		analysisBuf = a.Append(analysisBuf[:0])
		return analysisBuf, nil
	})
}
