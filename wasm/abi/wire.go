package abi

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"unsafe"
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

// A reader allocates little, since allocation is what costs most inside a
// plugin: strings are cut from one copy of the message, and string lists
// from one shared slice.
type reader struct {
	b    []byte
	i    int
	text string   // b as a string, made on the first string read
	list []string // string lists are cut from here
	// a Decoder's contact and reading, reused; nil: new ones
	contact *Contact
	reading *Reading
}

// wireError is a decoding error: what was wrong and where. It is built
// without fmt, which would double a plugin's size and load time.
type wireError struct {
	at  int
	msg string
}

func (e *wireError) Error() string {
	return ErrWire.Error() + " at byte " + strconv.Itoa(e.at) + ": " + e.msg
}

func (e *wireError) Unwrap() error { return ErrWire }

func (r *reader) fail(msg string) error { return &wireError{at: r.i, msg: msg} }

// itoa is strconv.Itoa for the small numbers of error messages.
func itoa[T int | uint64 | byte](v T) string { return strconv.FormatUint(uint64(v), 10) }

// head reads an item's major type and argument. The common case, an
// argument below 24 in the first byte, is small enough to be inlined: a
// call costs more than the work inside a plugin.
func (r *reader) head() (major byte, arg uint64, err error) {
	if r.i < len(r.b) {
		if c := r.b[r.i]; c&0x1f < 24 {
			r.i++
			return c >> 5, uint64(c & 0x1f), nil
		}
	}
	return r.longHead()
}

func (r *reader) longHead() (major byte, arg uint64, err error) {
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
	return 0, 0, r.fail("unsupported additional information " + itoa(info))
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
	if err != nil || len(b) == 0 {
		return "", err
	}
	if r.text == "" {
		r.text = string(r.b)
	}
	end := r.i
	return r.text[end-len(b) : end], nil
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
		return 0, r.fail("want a " + map[byte]string{4: "list", 5: "map"}[major])
	}
	if a > uint64(len(r.b)-r.i) {
		return 0, r.fail(itoa(a) + " items in " + itoa(len(r.b)-r.i) + " bytes")
	}
	return int(a), nil
}

func (r *reader) strs() ([]string, error) {
	n, err := r.count(4)
	if err != nil || n == 0 {
		return nil, err
	}
	if cap(r.list)-len(r.list) < n {
		r.list = make([]string, 0, max(n, 32))
	}
	at := len(r.list)
	r.list = r.list[:at+n]
	out := r.list[at : at+n : at+n]
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
			return r.fail(itoa(a) + " items in " + itoa(len(r.b)-r.i) + " bytes")
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
	return r.fail("unsupported item (major type " + itoa(m) + ")")
}

// keySet is the keys of a map read so far: each may be given once.
type keySet struct {
	low  uint64   // keys below 64
	high []uint64 // the others
}

// key reads a map's next key, an unsigned integer not given before in the
// map.
func (r *reader) key(seen *keySet) (uint64, error) {
	k, err := r.uint()
	if err != nil {
		return 0, err
	}
	dup := false
	if k < 64 {
		dup, seen.low = seen.low&(1<<k) != 0, seen.low|1<<k
	} else {
		dup = slices.Contains(seen.high, k)
		seen.high = append(seen.high, k)
	}
	if dup {
		return 0, r.fail("key " + itoa(k) + " given twice")
	}
	return k, nil
}

