package bus

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncDir makes every file under the directory f durable with one
// syncfs(2): it flushes the whole file system the log lives on, message
// blocks, index and the directory entries of new blocks, in one call.
func syncDir(f *os.File) error { return unix.Syncfs(int(f.Fd())) }
