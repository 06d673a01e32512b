package abi

import (
	"fmt"
)

// DecodeResult reads a plugin's Result, saying what was wrong with it.
// The host reads it from a sandbox it does not trust, on every call: the
// reflection-free reader of wire.go, which copies what it keeps out of b
// (the plugin's memory).
func DecodeResult(b []byte) (Result, error) {
	r := &reader{b: b}
	var res Result
	err := r.fields(func(k uint64) (known bool, err error) {
		switch k {
		case 1:
			res.Status, err = r.intField()
		case 2:
			var m []byte
			m, err = r.bytes(3)
			res.Message = string(m)
		case 3:
			var o []byte
			if o, err = r.bytes(2); len(o) > 0 {
				res.Output = append([]byte(nil), o...)
			}
		default:
			return false, nil
		}
		return true, err
	})
	if err == nil {
		err = r.end()
	}
	if err != nil {
		return Result{}, fmt.Errorf("plugin result: %w", err)
	}
	if res.Status < StatusOK || res.Status > StatusFailed {
		return Result{}, fmt.Errorf("plugin result: unknown status %d", res.Status)
	}
	return res, nil
}
