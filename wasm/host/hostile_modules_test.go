package host

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// The modules the hostile tests start from, and the host and packages
// they load them in. The modules are written with asmModule
// (wasmasm_test.go).

// fnRandom is the index of wasi_snapshot_preview1.random_get
// (i32 i32) -> i32 in goodModule.
const fnRandom = 1

// resultAt is where a raw module keeps its answer, an encoded abi.Result.
const resultAt = 64

// goodModule answers every call with status OK, as the ABI says:
// edgedesk_abi() i32, edgedesk_alloc(i32) i32, edgedesk_call(i32 i32 i32) i64.
func goodModule() asmModule {
	ok := (&abi.Result{}).Encode()
	return asmModule{
		wasi:  []asmFunc{randomGet},
		pages: 1,
		data:  []asmData{{at: resultAt, b: ok}},
		funcs: []asmFunc{
			{name: abi.ExportABI, results: []byte{valI32}, body: i32Const(abi.Version)},
			{name: abi.ExportAlloc, params: []byte{valI32}, results: []byte{valI32}, body: i32Const(1024)},
			{name: abi.ExportCall, params: []byte{valI32, valI32, valI32}, results: []byte{valI64}, body: i64Const(resultAt<<32 | int64(len(ok)))},
		},
	}
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
