package host

import (
	"bytes"
	"errors"
	"fmt"
)

// A plugin is metered by code added to it. Before a module is compiled,
// instrument adds a mutable i32 global, its fuel, and inserts at every
// function's entry and every loop's head
//
//	fuel -= 1
//	if fuel == 0 {
//	    clock_time_get(meterClock, 0, 0)  // the host: deadline, and a yield
//	    fuel = fuelPerYield
//	}
//
// The call goes to the host's clock_time_get (the WASI import every Go
// plugin has), which for the clock id meterClock does not read a clock: it
// ends the call if its deadline has passed, and otherwise lets the Go
// scheduler run other goroutines. So a plugin that spins gives its core
// back every few tens of microseconds and stops soon after its deadline,
// with no timer or watchdog that itself needs a core; and machine code
// that never returns to Go cannot hold up the garbage collector either.
//
// wazero's own way, WithCloseOnContextDone, leaves the machine code for
// Go at every loop iteration and function entry: for the code Go compiles
// to WebAssembly, where every function that calls another is a loop, that
// made calls several times slower (docs/plugins.md). A flag the host sets
// at the deadline costs as little as the fuel, but machine code cannot be
// preempted: with as many spinning plugins as cores, the timer that sets
// the flag never ran.

// meterClock is the clock id of the metering call: no WASI clock ("mete").
const meterClock = 0x6d657465

// fuelPerYield is how many function entries and loop iterations a plugin
// runs between two metering calls: about 50-200 µs of work.
const fuelPerYield = 10000

// ErrInstrument is wrapped by the errors of a module instrument cannot read.
var ErrInstrument = errors.New("cannot prepare the module")

// section ids
const (
	secCustom   = 0
	secImport   = 2
	secGlobal   = 6
	secExport   = 7
	secStart    = 8
	secCode     = 10
	secDataCnt  = 12
	maxSections = 13
)

type wasmReader struct {
	b   []byte
	i   int
	err error
}

func (r *wasmReader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: at byte %d: %s", ErrInstrument, r.i, fmt.Sprintf(format, a...))
	}
	r.i = len(r.b)
}

func (r *wasmReader) byte() byte {
	if r.i >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.i]
	r.i++
	return c
}

// uleb reads an unsigned LEB128 of at most bits bits.
func (r *wasmReader) uleb(bits uint) uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= bits+7 {
			r.fail("integer too long")
			return 0
		}
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
}

// sleb skips a signed LEB128 of at most bits bits.
func (r *wasmReader) sleb(bits uint) {
	for shift := uint(0); ; shift += 7 {
		if shift >= bits+7 {
			r.fail("integer too long")
			return
		}
		if r.byte()&0x80 == 0 || r.err != nil {
			return
		}
	}
}

func (r *wasmReader) skip(n uint64) {
	if n > uint64(len(r.b)-r.i) {
		r.fail("%d bytes past the end", n)
		return
	}
	r.i += int(n)
}

func (r *wasmReader) name() string {
	n := r.uleb(32)
	start := r.i
	r.skip(n)
	if r.err != nil {
		return ""
	}
	return string(r.b[start:r.i])
}

func (r *wasmReader) limits() {
	flags := r.byte()
	r.uleb(64)
	if flags&1 != 0 {
		r.uleb(64)
	}
}

