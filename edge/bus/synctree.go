package bus

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// syncTree fsyncs every regular file and directory under dir, dir
// included: the group commit's way to make the log durable where there is
// no syncfs(2). A file removed meanwhile (a block the store compacted
// away) needs no flush.
func syncTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return nil
		}
		return syncPath(p, d.IsDir())
	})
}

func syncPath(p string, dir bool) error {
	flag := os.O_RDWR // Windows flushes only what is open for writing
	if dir {
		if runtime.GOOS == "windows" {
			return nil // it cannot open a directory to flush it; NTFS journals its entries
		}
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(p, flag, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	serr := f.Sync()
	return errors.Join(serr, f.Close())
}
