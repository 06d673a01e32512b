// Package attachments keeps attachments' bytes on disk, at
// <dir>/<tenant>/<id>: written whole or not at all, and as durable as the
// attachment.stored event that announces them, before it is appended. The
// gateway's uploads and the e-mail channel's files are written here alike.
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

// Dir is where a node keeps attachments: <Path>/<tenant>/<id>.
type Dir struct {
	Path string
	// Fsync has Write fsync each file and its directory before it
	// returns: set it when the log's appends survive power loss
	// (durability group-fsync or always-fsync), so that an event never
	// outlives the file it names. Without it a written file survives what
	// an append in durability process survives: the edge's crash or
	// kill -9, not the machine's.
	Fsync bool
}

// File is the path of attachment id of tenant.
func (d Dir) File(tenant, id string) string { return filepath.Join(d.Path, tenant, id) }

// Write stores what r holds as attachment id of tenant: a temporary file,
// (fsynced,) renamed into place, (the directory fsynced). It returns the
// size and the hex SHA-256 of the bytes.
func (d Dir) Write(tenant, id string, r io.Reader) (size int64, sum string, err error) {
	dir := filepath.Join(d.Path, tenant)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, "", err
	}
	tmp, err := os.CreateTemp(dir, TempPrefix+"*")
	if err != nil {
		return 0, "", err
	}
	defer os.Remove(tmp.Name()) // gone once renamed
	defer tmp.Close()
	h := sha256.New()
	if size, err = io.Copy(io.MultiWriter(tmp, h), r); err != nil {
		return 0, "", &CopyError{Err: err}
	}
	if d.Fsync {
		if err := tmp.Sync(); err != nil {
			return 0, "", err
		}
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, id)); err != nil {
		return 0, "", err
	}
	if d.Fsync {
		f, err := os.Open(dir)
		if err != nil {
			return 0, "", err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return 0, "", err
		}
	}
	return size, hex.EncodeToString(h.Sum(nil)), nil
}