func appendULEB(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// meterVersion names the metered modules the cache directory keeps; it
// changes whenever instrument's output does.
const meterVersion = "v1"

// instrument returns the module with the interrupt check at every loop
// head and the interrupt global exported. It refuses a module it cannot
// read: instructions it does not know cannot be skipped safely.
func instrument(mod []byte) ([]byte, error) {
	if len(mod) < 8 || !bytes.Equal(mod[:4], []byte("\x00asm")) || !bytes.Equal(mod[4:8], []byte{1, 0, 0, 0}) {
		return nil, fmt.Errorf("%w: not a WebAssembly 1.0 binary module", ErrInstrument)
	}
	r := &wasmReader{b: mod, i: 8}
	type section struct {
		id   byte
		body []byte
	}
	var sections []section
	last := byte(0)
	for r.i < len(r.b) && r.err == nil {
		id := r.byte()
		n := r.uleb(32)
		start := r.i
		r.skip(n)
		if r.err != nil {
			break
		}
		if id >= maxSections {
			return nil, fmt.Errorf("%w: unknown section %d", ErrInstrument, id)
		}
		if id != secCustom {
			// a vector cannot hold more items than it has bytes: a count
			// beyond that is refused here, before a compiler sizes memory
			// by it
			vr := &wasmReader{b: r.b[start:r.i]}
			count := vr.uleb(32)
			if vr.err != nil {
				return nil, fmt.Errorf("%w: section %d: %v", ErrInstrument, id, vr.err)
			}
			if id != secStart && (count > uint64(len(r.b)) || id != secDataCnt && count > n) {
				return nil, fmt.Errorf("%w: section %d claims %d items in %d bytes", ErrInstrument, id, count, n)
			}
			if order(id) <= order(last) {
				return nil, fmt.Errorf("%w: section %d out of order", ErrInstrument, id)
			}
			last = id
		}
		sections = append(sections, section{id, r.b[start:r.i]})
	}
	if r.err != nil {
		return nil, r.err
	}

	importedGlobals, definedGlobals := uint64(0), uint64(0)
	clock := int64(-1)
	var globals, code []byte
	for _, s := range sections {
		var err error
		switch s.id {
		case secImport:
			importedGlobals, clock, err = readImports(s.body)
		case secGlobal:
			sr := &wasmReader{b: s.body}
			definedGlobals = sr.uleb(32)
			globals, err = s.body[sr.i:], sr.err
		case secCode:
			code = s.body
		}
		if err != nil {
			return nil, err
		}
	}
	if code == nil {
		return nil, fmt.Errorf("%w: it has no code", ErrInstrument)
	}
	if clock < 0 {
		return nil, fmt.Errorf("%w: it does not import wasi_snapshot_preview1.clock_time_get, through which the host meters it (every Go plugin built for wasip1 does)", ErrInstrument)
	}
	fuel := importedGlobals + definedGlobals

	// global section: the module's globals and (mut i32 (i32.const fuelPerYield))
	g := appendULEB(nil, definedGlobals+1)
	g = append(g, globals...)
	g = append(g, 0x7f, 0x01, 0x41)
	g = appendSLEB(g, fuelPerYield)
	g = append(g, 0x0b)
	c, err := instrumentCode(code, meterCode(fuel, uint64(clock)))
	if err != nil {
		return nil, err
	}

	out := append(make([]byte, 0, len(mod)+len(mod)/8), mod[:8]...)
	put := func(id byte, body []byte) {
		out = append(out, id)
		out = appendULEB(out, uint64(len(body)))
		out = append(out, body...)
	}
	wroteGlobals := false
	for _, s := range sections {
		if s.id != secCustom && !wroteGlobals && order(s.id) > order(secGlobal) {
			put(secGlobal, g)
			wroteGlobals = true
		}
		switch s.id {
		case secGlobal:
		case secCode:
			put(secCode, c)
		default:
			put(s.id, s.body)
		}
	}
	return out, nil
}

// order is a section's place in a module: the data count section (12)
// comes before code (10) and data (11).
func order(id byte) int {
	return [maxSections]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10}[id]
}

// readImports counts the imported globals and finds the function index
// of wasi_snapshot_preview1.clock_time_get (-1 when it is not imported).
func readImports(b []byte) (globals uint64, clock int64, err error) {
	r := &wasmReader{b: b}
	n := r.uleb(32)
	funcs := int64(0)
	clock = -1
	for range n {
		if r.err != nil {
			break
		}
		mod := r.name()
		name := r.name()
		switch kind := r.byte(); kind {
		case 0x00: // function
			r.uleb(32)
			if mod == "wasi_snapshot_preview1" && name == "clock_time_get" && clock < 0 {
				clock = funcs
			}
			funcs++
		case 0x01: // table
			r.byte()
			r.limits()
		case 0x02: // memory
			r.limits()
		case 0x03: // global
			r.byte()
			r.byte()
			globals++
		case 0x04: // tag
			r.byte()
			r.uleb(32)
		default:
			r.fail("unknown import kind %d", kind)
		}
	}
	return globals, clock, r.err
}

