package host

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// The instructions whose work grows with an operand, each in a function
// "op" (param n i32) (result i32) that runs it with size n and answers
// something that shows it ran: a byte it wrote, or the table's size. The
// module has one page of memory starting with 64 bytes of "abc…", a
// passive copy of them (data 1), a table of 64 entries (at most 128) and
// a passive element segment of 64 entries.
var bulkOps = []struct {
	name  string
	body  []byte
	small int32 // what op(16) answers
}{
	{"memory.fill", code(i32Const(0), i32Const(7), localGet(0), memoryFill, localGet(0), i32Const(1), i32Sub, i32Load8U), 7},
	{"memory.copy", code(i32Const(1000), i32Const(0), localGet(0), memoryCopy, localGet(0), i32Const(999), i32Add, i32Load8U), 'a' + 15},
	{"memory.init", code(i32Const(2000), i32Const(0), localGet(0), memoryInit(1), localGet(0), i32Const(1999), i32Add, i32Load8U), 'a' + 15},
	{"table.fill", code(i32Const(0), refNullFunc, localGet(0), tableFill, tableSize), 64},
	{"table.copy", code(i32Const(0), i32Const(32), localGet(0), tableCopy, tableSize), 64},
	{"table.init", code(i32Const(0), i32Const(0), localGet(0), tableInit, tableSize), 64},
	{"table.grow", code(refNullFunc, localGet(0), tableGrow), 64},
}

func bulkModule(body []byte) asmModule {
	abc := make([]byte, 64)
	for i := range abc {
		abc[i] = byte('a' + i%26)
	}
	return asmModule{
		funcs:  []asmFunc{{name: "op", params: []byte{valI32}, results: []byte{valI32}, body: body}},
		pages:  1,
		tables: []asmLimits{{min: 64, max: 128}},
		data:   []asmData{{at: 0, b: abc}, {passive: true, b: abc}},
		elems:  []uint32{64},
	}
}

// metered instruments m, compiles it on the host's runtime (with the
// host's clock_time_get, which ends a call past its deadline) and makes an
// instance.
func metered(t *testing.T, h *Host, m []byte) api.Module { return meteredB(t, h, m) }

func meteredB(t testing.TB, h *Host, m []byte) api.Module {
	t.Helper()
	ctx := context.Background()
	out, err := instrument(m)
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := h.rt.CompileModule(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := h.rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mod.Close(ctx) })
	return mod
}

