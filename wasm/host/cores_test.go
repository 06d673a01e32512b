package host

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/wasm/abi"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skipf("no /proc/self/stat to read the process's CPU time: %v", err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond // clock ticks of 10 ms
}

// TestPluginsLeaveACore: four calls spinning to their deadlines, on a host
// whose plugins may use one core, use about one core in all, and each still
// stops at its deadline (they take turns, none waits out the others).
// Without Limits.Cores they took every core.
func TestPluginsLeaveACore(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: plugins and the rest share it whatever the limit; this needs two to show")
	}
	m := goodModule()
	m.export(abi.ExportCall).body = code(spinForever, unreachable)
	h, reg := rawHost(t, Limits{Cores: 1, Instances: 4, Timeout: 400 * time.Millisecond})
	p, err := h.Load(context.Background(), rawPackage(t, "spinner", m.bytes()))
	if err != nil {
		t.Fatal(err)
	}
	const calls = 4
	var wg sync.WaitGroup
	took := make([]time.Duration, calls)
	errs := make([]error, calls)
	cpu0, start := cpuTime(t), time.Now()
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := time.Now()
			_, errs[i] = p.Call(context.Background(), "demo", abi.OpRoute, nil)
			took[i] = time.Since(s)
		}()
	}
	wg.Wait()
	wall, cpu := time.Since(start), cpuTime(t)-cpu0
	t.Logf("%d spinning calls: %s of CPU in %s (%.2f cores); each took %v", calls, cpu, wall, cpu.Seconds()/wall.Seconds(), took)
	for i, err := range errs {
		if !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrBusy) {
			t.Fatalf("call %d: %v, want it stopped at its deadline", i, err)
		}
		if took[i] > 800*time.Millisecond {
			t.Fatalf("call %d took %s against a 400 ms deadline: the calls did not take turns", i, took[i])
		}
	}
	if timedOut := counted(t, reg, "spinner", "timeout"); timedOut < calls-1 {
		t.Fatalf("%v calls timed out, want the calls to run, taking turns, until their deadlines", timedOut)
	}
	if share := cpu.Seconds() / wall.Seconds(); share > 1.4 {
		t.Fatalf("the spinning calls used %.2f cores; the host leaves all but one to the rest", share)
	}
}
