package host

import (
	"context"
	"runtime/debug"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// The memory of closed instances goes back to the operating system.
//
// wazero keeps an instance's linear memory on the Go heap and grows it by
// copying. An instance the host closes (thrown away after a failed call,
// or with its version after a swap) leaves its memory as garbage, which Go
// frees only at its next collection; and since the heap goal is twice the
// live heap, and the live heap includes every instance's memory, a quiet
// edge may not collect for a long time. What a collection frees, Go's
// scavenger then returns to the operating system only gradually. An
// outside probe made four instances leak to their cap and swapped the
// plugin: the edge stayed at 1.3 GB.
//
// So the host counts the memory of the instances it closes; once that
// reaches reclaimAfter it collects and returns the free pages at once
// (debug.FreeOSMemory), after reclaimSettle (so that the rest of a batch,
// a version's instances or a run of broken ones, closes first) and at most
// once per reclaimEvery: a forced collection takes some milliseconds of
// CPU per 100 MB of live heap.
const (
	reclaimAfter  = 32 << 20
	reclaimSettle = 100 * time.Millisecond
	reclaimEvery  = 5 * time.Second
)

// closeModule closes an instance's module, counting its memory (mem, nil
// when it has none) toward the next reclaim.
func (h *Host) closeModule(ctx context.Context, mod api.Module, mem api.Memory) {
	var n uint32
	if mem != nil {
		n = mem.Size()
	}
	mod.Close(ctx)
	if h.freed.Add(int64(n)) >= reclaimAfter {
		select {
		case h.reclaim <- struct{}{}:
		default: // one is asked for already
		}
	}
}

// reclaimLoop returns the memory of closed instances when asked, until the
// host closes.
func (h *Host) reclaimLoop() {
	defer h.bg.Done()
	var last time.Time
	for {
		select {
		case <-h.stop:
			return
		case <-h.reclaim:
		}
		t := time.NewTimer(max(reclaimSettle, time.Until(last.Add(reclaimEvery))))
		select {
		case <-h.stop:
			t.Stop()
			return
		case <-t.C:
		}
		select {
		case <-h.reclaim: // asked again meanwhile: this one serves it
		default:
		}
		freed := h.freed.Swap(0)
		start := time.Now()
		debug.FreeOSMemory()
		last = time.Now()
		h.log.Debug("returned the memory of closed plugin instances to the system",
			"closed_mib", freed>>20, "took", last.Sub(start))
	}
}
