package host

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// A plugin is metered by code added to it. Before a module is compiled,
// instrument adds a mutable i32 global, its fuel, and inserts at every
// function's entry and every loop's head
//
//	fuel -= 1
//	if fuel <= 0 {
//	    clock_time_get(meterClock, 0, 0)  // the host: deadline, and a yield
//	    fuel = fuelPerYield
//	}
//
// The instructions whose work grows with an operand (memory.fill,
// memory.copy, memory.init, table.fill, table.copy, table.init and
// table.grow: one instruction can fill 64 MiB) are charged by that operand
// before they run, fuel -= n >> shift, and checked the same way: a
// function that has such an instruction gets a scratch local for n. So one
// huge memory.fill reaches the host, which ends the call if it is late,
// before it runs; a loop of them stops at the deadline like any loop.
//
// The same holds for calls to the WASI functions whose work grows with an
// argument (random_get by its length, fd_write by its number of buffers,
// poll_oneoff by its number of subscriptions: one call took 0.2 s), called
// directly or through a table (call_indirect with their signature), with
// more scratch locals for the arguments above the one charged. A single
// call still runs to its end once made: bounding that (random_get of 64
// MiB takes 0.4 s) is for the host functions.
//
// Tables are capped as memory is (by the runtime's memory limit): each
// table a module defines may grow by tableGrowth entries at most (its
// maximum is rewritten), so that table.grow beyond returns -1, and a module
// whose tables start larger than maxTableEntries in all is refused.
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

// The charges of the instructions whose work grows with an operand, as a
// shift of the operand: one unit of fuel per 1<<shift bytes or entries.
// Calibrated on their slowest cases against ordinary code, which burns
// about 140 units a microsecond in the shipped plugins: memory.fill of 16
// MiB of memory touched for the first time (page faults) ran at 6 GB/s,
// about 100 units a microsecond, table.copy of 256 K entries at 110. The
// same instructions on memory in the caches are charged up to ten times
// their time, which only means more frequent checks
// (BenchmarkMeterBulkCharge).
const (
	memoryShift = 6 // memory.fill, memory.copy, memory.init: one unit per 64 bytes
	tableShift  = 5 // table.fill, table.copy, table.init, table.grow: one per 32 entries
	// random_get (120-160 MB/s: 75 units a µs), fd_write (5 ns a buffer:
	// 100 units a µs), poll_oneoff (400 ns a subscription, so charged 100
	// times too little: a check every 8 ms of polling at most): one unit
	// per 2 bytes, buffers or subscriptions. A shift of at least 1 keeps
	// the charge positive as a signed i32.
	wasiShift = 1
)

// wasiCosts are the WASI functions charged by an argument: the signature
// they have (sigLen or sigIOV) and how many arguments come after the one
// charged.
var wasiCosts = map[string]struct{ sig, depth byte }{
	"random_get":  {sigLen, 0}, // (buf, len)
	"fd_write":    {sigIOV, 1}, // (fd, iovs, iovs_len, nwritten)
	"poll_oneoff": {sigIOV, 1}, // (in, out, nsubscriptions, nevents)
}

// wasiImport is an imported WASI function charged by an argument: its
// name and the index of the type it is imported with.
type wasiImport struct {
	name string
	typ  uint64
}

// The signatures of the charged WASI functions, and the clock's.
const (
	sigLen   = 1 // (i32 i32) -> i32
	sigIOV   = 2 // (i32 i32 i32 i32) -> i32
	sigClock = 3 // (i32 i64 i32) -> i32
)

// Table caps. A Go plugin has one table of about as many entries as it
// has functions (5,500 for the routing plugin) and never grows it.
const (
	tableGrowth     = 10000   // entries a table may grow by beyond its declared minimum
	maxTableEntries = 1 << 20 // entries all tables may start with (8 bytes each per instance)
	maxTables       = 8
)

// ErrInstrument is wrapped by the errors of a module instrument cannot read.
var ErrInstrument = errors.New("cannot prepare the module")

