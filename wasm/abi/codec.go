package abi

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// resultDecoder decodes what a plugin returns with tight limits: the host
// reads it from a sandbox it does not trust.
var resultDecoder = mustDecMode()

func mustDecMode() cbor.DecMode {
	m, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  8,
		MaxArrayElements: 4096,
		MaxMapPairs:      64,
		IndefLength:      cbor.IndefLengthForbidden,
	}.DecMode()
	if err != nil {
		panic(err) // static options
	}
	return m
}

// DecodeResult reads a plugin's Result, saying what was wrong with it.
func DecodeResult(b []byte) (Result, error) {
	var r Result
	if err := resultDecoder.Unmarshal(b, &r); err != nil {
		return Result{}, fmt.Errorf("plugin result: %w", err)
	}
	if r.Status < StatusOK || r.Status > StatusFailed {
		return Result{}, fmt.Errorf("plugin result: unknown status %d", r.Status)
	}
	return r, nil
}
