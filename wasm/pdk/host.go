//go:build wasip1

package pdk

import "unsafe"

// The host functions. Each is imported only by a plugin that calls it, and
// the host offers it only with the capability the manifest grants.

//go:wasmimport edgedesk log
func hostLog(level int32, ptr unsafe.Pointer, n uint32)

//go:wasmimport edgedesk now_ms
func hostNow() int64

//go:wasmimport edgedesk metric_add
func hostMetricAdd(ptr unsafe.Pointer, n uint32, delta int64)

//go:wasmimport edgedesk kv_get
func hostKVGet(kptr unsafe.Pointer, klen uint32, vptr unsafe.Pointer, vcap uint32) int32

//go:wasmimport edgedesk kv_set
func hostKVSet(kptr unsafe.Pointer, klen uint32, vptr unsafe.Pointer, vlen uint32) int32

//go:wasmimport edgedesk config_get
func hostConfigGet(vptr unsafe.Pointer, vcap uint32) int32

func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.SliceData(b))
}

// Log writes to the host's log (capability log).
func Log(level int32, msg string) {
	b := []byte(msg)
	hostLog(level, bytesPtr(b), uint32(len(b)))
}

// NowMillis is the host's clock, unix milliseconds (capability clock).
func NowMillis() int64 { return hostNow() }

// MetricAdd adds to the plugin's counter name (capability metrics).
func MetricAdd(name string, delta int64) {
	b := []byte(name)
	hostMetricAdd(bytesPtr(b), uint32(len(b)), delta)
}

// KVGet reads a value of the plugin's store for the current tenant
// (capability kv); ok is false when there is none.
func KVGet(key string) (value []byte, ok bool) {
	k := []byte(key)
	buf := make([]byte, 256)
	for {
		n := hostKVGet(bytesPtr(k), uint32(len(k)), bytesPtr(buf), uint32(len(buf)))
		switch {
		case n < 0:
			return nil, false
		case int(n) <= len(buf):
			return buf[:n], true
		}
		buf = make([]byte, n)
	}
}

// KVSet writes a value (capability kv); false when the host refused it
// (too large, or the store is full).
func KVSet(key string, value []byte) bool {
	k := []byte(key)
	return hostKVSet(bytesPtr(k), uint32(len(k)), bytesPtr(value), uint32(len(value))) == 0
}

// Config is the plugin's configuration as the operator set it (capability
// config).
func Config() []byte {
	buf := make([]byte, 1024)
	for {
		n := hostConfigGet(bytesPtr(buf), uint32(len(buf)))
		if n < 0 {
			return nil
		}
		if int(n) <= len(buf) {
			return buf[:n]
		}
		buf = make([]byte, n)
	}
}
