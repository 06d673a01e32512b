package edge

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockRange is the byte range tryLock locks: far past the pid, which
// stays readable to the edge that is refused (Windows' locks are
// mandatory), and one byte long.
func lockRange() *windows.Overlapped { return &windows.Overlapped{OffsetHigh: 1 << 30} }

// tryLock takes an exclusive LockFileEx on f without waiting: false and no
// error when another handle holds it. Windows releases it when the
// process ends, as flock(2) is released elsewhere.
func tryLock(f *os.File) (bool, error) {
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, lockRange())
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return false, nil
	}
	return err == nil, err
}

func unlock(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, lockRange())
}
