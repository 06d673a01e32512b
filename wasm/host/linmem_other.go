//go:build !unix

package host

// reserve: this system's memories stay on the Go heap.
func reserve(uint64) ([]byte, func(), error) { return nil, nil, errReserve }
