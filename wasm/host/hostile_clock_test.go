package host

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// The wall clock and randomness of WASI are granted to every plugin,
// whatever its manifest says: Go's runtime reads both (time.Now, the
// scheduler's timers, the seeds of its maps and of math/rand), and a
// plugin's crypto/rand must never silently get predictable bytes. The
// capability clock grants edgedesk.now_ms and nothing more. This test pins
// that down, so that docs/plugins.md and the host cannot drift apart.
func TestClockAndRandomAreAlwaysGranted(t *testing.T) {
	h, _ := rawHost(t, Limits{})
	m := goodModule()
	res := (&abi.Result{Output: make([]byte, 24)}).Encode()
	out := int32(resultAt + len(res) - 24) // the Output's bytes: 8 of time, 16 of randomness
	m.data[0].b = res
	m.export(abi.ExportCall).body = code(
		i32Const(0), i64Const(0), i32Const(out), call(fnClock), drop, // clock_time_get(realtime, 0, out)
		i32Const(out+8), i32Const(16), call(fnRandom), drop, // random_get(out+8, 16)
		i64Const(resultAt<<32|int64(len(res))),
	)
	p, err := h.Load(context.Background(), rawPackage(t, "clocky", m.bytes())) // no capability
	if err != nil {
		t.Fatal(err)
	}
	var seen [][]byte
	for range 2 {
		got, err := p.Call(context.Background(), "demo", abi.OpRoute, []byte{0xa0})
		if err != nil || len(got) != 24 {
			t.Fatalf("call: %x, %v", got, err)
		}
		now := time.Unix(0, int64(binary.LittleEndian.Uint64(got)))
		if d := time.Since(now); d < 0 || d > time.Minute {
			t.Errorf("the plugin's wall clock says %s", now)
		}
		seen = append(seen, got[8:])
	}
	if bytes.Equal(seen[0], seen[1]) || bytes.Equal(seen[0], make([]byte, 16)) {
		t.Errorf("random_get gave %x, then %x", seen[0], seen[1])
	}
}
