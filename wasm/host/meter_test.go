package host

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
)

// spin is a module whose export "run" loops forever:
//
//	(module
//	  (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))
//	  (func (export "run") (loop (br 0))))
var spin = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x0b, 0x02, 0x60, 0x03, 0x7f, 0x7e, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, // types: (i32 i64 i32) -> i32, () -> ()
	0x02, 0x29, 0x01, 0x16, 'w', 'a', 's', 'i', '_', 's', 'n', 'a', 'p', 's', 'h', 'o', 't', '_', 'p', 'r', 'e', 'v', 'i', 'e', 'w', '1',
	0x0e, 'c', 'l', 'o', 'c', 'k', '_', 't', 'i', 'm', 'e', '_', 'g', 'e', 't', 0x00, 0x00, // import func of type 0
	0x03, 0x02, 0x01, 0x01, // function 1 of type 1
	0x07, 0x07, 0x01, 0x03, 'r', 'u', 'n', 0x00, 0x01, // export "run" = func 1
	0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, // loop br 0 end end
}

// TestMeterStopsALoop: a module that spins stops at its deadline, through
// the host's metering clock, even with every core spinning in one.
func TestMeterStopsALoop(t *testing.T) {
	ctx := context.Background()
	h, err := New(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	out, err := instrument(spin)
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := h.rt.CompileModule(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	n := runtime.GOMAXPROCS(0) + 1
	errs := make(chan error, n)
	start := time.Now()
	for range n {
		go func() {
			mod, err := h.rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
			if err != nil {
				errs <- err
				return
			}
			st := &callState{deadline: time.Now().Add(30 * time.Millisecond)}
			_, err = mod.ExportedFunction("run").Call(context.WithValue(ctx, stateKey{}, st))
			if !st.timedOut {
				err = fmt.Errorf("not stopped by the deadline: %v", err)
			} else if err == nil {
				err = errors.New("returned without an error")
			} else {
				err = nil
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("stopped after %s", d)
	}
}

func TestInstrumentRefusesWhatItCannotRead(t *testing.T) {
	clockI32 := append([]byte{}, spin...)
	clockI32[14] = 0x7f // clock_time_get (i32 i32 i32) -> i32: the meter's call would not compile
	for name, mod := range map[string][]byte{
		"clock signature": clockI32,
		"not wasm":        []byte("#!/bin/sh\n"),
		"truncated":       spin[:len(spin)-3],
		"unknown opcode":  append(append([]byte{}, spin[:len(spin)-7]...), 0x07, 0x00, 0x03, 0x40, 0x0c, 0xe0, 0x0b),
		"section order":   append(append([]byte{}, spin[:8]...), append(append([]byte{}, spin[64:68]...), spin[8:21]...)...),
		"no code section": spin[:len(spin)-11],
		"no clock import": append(append(append([]byte{}, spin[:8]...), 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00), spin[len(spin)-11:]...),
	} {
		if _, err := instrument(mod); !errors.Is(err, ErrInstrument) {
			t.Errorf("%s: %v, want ErrInstrument", name, err)
		}
	}
}

// FuzzInstrument: whatever bytes come as a plugin, instrument refuses them
// or returns a module that wazero compiles whenever it compiles the
// original; it never panics.
func FuzzInstrument(f *testing.F) {
	f.Add(spin)
	f.Add(spin[:20])
	for _, m := range meterSeeds() {
		f.Add(m)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := instrument(b)
		if err != nil {
			if !errors.Is(err, ErrInstrument) {
				t.Fatalf("error without ErrInstrument: %v", err)
			}
			return
		}
		orig, oerr := rt.CompileModule(ctx, b)
		if oerr != nil {
			return
		}
		orig.Close(ctx)
		m, err := rt.CompileModule(ctx, out)
		if err != nil {
			t.Fatalf("the original compiles, the instrumented does not: %v", err)
		}
		m.Close(ctx)
	})
}
