package host

// A small assembler of the WebAssembly binary format, for the modules the
// tests need and the Go toolchain would never produce: wrong export
// signatures, a start section, no memory, bulk-memory and table
// instructions in the sizes a test needs, modules cheap to compile. There
// is no wat2wasm on the build machines.
//
// A module is an asmModule literal, encoded by its bytes method; a
// function's body is its instructions joined by code, as in
//
//	asmModule{pages: 1, funcs: []asmFunc{{name: "op", params: []byte{valI32}, results: []byte{valI32},
//		body: code(localGet(0), i32Const(1), i32Add)}}}.bytes()

// Value types, and the reference type of tables.
const (
	valI32  = 0x7f
	valI64  = 0x7e
	funcref = 0x70
)

// The section ids meter.go does not name.
const (
	secMemory  = 5
	secElement = 9
	secData    = 11
)

// Encodings of the binary format.
const (
	funcType = 0x60 // a function type follows
	// what an import or export is
	kindFunc   = 0x00
	kindTable  = 0x01
	kindMemory = 0x02
	// limits with a minimum only, or with a maximum too
	limitsMin    = 0x00
	limitsMinMax = 0x01
	// segments: active (in table or memory 0, at an offset) or passive
	segActive  = 0x00
	segPassive = 0x01
)

// The functions a module may import from wasi_snapshot_preview1 (besides
// the clock, which every asmModule imports as function 0).
var (
	randomGet  = asmFunc{name: "random_get", params: []byte{valI32, valI32}, results: []byte{valI32}}
	fdWrite    = asmFunc{name: "fd_write", params: []byte{valI32, valI32, valI32, valI32}, results: []byte{valI32}}
	pollOneoff = asmFunc{name: "poll_oneoff", params: []byte{valI32, valI32, valI32, valI32}, results: []byte{valI32}}
)

// fnClock is the index of the import wasi_snapshot_preview1.clock_time_get
// (i32 i64 i32) -> i32 in every asmModule: the meter needs it.
const fnClock = 0

// asmModule is a module. Its functions are numbered imports first:
// function 0 is the clock (fnClock), the functions of wasi follow, then
// funcs. Every function has a type of its own, numbered as the functions
// are.
type asmModule struct {
	// wasi are functions imported from wasi_snapshot_preview1 by their
	// names, as functions 1, 2, ….
	wasi []asmFunc
	// funcs are the functions the module defines, each exported under its
	// name unless that is empty.
	funcs []asmFunc
	// importTable imports a table, edgedesk.table, as no plugin may.
	importTable bool
	// tables are the funcref tables the module defines.
	tables []asmLimits
	// pages is the size of the memory, in 64 KiB pages, exported as
	// "memory"; the module has no memory when it is 0.
	pages uint32
	// start is the index of the function the start section names; there
	// is no start section when it is 0, as function 0 (the clock, which
	// takes parameters) can never be a start function.
	start uint32
	// table0 are the functions an active element segment puts in table 0,
	// from entry 0.
	table0 []uint32
	// elems are passive element segments: each of that many references to
	// function 0.
	elems []uint32
	// data are the data segments of memory 0.
	data []asmData
}

// asmFunc is a function: imported by name (in asmModule.wasi) or defined
// by its body (in asmModule.funcs).
type asmFunc struct {
	name            string // the name it is imported by, or exported as
	params, results []byte // value types
	locals          []byte // one value type per local, after the params
	body            []byte // instructions, without the final end
}

// noMax declares a table with no maximum.
const noMax = -1

// asmLimits are a funcref table's: its minimum size, and its maximum or,
// when max < 0 (noMax), none.
type asmLimits struct {
	min uint32
	max int64
}

// asmData is a data segment: active at offset at of memory 0, or passive.
type asmData struct {
	passive bool
	at      uint32
	b       []byte
}

// export returns m's function exported as name.
func (m *asmModule) export(name string) *asmFunc {
	for i := range m.funcs {
		if m.funcs[i].name == name {
			return &m.funcs[i]
		}
	}
	panic("no export " + name)
}

// add appends f to m's functions and returns its index.
func (m *asmModule) add(f asmFunc) uint32 {
	m.funcs = append(m.funcs, f)
	return m.index(len(m.funcs) - 1)
}

// index is the index of funcs[i], after the imports, and of its type.
func (m *asmModule) index(i int) uint32 { return uint32(1 + len(m.wasi) + i) }