func appendSLEB(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// meterCode is the code inserted at function entries and loop heads.
func meterCode(fuel, clock uint64) []byte {
	c := appendULEB([]byte{0x23}, fuel) // global.get $fuel
	c = append(c, 0x41, 0x01, 0x6b)     // i32.const 1; i32.sub
	c = appendULEB(append(c, 0x24), fuel)
	c = appendULEB(append(c, 0x23), fuel)
	c = append(c, 0x45, 0x04, 0x40) // i32.eqz; if
	c = appendSLEB(append(c, 0x41), meterClock)
	c = append(c, 0x42, 0x00, 0x41, 0x00) // i64.const 0; i32.const 0
	c = appendULEB(append(c, 0x10), clock)
	c = append(c, 0x1a) // drop the errno
	c = appendSLEB(append(c, 0x41), fuelPerYield)
	c = appendULEB(append(c, 0x24), fuel)
	return append(c, 0x0b) // end
}

// instrumentCode rewrites the code section, inserting check at every
// function's entry and after every loop instruction.
func instrumentCode(b, check []byte) ([]byte, error) {
	r := &wasmReader{b: b}
	n := r.uleb(32)
	out := appendULEB(make([]byte, 0, len(b)+len(b)/8), n)
	var body []byte
	for range n {
		size := r.uleb(32)
		start := r.i
		r.skip(size)
		if r.err != nil {
			return nil, r.err
		}
		var err error
		body, err = instrumentBody(body[:0], b[start:r.i], check)
		if err != nil {
			return nil, fmt.Errorf("%w (a function at byte %d of the code)", err, start)
		}
		out = appendULEB(out, uint64(len(body)))
		out = append(out, body...)
	}
	if r.i != len(b) {
		return nil, fmt.Errorf("%w: %d bytes after the last function", ErrInstrument, len(b)-r.i)
	}
	return out, r.err
}

// maxLocals bounds the locals of a function: compilers take time and
// memory in proportion, and real functions have a few hundred at most.
const maxLocals = 50000

func instrumentBody(out, body, check []byte) ([]byte, error) {
	r := &wasmReader{b: body}
	groups, total := r.uleb(32), uint64(0)
	for range groups {
		if total += r.uleb(32); r.err != nil {
			break
		}
		if total > maxLocals {
			return nil, fmt.Errorf("%w: a function declares more than %d locals", ErrInstrument, maxLocals)
		}
		r.byte()
	}
	if r.err != nil {
		return nil, r.err
	}
	out = append(out, body[:r.i]...)
	if r.i >= len(body) || body[r.i] != 0x03 {
		// a body that starts with a loop (every Go function that calls
		// another) is checked at that loop's head right away
		out = append(out, check...)
	}
	from := r.i
	for r.i < len(r.b) && r.err == nil {
		op := r.byte()
		switch {
		case op == 0x02 || op == 0x04: // block, if
			blockType(r)
		case op == 0x03: // loop
			blockType(r)
			out = append(out, body[from:r.i]...)
			out = append(out, check...)
			from = r.i
		case op == 0x0c || op == 0x0d: // br, br_if
			r.uleb(32)
		case op == 0x0e: // br_table
			n := r.uleb(32)
			for i := uint64(0); i <= n && r.err == nil; i++ {
				r.uleb(32)
			}
		case op == 0x10 || op == 0x12: // call, return_call
			r.uleb(32)
		case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect
			r.uleb(32)
			r.uleb(32)
		case op == 0x1c: // select with types
			n := r.uleb(32)
			r.skip(n)
		case op >= 0x20 && op <= 0x26: // locals, globals, table.get/set
			r.uleb(32)
		case op >= 0x28 && op <= 0x3e: // loads and stores
			memarg(r)
		case op == 0x3f || op == 0x40: // memory.size, memory.grow
			r.uleb(32)
		case op == 0x41:
			r.sleb(32)
		case op == 0x42:
			r.sleb(64)
		case op == 0x43:
			r.skip(4)
		case op == 0x44:
			r.skip(8)
		case op <= 0x01 || op == 0x05 || op == 0x0b || op == 0x0f || op == 0x1a || op == 0x1b ||
			(op >= 0x45 && op <= 0xc4) || op == 0xd1: // no immediates
		case op == 0xd0: // ref.null
			r.byte()
		case op == 0xd2: // ref.func
			r.uleb(32)
		case op == 0xfc:
			prefixedFC(r)
		case op == 0xfd:
			prefixedSIMD(r)
		case op == 0xfe:
			if sub := r.uleb(32); sub == 0x03 { // atomic.fence
				r.byte()
			} else {
				memarg(r)
			}
		default:
			r.fail("instruction 0x%02x is not supported in plugins", op)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return append(out, body[from:]...), nil
}

func blockType(r *wasmReader) {
	if r.i < len(r.b) && (r.b[r.i] == 0x40 || r.b[r.i] >= 0x6f && r.b[r.i] <= 0x7f) {
		r.i++
		return
	}
	r.sleb(33) // a type index
}

func memarg(r *wasmReader) {
	if align := r.uleb(32); align&0x40 != 0 { // multi-memory: an index follows
		r.uleb(32)
	}
	r.uleb(64)
}

func prefixedFC(r *wasmReader) {
	switch sub := r.uleb(32); {
	case sub <= 7: // saturating truncations
	case sub == 8 || sub == 12 || sub == 14: // memory.init, table.init, table.copy
		r.uleb(32)
		r.uleb(32)
	case sub == 10: // memory.copy
		r.uleb(32)
		r.uleb(32)
	case sub == 9 || sub == 11 || sub == 13 || (sub >= 15 && sub <= 17):
		r.uleb(32)
	default:
		r.fail("instruction 0xfc %d is not supported in plugins", sub)
	}
}

func prefixedSIMD(r *wasmReader) {
	switch sub := r.uleb(32); {
	case sub <= 11 || sub == 92 || sub == 93: // loads and stores
		memarg(r)
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		r.skip(16)
	case sub >= 21 && sub <= 34: // extract and replace lane
		r.byte()
	case sub >= 84 && sub <= 91: // load and store lane
		memarg(r)
		r.byte()
	case sub <= 275:
	default:
		r.fail("instruction 0xfd %d is not supported in plugins", sub)
	}
}
