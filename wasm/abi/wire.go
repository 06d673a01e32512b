package abi

import (
	"errors"
	"fmt"
	"math"
)

// A reflection-free reader and writer of the CBOR the ABI's messages use
// (maps with small integer keys; unsigned and negative integers, byte and
// text strings, arrays, booleans). Plugins run it on every call, where the
// reflection of a general CBOR library costs far more than the work itself
// (docs/plugins.md). It reads exactly what fxamacker/cbor writes for these
// types, and skips any field it does not know, so both sides may evolve;
// FuzzWire checks it against that library.

// ErrWire is wrapped by every decoding error.
var ErrWire = errors.New("malformed message")

type reader struct {
	b []byte
	i int
}

func (r *reader) fail(format string, a ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ErrWire, r.i, fmt.Sprintf(format, a...))
}

// head reads an item's major type and argument.
func (r *reader) head() (major byte, arg uint64, err error) {
	if r.i >= len(r.b) {
		return 0, 0, r.fail("unexpected end")
	}
	c := r.b[r.i]
	r.i++
	major, info := c>>5, c&0x1f
	switch {
	case info < 24:
		return major, uint64(info), nil
	case info <= 27:
		n := 1 << (info - 24)
		if r.i+n > len(r.b) {
			return 0, 0, r.fail("unexpected end")
		}
		for _, x := range r.b[r.i : r.i+n] {
			arg = arg<<8 | uint64(x)
		}
		r.i += n
		return major, arg, nil
	}
	return 0, 0, r.fail("unsupported additional information %d", info)
}

func (r *reader) uint() (uint64, error) {
	m, a, err := r.head()
	if err != nil {
		return 0, err
	}
	if m != 0 {
		return 0, r.fail("want an unsigned integer")
	}
	return a, nil
}

func (r *reader) int() (int64, error) {
	m, a, err := r.head()
	if err != nil {
		return 0, err
	}
	if a > math.MaxInt64 {
		return 0, r.fail("integer overflows int64")
	}
	switch m {
	case 0:
		return int64(a), nil
	case 1:
		return -1 - int64(a), nil
	}
	return 0, r.fail("want an integer")
}

func (r *reader) bytes(major byte) ([]byte, error) {
	m, a, err := r.head()
	if err != nil {
		return nil, err
	}
	if m != major {
		return nil, r.fail("want a string")
	}
	if a > uint64(len(r.b)-r.i) {
		return nil, r.fail("string longer than the message")
	}
	s := r.b[r.i : r.i+int(a)]
	r.i += int(a)
	return s, nil
}

func (r *reader) str() (string, error) {
	b, err := r.bytes(3)
	return string(b), err
}

func (r *reader) bool() (bool, error) {
	m, a, err := r.head()
	if err != nil {
		return false, err
	}
	if m != 7 || (a != 20 && a != 21) {
		return false, r.fail("want a boolean")
	}
	return a == 21, nil
}

// count reads an array or map header; the count is bounded by the bytes
// left, since every item takes at least one.
func (r *reader) count(major byte) (int, error) {
	m, a, err := r.head()
	if err != nil {
		return 0, err
	}
	if m == 7 && a == 22 { // null: an absent list
		return 0, nil
	}
	if m != major {
		return 0, r.fail("want a %s", map[byte]string{4: "list", 5: "map"}[major])
	}
	if a > uint64(len(r.b)-r.i) {
		return 0, r.fail("%d items in %d bytes", a, len(r.b)-r.i)
	}
	return int(a), nil
}

