package host

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// A module whose exports do not have the ABI's signatures is refused at
// load with ErrABI naming the export and the signature it must have;
// before, a call into one without a result crashed the process (index out
// of range reading its result).
func TestHostileExportSignaturesAreRefused(t *testing.T) {
	h, _ := rawHost(t, Limits{})
	for _, c := range []struct {
		name   string
		change func(m *asmModule)
		want   string
	}{
		{"call without a result", func(m *asmModule) {
			f := m.export(abi.ExportCall)
			f.results, f.body = nil, nil
		}, "edgedesk_call is (i32, i32, i32) -> (); the ABI wants (i32, i32, i32) -> (i64)"},
		{"call with two params", func(m *asmModule) { m.export(abi.ExportCall).params = []byte{valI32, valI32} },
			"edgedesk_call is (i32, i32) -> (i64); the ABI wants (i32, i32, i32) -> (i64)"},
		{"alloc without a result", func(m *asmModule) {
			f := m.export(abi.ExportAlloc)
			f.results, f.body = nil, nil
		}, "edgedesk_alloc is (i32) -> (); the ABI wants (i32) -> (i32)"},
		{"alloc of an i64", func(m *asmModule) { m.export(abi.ExportAlloc).params = []byte{valI64} },
			"edgedesk_alloc is (i64) -> (i32); the ABI wants (i32) -> (i32)"},
		{"abi without a result", func(m *asmModule) {
			f := m.export(abi.ExportABI)
			f.results, f.body = nil, nil
		}, "edgedesk_abi is () -> (); the ABI wants () -> (i32)"},
		{"abi answering an i64", func(m *asmModule) {
			f := m.export(abi.ExportABI)
			f.results, f.body = []byte{valI64}, i64Const(abi.Version)
		}, "edgedesk_abi is () -> (i64); the ABI wants () -> (i32)"},
		{"_initialize with a result", func(m *asmModule) {
			m.add(asmFunc{name: "_initialize", results: []byte{valI32}, body: i32Const(0)})
		}, "_initialize is () -> (i32); the ABI wants () -> ()"},
		{"no memory", func(m *asmModule) { m.pages, m.data = 0, nil }, "exports no memory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := goodModule()
			c.change(&m)
			p, err := h.Load(context.Background(), rawPackage(t, "wrongsig", m.bytes()))
			if err == nil {
				// what the probe did: call it (this crashed the edge)
				_, err = p.Call(context.Background(), "demo", abi.OpRoute, []byte{0xa0})
				t.Fatalf("loaded; a call gives %v", err)
			}
			if !errors.Is(err, ErrABI) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("load: %v; want ErrABI saying %q", err, c.want)
			}
		})
	}
	// the module all of them were made from loads and answers
	p, err := h.Load(context.Background(), rawPackage(t, "good", goodModule().bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Call(context.Background(), "demo", abi.OpRoute, []byte{0xa0}); err != nil {
		t.Fatalf("the well-formed module: %v", err)
	}
}

// Defence in depth: should a module the load checks missed make the host
// panic in a call, the call returns ErrTrap with the panic's text, counts
// result "panic", throws the instance away, and the process lives on.
func TestHostPanicInACallIsContained(t *testing.T) {
	ctx := context.Background()
	h, reg := rawHost(t, Limits{Instances: 1})
	m := goodModule()
	f := m.export(abi.ExportAlloc) // edgedesk_alloc answers nothing: the host reads a[0]
	f.results, f.body = nil, nil
	// past the checks of Load, as a module they did not foresee would be
	wasm, err := instrument(m.bytes())
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := h.rt.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	v := &version{m: Manifest{Name: "bypass"}, compiled: compiled, granted: map[string]bool{},
		idle: make(chan *instance, 1), done: make(chan struct{})}
	inst, err := h.instantiate(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	v.idle <- inst
	p := h.plugin("bypass", v)
	for i := range 2 { // the second call runs on the instance made in place of the first
		_, err = p.Call(ctx, "demo", abi.OpRoute, []byte{0xa0})
		if !errors.Is(err, ErrTrap) || !strings.Contains(err.Error(), "index out of range") {
			t.Fatalf("call %d: %v; want ErrTrap with the panic's text", i, err)
		}
	}
	if !inst.mod.IsClosed() {
		t.Error("the instance the host panicked on was not thrown away")
	}
	if got := counted(t, reg, "bypass", "panic"); got != 2 {
		t.Errorf("calls_total{result=panic} = %v, want 2", got)
	}
	good, err := h.Load(ctx, rawPackage(t, "good", goodModule().bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := good.Call(ctx, "demo", abi.OpRoute, []byte{0xa0}); err != nil {
		t.Fatalf("another plugin after the panic: %v", err)
	}
}

// A module whose start section (which wazero runs inside InstantiateModule,
// whatever WithStartFunctions says) or _initialize loops forever is stopped
// at the start deadline by the meter: Load returns ErrTimeout, the core is
// free again, and the host loads and calls the next plugin.
func TestHostileStartIsStopped(t *testing.T) {
	const deadline = 300 * time.Millisecond
	h, _ := rawHost(t, Limits{Start: deadline})
	for _, c := range []struct {
		name   string
		change func(m *asmModule)
	}{
		{"start section", func(m *asmModule) {
			m.start = m.add(asmFunc{body: spinForever})
		}},
		{"_initialize", func(m *asmModule) {
			m.add(asmFunc{name: "_initialize", body: spinForever})
		}},
		{"start section calling a loop", func(m *asmModule) {
			spinner := m.add(asmFunc{body: spinForever})
			m.start = m.add(asmFunc{body: call(spinner)})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := goodModule()
			c.change(&m)
			pk := rawPackage(t, "spinner", m.bytes())
			start := time.Now()
			done := make(chan error, 1)
			go func() {
				_, err := h.Load(context.Background(), pk)
				done <- err
			}()
			select {
			case err := <-done:
				took := time.Since(start)
				t.Logf("stopped after %s (deadline %s)", took, deadline)
				if !errors.Is(err, ErrTimeout) {
					t.Fatalf("load: %v, want ErrTimeout", err)
				}
				if took > deadline+3*time.Second {
					t.Fatalf("stopped after %s", took)
				}
			case <-time.After(deadline + 10*time.Second):
				t.Fatal("load of a module that loops in its start has not returned after 10 s")
			}
			good, err := h.Load(context.Background(), rawPackage(t, "good", goodModule().bytes()))
			if err != nil {
				t.Fatalf("a load after it: %v", err)
			}
			if _, err := good.Call(context.Background(), "demo", abi.OpRoute, []byte{0xa0}); err != nil {
				t.Fatalf("a call after it: %v", err)
			}
		})
	}
}

// The start deadline is the caller's when that comes first.
func TestStartDeadlineFollowsTheContext(t *testing.T) {
	h, _ := rawHost(t, Limits{Start: time.Minute})
	m := goodModule()
	m.start = m.add(asmFunc{body: spinForever})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.Load(ctx, rawPackage(t, "spinner", m.bytes()))
	if !errors.Is(err, ErrTimeout) || time.Since(start) > 5*time.Second {
		t.Fatalf("load: %v after %s, want ErrTimeout soon after 200 ms", err, time.Since(start))
	}
}
