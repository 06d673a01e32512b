//go:build !linux

package bus

import "os"

// syncDir makes every file under the directory f durable. Without
// syncfs(2) each file and directory is fsynced in turn (on macOS Go's
// Sync is F_FULLFSYNC): the same promise, slower with many blocks.
func syncDir(f *os.File) error { return syncTree(f.Name()) }