// bytes encodes m in the binary format.
func (m asmModule) bytes() []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	out = asmSection(out, secType, m.typeSection())
	out = asmSection(out, secImport, m.importSection())
	out = asmSection(out, secFunction, m.functionSection())
	if len(m.tables) > 0 {
		out = asmSection(out, secTable, m.tableSection())
	}
	if m.pages > 0 {
		out = asmSection(out, secMemory, asmVec(1, appendULEB([]byte{limitsMin}, uint64(m.pages))))
	}
	out = asmSection(out, secExport, m.exportSection())
	if m.start != 0 {
		out = asmSection(out, secStart, appendULEB(nil, uint64(m.start)))
	}
	if len(m.table0) > 0 || len(m.elems) > 0 {
		out = asmSection(out, secElement, m.elementSection())
	}
	if len(m.data) > 0 { // memory.init needs the data count
		out = asmSection(out, secDataCnt, appendULEB(nil, uint64(len(m.data))))
	}
	out = asmSection(out, secCode, m.codeSection())
	if len(m.data) > 0 {
		out = asmSection(out, secData, m.dataSection())
	}
	return out
}

// imported are m's imported functions: the clock, then wasi.
func (m asmModule) imported() []asmFunc {
	clock := asmFunc{name: "clock_time_get", params: []byte{valI32, valI64, valI32}, results: []byte{valI32}}
	return append([]asmFunc{clock}, m.wasi...)
}

// typeSection has a type for each function, imported or defined.
func (m asmModule) typeSection() []byte {
	all := append(m.imported(), m.funcs...)
	var types []byte
	for _, f := range all {
		types = asmBytes(asmBytes(append(types, funcType), f.params), f.results)
	}
	return asmVec(len(all), types)
}

// importSection imports the functions of wasi_snapshot_preview1, each
// with its type, and the table if m imports one.
func (m asmModule) importSection() []byte {
	var imports []byte
	fs := m.imported()
	for i, f := range fs {
		imports = appendULEB(append(asmName(asmName(imports, "wasi_snapshot_preview1"), f.name), kindFunc), uint64(i))
	}
	if !m.importTable {
		return asmVec(len(fs), imports)
	}
	imports = append(asmName(asmName(imports, "edgedesk"), "table"), kindTable, funcref, limitsMin, 1) // of at least 1 entry
	return asmVec(len(fs)+1, imports)
}

// functionSection has the type of each defined function: its own.
func (m asmModule) functionSection() []byte {
	var funcs []byte
	for i := range m.funcs {
		funcs = appendULEB(funcs, uint64(m.index(i)))
	}
	return asmVec(len(m.funcs), funcs)
}

// tableSection has the limits of each table.
func (m asmModule) tableSection() []byte {
	var tables []byte
	for _, t := range m.tables {
		if t.max < 0 {
			tables = appendULEB(append(tables, funcref, limitsMin), uint64(t.min))
		} else {
			tables = appendULEB(appendULEB(append(tables, funcref, limitsMinMax), uint64(t.min)), uint64(t.max))
		}
	}
	return asmVec(len(m.tables), tables)
}

// exportSection exports the defined functions that have a name, then the
// memory if m has one.
func (m asmModule) exportSection() []byte {
	var exports []byte
	n := 0
	for i, f := range m.funcs {
		if f.name != "" {
			exports = appendULEB(append(asmName(exports, f.name), kindFunc), uint64(m.index(i)))
			n++
		}
	}
	if m.pages > 0 {
		exports = append(asmName(exports, "memory"), kindMemory, 0) // memory 0
		n++
	}
	return asmVec(n, exports)
}

// elementSection has the active segment of table0, then the passive
// segments of elems.
func (m asmModule) elementSection() []byte {
	var elems []byte
	n := len(m.elems)
	if len(m.table0) > 0 {
		elems = appendULEB(append(append(elems, segActive), code(i32Const(0), end)...), uint64(len(m.table0)))
		for _, f := range m.table0 {
			elems = appendULEB(elems, uint64(f))
		}
		n++
	}
	for _, k := range m.elems {
		elems = appendULEB(append(elems, segPassive, 0x00), uint64(k)) // elemkind funcref: k function indices
		for range k {
			elems = append(elems, fnClock)
		}
	}
	return asmVec(n, elems)
}

// codeSection has the locals and body of each defined function.
func (m asmModule) codeSection() []byte {
	var bodies []byte
	for _, f := range m.funcs {
		b := appendULEB(nil, uint64(len(f.locals)))
		for _, l := range f.locals {
			b = append(b, 1, l) // one local of type l
		}
		bodies = asmBytes(bodies, code(b, f.body, end))
	}
	return asmVec(len(m.funcs), bodies)
}

// dataSection has the data segments, active or passive.
func (m asmModule) dataSection() []byte {
	var data []byte
	for _, d := range m.data {
		if d.passive {
			data = append(data, segPassive)
		} else {
			data = append(append(data, segActive), code(i32Const(int32(d.at)), end)...)
		}
		data = asmBytes(data, d.b)
	}
	return asmVec(len(m.data), data)
}

// asmSection appends the section id holding body.
func asmSection(out []byte, id byte, body []byte) []byte {
	return asmBytes(append(out, id), body)
}

// asmVec is a vector of n items, already encoded in items.
func asmVec(n int, items []byte) []byte { return append(appendULEB(nil, uint64(n)), items...) }

