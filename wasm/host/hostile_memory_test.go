package host

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// leakModule grows its memory to mib MiB on its first call and writes to
// every page of it, so that the memory is resident; later calls answer at
// once. With op 2 it traps instead.
func leakModule(mib int32) []byte {
	m := goodModule()
	ok := (&abi.Result{}).Encode()
	pages := mib * 16
	const old, p = 3, 4 // locals after the three params
	f := m.export(abi.ExportCall)
	f.locals = []byte{vI32, vI32}
	f.body = wcode(
		wget(0), wi32(2), []byte{0x46, 0x04, 0x40, 0x00, 0x0b}, // if op == 2: unreachable
		[]byte{0x3f, 0x00}, wset(old), // memory.size
		[]byte{0x02, 0x40},                               // block
		wget(old), wi32(pages), []byte{0x4f, 0x0d, 0x00}, // br_if grown (ge_u)
		wi32(pages), wget(old), []byte{0x6b, 0x40, 0x00}, // memory.grow(pages - old)
		wi32(-1), []byte{0x46, 0x0d, 0x00}, // br_if refused
		wget(old), wi32(65536), []byte{0x6c}, wset(p),
		[]byte{0x03, 0x40},                         // loop: one byte in every 4 KiB
		wget(p), wi32(1), []byte{0x3a, 0x00, 0x00}, // vI32.store8
		wget(p), wi32(4096), []byte{0x6a}, wtee(p), wi32(pages*65536), []byte{0x49, 0x0d, 0x00}, // br_if p < end
		[]byte{0x0b, 0x0b}, // end loop, end block
		wi64(resultAt<<32|int64(len(ok))),
	)
	return m.bytes()
}

// resident is the memory the process holds: its RSS, and what of it Go's
// heap holds (objects, including garbage not yet collected, and free pages
// not yet returned to the system), which the race detector's shadow
// memory does not blur.
type resident struct{ rss, heap int64 }

func measure(t testing.TB) resident {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	pages, err := strconv.ParseInt(string(bytes.Fields(b)[1]), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	r := resident{rss: pages * int64(os.Getpagesize())}
	for _, m := range s {
		r.heap += int64(m.Value.Uint64())
	}
	return r
}

func (r resident) String() string {
	return fmt.Sprintf("RSS %d MiB (Go heap %d MiB)", r.rss>>20, r.heap>>20)
}

// The memory of instances that are closed comes back to the operating
// system within seconds: of a version swapped out, and of instances thrown
// away after failing. Before, wazero's linear memories (Go heap) stayed
// resident until a garbage collection that a quiet heap may not run for a
// long time, and then Go's scavenger returned them slowly: an edge whose
// plugin leaked to its cap and was replaced stayed at 1.3 GB.
func TestMemoryOfClosedInstancesComesBack(t *testing.T) {
	const instances = 4
	leakMiB := int32(40) // of a 64 MiB cap
	if raceDetector {
		leakMiB = 16 // under the race detector, growing a memory costs ~30 ms per MiB
	}
	leaked := int64(instances*leakMiB) << 20
	for _, how := range []string{"swapped", "thrown away"} {
		t.Run(how, func(t *testing.T) {
			ctx := context.Background()
			h, _ := rawHost(t, Limits{MemoryMiB: 64, Instances: instances, Timeout: 20 * time.Second})
			p, err := h.Load(ctx, rawPackage(t, "leaky", leakModule(leakMiB)))
			if err != nil {
				t.Fatal(err)
			}
			before := measure(t)
			leakStart := time.Now()
			// every instance serves one call at a time: as many callers as
			// instances, calling until each instance has leaked
			var wg sync.WaitGroup
			errs := make(chan error, instances)
			for range instances {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 20 {
						if _, err := p.Call(ctx, "demo", abi.OpRoute, []byte{0xa0}); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			during := measure(t)
			t.Logf("leaking %d MiB took %s", leaked>>20, time.Since(leakStart).Round(time.Millisecond))
			if during.heap-before.heap < leaked*3/4 || !raceDetector && during.rss-before.rss < leaked*3/4 {
				t.Fatalf("%s before the plugin leaked %d MiB, %s after: the test measures nothing", before, leaked>>20, during)
			}
			switch how {
			case "swapped":
				if err := p.Swap(ctx, rawPackage(t, "leaky", goodModule().bytes())); err != nil {
					t.Fatal(err)
				}
			case "thrown away":
				for range 2 * instances { // each trap throws its instance away
					if _, err := p.Call(ctx, "demo", 2, nil); err == nil {
						t.Fatal("the trap did not trap")
					}
				}
			}
			back := func(r resident) bool {
				return r.heap-before.heap < leaked/2 && (raceDetector || r.rss-before.rss < leaked/2)
			}
			start := time.Now()
			after := measure(t)
			for ; !back(after) && time.Since(start) < 8*time.Second; after = measure(t) {
				time.Sleep(50 * time.Millisecond)
			}
			t.Logf("before: %s; leaking %d MiB: %s; %s after the instances closed: %s",
				before, leaked>>20, during, time.Since(start).Round(time.Millisecond), after)
			if !back(after) {
				t.Fatalf("%s: 8 s after the instances that leaked %d MiB closed, %s; before they leaked, %s",
					how, leaked>>20, after, before)
			}
			if _, err := p.Call(ctx, "demo", abi.OpRoute, []byte{0xa0}); err != nil {
				t.Fatalf("a call afterwards: %v", err)
			}
		})
	}
}
