//go:build unix

package blob

import (
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"

	"golang.org/x/sys/unix"

	"github.com/evidenthq/evident"
)

// Sum hashes the blob stored under dg with SHA-256, reading it through
// buf, and returns the digest of what is stored and its size; a missing
// blob is ENOTFOUND, and a file that cannot be read to its end is an
// *fs.PathError with Op "read". It exists for verify, which hashes every blob: the
// file is read with plain open, read and close system calls, because
// os.Open also makes the descriptor non-blocking and offers it to the
// network poller (three more system calls and a finalizer per file),
// which at a hundred thousand small blobs cost more than the hashing.
func (d *Disk) Sum(ctx context.Context, dg evident.Digest, buf []byte) (evident.Digest, int64, error) {
	path := d.Path(dg)
	var fd int
	var err error
	for {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if errors.Is(err, unix.ENOENT) {
		return evident.Digest{}, 0, evident.Errorf(evident.ENOTFOUND, "blob %s is missing from %s", dg, d.root)
	}
	if err != nil {
		return evident.Digest{}, 0, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	h := sha256.New()
	var n int64
	for {
		m, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return evident.Digest{}, n, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break
		}
		h.Write(buf[:m])
		n += int64(m)
	}
	return evident.Digest(h.Sum(nil)), n, nil
}
