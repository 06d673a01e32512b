//go:build !wasip1

package pdk

import "unsafe"

// Outside a plugin there is no host: the package builds, so that its
// documentation and a plugin's own logic can be read and tested on any
// platform, but a host function called there panics.

const notInPlugin = "pdk: host functions exist only in a plugin built with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared, running in an edge (try it without one: edge plugin test)"

func hostLog(int32, unsafe.Pointer, uint32)                          { panic(notInPlugin) }
func hostNow() int64                                                 { panic(notInPlugin) }
func hostMetricAdd(unsafe.Pointer, uint32, int64)                    { panic(notInPlugin) }
func hostKVGet(unsafe.Pointer, uint32, unsafe.Pointer, uint32) int32 { panic(notInPlugin) }
func hostKVSet(unsafe.Pointer, uint32, unsafe.Pointer, uint32) int32 { panic(notInPlugin) }
func hostConfigGet(unsafe.Pointer, uint32) int32                     { panic(notInPlugin) }
