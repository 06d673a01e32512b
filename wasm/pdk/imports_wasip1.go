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
