// Package attachments keeps attachments' bytes on disk, at
// <dir>/<tenant>/<id>: written whole or not at all, and durable before
// the attachment.stored event that announces them. The gateway's uploads
// and the e-mail channel's files are written here alike.
package attachments

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
)

// TempPrefix starts the names of files being written; a crash can leave
// one behind, for the sweep to remove.
const TempPrefix = ".upload-"

// CopyError is a failure while the bytes were being copied (reading them,
// or writing them down), as opposed to one of making the file.
type CopyError struct{ Err error }

func (e *CopyError) Error() string { return "copy the attachment: " + e.Err.Error() }
func (e *CopyError) Unwrap() error { return e.Err }

// Write stores what r holds as attachment id of tenant under dir: a
// temporary file, fsynced, renamed into place, the directory fsynced. It
// returns the size and the hex SHA-256 of the bytes.
func Write(dir, tenant, id string, r io.Reader) (size int64, sum string, err error) {
	d := filepath.Join(dir, tenant)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return 0, "", err
	}
	tmp, err := os.CreateTemp(d, TempPrefix+"*")
	if err != nil {
		return 0, "", err
	}
	defer os.Remove(tmp.Name()) // gone once renamed
	defer tmp.Close()
	h := sha256.New()
	if size, err = io.Copy(io.MultiWriter(tmp, h), r); err != nil {
		return 0, "", &CopyError{Err: err}
	}
	if err := tmp.Sync(); err != nil {
		return 0, "", err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(d, id)); err != nil {
		return 0, "", err
	}
	if f, err := os.Open(d); err == nil {
		_ = f.Sync()
		f.Close()
	}
	return size, hex.EncodeToString(h.Sum(nil)), nil
}