// newTestHost is a host without a cache directory, closed with the test.
func newTestHost(t *testing.T, lim Limits) *Host {
	t.Helper()
	h, err := New(context.Background(), Options{Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

// callBy calls fn of mod under a deadline; timedOut says whether the meter
// ended the call at it.
func callBy(mod api.Module, fn string, deadline time.Time, args ...uint64) (r []uint64, timedOut bool, err error) {
	st := &callState{deadline: deadline}
	r, err = mod.ExportedFunction(fn).Call(context.WithValue(context.Background(), stateKey{}, st), args...)
	return r, st.timedOut, err
}

// TestMeterChargesBulkInstructions: each instruction whose work grows with
// its size is charged by that size before it runs. Called with its
// deadline already past, a small one runs (its charge does not use up the
// fuel) and a huge one does not: the meter reaches the host first, which
// ends the call. Unmetered, the huge ones would trap on their bounds (or
// fill 64 MiB, as a plugin's would).
func TestMeterChargesBulkInstructions(t *testing.T) {
	ctx := context.Background()
	h, err := New(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	past := time.Now().Add(-time.Second)
	for _, op := range bulkOps {
		t.Run(op.name, func(t *testing.T) {
			m := bulkModule(op.body).bytes()
			// the instruction still does what it did
			r, _, err := callBy(metered(t, h, m), "op", time.Now().Add(time.Minute), 16)
			if err != nil || int32(r[0]) != op.small {
				t.Fatalf("op(16) = %v, %v; want %d", r, err, op.small)
			}
			r, timedOut, err := callBy(metered(t, h, m), "op", past, 16)
			if err != nil || timedOut || int32(r[0]) != op.small {
				t.Fatalf("op(16) past the deadline = %v, %v (timed out: %v); a small one must not reach the host", r, err, timedOut)
			}
			_, timedOut, err = callBy(metered(t, h, m), "op", past, 1<<30)
			if !timedOut || err == nil {
				t.Fatalf("op(1<<30) past the deadline: %v (timed out: %v); want it ended by the meter before it ran", err, timedOut)
			}
		})
	}
}

// bulkPlugin is a module with the plugin ABI whose edgedesk_call answers
// Result{Status: 0, Output: "ok"} for op 2, fills 16 MiB in a loop for
// op 1, copies 8 MiB in a loop for op 4, and grows its table by 1<<20
// entries for op 3 (and then answers "ok").
func bulkPlugin() []byte {
	isOp := func(op int32) []byte { return code(localGet(0), i32Const(op), i32Eq, ifThen) }
	return asmModule{
		funcs: []asmFunc{
			{name: abi.ExportABI, results: []byte{valI32}, body: i32Const(abi.Version)},
			{name: abi.ExportAlloc, params: []byte{valI32}, results: []byte{valI32}, body: i32Const(1024)},
			{name: abi.ExportCall, params: []byte{valI32, valI32, valI32}, results: []byte{valI64}, body: code(
				isOp(1), loop, i32Const(1<<16), i32Const(0), i32Const(16<<20), memoryFill, br(0), end, end,
				isOp(4), loop, i32Const(1<<16), i32Const(1<<16+8<<20), i32Const(8<<20), memoryCopy, br(0), end, end,
				isOp(3), refNullFunc, i32Const(1<<20), tableGrow, drop, end,
				i64Const(7), // the Result at 0, 7 bytes
			)},
		},
		pages:  260,
		tables: []asmLimits{{min: 1, max: noMax}},
		data:   []asmData{{at: 0, b: []byte{0xa2, 0x01, 0x00, 0x03, 0x42, 'o', 'k'}}},
	}.bytes()
}

// loadBulkPlugin signs wasm into a package and loads it into h, as an
// operator's install does.
func loadBulkPlugin(t *testing.T, h *Host, wasm []byte) (*Plugin, error) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m := Manifest{Name: "bulk", Version: "1.0.0", ABI: abi.Version, Kind: abi.KindRouting}
	if err := WritePackage(dir, m, wasm, priv); err != nil {
		t.Fatal(err)
	}
	pkg, err := LoadPackage(dir, []ed25519.PublicKey{pub})
	if err != nil {
		t.Fatal(err)
	}
	return h.Load(context.Background(), pkg)
}

func answersOK(t *testing.T, p *Plugin) {
	t.Helper()
	out, err := p.Call(context.Background(), "demo", 2, nil)
	// the instance that replaces a broken one is made in the background:
	// under the race detector that can take longer than a call waits
	for end := time.Now().Add(5 * time.Second); err != nil && strings.Contains(err.Error(), "no instance") && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
		out, err = p.Call(context.Background(), "demo", 2, nil)
	}
	if err != nil || string(out) != "ok" {
		t.Fatalf("the plugin's next call: %q, %v; want ok", out, err)
	}
}

// TestMeterStopsABulkMemoryLoop: a loop whose every iteration fills (or
// copies) megabytes stops at the call's deadline, not after ten thousand
// iterations (one unit of fuel each, unmetered: 10-20 s), and the plugin
// serves its next call.
func TestMeterStopsABulkMemoryLoop(t *testing.T) {
	ctx := context.Background()
	h, _ := rawHost(t, Limits{Instances: 1})
	p, err := loadBulkPlugin(t, h, bulkPlugin())
	if err != nil {
		t.Fatal(err)
	}
	answersOK(t, p)
	for _, c := range []struct {
		name string
		op   uint32
	}{{"memory.fill", 1}, {"memory.copy", 4}} {
		start := time.Now()
		_, err := p.Call(ctx, "demo", c.op, nil)
		d := time.Since(start)
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("a %s loop: %v after %s; want ErrTimeout", c.name, err, d)
		}
		if limit := 10 * h.lim.Timeout; d > limit {
			t.Fatalf("a %s loop stopped after %s; its deadline was %s", c.name, d, h.lim.Timeout)
		}
		t.Logf("a %s loop stopped after %s (deadline %s)", c.name, d, h.lim.Timeout)
		answersOK(t, p) // on the instance made to replace it
	}
}

// TestTableGrowIsCapped: a table grows by tableGrowth entries beyond its
// minimum and no further, whatever maximum it declares: table.grow past
// that answers -1, as past a declared maximum.
func TestTableGrowIsCapped(t *testing.T) {
	ctx := context.Background()
	h, err := New(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	grow := asmFunc{name: "grow", params: []byte{valI32}, results: []byte{valI32}, body: code(refNullFunc, localGet(0), tableGrow)}
	size := asmFunc{name: "size", results: []byte{valI32}, body: tableSize}
	for _, c := range []struct {
		name string
		max  int64
		room uint32 // entries it may grow by
	}{
		{"no maximum", noMax, tableGrowth},
		{"a maximum beyond the cap", 1 << 30, tableGrowth},
		{"a maximum within the cap", 64 + 100, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			mod := metered(t, h, asmModule{funcs: []asmFunc{grow, size}, tables: []asmLimits{{min: 64, max: c.max}}}.bytes())
			deadline := time.Now().Add(time.Minute)
			for _, step := range []struct{ by, want uint32 }{
				{4 << 20, 0xffffffff}, // what the probe did, 4 M entries a call
				{c.room, 64},
				{1, 0xffffffff},
			} {
				r, _, err := callBy(mod, "grow", deadline, uint64(step.by))
				if err != nil || uint32(r[0]) != step.want {
					t.Fatalf("table.grow(%d) = %v, %v; want %d", step.by, r, err, int32(step.want))
				}
			}
			if r, _, err := callBy(mod, "size", deadline); err != nil || uint32(r[0]) != 64+c.room {
				t.Fatalf("table.size = %v, %v; want %d", r, err, 64+c.room)
			}
		})
	}
}

// TestTableGrowDoesNotTakeMemory: a plugin that grows its table by a
// million entries (8 MiB) a call, sixteen times, leaves the host's heap as
// it was (unmetered it took 128 MiB and more, never given back), and
// serves its next call.
func TestTableGrowDoesNotTakeMemory(t *testing.T) {
	ctx := context.Background()
	h, _ := rawHost(t, Limits{Instances: 1})
	p, err := loadBulkPlugin(t, h, bulkPlugin())
	if err != nil {
		t.Fatal(err)
	}
	answersOK(t, p)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for range 16 {
		if out, err := p.Call(ctx, "demo", 3, nil); err != nil || string(out) != "ok" {
			t.Fatalf("%q, %v", out, err)
		}
	}
	if after := heap(); after > before+8<<20 {
		t.Fatalf("the heap grew from %d to %d MiB", before>>20, after>>20)
	}
	answersOK(t, p)
}

// TestTablesTooLargeAreRefused: a module whose tables start with more
// than maxTableEntries entries, that has more than maxTables tables, or
// that imports a table is refused before it is compiled, saying why.
func TestTablesTooLargeAreRefused(t *testing.T) {
	op := []asmFunc{{name: "op", results: []byte{valI32}, body: i32Const(0)}}
	many := make([]asmLimits, maxTables+1)
	for _, c := range []struct {
		name, want string
		m          asmModule
	}{
		{"one too large", "may start with 1048576 in all", asmModule{funcs: op, tables: []asmLimits{{min: maxTableEntries + 1, max: noMax}}}},
		{"two too large together", "may start with 1048576 in all", asmModule{funcs: op, tables: []asmLimits{{min: maxTableEntries / 2, max: noMax}, {min: maxTableEntries/2 + 1, max: noMax}}}},
		{"too many", "defines 9 tables", asmModule{funcs: op, tables: many}},
		{"imported", "imports a table", asmModule{funcs: op, importTable: true}},
	} {
		_, err := instrument(c.m.bytes())
		if !errors.Is(err, ErrInstrument) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want ErrInstrument saying %q", c.name, err, c.want)
		}
	}
	if _, err := instrument(asmModule{funcs: op, tables: []asmLimits{{min: maxTableEntries, max: noMax}}}.bytes()); err != nil {
		t.Errorf("a table of %d entries: %v", maxTableEntries, err)
	}

	// and at load, with the reason
	ctx := context.Background()
	h, err := New(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	m := bulkPlugin()
	big := asmModule{funcs: op, tables: []asmLimits{{min: maxTableEntries + 1, max: noMax}}}.bytes()
	if _, err := loadBulkPlugin(t, h, big); err == nil || !strings.Contains(err.Error(), "may start with") {
		t.Fatalf("load of a module with a table of %d entries: %v", maxTableEntries+1, err)
	}
	if _, err := loadBulkPlugin(t, h, m); err != nil {
		t.Fatalf("then a good one: %v", err)
	}
}

// meterSeeds are modules with every instruction and call the meter
// charges, and tables, for FuzzInstrument.
func meterSeeds() [][]byte {
	var seeds [][]byte
	for _, op := range bulkOps {
		seeds = append(seeds, bulkModule(op.body).bytes())
	}
	for _, c := range wasiCalls {
		seeds = append(seeds, wasiModule(1, c.call))
	}
	// random_get imported with another signature: not charged (it cannot
	// be instantiated), and the module still compiles
	wrong := asmModule{wasi: []asmFunc{{name: "random_get"}}, funcs: []asmFunc{{name: "op", body: call(1)}}}
	return append(seeds, bulkPlugin(), wrong.bytes(),
		asmModule{funcs: []asmFunc{{name: "f", params: []byte{valI64, valI32}, results: []byte{valI32}, locals: []byte{valI32, valI64}, body: code(refNullFunc, localGet(1), tableGrow)}},
			tables: []asmLimits{{min: 3, max: 5}, {min: 0, max: noMax}}}.bytes())
}

// TestMeterSeedsCompile: the seeds FuzzInstrument starts from are modules
// wazero compiles, before and after instrument (the scratch local has the
// index and type the instructions need), so that the fuzzer starts from
// modules that test something.
func TestMeterSeedsCompile(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	for i, m := range meterSeeds() {
		out, err := instrument(m)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		for _, b := range [][]byte{m, out} {
			c, err := rt.CompileModule(ctx, b)
			if err != nil {
				t.Fatalf("seed %d: %v", i, err)
			}
			c.Close(ctx)
		}
	}
}

// BenchmarkMeterBulkCharge reports the fuel the meter charges per
// microsecond of each bulk instruction, at a size that stays in the
// processor's caches and at one that does not: compare with what ordinary
// code burns (about 140 units a microsecond in the shipped plugins). The
// charge is calibrated on the large sizes, the slower per byte.
//
//	go test -run '^$' -bench MeterBulkCharge ./wasm/host
func BenchmarkMeterBulkCharge(b *testing.B) {
	ctx := context.Background()
	h, err := New(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(ctx)
	for _, op := range bulkOps[:6] { // table.grow is bounded by the table cap
		sizes, shift := []int{64 << 10, 16 << 20}, memoryShift
		if strings.HasPrefix(op.name, "table.") {
			sizes, shift = []int{4 << 10, 256 << 10}, tableShift
		}
		for _, n := range sizes {
			m := bulkModule(op.body)
			m.pages = 1 + uint32(n>>16)
			if strings.HasPrefix(op.name, "table.") {
				m.tables, m.elems = []asmLimits{{min: uint32(n) + 64, max: noMax}}, []uint32{uint32(n)}
			}
			if op.name == "memory.init" {
				m.data[1].b = make([]byte, n)
			}
			b.Run(fmt.Sprintf("%s/%d", op.name, n), func(b *testing.B) {
				mod := meteredB(b, h, m.bytes())
				f := mod.ExportedFunction("op")
				cctx := context.WithValue(ctx, stateKey{}, &callState{deadline: time.Now().Add(time.Hour)})
				for b.Loop() {
					if _, err := f.Call(cctx, uint64(n)); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n>>shift)*float64(b.N)/float64(b.Elapsed().Microseconds()), "fuel/µs")
			})
		}
	}
}
