package edge

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFile is the file in the data directory that a running edge (or an
// `edge rebuild`) holds an exclusive lock on (flock(2); LockFileEx on
// Windows); it contains the holder's process id.
const LockFile = "LOCK"

// ErrDataDirInUse is wrapped by the error of a node or a rebuild that finds
// its data directory held by another edge.
var ErrDataDirInUse = errors.New("data directory in use")

// dataDirInUseError names the process that holds a data directory.
type dataDirInUseError struct {
	dir string
	pid int // 0 when the holder has not written it yet
}

func (e *dataDirInUseError) Error() string {
	if e.pid == 0 {
		return fmt.Sprintf("another edge holds the data directory %s: stop it first", e.dir)
	}
	return fmt.Sprintf("another edge (pid %d) holds the data directory %s: stop it first", e.pid, e.dir)
}

func (e *dataDirInUseError) Unwrap() error { return ErrDataDirInUse }

// dataLock is a held lock on a data directory. The kernel releases it when
// the process ends, however it ends, so a crash leaves no stale lock: the
// file stays, the lock does not.
type dataLock struct {
	f *os.File
}

// lockDataDir takes the exclusive lock on dir/LOCK without waiting and
// writes the process id into it. A directory already locked, by another
// process or by another node of this one, gives an error wrapping
// ErrDataDirInUse that names the holder's pid.
func lockDataDir(dir string) (*dataLock, error) {
	name := filepath.Join(dir, LockFile)
	// os.OpenFile sets O_CLOEXEC: processes the edge starts do not inherit
	// the lock.
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the data directory's lock file: %w", err)
	}
	if ok, err := tryLock(f); !ok {
		defer f.Close()
		if err == nil {
			return nil, &dataDirInUseError{dir: dir, pid: readPid(f)}
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if err := writePid(f); err != nil {
		_ = unlock(f)
		f.Close()
		return nil, fmt.Errorf("write the pid into %s: %w", name, err)
	}
	return &dataLock{f: f}, nil
}

// release empties the lock file and drops the lock. It is safe on a nil
// lock and when called twice.
func (l *dataLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	// Empty first, while still holding the lock: a later reader finds no
	// pid rather than a stale one.
	terr := f.Truncate(0)
	uerr := unlock(f)
	cerr := f.Close()
	return errors.Join(terr, uerr, cerr)
}

func writePid(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		return err
	}
	return nil
}

// readPid is the pid in a lock file, 0 when it holds none.
func readPid(f *os.File) int {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 64))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// statePath is the directory openCore opens the state store in:
// <data>/state, or stateDir when a rebuild builds the state beside it.
func (n *Node) statePath() string {
	if n.stateDir != "" {
		return n.stateDir
	}
	return n.dataPath("state")
}
