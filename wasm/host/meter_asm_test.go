package host

// A small writer of the WebAssembly binary format for the meter's tests:
// modules with bulk-memory and table instructions, which the Go toolchain
// emits only inside its runtime, in the sizes a test needs. There is no
// wat2wasm on the build machines.

// Value types.
const (
	tI32 = 0x7f
	tI64 = 0x7e
)

// tmod is a module. Function 0 is the import
// wasi_snapshot_preview1.clock_time_get, which the meter needs; the WASI
// functions of wasi follow (imported by name), then funcs, each exported
// under its name. The memory (pages 64 KiB pages, none when 0) is
// exported as "memory".
type tmod struct {
	wasi   []tfunc
	funcs  []tfunc
	pages  uint32
	tables []tlimits
	// importTable imports a table from the host module, as no plugin may
	importTable bool
	data        []tdata
	elems       []uint32 // passive element segments: each that many references to function 0
	table0      []uint32 // functions put in table 0 from entry 0 (an active segment)
}

type tfunc struct {
	name            string
	params, results []byte
	locals          []byte // one value type per local
	body            []byte // instructions, without the final end
}

// tlimits are a funcref table's: max < 0 declares no maximum.
type tlimits struct {
	min uint32
	max int64
}

// tdata is a data segment: active at at, or passive.
type tdata struct {
	passive bool
	at      uint32
	b       []byte
}

func tname(b []byte, s string) []byte { return append(appendULEB(b, uint64(len(s))), s...) }

func tsection(out []byte, id byte, count int, body []byte) []byte {
	body = append(appendULEB(nil, uint64(count)), body...)
	out = append(out, id)
	out = appendULEB(out, uint64(len(body)))
	return append(out, body...)
}

func (m tmod) bytes() []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	// types: the clock's, then one per function
	types := []byte{0x60, 3, tI32, tI64, tI32, 1, tI32}
	all := append(append([]tfunc{}, m.wasi...), m.funcs...)
	for _, f := range all {
		types = append(appendULEB(append(types, 0x60), uint64(len(f.params))), f.params...)
		types = append(appendULEB(types, uint64(len(f.results))), f.results...)
	}
	out = tsection(out, 1, 1+len(all), types)
	imports := tname(tname(nil, "wasi_snapshot_preview1"), "clock_time_get")
	imports = append(imports, 0x00, 0x00)
	for i, f := range m.wasi {
		imports = appendULEB(append(tname(tname(imports, "wasi_snapshot_preview1"), f.name), 0x00), uint64(1+i))
	}
	nimports := 1 + len(m.wasi)
	if m.importTable {
		imports = tname(tname(imports, "edgedesk"), "table")
		imports = append(imports, 0x01, 0x70, 0x00, 0x01)
		nimports++
	}
	out = tsection(out, 2, nimports, imports)
	var funcs []byte
	for i := range m.funcs {
		funcs = appendULEB(funcs, uint64(1+len(m.wasi)+i))
	}
	out = tsection(out, 3, len(m.funcs), funcs)
	if len(m.tables) > 0 {
		var tables []byte
		for _, t := range m.tables {
			if t.max < 0 {
				tables = appendULEB(append(tables, 0x70, 0x00), uint64(t.min))
			} else {
				tables = appendULEB(append(tables, 0x70, 0x01), uint64(t.min))
				tables = appendULEB(tables, uint64(t.max))
			}
		}
		out = tsection(out, 4, len(m.tables), tables)
	}
	if m.pages > 0 {
		out = tsection(out, 5, 1, appendULEB([]byte{0x00}, uint64(m.pages)))
	}
	var exports []byte
	n := 0
	for i, f := range m.funcs {
		exports = appendULEB(append(tname(exports, f.name), 0x00), uint64(1+len(m.wasi)+i))
		n++
	}
	if m.pages > 0 {
		exports = append(tname(exports, "memory"), 0x02, 0x00)
		n++
	}
	out = tsection(out, 7, n, exports)
	if len(m.elems) > 0 || len(m.table0) > 0 {
		var elems []byte
		n := len(m.elems)
		if len(m.table0) > 0 {
			elems = appendULEB(append(elems, 0x00, 0x41, 0x00, 0x0b), uint64(len(m.table0))) // active at 0 of table 0
			for _, f := range m.table0 {
				elems = appendULEB(elems, uint64(f))
			}
			n++
		}
		for _, k := range m.elems {
			elems = appendULEB(append(elems, 0x01, 0x00), uint64(k)) // passive, funcref, k function indices
			for range k {
				elems = append(elems, 0x00)
			}
		}
		out = tsection(out, 9, n, elems)
	}
	if len(m.data) > 0 { // the data count section: memory.init needs it
		out = append(out, 12)
		out = appendULEB(out, uint64(len(appendULEB(nil, uint64(len(m.data))))))
		out = appendULEB(out, uint64(len(m.data)))
	}
	var bodies []byte
	for _, f := range m.funcs {
		var b []byte
		b = appendULEB(b, uint64(len(f.locals)))
		for _, l := range f.locals {
			b = append(b, 1, l)
		}
		b = append(append(b, f.body...), 0x0b)
		bodies = append(appendULEB(bodies, uint64(len(b))), b...)
	}
	out = tsection(out, 10, len(m.funcs), bodies)
	if len(m.data) > 0 {
		var data []byte
		for _, d := range m.data {
			if d.passive {
				data = append(data, 0x01)
			} else {
				data = append(appendSLEB(append(data, 0x00, 0x41), int64(d.at)), 0x0b)
			}
			data = append(appendULEB(data, uint64(len(d.b))), d.b...)
		}
		out = tsection(out, 11, len(m.data), data)
	}
	return out
}

// Instructions.
func tconst(v int32) []byte            { return appendSLEB([]byte{0x41}, int64(v)) }
func tconst64(v int64) []byte          { return appendSLEB([]byte{0x42}, v) }
func tget(l uint32) []byte             { return appendULEB([]byte{0x20}, uint64(l)) }
func tfc(sub byte, imm ...byte) []byte { return append([]byte{0xfc, sub}, imm...) }

func tcode(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

var (
	tRefNull   = []byte{0xd0, 0x70}
	tLoad8     = []byte{0x2d, 0x00, 0x00} // i32.load8_u align 0 offset 0
	tLoop      = []byte{0x03, 0x40}
	tBr0       = []byte{0x0c, 0x00}
	tEnd       = []byte{0x0b}
	tDrop      = []byte{0x1a}
	tTableSize = []byte{0xfc, 16, 0x00}
)
