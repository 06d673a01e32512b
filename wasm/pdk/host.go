package pdk

import "unsafe"

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

// Config is the plugin's configuration for the call's tenant, as an
// operator set it on the edge or the hub (capability config): a JSON
// object of at most 64 KiB, compact, or nil when none is set. It is read
// anew on each call (a change applies from the next call) into a new
// slice, which the plugin may keep.
//
//	var c struct{ Agent string `json:"agent"` }
//	if b := pdk.Config(); b != nil {
//		if err := json.Unmarshal(b, &c); err != nil { … }
//	}
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
