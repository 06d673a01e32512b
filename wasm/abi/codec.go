package abi

import (
	"errors"
	"strconv"
)

// DecodeResult reads a plugin's Result, saying what was wrong with it.
// The host reads it from a sandbox it does not trust, on every call: the
// reflection-free reader of wire.go, which copies what it keeps out of b
// (the plugin's memory). A message that is not UTF-8, or has control
// characters other than tabs and line breaks, is refused (ErrInvalid):
// it ends up in the edge's logs and events.
func DecodeResult(b []byte) (Result, error) {
	r := &reader{b: b}
	var res Result
	err := r.message(func(k uint64) (known bool, err error) {
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
	if err != nil {
		return Result{}, resultError{err}
	}
	if res.Status < StatusOK || res.Status > StatusFailed {
		return Result{}, resultError{errors.New("unknown status " + strconv.Itoa(res.Status))}
	}
	if err := checkMessage(res.Message); err != nil {
		return Result{}, resultError{err}
	}
	return res, nil
}

// resultError says that a plugin's Result was wrong and what was (built
// without fmt, which plugins do not link).
type resultError struct{ err error }

func (e resultError) Error() string { return "plugin result: " + e.err.Error() }
func (e resultError) Unwrap() error { return e.err }
