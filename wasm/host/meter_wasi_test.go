package host

import (
	"testing"
	"time"
)

// The WASI functions whose work grows with an argument, imported as
// functions 1, 2 and 3 (types 1, 2 and 3), and put in table 0 at entries
// 0, 1 and 2 for call_indirect.
var wasiCharged = []asmFunc{randomGet, fdWrite, pollOneoff}

// wasiCalls call each of them with size n (local 0), directly and through
// the table; buffers, iovecs and subscriptions are at 1024.
var wasiCalls = []struct {
	name string
	call []byte
}{
	{"random_get", code(i32Const(1024), localGet(0), call(1))},
	{"fd_write", code(i32Const(2), i32Const(1024), localGet(0), i32Const(8), call(2))},
	{"poll_oneoff", code(i32Const(1024), i32Const(1024), localGet(0), i32Const(8), call(3))},
	{"random_get through the table", code(i32Const(1024), localGet(0), i32Const(0), callIndirect(1))},
	{"fd_write through the table", code(i32Const(2), i32Const(1024), localGet(0), i32Const(8), i32Const(1), callIndirect(2))},
	{"poll_oneoff through the table", code(i32Const(1024), i32Const(1024), localGet(0), i32Const(8), i32Const(2), callIndirect(3))},
}

func wasiModule(pages uint32, body []byte) []byte {
	return asmModule{
		wasi:   wasiCharged,
		funcs:  []asmFunc{{name: "op", params: []byte{valI32}, results: []byte{valI32}, body: body}},
		pages:  pages,
		tables: []asmLimits{{min: 3, max: noMax}},
		table0: []uint32{1, 2, 3},
	}.bytes()
}

// TestMeterChargesWASICalls: a call of random_get, fd_write or
// poll_oneoff (one took 0.2 s for 32 MiB of random bytes, 600,000
// subscriptions or 7 M iovecs) is charged by its size before it is made,
// as the bulk instructions are: past the deadline a small one is made and
// a huge one is not.
func TestMeterChargesWASICalls(t *testing.T) {
	h := newTestHost(t, Limits{})
	past := time.Now().Add(-time.Second)
	for _, c := range wasiCalls {
		t.Run(c.name, func(t *testing.T) {
			m := wasiModule(1, c.call)
			r, timedOut, err := callBy(metered(t, h, m), "op", past, 16)
			if err != nil || timedOut || r[0] != 0 {
				t.Fatalf("op(16) past the deadline = %v, %v (timed out: %v); want errno 0, the call made", r, err, timedOut)
			}
			_, timedOut, err = callBy(metered(t, h, m), "op", past, 1<<30)
			if !timedOut || err == nil {
				t.Fatalf("op(1<<30) past the deadline: %v (timed out: %v); want it ended by the meter before the call", err, timedOut)
			}
		})
	}
}

// TestMeterStopsAWASILoop: a loop that asks for a megabyte of random
// bytes, writes 262,144 iovecs or polls 25,000 subscriptions each time
// stops at the deadline (unmetered: one unit of fuel an iteration, 10,000
// iterations of 1-10 ms between two checks: 7.7 s for random_get).
func TestMeterStopsAWASILoop(t *testing.T) {
	h := newTestHost(t, Limits{})
	for _, c := range []struct {
		name string
		n    int32
		call []byte
	}{
		{"random_get", 1 << 20, wasiCalls[0].call},
		{"fd_write", 1 << 18, wasiCalls[1].call},
		{"poll_oneoff", 25000, wasiCalls[2].call},
	} {
		t.Run(c.name, func(t *testing.T) {
			mod := metered(t, h, wasiModule(160, code(loop, i32Const(c.n), localSet(0), c.call, drop, br(0), end, i32Const(0))))
			start := time.Now()
			deadline := start.Add(50 * time.Millisecond)
			_, timedOut, err := callBy(mod, "op", deadline, 0)
			d := time.Since(start)
			if !timedOut || err == nil {
				t.Fatalf("%v after %s (timed out: %v)", err, d, timedOut)
			}
			if d > 500*time.Millisecond {
				t.Fatalf("stopped after %s; the deadline was 50 ms", d)
			}
			t.Logf("stopped after %s (deadline 50 ms)", d)
		})
	}
}
