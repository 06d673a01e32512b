package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

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
	f.locals = []byte{valI32, valI32}
	f.body = code(
		localGet(0), i32Const(2), i32Eq, ifThen, unreachable, end, // if op == 2: unreachable
		memorySize, localSet(old),
		block,
		localGet(old), i32Const(pages), i32GeU, brIf(0), // grown already
		i32Const(pages), localGet(old), i32Sub, memoryGrow, // memory.grow(pages - old)
		i32Const(-1), i32Eq, brIf(0), // refused
		localGet(old), i32Const(65536), i32Mul, localSet(p),
		loop, // one byte in every 4 KiB
		localGet(p), i32Const(1), i32Store8,
		localGet(p), i32Const(4096), i32Add, localTee(p), i32Const(pages*65536), i32LtU, brIf(0), // while p < end
		end, end, // loop, block
		i64Const(resultAt<<32|int64(len(ok))),
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
// system at once: of a version swapped out, and of instances thrown away
// after failing; and it was never on the Go heap (linmem.go). Before,
// wazero's linear memories (Go heap) stayed resident until a garbage
// collection that a quiet heap may not run for a long time, and then Go's
// scavenger returned them slowly: an edge whose plugin leaked to its cap
// and was replaced stayed at 1.3 GB.
func TestMemoryOfClosedInstancesComesBack(t *testing.T) {
	const instances = 4
	const leakMiB = 40 // of a 64 MiB cap
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
			if during.rss-before.rss < leaked*3/4 {
				t.Fatalf("%s before the plugin leaked %d MiB, %s after: the test measures nothing", before, leaked>>20, during)
			}
			if during.heap-before.heap > leaked/8 {
				t.Fatalf("%s before the plugin leaked %d MiB, %s after: its memory is on the Go heap", before, leaked>>20, during)
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
				return r.rss-before.rss < leaked/8
			}
			start := time.Now()
			after := measure(t)
			for ; !back(after) && time.Since(start) < 2*time.Second; after = measure(t) {
				time.Sleep(10 * time.Millisecond)
			}
			t.Logf("before: %s; leaking %d MiB: %s; %s after the instances closed: %s",
				before, leaked>>20, during, time.Since(start).Round(time.Millisecond), after)
			if !back(after) {
				t.Fatalf("%s: 2 s after the instances that leaked %d MiB closed, %s; before they leaked, %s",
					how, leaked>>20, after, before)
			}
			if _, err := p.Call(ctx, "demo", abi.OpRoute, []byte{0xa0}); err != nil {
				t.Fatalf("a call afterwards: %v", err)
			}
		})
	}
}

// A plugin's instances together may grow their memory by Instances ×
// MemoryMiB per QuotaWindow: an instance that grows to 40 MiB is within
// it, and after it is thrown away, the next one growing 40 MiB more is
// refused its growth and the call fails with ErrQuota, even though the
// module lives on with memory.grow's −1.
func TestMemoryGrowthQuota(t *testing.T) {
	ctx := context.Background()
	h, _ := rawHost(t, Limits{MemoryMiB: 64, Instances: 1, Timeout: 5 * time.Second})
	p, err := h.Load(ctx, rawPackage(t, "grower", leakModule(40)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Call(ctx, "demo", abi.OpRoute, []byte{0xa0}); err != nil {
		t.Fatalf("growing 40 MiB of a 64 MiB quota: %v", err)
	}
	if _, err := p.Call(ctx, "demo", 2, nil); !errors.Is(err, ErrTrap) {
		t.Fatalf("the trap: %v", err)
	}
	_, err = p.Call(ctx, "demo", abi.OpRoute, []byte{0xa0})
	if !errors.Is(err, ErrQuota) || !strings.Contains(err.Error(), "grew by more than 64 MiB in 10s") {
		t.Fatalf("a new instance growing 40 MiB more: %v, want ErrQuota naming 64 MiB in 10s", err)
	}
	if got := testutil.ToFloat64(h.quotas.exceeded.WithLabelValues("grower", QuotaMemory)); got != 1 {
		t.Fatalf("edgedesk_plugin_quota_exceeded_total{quota=memory} = %v, want 1", got)
	}
}