// section ids
const (
	secCustom   = 0
	secType     = 1
	secImport   = 2
	secFunction = 3
	secTable    = 4
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
const meterVersion = "v4"

// instrument returns the module with the meter inserted and its tables
// capped (above). It refuses a module it cannot read: instructions it does
// not know cannot be skipped safely.
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
	clock, clockType := int64(-1), uint64(0)
	var globals, code, tables []byte
	var params []uint32            // of each type
	var sigs []byte                // of each type: sigLen, sigIOV, sigClock or 0
	var funcs []uint32             // the type of each function the module defines
	var wasi map[uint64]wasiImport // function index → the charged WASI imports
	for _, s := range sections {
		var err error
		switch s.id {
		case secType:
			params, sigs, err = readTypes(s.body)
		case secImport:
			importedGlobals, clock, clockType, wasi, err = readImports(s.body)
		case secFunction:
			funcs, err = readFunctions(s.body)
		case secTable:
			tables, err = capTables(s.body)
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
	if clockType >= uint64(len(sigs)) || sigs[clockType] != sigClock {
		return nil, fmt.Errorf("%w: it imports wasi_snapshot_preview1.clock_time_get with another signature than WASI's (i32, i64, i32) -> i32", ErrInstrument)
	}
	m := newMeter(importedGlobals+definedGlobals, uint64(clock))
	imported := map[byte]bool{} // by signature
	for f, w := range wasi {
		c := wasiCosts[w.name]
		if w.typ < uint64(len(sigs)) && sigs[w.typ] == c.sig {
			// (imported with another signature, it cannot be instantiated)
			m.calls[f] = c.depth
			imported[c.sig] = true
		}
	}
	// a charged WASI function called through a table: call_indirect with
	// its signature, whose table index comes on top of the arguments
	for t, sig := range sigs {
		if depth, ok := map[byte]byte{sigLen: 1, sigIOV: 2}[sig]; ok && imported[sig] {
			m.indirect[uint64(t)] = depth
		}
	}

	// global section: the module's globals and (mut i32 (i32.const fuelPerYield))
	g := appendULEB(nil, definedGlobals+1)
	g = append(g, globals...)
	g = append(g, 0x7f, 0x01, 0x41)
	g = appendSLEB(g, fuelPerYield)
	g = append(g, 0x0b)
	c, err := instrumentCode(code, m, func(i uint64) (uint32, error) {
		if i >= uint64(len(funcs)) || uint64(funcs[i]) >= uint64(len(params)) {
			return 0, fmt.Errorf("%w: function %d of the code section has no type", ErrInstrument, i)
		}
		return params[funcs[i]], nil
	})
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
		case secTable:
			put(secTable, tables)
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

// readTypes returns the number of parameters of each function type, and
// which are the signatures of charged WASI functions or of the clock
// (sigLen, sigIOV, sigClock).
func readTypes(b []byte) (params []uint32, sigs []byte, err error) {
	r := &wasmReader{b: b}
	n := r.uleb(32)
	params = make([]uint32, 0, n) // n is at most the section's length
	sigs = make([]byte, 0, n)
	for range n {
		if form := r.byte(); form != 0x60 && r.err == nil {
			r.fail("type form 0x%02x is not supported in plugins", form)
		}
		p := r.uleb(32)
		start := r.i
		valTypes(r, p)
		ps := string(r.b[start:r.i])
		rn := r.uleb(32)
		start = r.i
		valTypes(r, rn)
		if r.err != nil {
			break
		}
		var sig byte
		if rs := string(r.b[start:r.i]); rs == "\x7f" {
			switch ps {
			case "\x7f\x7f":
				sig = sigLen
			case "\x7f\x7f\x7f\x7f":
				sig = sigIOV
			case "\x7f\x7e\x7f":
				sig = sigClock
			}
		}
		params = append(params, uint32(p))
		sigs = append(sigs, sig)
	}
	if r.err == nil && r.i != len(b) {
		r.fail("%d bytes after the last type", len(b)-r.i)
	}
	return params, sigs, r.err
}

// valTypes skips n value types: numbers, v128 and the two reference types.
func valTypes(r *wasmReader, n uint64) {
	for i := uint64(0); i < n && r.err == nil; i++ {
		if t := r.byte(); (t < 0x7b || t > 0x7f) && t != 0x70 && t != 0x6f && r.err == nil {
			r.fail("value type 0x%02x is not supported in plugins", t)
		}
	}
}

// readFunctions returns the type index of each function the module
// defines.
func readFunctions(b []byte) ([]uint32, error) {
	r := &wasmReader{b: b}
	n := r.uleb(32)
	funcs := make([]uint32, 0, n)
	for range n {
		t := r.uleb(32)
		if r.err != nil {
			break
		}
		funcs = append(funcs, uint32(t))
	}
	return funcs, r.err
}

// capTables returns the table section with each table's maximum at most
// tableGrowth entries above its minimum, and refuses tables that start
// with more than maxTableEntries in all.
func capTables(b []byte) ([]byte, error) {
	r := &wasmReader{b: b}
	n := r.uleb(32)
	if n > maxTables {
		return nil, fmt.Errorf("%w: it defines %d tables; a plugin may have %d at most", ErrInstrument, n, maxTables)
	}
	out := appendULEB(nil, n)
	total := uint64(0)
	for i := range n {
		ref := r.byte()
		if ref != 0x70 && ref != 0x6f && r.err == nil {
			r.fail("table %d: element type 0x%02x is not supported in plugins", i, ref)
		}
		flags := r.byte()
		if flags > 1 && r.err == nil {
			r.fail("table %d: limits 0x%02x are not supported in plugins", i, flags)
		}
		lo := r.uleb(32)
		hi := lo + tableGrowth
		if flags == 1 {
			// a maximum below the minimum stays so, for the compiler to refuse
			hi = min(hi, r.uleb(32))
		}
		if r.err != nil {
			return nil, r.err
		}
		if total += lo; total > maxTableEntries {
			return nil, fmt.Errorf("%w: its tables start with %d entries or more (table %d: %d); a plugin's tables may start with %d in all",
				ErrInstrument, total, i, lo, maxTableEntries)
		}
		out = appendULEB(append(out, ref, 0x01), lo)
		out = appendULEB(out, hi)
	}
	if r.i != len(b) {
		return nil, fmt.Errorf("%w: %d bytes after the last table", ErrInstrument, len(b)-r.i)
	}
	return out, nil
}

// readImports counts the imported globals and finds the function index
// of wasi_snapshot_preview1.clock_time_get (-1 when it is not imported)
// and the type it is imported with,
// and of the WASI functions charged by an argument (wasiCosts). It refuses
// an imported table, whose size the module does not set.
func readImports(b []byte) (globals uint64, clock int64, clockType uint64, wasi map[uint64]wasiImport, err error) {
	r := &wasmReader{b: b}
	n := r.uleb(32)
	funcs := int64(0)
	clock = -1
	wasi = map[uint64]wasiImport{}
	for range n {
		if r.err != nil {
			break
		}
		mod := r.name()
		name := r.name()
		switch kind := r.byte(); kind {
		case 0x00: // function
			typ := r.uleb(32)
			if mod == "wasi_snapshot_preview1" && name == "clock_time_get" && clock < 0 {
				clock, clockType = funcs, typ
			}
			if _, ok := wasiCosts[name]; ok && mod == "wasi_snapshot_preview1" {
				wasi[uint64(funcs)] = wasiImport{name, typ}
			}
			funcs++
		case 0x01: // table
			if r.err == nil {
				return 0, 0, 0, nil, fmt.Errorf("%w: it imports a table (%q %q); plugins may import only functions of wasi_snapshot_preview1 and %s",
					ErrInstrument, mod, name, abi.HostModule)
			}
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
	return globals, clock, clockType, wasi, r.err
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

// meter makes the code instrument inserts.
type meter struct {
	fuel     uint64          // the fuel's global index
	calls    map[uint64]byte // charged functions: index → arguments after the charged one
	indirect map[uint64]byte // charged call_indirect: type index → operands after the charged one
	entry    []byte          // at function entries and loop heads: fuel -= 1, and the check
	check    []byte          // if fuel <= 0 { clock_time_get(meterClock, 0, 0); fuel = fuelPerYield }
	buf      []byte          // a function's instructions, instrumented
}

func newMeter(fuel, clock uint64) *meter {
	c := appendULEB([]byte{0x23}, fuel) // global.get $fuel
	c = append(c, 0x41, 0x00, 0x4c)     // i32.const 0; i32.le_s
	c = append(c, 0x04, 0x40)           // if
	c = appendSLEB(append(c, 0x41), meterClock)
	c = append(c, 0x42, 0x00, 0x41, 0x00) // i64.const 0; i32.const 0
	c = appendULEB(append(c, 0x10), clock)
	c = append(c, 0x1a) // drop the errno
	c = appendSLEB(append(c, 0x41), fuelPerYield)
	c = appendULEB(append(c, 0x24), fuel)
	c = append(c, 0x0b)                 // end
	e := appendULEB([]byte{0x23}, fuel) // global.get $fuel
	e = append(e, 0x41, 0x01, 0x6b)     // i32.const 1; i32.sub
	e = appendULEB(append(e, 0x24), fuel)
	return &meter{fuel: fuel, entry: append(e, c...), check: c, calls: map[uint64]byte{}, indirect: map[uint64]byte{}}
}

// charge appends the charge of an instruction whose i32 operand depth
// places below the top of the stack is its size: fuel -= n >> shift, and
// the check. The operands above it (i32s) are kept in locals scratch+1…
// meanwhile, and n in local scratch.
func (m *meter) charge(c []byte, scratch uint64, depth, shift byte) []byte {
	for i := range uint64(depth) {
		c = appendULEB(append(c, 0x21), scratch+1+i) // local.set
	}
	c = appendULEB(append(c, 0x22), scratch) // local.tee $scratch
	c = appendULEB(append(c, 0x23), m.fuel)  // global.get $fuel
	c = appendULEB(append(c, 0x20), scratch) // local.get $scratch
	c = append(c, 0x41, shift, 0x76, 0x6b)   // i32.const shift; i32.shr_u; i32.sub
	c = appendULEB(append(c, 0x24), m.fuel)  // global.set $fuel
	c = append(c, m.check...)
	for i := uint64(depth); i > 0; i-- {
		c = appendULEB(append(c, 0x20), scratch+i) // local.get
	}
	return c
}

// bulkChunk is the most one bulk memory instruction does between two
// charges: memory.fill, memory.copy and memory.init of more run as a loop
// of chunks of this size, each charged and checked, the rest last. One
// such instruction is a single call into the runtime that no one can
// interrupt: a memory.fill of 48 MiB of pages touched for the first time
// (each a page fault, some 25 µs each in a virtual machine) held its
// core for 300 ms past a 50 ms deadline, and with one on each core the
// whole edge. 256 KiB is 40 µs of work in the caches, 1.6 ms of page
// faults. An instruction out of bounds may have written its first chunks
// when it traps; a trap throws the instance away.
const bulkChunk = 256 << 10

// chunked appends, before the bulk memory instruction instr (sub of prefix
// 0xfc) with its operands d, s (or the fill's value) and n on the stack, a
// charge of the whole (as charge does) and a loop that does it in chunks
// of bulkChunk while n is larger, charging and checking each again, and
// leaves d, s and what remains of n on the stack for instr. memory.copy runs backwards when its destination is above
// its source, so that overlapping regions copy as one instruction would.
// Locals scratch (n), scratch+1 (s) and scratch+2 (d) hold the operands.
func (m *meter) chunked(c []byte, scratch, sub uint64, instr []byte) []byte {
	n, src, dst := scratch, scratch+1, scratch+2
	set := func(c []byte, l uint64) []byte { return appendULEB(append(c, 0x21), l) }
	get := func(c []byte, l uint64) []byte { return appendULEB(append(c, 0x20), l) }
	chunk := func(c []byte) []byte { return appendSLEB(append(c, 0x41), bulkChunk) } // i32.const
	advance := func(c []byte, l uint64, op byte) []byte {                            // l = l op chunk
		return set(append(chunk(get(c, l)), op), l)
	}
	c = m.charge(c, scratch, 0, memoryShift) // the whole, before any of it runs
	c = set(set(set(c, n), src), dst)
	c = append(c, 0x02, 0x40, 0x03, 0x40)       // block, loop
	c = append(chunk(get(c, n)), 0x4d, 0x0d, 1) // n <= chunk (i32.le_u): br_if out
	forward := func(c []byte) []byte {
		c = append(chunk(get(get(c, dst), src)), instr...)
		c = advance(c, dst, 0x6a) // i32.add
		if sub != bulkFill {
			c = advance(c, src, 0x6a)
		}
		return advance(c, n, 0x6b) // i32.sub
	}
	if sub == bulkCopy {
		c = append(get(get(c, dst), src), 0x4b, 0x04, 0x40) // dst > src (i32.gt_u): if
		c = advance(c, n, 0x6b)
		c = append(get(get(c, dst), n), 0x6a) // dst+n
		c = append(get(get(c, src), n), 0x6a) // src+n
		c = append(chunk(c), instr...)        // the last chunk first
		c = append(c, 0x05)                   // else
		c = append(forward(c), 0x0b)          // end
	} else {
		c = forward(c)
	}
	c = appendULEB(append(c, 0x23), m.fuel) // fuel -= chunk >> memoryShift
	c = appendSLEB(append(c, 0x41), bulkChunk>>memoryShift)
	c = appendULEB(append(c, 0x6b, 0x24), m.fuel)
	c = append(c, m.check...)
	c = append(c, 0x0c, 0, 0x0b, 0x0b) // br loop, end loop, end block
	return get(get(get(c, dst), src), n)
}

// instrumentCode rewrites the code section, inserting the meter at every
// function's entry, after every loop instruction and before every
// instruction charged by its size. params gives the number of parameters
// of the i-th function.
func instrumentCode(b []byte, m *meter, params func(i uint64) (uint32, error)) ([]byte, error) {
	r := &wasmReader{b: b}
	n := r.uleb(32)
	out := appendULEB(make([]byte, 0, len(b)+len(b)/8), n)
	var body []byte
	for i := range n {
		size := r.uleb(32)
		start := r.i
		r.skip(size)
		if r.err != nil {
			return nil, r.err
		}
		p, err := params(i)
		if err != nil {
			return nil, err
		}
		body, err = instrumentBody(body[:0], b[start:r.i], m, p)
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

func instrumentBody(out, body []byte, m *meter, params uint32) ([]byte, error) {
	r := &wasmReader{b: body}
	groups, total := r.uleb(32), uint64(0)
	first := r.i // the first group
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
	locals := r.i // the end of the local declarations
	scratch := uint64(params) + total
	scratches := 0 // the scratch locals the charges need
	c := m.buf[:0]
	if r.i >= len(body) || body[r.i] != 0x03 {
		// a body that starts with a loop (every Go function that calls
		// another) is checked at that loop's head right away
		c = append(c, m.entry...)
	}
	from := r.i
	for r.i < len(r.b) && r.err == nil {
		at := r.i
		op := r.byte()
		switch {
		case op == 0x02 || op == 0x04: // block, if
			blockType(r)
		case op == 0x03: // loop
			blockType(r)
			c = append(c, body[from:r.i]...)
			c = append(c, m.entry...)
			from = r.i
		case op == 0x0c || op == 0x0d: // br, br_if
			r.uleb(32)
		case op == 0x0e: // br_table
			n := r.uleb(32)
			for i := uint64(0); i <= n && r.err == nil; i++ {
				r.uleb(32)
			}
		case op == 0x10 || op == 0x12: // call, return_call
			if depth, ok := m.calls[r.uleb(32)]; ok && r.err == nil {
				c = append(c, body[from:at]...)
				c = m.charge(c, scratch, depth, wasiShift)
				from, scratches = at, max(scratches, 1+int(depth))
			}
		case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect
			depth, ok := m.indirect[r.uleb(32)]
			if r.uleb(32); ok && r.err == nil {
				c = append(c, body[from:at]...)
				c = m.charge(c, scratch, depth, wasiShift)
				from, scratches = at, max(scratches, 1+int(depth))
			}
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
			sub, shift, ok := prefixedFC(r)
			switch {
			case !ok || r.err != nil:
			case sub == bulkInit || sub == bulkCopy || sub == bulkFill:
				c = append(c, body[from:at]...)
				c = m.chunked(c, scratch, sub, body[at:r.i])
				from, scratches = at, max(scratches, 3)
			default:
				c = append(c, body[from:at]...)
				c = m.charge(c, scratch, 0, shift)
				from, scratches = at, max(scratches, 1)
			}
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
	c = append(c, body[from:]...)
	m.buf = c
	if scratches > 0 { // one more group of locals, i32s: the scratches
		out = appendULEB(out, groups+1)
		out = append(out, body[first:locals]...)
		out = append(appendULEB(out, uint64(scratches)), 0x7f)
	} else {
		out = append(out, body[:locals]...)
	}
	return append(out, c...), nil
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

// The memory instructions of prefix 0xfc that run in chunks.
const (
	bulkInit = 8
	bulkCopy = 10
	bulkFill = 11
)

// prefixedFC reads an instruction of prefix 0xfc (sub) and says whether it
// is charged by its size, and with which shift.
func prefixedFC(r *wasmReader) (sub uint64, shift byte, charged bool) {
	sub = r.uleb(32)
	shift, charged = fcCharge(r, sub)
	return sub, shift, charged
}

func fcCharge(r *wasmReader, sub uint64) (shift byte, charged bool) {
	switch {
	case sub <= 7: // saturating truncations
	case sub == 8: // memory.init
		r.uleb(32)
		r.uleb(32)
		return memoryShift, true
	case sub == 10: // memory.copy
		r.uleb(32)
		r.uleb(32)
		return memoryShift, true
	case sub == 11: // memory.fill
		r.uleb(32)
		return memoryShift, true
	case sub == 12 || sub == 14: // table.init, table.copy
		r.uleb(32)
		r.uleb(32)
		return tableShift, true
	case sub == 15 || sub == 17: // table.grow, table.fill
		r.uleb(32)
		return tableShift, true
	case sub == 9 || sub == 13 || sub == 16: // data.drop, elem.drop, table.size
		r.uleb(32)
	default:
		r.fail("instruction 0xfc %d is not supported in plugins", sub)
	}
	return 0, false
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
