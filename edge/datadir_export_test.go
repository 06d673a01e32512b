package edge

import (
	"os"
	"path/filepath"
)

// LockHeld reports whether some open file or handle holds the lock on
// dir/LOCK, by trying to take it (tests of package edge_test).
func LockHeld(dir string) (bool, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return false, err
	}
	defer f.Close()
	ok, err := tryLock(f)
	if ok {
		return false, unlock(f)
	}
	return err == nil, err
}
