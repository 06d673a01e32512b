package host

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// A small writer of the WebAssembly binary format, for hostile modules
// the Go toolchain would never produce (wrong export signatures, a start
// section, no memory) and for modules that must be cheap to compile. There
// is no wat2wasm on the build machines.

// Value types.
const (
	vI32 = 0x7f
	vI64 = 0x7e
)

// wfunc is a function of a module: imported when imp is set, defined by
// body (its instructions, without the final end) otherwise.
type wfunc struct {
	imp             [2]string // module, name
	export          string
	params, results []byte
	locals          []byte // one value type per local
	body            []byte
}

// wmodule is a module: two WASI imports (clock_time_get, which the meter
// needs, and random_get) come first, then funcs; a memory of pages pages
// exported as "memory" unless noMemory; start is the index of the start
// function (among all functions, imports first) or -1; data is written at
// dataAt.
type wmodule struct {
	funcs    []wfunc
	pages    uint32
	noMemory bool
	start    int
	dataAt   uint32
	data     []byte
}

const (
	fnClock  = 0 // wasi_snapshot_preview1.clock_time_get (i32 i64 i32) -> i32
	fnRandom = 1 // wasi_snapshot_preview1.random_get (i32 i32) -> i32
)

func (m wmodule) all() []wfunc {
	return append([]wfunc{
		{imp: [2]string{"wasi_snapshot_preview1", "clock_time_get"}, params: []byte{vI32, vI64, vI32}, results: []byte{vI32}},
		{imp: [2]string{"wasi_snapshot_preview1", "random_get"}, params: []byte{vI32, vI32}, results: []byte{vI32}},
	}, m.funcs...)
}

func wsleb(b []byte, v int64) []byte { return appendSLEB(b, v) }

func wname(b []byte, s string) []byte { return append(appendULEB(b, uint64(len(s))), s...) }

func wsection(out []byte, id byte, body []byte) []byte {
	return append(appendULEB(append(out, id), uint64(len(body))), body...)
}

// vec is a vector of n items already encoded in items.
func wvec(n int, items []byte) []byte { return append(appendULEB(nil, uint64(n)), items...) }

func (m wmodule) bytes() []byte {
	fs := m.all()
	out := []byte("\x00asm\x01\x00\x00\x00")
	var types []byte
	for _, f := range fs { // one type per function
		types = append(types, 0x60)
		types = append(appendULEB(types, uint64(len(f.params))), f.params...)
		types = append(appendULEB(types, uint64(len(f.results))), f.results...)
	}
	out = wsection(out, 1, wvec(len(fs), types))
	var imports, funcs, exports, code []byte
	nImports, nFuncs, nExports := 0, 0, 0
	for i, f := range fs {
		if f.imp[0] != "" {
			imports = append(appendULEB(wname(wname(imports, f.imp[0]), f.imp[1]), 0), byte(i))
			nImports++
			continue
		}
		funcs = appendULEB(funcs, uint64(i))
		nFuncs++
		var body []byte
		body = appendULEB(body, uint64(len(f.locals)))
		for _, l := range f.locals {
			body = append(body, 1, l)
		}
		body = append(append(body, f.body...), 0x0b)
		code = append(appendULEB(code, uint64(len(body))), body...)
		if f.export != "" {
			exports = appendULEB(append(wname(exports, f.export), 0x00), uint64(i))
			nExports++
		}
	}
	if !m.noMemory {
		exports = append(wname(exports, "memory"), 0x02, 0x00)
		nExports++
	}
	out = wsection(out, 2, wvec(nImports, imports))
	out = wsection(out, 3, wvec(nFuncs, funcs))
	if !m.noMemory {
		out = wsection(out, 5, wvec(1, appendULEB([]byte{0x00}, uint64(m.pages))))
	}
	out = wsection(out, 7, wvec(nExports, exports))
	if m.start >= 0 {
		out = wsection(out, 8, appendULEB(nil, uint64(m.start)))
	}
	out = wsection(out, 10, wvec(nFuncs, code))
	if len(m.data) > 0 {
		seg := wsleb([]byte{0x00, 0x41}, int64(m.dataAt)) // active, memory 0, i32.const offset
		seg = append(appendULEB(append(seg, 0x0b), uint64(len(m.data))), m.data...)
		out = wsection(out, 11, wvec(1, seg))
	}
	return out
}

// Instructions.
func wi32(v int32) []byte       { return wsleb([]byte{0x41}, int64(v)) }
func wi64(v int64) []byte       { return wsleb([]byte{0x42}, v) }
func wcall(fn uint32) []byte    { return appendULEB([]byte{0x10}, uint64(fn)) }
func wget(l uint32) []byte      { return appendULEB([]byte{0x20}, uint64(l)) }
func wset(l uint32) []byte      { return appendULEB([]byte{0x21}, uint64(l)) }
func wtee(l uint32) []byte      { return appendULEB([]byte{0x22}, uint64(l)) }
func wcode(bs ...[]byte) []byte { return wconcat(bs...) }

var (
	spinForever = []byte{0x03, 0x40, 0x0c, 0x00, 0x0b} // loop br 0 end
	wdrop       = []byte{0x1a}
)

func wconcat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

// resultAt is where a raw module keeps its answer, an encoded abi.Result.
const resultAt = 64

// goodModule answers every call with status OK, as the ABI says:
// edgedesk_abi() i32, edgedesk_alloc(i32) i32, edgedesk_call(i32 i32 i32) i64.
func goodModule() wmodule {
	ok := (&abi.Result{}).Encode()
	return wmodule{
		pages: 1, start: -1, dataAt: resultAt, data: ok,
		funcs: []wfunc{
			{export: abi.ExportABI, results: []byte{vI32}, body: wi32(abi.Version)},
			{export: abi.ExportAlloc, params: []byte{vI32}, results: []byte{vI32}, body: wi32(1024)},
			{export: abi.ExportCall, params: []byte{vI32, vI32, vI32}, results: []byte{vI64}, body: wi64(resultAt<<32 | int64(len(ok)))},
		},
	}
}

// export returns m's function exported as name.
func (m *wmodule) export(name string) *wfunc {
	for i := range m.funcs {
		if m.funcs[i].export == name {
			return &m.funcs[i]
		}
	}
	panic("no export " + name)
}

// testKey signs the packages of the tests in this package.
var testPub, testPriv, _ = ed25519.GenerateKey(nil)

// rawPackage signs wasm into a package and verifies it back, as an
// operator's install does.
func rawPackage(t testing.TB, name string, wasm []byte, caps ...string) *Package {
	t.Helper()
	dir := t.TempDir()
	m := Manifest{Name: name, Version: "1.0.0", ABI: abi.Version, Kind: abi.KindRouting, Capabilities: caps}
	if err := WritePackage(dir, m, wasm, testPriv); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPackage(dir, []ed25519.PublicKey{testPub})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rawHost is a host with no compilation cache (raw modules compile in
// microseconds) and its own metrics.
func rawHost(t testing.TB, lim Limits) (*Host, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	h, err := New(context.Background(), Options{Limits: lim, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h, reg
}

// counted is edgedesk_plugin_calls_total{plugin,result}.
func counted(t testing.TB, reg *prometheus.Registry, plugin, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "edgedesk_plugin_calls_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["plugin"] == plugin && labels["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
