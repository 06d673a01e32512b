package host

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// spin is a module whose export "run" loops forever:
//
//	(module (func (export "run") (loop (br 0))))
var spin = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
	0x03, 0x02, 0x01, 0x00, // function 0 of type 0
	0x07, 0x07, 0x01, 0x03, 'r', 'u', 'n', 0x00, 0x00, // export "run"
	0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, // loop br 0 end end
}

func TestInterruptStopsALoop(t *testing.T) {
	ctx := context.Background()
	out, err := instrument(spin)
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.Instantiate(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	stop, ok := mod.ExportedGlobal(InterruptGlobal).(api.MutableGlobal)
	if !ok {
		t.Fatal("no interrupt global")
	}
	inst := &instance{mod: mod, stop: stop}
	start := time.Now()
	fired, err := inst.deadline(30*time.Millisecond, func() error {
		_, err := mod.ExportedFunction("run").Call(ctx)
		return err
	})
	if !fired || err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("fired %v, err %v", fired, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("stopped after %s", d)
	}
	if stop.Get() != 0 {
		t.Fatal("the flag stayed set after the call")
	}
}

func TestInstrumentRefusesWhatItCannotRead(t *testing.T) {
	for name, mod := range map[string][]byte{
		"not wasm":        []byte("#!/bin/sh\n"),
		"truncated":       spin[:len(spin)-3],
		"unknown opcode":  append(append([]byte{}, spin[:len(spin)-7]...), 0x07, 0x00, 0x03, 0x40, 0x0c, 0xe0, 0x0b),
		"section order":   append(append([]byte{}, spin[:8]...), append(append([]byte{}, spin[14:18]...), spin[8:14]...)...),
		"no code section": spin[:27],
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
