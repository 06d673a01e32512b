package host

import (
	"context"
	"errors"
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// An instance's linear memory lives outside the Go heap, reserved at its
// cap when the instance is made (reserve: an anonymous mapping where the
// system has one, pages backed only once written) and given back to the
// system when the instance closes.
//
// wazero's own memory is a Go slice grown by copying. Under a plugin that
// grows its memory on every call, that made each growth a copy of up to
// the cap (64 MiB) and each replaced instance tens of MiB of garbage: an
// outside probe's leaking plugin took the Go heap from 130 to 552 MiB in
// a second, with collections of 320–420 ms and stop-the-world pauses of
// 61 and 163 ms, and the chat's p99 to 9–13 times its own. A reserved
// memory grows without a copy, the collector never sees it, and its pages
// go back to the system when the instance closes, not at a collection
// that a quiet heap may not run for a long time (the edge stayed at 1.3
// GB after such a plugin was replaced).
//
// Growth is charged to the plugin's memory quota (quota.go) before the
// memory grows: growth the quota refuses fails memory.grow, which a Go
// plugin dies of ("out of memory"), and the call fails with ErrQuota.

// linearMemory is one instance's memory: experimental.LinearMemory.
type linearMemory struct {
	buf     []byte // the reservation; the memory is buf[:size]
	size    uint64
	release func() // gives buf back; nil: the Go heap holds it
	charge  func(n uint64) error
	refused error // what charge refused, for the call to report
	once    sync.Once
}

// Reallocate grows the memory to size bytes, in place.
func (m *linearMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil
	}
	if size > m.size && m.charge != nil {
		if err := m.charge(size - m.size); err != nil {
			m.refused = err
			return nil
		}
	}
	m.size = max(m.size, size)
	return m.buf[:size:size]
}

// Free gives the memory back to the system. wazero calls it when the
// instance closes, which the host does only when no call runs on it.
func (m *linearMemory) Free() {
	m.once.Do(func() {
		if m.release != nil {
			m.release()
		}
		m.buf = nil
	})
}

// withMemory returns ctx for making one instance of plugin: its memory is
// reserved outside the heap, and its growth beyond its first size is
// charged to the plugin's quota. *lm is the memory once made.
func (h *Host) withMemory(ctx context.Context, plugin string, lm **linearMemory) context.Context {
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(func(_, maxBytes uint64) experimental.LinearMemory {
		m := &linearMemory{}
		buf, release, err := reserve(maxBytes)
		switch {
		case err == nil:
			m.buf, m.release = buf, release
		case maxBytes > 0 && err != errReserve:
			h.log.Warn("cannot reserve a plugin instance's memory outside the Go heap; it is on the heap",
				"plugin", plugin, "bytes", maxBytes, "err", err)
			fallthrough
		default:
			m.buf = make([]byte, maxBytes)
		}
		first := true
		m.charge = func(n uint64) error {
			if first { // the module's declared minimum
				first = false
				return nil
			}
			return h.quotas.memoryGrowth(plugin, n)
		}
		*lm = m
		return m
	}))
}

// errReserve is returned by reserve where the system cannot map memory.
var errReserve = errors.New("no anonymous mappings on this system, or nothing to map")
