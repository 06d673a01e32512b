package host

import (
	"bytes"
	"testing"
	"time"
)

// TestBulkInChunksDoesWhatOneInstructionDoes: memory.fill, memory.copy
// (overlapping, both ways) and memory.init of more than bulkChunk run as a
// loop of chunks (meter.go); the memory afterwards is what one
// instruction leaves, which Go's copy and a loop compute here.
func TestBulkInChunksDoesWhatOneInstructionDoes(t *testing.T) {
	h := newTestHost(t, Limits{})
	const size = 5*bulkChunk/2 + 13 // two chunks and a rest
	const pages = 16 * 64           // 4 MiB
	pattern := make([]byte, size+bulkChunk)
	for i := range pattern {
		pattern[i] = byte(i*7 + i>>9)
	}
	seg := pattern[:size]
	for _, c := range []struct {
		name string
		body []byte
		want func(mem []byte)
	}{
		{"memory.fill", code(i32Const(5), i32Const(0xab), i32Const(size), memoryFill),
			func(mem []byte) {
				for i := 5; i < 5+size; i++ {
					mem[i] = 0xab
				}
			}},
		{"memory.copy down, overlapping", code(i32Const(1000), i32Const(1000+bulkChunk/3), i32Const(size), memoryCopy),
			func(mem []byte) { copy(mem[1000:], mem[1000+bulkChunk/3:1000+bulkChunk/3+size]) }},
		{"memory.copy up, overlapping", code(i32Const(1000+bulkChunk/3), i32Const(1000), i32Const(size), memoryCopy),
			func(mem []byte) { copy(mem[1000+bulkChunk/3:], mem[1000:1000+size]) }},
		{"memory.init", code(i32Const(3), i32Const(7), i32Const(size-7), memoryInit(0)),
			func(mem []byte) { copy(mem[3:], seg[7:]) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := asmModule{pages: pages, data: []asmData{{passive: true, b: seg}},
				funcs: []asmFunc{{name: "op", params: []byte{valI32}, results: []byte{valI32}, body: code(c.body, i32Const(0))}}}
			mod := metered(t, h, m.bytes())
			// memory starts as the pattern, so that copies move something
			init, _ := mod.Memory().Read(0, uint32(len(pattern)))
			copy(init, pattern)
			want := bytes.Clone(init)
			c.want(want)
			if _, _, err := callBy(mod, "op", time.Now().Add(time.Minute), 0); err != nil {
				t.Fatal(err)
			}
			got, _ := mod.Memory().Read(0, uint32(len(pattern)))
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("byte %d is %#x, one instruction leaves %#x", i, got[i], want[i])
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// TestOneBulkInstructionStopsAtTheDeadline: a single memory.fill of 60
// MiB that starts before its deadline stops soon after it. As one
// instruction it ran to its end: 10 ms in the caches, 300 ms on pages
// touched for the first time in a virtual machine, holding its core.
// The same for one random_get of 60 MiB (0.4 s), which the host writes in
// chunks of 64 KiB.
func TestOneBulkInstructionStopsAtTheDeadline(t *testing.T) {
	h := newTestHost(t, Limits{})
	const n = 60 << 20
	for _, c := range []struct {
		name string
		wasi []asmFunc
		body []byte
	}{
		{"memory.fill", nil, code(i32Const(0), i32Const(1), i32Const(n), memoryFill, i32Const(0))},
		{"random_get", []asmFunc{randomGet}, code(i32Const(0), i32Const(n), call(1))},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := asmModule{pages: 1024, wasi: c.wasi, // 64 MiB
				funcs: []asmFunc{{name: "op", params: []byte{valI32}, results: []byte{valI32}, body: c.body}}}
			mod := metered(t, h, m.bytes())
			start := time.Now()
			_, timedOut, err := callBy(mod, "op", start.Add(time.Millisecond), 0)
			took := time.Since(start)
			t.Logf("stopped after %s (deadline 1 ms)", took)
			if !timedOut || err == nil {
				t.Fatalf("one %s of 60 MiB ran to its end (%s): %v; want it stopped at its deadline", c.name, took, err)
			}
		})
	}
}