func (r *reader) strs() ([]string, error) {
	n, err := r.count(4)
	if err != nil || n == 0 {
		return nil, err
	}
	out := make([]string, n)
	for i := range out {
		if out[i], err = r.str(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// skip passes over one item of any kind this reader knows, nested up to
// depth.
func (r *reader) skip(depth int) error {
	if depth > 16 {
		return r.fail("nested too deep")
	}
	m, a, err := r.head()
	if err != nil {
		return err
	}
	switch m {
	case 0, 1, 7:
		return nil
	case 2, 3:
		if a > uint64(len(r.b)-r.i) {
			return r.fail("string longer than the message")
		}
		r.i += int(a)
		return nil
	case 4, 5:
		if a > uint64(len(r.b)-r.i) {
			return r.fail("%d items in %d bytes", a, len(r.b)-r.i)
		}
		n := int(a)
		if m == 5 {
			n *= 2
		}
		for range n {
			if err := r.skip(depth + 1); err != nil {
				return err
			}
		}
		return nil
	}
	return r.fail("unsupported item (major type %d)", m)
}

// fields reads a map with integer keys, each once, calling field for
// each; field returns false for a key it does not know, which is skipped.
func (r *reader) fields(field func(key uint64) (bool, error)) error {
	n, err := r.count(5)
	if err != nil {
		return err
	}
	var seen uint64 // keys below 64
	var seenHigh []uint64
	for range n {
		k, err := r.uint()
		if err != nil {
			return err
		}
		dup := false
		if k < 64 {
			dup, seen = seen&(1<<k) != 0, seen|1<<k
		} else {
			for _, h := range seenHigh {
				dup = dup || h == k
			}
			seenHigh = append(seenHigh, k)
		}
		if dup {
			return r.fail("key %d given twice", k)
		}
		known, err := field(k)
		if err != nil {
			return err
		}
		if !known {
			if err := r.skip(0); err != nil {
				return err
			}
		}
	}
	return nil
}

// DecodeRouteRequest reads a RouteRequest.
func DecodeRouteRequest(b []byte) (*RouteRequest, error) {
	r := &reader{b: b}
	var q RouteRequest
	err := r.fields(func(k uint64) (bool, error) {
		var err error
		switch k {
		case 1:
			q.Tenant, err = r.str()
		case 2:
			q.Conversation, err = r.str()
		case 3:
			q.Inbox, err = r.str()
		case 4:
			q.Language, err = r.str()
		case 5:
			q.Skills, err = r.strs()
		case 6:
			var v int64
			v, err = r.int()
			q.Priority = int(v)
		case 7:
			var n int
			if n, err = r.count(4); err != nil {
				return true, err
			}
			if n > 0 {
				q.Agents = make([]AgentStatus, n)
			}
			for i := range n {
				if err = r.agent(&q.Agents[i]); err != nil {
					return true, err
				}
			}
		default:
			return false, nil
		}
		return true, err
	})
	if err == nil && r.i != len(b) {
		err = r.fail("%d bytes after the message", len(b)-r.i)
	}
	return &q, err
}

func (r *reader) agent(a *AgentStatus) error {
	return r.fields(func(k uint64) (bool, error) {
		var err error
		var v int64
		switch k {
		case 1:
			a.ID, err = r.str()
		case 2:
			a.Online, err = r.bool()
		case 3:
			a.Skills, err = r.strs()
		case 4:
			a.Languages, err = r.strs()
		case 5:
			v, err = r.int()
			a.Load = int(v)
		case 6:
			v, err = r.int()
			a.MaxChats = int(v)
		case 7:
			a.IdleSince, err = r.int()
		default:
			return false, nil
		}
		return true, err
	})
}

// writer appends CBOR.
type writer struct{ b []byte }

func (w *writer) head(major byte, arg uint64) {
	switch {
	case arg < 24:
		w.b = append(w.b, major<<5|byte(arg))
	case arg <= math.MaxUint8:
		w.b = append(w.b, major<<5|24, byte(arg))
	case arg <= math.MaxUint16:
		w.b = append(w.b, major<<5|25, byte(arg>>8), byte(arg))
	case arg <= math.MaxUint32:
		w.b = append(w.b, major<<5|26, byte(arg>>24), byte(arg>>16), byte(arg>>8), byte(arg))
	default:
		w.b = append(w.b, major<<5|27, byte(arg>>56), byte(arg>>48), byte(arg>>40), byte(arg>>32),
			byte(arg>>24), byte(arg>>16), byte(arg>>8), byte(arg))
	}
}

func (w *writer) int(v int64) {
	if v < 0 {
		w.head(1, uint64(-1-v))
		return
	}
	w.head(0, uint64(v))
}

func (w *writer) str(major byte, s string) {
	w.head(major, uint64(len(s)))
	w.b = append(w.b, s...)
}

// Encode writes d as fxamacker/cbor would: omitted empty fields, keys in
// order.
func (d *RouteDecision) Encode() []byte {
	w := &writer{}
	n := 0
	if d.Agent != "" {
		n++
	}
	if d.Reason != "" {
		n++
	}
	w.head(5, uint64(n))
	if d.Agent != "" {
		w.head(0, 1)
		w.str(3, d.Agent)
	}
	if d.Reason != "" {
		w.head(0, 2)
		w.str(3, d.Reason)
	}
	return w.b
}

// Encode writes r as fxamacker/cbor would.
func (r *Result) Encode() []byte {
	w := &writer{b: make([]byte, 0, 16+len(r.Message)+len(r.Output))}
	n := 1
	if r.Message != "" {
		n++
	}
	if len(r.Output) > 0 {
		n++
	}
	w.head(5, uint64(n))
	w.head(0, 1)
	w.int(int64(r.Status))
	if r.Message != "" {
		w.head(0, 2)
		w.str(3, r.Message)
	}
	if len(r.Output) > 0 {
		w.head(0, 3)
		w.head(2, uint64(len(r.Output)))
		w.b = append(w.b, r.Output...)
	}
	return w.b
}
