//go:build !(unix && !aix) && !windows

package edge

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// tryLock fails where this code knows no file lock: an edge does not run
// on a data directory it cannot keep to itself.
func tryLock(*os.File) (bool, error) {
	return false, fmt.Errorf("no lock for a data directory on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

func unlock(*os.File) error { return nil }