// asmBytes appends b after its length.
func asmBytes(out, b []byte) []byte { return append(appendULEB(out, uint64(len(b))), b...) }

// asmName appends the name s.
func asmName(out []byte, s string) []byte { return asmBytes(out, []byte(s)) }

// Opcodes.
const (
	opUnreachable  = 0x00
	opBlock        = 0x02
	opLoop         = 0x03
	opIf           = 0x04
	opEnd          = 0x0b
	opBr           = 0x0c
	opBrIf         = 0x0d
	opCall         = 0x10
	opCallIndirect = 0x11
	opDrop         = 0x1a
	opLocalGet     = 0x20
	opLocalSet     = 0x21
	opLocalTee     = 0x22
	opI32Load8U    = 0x2d
	opI32Store8    = 0x3a
	opMemorySize   = 0x3f
	opMemoryGrow   = 0x40
	opI32Const     = 0x41
	opI64Const     = 0x42
	opI32Eq        = 0x46
	opI32LtU       = 0x49
	opI32GeU       = 0x4f
	opI32Add       = 0x6a
	opI32Sub       = 0x6b
	opI32Mul       = 0x6c
	opRefNull      = 0xd0
	opPrefixFC     = 0xfc // the bulk memory and table instructions, numbered by the byte after it
)

// The instructions after opPrefixFC.
const (
	fcMemoryInit = 8
	fcMemoryCopy = 10
	fcMemoryFill = 11
	fcTableInit  = 12
	fcTableCopy  = 14
	fcTableGrow  = 15
	fcTableSize  = 16
	fcTableFill  = 17
)

// blockEmpty is the type of a block, loop or if without a result.
const blockEmpty = 0x40

// Instructions. Those on memory and tables are on memory 0, table 0 and
// (but memory.init) segment 0; loads and stores are at offset 0,
// alignment 1.
var (
	unreachable = []byte{opUnreachable}
	block       = []byte{opBlock, blockEmpty}
	loop        = []byte{opLoop, blockEmpty}
	ifThen      = []byte{opIf, blockEmpty}
	end         = []byte{opEnd}
	drop        = []byte{opDrop}
	i32Load8U   = []byte{opI32Load8U, 0x00, 0x00}
	i32Store8   = []byte{opI32Store8, 0x00, 0x00}
	memorySize  = []byte{opMemorySize, 0x00}
	memoryGrow  = []byte{opMemoryGrow, 0x00}
	i32Eq       = []byte{opI32Eq}
	i32LtU      = []byte{opI32LtU}
	i32GeU      = []byte{opI32GeU}
	i32Add      = []byte{opI32Add}
	i32Sub      = []byte{opI32Sub}
	i32Mul      = []byte{opI32Mul}
	refNullFunc = []byte{opRefNull, funcref}
	memoryCopy  = []byte{opPrefixFC, fcMemoryCopy, 0x00, 0x00}
	memoryFill  = []byte{opPrefixFC, fcMemoryFill, 0x00}
	tableInit   = []byte{opPrefixFC, fcTableInit, 0x00, 0x00}
	tableCopy   = []byte{opPrefixFC, fcTableCopy, 0x00, 0x00}
	tableGrow   = []byte{opPrefixFC, fcTableGrow, 0x00}
	tableSize   = []byte{opPrefixFC, fcTableSize, 0x00}
	tableFill   = []byte{opPrefixFC, fcTableFill, 0x00}

	// spinForever loops forever: loop br 0 end.
	spinForever = code(loop, br(0), end)
)

// Instructions with an immediate: a constant, a local's index, a depth
// of blocks to branch out of, a function's index.
func i32Const(v int32) []byte  { return appendSLEB([]byte{opI32Const}, int64(v)) }
func i64Const(v int64) []byte  { return appendSLEB([]byte{opI64Const}, v) }
func localGet(l uint32) []byte { return appendULEB([]byte{opLocalGet}, uint64(l)) }
func localSet(l uint32) []byte { return appendULEB([]byte{opLocalSet}, uint64(l)) }
func localTee(l uint32) []byte { return appendULEB([]byte{opLocalTee}, uint64(l)) }
func br(depth uint32) []byte   { return appendULEB([]byte{opBr}, uint64(depth)) }
func brIf(depth uint32) []byte { return appendULEB([]byte{opBrIf}, uint64(depth)) }
func call(fn uint32) []byte    { return appendULEB([]byte{opCall}, uint64(fn)) }

// memoryInit copies from data segment seg into memory 0.
func memoryInit(seg uint32) []byte {
	return append(appendULEB([]byte{opPrefixFC, fcMemoryInit}, uint64(seg)), 0x00)
}

// callIndirect calls the function of type typ in table 0.
func callIndirect(typ uint32) []byte {
	return append(appendULEB([]byte{opCallIndirect}, uint64(typ)), 0x00)
}

// code joins instructions.
func code(instrs ...[]byte) []byte {
	var out []byte
	for _, in := range instrs {
		out = append(out, in...)
	}
	return out
}