// fields reads a map with integer keys, each once, calling field for
// each; field returns false for a key it does not know, which is skipped.
// The decoders on a plugin's hot path loop over count and key themselves,
// which allocates nothing.
func (r *reader) fields(field func(key uint64) (bool, error)) error {
	n, err := r.count(5)
	if err != nil {
		return err
	}
	var seen keySet
	for range n {
		k, err := r.key(&seen)
		if err != nil {
			return err
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

// message reads a whole message: a map with integer keys (fields), and
// nothing after it.
func (r *reader) message(field func(key uint64) (bool, error)) error {
	if err := r.fields(field); err != nil {
		return err
	}
	return r.end()
}

// intField reads an integer into an int (64 bits on every platform the
// host and the plugins run on).
func (r *reader) intField() (int, error) {
	v, err := r.int()
	return int(v), err
}

// end refuses bytes after the message.
func (r *reader) end() error {
	if r.i != len(r.b) {
		return r.fail(itoa(len(r.b)-r.i) + " bytes after the message")
	}
	return nil
}

// DecodeRouteRequest reads a RouteRequest. Its strings share one copy
// of b.
func DecodeRouteRequest(b []byte) (*RouteRequest, error) {
	r := &reader{b: b}
	q := &RouteRequest{}
	return q, r.routeRequest(q)
}

// A Decoder decodes requests into memory it keeps for the next one, so
// that decoding allocates nothing: inside a plugin an allocation costs
// more than the decoding. What it returns, strings included, is valid
// only until its next use, and the bytes it read must not change before
// then: copy what you keep. wasm/pdk decodes with one.
type Decoder struct {
	route   RouteRequest
	list    []string
	contact Contact
	reading Reading
}

// RouteRequest decodes b, whose strings it shares.
func (d *Decoder) RouteRequest(b []byte) (*RouteRequest, error) {
	r := &reader{b: b, text: unsafe.String(unsafe.SliceData(b), len(b)), list: d.list[:0], contact: &d.contact, reading: &d.reading}
	d.route = RouteRequest{Agents: d.route.Agents[:0]}
	err := r.routeRequest(&d.route)
	d.list = r.list
	return &d.route, err
}

func (r *reader) routeRequest(q *RouteRequest) error {
	n, err := r.count(5)
	var seen keySet
	for i := 0; i < n && err == nil; i++ {
		var k uint64
		if k, err = r.key(&seen); err != nil {
			break
		}
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
			q.Priority, err = r.intField()
		case 7:
			var agents int
			if agents, err = r.count(4); err != nil || agents == 0 {
				break
			}
			if cap(q.Agents) >= agents {
				q.Agents = q.Agents[:agents]
				clear(q.Agents)
			} else {
				q.Agents = make([]AgentStatus, agents)
			}
			for j := 0; j < agents && err == nil; j++ {
				err = r.agentFast(&q.Agents[j])
			}
		case 8:
			q.Channel, err = r.str()
		case 9:
			q.Contact, err = r.contactField()
		case 10:
			q.Reading, err = r.readingField()
		case 11:
			q.Team, err = r.str()
		default:
			err = r.skip(0)
		}
	}
	if err == nil {
		err = r.end()
	}
	return err
}

// shortStr reads a text string of fewer than 24 bytes at b[i], cut from
// text (b as a string); ok is false for anything else.
func shortStr(b []byte, text string, i int) (s string, next int, ok bool) {
	if i < len(b) && b[i]>>5 == 3 {
		n := int(b[i] & 0x1f)
		if end := i + 1 + n; n < 24 && end <= len(b) {
			return text[i+1 : end], end, true
		}
	}
	return "", i, false
}

// smallInt reads an unsigned integer below 24 at b[i].
func smallInt(b []byte, i int) (v int, next int, ok bool) {
	if i < len(b) && b[i] < 24 {
		return int(b[i]), i + 1, true
	}
	return 0, i, false
}

// agentFast reads an agent in the common shape (seven fields, short
// strings, lists of up to 23 short strings, small counts) with one
// function's locals, since calls and memory traffic are what cost inside
// a plugin; anything else goes to agent.
func (r *reader) agentFast(a *AgentStatus) error {
	b, i := r.b, r.i
	if r.text == "" {
		r.text = string(b)
	}
	text := r.text
	if i >= len(b) || b[i] != 0x87 {
		return r.agent(a)
	}
	i++
	var ok bool
	if a.ID, i, ok = shortStr(b, text, i); !ok || i >= len(b) || (b[i] != 0xf4 && b[i] != 0xf5) {
		return r.agent(a)
	}
	a.Online = b[i] == 0xf5
	i++
	for f := range 2 {
		if i >= len(b) {
			return r.agent(a)
		}
		var list []string
		switch c := b[i]; {
		case c == 0xf6:
			i++
		case c>>5 == 4 && c&0x1f < 24:
			n := int(c & 0x1f)
			i++
			if cap(r.list)-len(r.list) < n {
				r.list = make([]string, 0, max(n, 32))
			}
			at := len(r.list)
			r.list = r.list[:at+n]
			list = r.list[at : at+n : at+n]
			for k := range list {
				if list[k], i, ok = shortStr(b, text, i); !ok {
					return r.agent(a)
				}
			}
		default:
			return r.agent(a)
		}
		if f == 0 {
			a.Skills = list
		} else {
			a.Languages = list
		}
	}
	if a.Load, i, ok = smallInt(b, i); !ok {
		return r.agent(a)
	}
	if a.MaxChats, i, ok = smallInt(b, i); !ok {
		return r.agent(a)
	}
	if a.IdleSince, i, ok = fastInt(b, i); !ok {
		return r.agent(a)
	}
	r.i = i
	return nil
}

// fastInt reads an integer of any width that fits int64 at b[i].
func fastInt(b []byte, i int) (v int64, next int, ok bool) {
	if i >= len(b) {
		return 0, i, false
	}
	c := b[i]
	major, info := c>>5, c&0x1f
	if major > 1 || info > 27 {
		return 0, i, false
	}
	var u uint64
	next = i + 1
	if info < 24 {
		u = uint64(info)
	} else {
		n := 1 << (info - 24)
		if next+n > len(b) {
			return 0, i, false
		}
		for _, x := range b[next : next+n] {
			u = u<<8 | uint64(x)
		}
		next += n
	}
	if u > math.MaxInt64 {
		return 0, i, false
	}
	if major == 1 {
		return -1 - int64(u), next, true
	}
	return int64(u), next, true
}

func (r *reader) agent(a *AgentStatus) error {
	n, err := r.count(4)
	for i := 0; i < n && err == nil; i++ {
		switch i {
		case 0:
			a.ID, err = r.str()
		case 1:
			a.Online, err = r.bool()
		case 2:
			a.Skills, err = r.strs()
		case 3:
			a.Languages, err = r.strs()
		case 4:
			a.Load, err = r.intField()
		case 5:
			a.MaxChats, err = r.intField()
		case 6:
			a.IdleSince, err = r.int()
		default:
			err = r.skip(0)
		}
	}
	return err
}

// DecodeRouteDecision reads a routing plugin's answer (on the host, where
// the closure of fields costs nothing that matters) and checks it
// (RouteDecision.Check): an answer that breaks the contract gives an
// error wrapping ErrInvalid and no decision.
func DecodeRouteDecision(b []byte) (RouteDecision, error) {
	r := &reader{b: b}
	var d RouteDecision
	err := r.message(func(k uint64) (known bool, err error) {
		switch k {
		case 1:
			d.Agent, err = r.str()
		case 2:
			d.Reason, err = r.str()
		default:
			return false, nil
		}
		return true, err
	})
	if err == nil {
		err = d.Check()
	}
	if err != nil {
		return RouteDecision{}, err
	}
	return d, nil
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

// optStr writes key and s unless s is empty (omitempty).
func (w *writer) optStr(key uint64, s string) {
	if s != "" {
		w.head(0, key)
		w.str(3, s)
	}
}

// optInt writes key and v unless v is zero (omitempty).
func (w *writer) optInt(key uint64, v int) {
	if v != 0 {
		w.head(0, key)
		w.int(int64(v))
	}
}

// Append appends q's encoding to b, the bytes fxamacker/cbor writes for
// it: the host encodes a request on every routing decision.
func (q *RouteRequest) Append(b []byte) []byte {
	w := &writer{b: b}
	n := 3
	for _, set := range []bool{q.Inbox != "", q.Language != "", len(q.Skills) > 0, q.Priority != 0,
		q.Channel != "", q.Contact != nil, q.Reading != nil, q.Team != ""} {
		if set {
			n++
		}
	}
	w.head(5, uint64(n))
	w.head(0, 1)
	w.str(3, q.Tenant)
	w.head(0, 2)
	w.str(3, q.Conversation)
	w.optStr(3, q.Inbox)
	w.optStr(4, q.Language)
	if len(q.Skills) > 0 {
		w.head(0, 5)
		w.strs(q.Skills)
	}
	w.optInt(6, q.Priority)
	w.head(0, 7)
	if q.Agents == nil {
		w.b = append(w.b, 0xf6)
	} else {
		w.head(4, uint64(len(q.Agents)))
	}
	for i := range q.Agents {
		a := &q.Agents[i]
		w.head(4, 7)
		w.str(3, a.ID)
		w.bool(a.Online)
		w.strs(a.Skills)
		w.strs(a.Languages)
		w.int(int64(a.Load))
		w.int(int64(a.MaxChats))
		w.int(a.IdleSince)
	}
	w.optStr(8, q.Channel)
	if q.Contact != nil {
		w.head(0, 9)
		w.contact(q.Contact)
	}
	if q.Reading != nil {
		w.head(0, 10)
		w.reading(q.Reading)
	}
	w.optStr(11, q.Team)
	return w.b
}

func (w *writer) bool(v bool) {
	if v {
		w.b = append(w.b, 0xf5)
	} else {
		w.b = append(w.b, 0xf4)
	}
}

// strs writes a list, nil as null, as the library does.
func (w *writer) strs(l []string) {
	if l == nil {
		w.b = append(w.b, 0xf6)
		return
	}
	w.head(4, uint64(len(l)))
	for _, s := range l {
		w.str(3, s)
	}
}

// Encode writes d as fxamacker/cbor would: omitted empty fields, keys in
// order.
func (d *RouteDecision) Encode() []byte {
	return d.Append(make([]byte, 0, 8+len(d.Agent)+len(d.Reason)))
}

// Append appends d's encoding to b.
func (d *RouteDecision) Append(b []byte) []byte {
	w := &writer{b: b}
	n := 0
	if d.Agent != "" {
		n++
	}
	if d.Reason != "" {
		n++
	}
	w.head(5, uint64(n))
	w.optStr(1, d.Agent)
	w.optStr(2, d.Reason)
	return w.b
}

// Encode writes r as fxamacker/cbor would.
func (r *Result) Encode() []byte {
	return r.Append(make([]byte, 0, 16+len(r.Message)+len(r.Output)))
}

// Append appends r's encoding to b.
func (r *Result) Append(b []byte) []byte {
	w := &writer{b: b}
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
