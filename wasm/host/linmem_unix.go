//go:build unix

package host

import "golang.org/x/sys/unix"

// reserve maps n bytes of anonymous memory, read-write and backed only once
// written; release unmaps them.
func reserve(n uint64) (buf []byte, release func(), err error) {
	if n == 0 || n > 1<<32 {
		return nil, nil, errReserve
	}
	buf, err = unix.Mmap(-1, 0, int(n), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		return nil, nil, err
	}
	return buf, func() { _ = unix.Munmap(buf) }, nil
}
