package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/evidenthq/evident"
)

// Disk stores blobs as files under a directory:
//
//	DIR/sha256/<first 2 hex>/<64 hex>   the blobs, read-only
//	DIR/tmp/                             files being written
//
// One level of 256 directories, all created when the store is opened,
// means storing a blob never creates a directory: a batch of a thousand
// small files updates (and flushes) at most 256 directories, not a
// thousand new ones. Each directory holds about 4 000 entries per million
// blobs, which ext4 and XFS index by name. A blob is written to tmp,
// flushed, and then hard-linked to its address: link(2) fails rather than
// replace an existing file, so a stored blob is never overwritten, even
// by two processes racing on one digest.
type Disk struct {
	root string
}

// NewDisk opens (creating if needed) the blob directory root.
func NewDisk(root string) (*Disk, error) {
	for _, d := range []string{filepath.Join(root, "sha256"), filepath.Join(root, "tmp")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, evident.Errorf(evident.EINVALID, "blob directory %s: %v", root, err)
		}
	}
	d := &Disk{root: root}
	if err := d.fanOut(); err != nil {
		return nil, evident.Errorf(evident.EINVALID, "blob directory %s: %v", root, err)
	}
	d.sweep()
	return d, nil
}

// fanOut creates whichever of the 256 sha256/xx directories are missing
// and flushes their parent, so a Put can rely on its directory existing
// (publish still recreates one deleted behind the store's back).
func (d *Disk) fanOut() error {
	top := filepath.Join(d.root, "sha256")
	entries, err := os.ReadDir(top)
	if err != nil {
		return err
	}
	have := make(map[string]bool, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			have[e.Name()] = true
		}
	}
	if len(have) >= 256 {
		return nil
	}
	for i := range 256 {
		name := hex.EncodeToString([]byte{byte(i)})
		if have[name] {
			continue
		}
		if err := os.Mkdir(filepath.Join(top, name), 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return errors.Join(fsyncPath(top), fsyncPath(d.root))
}

// Root returns the blob directory.
func (d *Disk) Root() string { return d.root }

// Path returns where the blob with digest dg lives.
func (d *Disk) Path(dg evident.Digest) string {
	h := dg.String()
	return filepath.Join(d.root, "sha256", h[0:2], h)
}

// sweep removes temporary files left by a crash. Only old ones go: another
// process may be writing into tmp right now.
func (d *Disk) sweep() {
	entries, _ := os.ReadDir(filepath.Join(d.root, "tmp"))
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > 24*time.Hour {
			os.Remove(filepath.Join(d.root, "tmp", e.Name()))
		}
	}
}

// Put writes r durably: temp file, fsync, link into place, fsync the
// directories the link touched.
func (d *Disk) Put(ctx context.Context, r io.Reader) (evident.Digest, int64, error) {
	st, err := d.stage(ctx, r)
	if err != nil {
		return evident.Digest{}, 0, err
	}
	defer os.Remove(st.tmp)
	if err := fsyncPath(st.tmp); err != nil {
		return evident.Digest{}, 0, err
	}
	dirs, err := d.publish(st)
	if err != nil {
		return evident.Digest{}, 0, err
	}
	for _, dir := range dirs {
		if err := fsyncPath(dir); err != nil {
			return evident.Digest{}, 0, err
		}
	}
	return st.digest, st.size, nil
}

// staged is a blob written to tmp (or, when small, held in memory) and
// not yet at its address.
type staged struct {
	tmp    string
	data   []byte // a small blob's bytes, written straight to its address
	digest evident.Digest
	size   int64
}

// smallBlob is the largest blob a batch keeps in memory and writes
// straight to its address. Knowing the digest before the file exists
// saves the temp file, its link and its removal: three directory updates
// of four for a typical 4 KiB report.
const smallBlob = 64 << 10

// stage copies r to a temp file, hashing while it writes so a large file is
// read once and hashing overlaps the write on a second core.
func (d *Disk) stage(ctx context.Context, r io.Reader) (staged, error) {
	f, err := d.createTemp()
	if err != nil {
		return staged{}, fmt.Errorf("blob temp file: %w", err)
	}
	size, dg, err := copyHashed(ctx, f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return staged{}, err
	}
	return staged{tmp: f.Name(), digest: dg, size: size}, nil
}

// createTemp creates a file in tmp that is read-only from birth: a blob is
// never written again once staged, and one chmod per file less matters
// at thousands of files per second.
func (d *Disk) createTemp() (*os.File, error) {
	var b [12]byte
	for {
		rand.Read(b[:])
		f, err := os.OpenFile(filepath.Join(d.root, "tmp", "put-"+hex.EncodeToString(b[:])), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o440)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
}

const chunk = 1 << 20

var chunks = sync.Pool{New: func() any { b := make([]byte, chunk); return &b }}

// copyHashed copies r to w and returns the size and SHA-256. The hash of a
// chunk runs beside the write of the same chunk; memory stays at two
// chunks whatever the size of the input.
func copyHashed(ctx context.Context, w io.Writer, r io.Reader) (int64, evident.Digest, error) {
	h := sha256.New()
	bufs := [2]*[]byte{chunks.Get().(*[]byte), chunks.Get().(*[]byte)}
	defer chunks.Put(bufs[0])
	defer chunks.Put(bufs[1])
	var total int64
	done := make(chan struct{}, 1)
	done <- struct{}{}
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			<-done
			return 0, evident.Digest{}, err
		}
		buf := *bufs[i%2]
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			<-done // the previous chunk's hash is finished before reusing order
			part := buf[:n]
			go func() { h.Write(part); done <- struct{}{} }()
			if _, err := w.Write(part); err != nil {
				<-done
				return 0, evident.Digest{}, fmt.Errorf("blob write: %w", err)
			}
			total += int64(n)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			<-done
			return 0, evident.Digest{}, fmt.Errorf("blob read: %w", rerr)
		}
	}
	<-done
	var dg evident.Digest
	h.Sum(dg[:0])
	return total, dg, nil
}

// publish links a staged file to its address and returns the directories
// whose entries changed (to be flushed). An existing blob of the right
// size wins: it holds the same bytes by construction and is never
// replaced. One of another size can only be the remnant of a crash before
// a batch was flushed (no record names it yet), and is replaced.
func (d *Disk) publish(st staged) ([]string, error) {
	final := d.Path(st.digest)
	leaf := filepath.Dir(final)
	var dirs []string
	place := func() error {
		if st.data != nil {
			return writeNew(final, st.data)
		}
		return os.Link(st.tmp, final)
	}
	err := place()
	if errors.Is(err, fs.ErrNotExist) {
		// The fan-out directory was removed after the store was opened.
		dirs = append(dirs, filepath.Dir(leaf))
		if err := os.MkdirAll(leaf, 0o750); err != nil {
			return nil, fmt.Errorf("blob directory: %w", err)
		}
		err = place()
	}
	if errors.Is(err, fs.ErrExist) {
		if fi, serr := os.Stat(final); serr == nil && fi.Size() == st.size {
			return dirs, nil
		}
		err = d.replace(st, final)
	}
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", st.digest, err)
	}
	return append(dirs, leaf), nil
}

// writeNew creates path, failing if it exists, and writes data to it.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o440)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// replace puts a complete copy over a partial file left by a crash, by
// rename so that no reader ever sees the address empty or half-written.
func (d *Disk) replace(st staged, final string) error {
	tmp := st.tmp
	if st.data != nil {
		f, err := d.createTemp()
		if err != nil {
			return err
		}
		tmp = f.Name()
		defer os.Remove(tmp)
		_, err = f.Write(st.data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("blob %s: replace a partial file: %w", st.digest, err)
	}
	return nil
}

// Ping reports whether the blob directory is there.
func (d *Disk) Ping(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(d.root, "sha256")); err != nil {
		return fmt.Errorf("blob store: %w", err)
	}
	return nil
}

// Open opens a stored blob.
func (d *Disk) Open(ctx context.Context, dg evident.Digest) (io.ReadCloser, error) {
	f, err := os.Open(d.Path(dg))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, evident.Errorf(evident.ENOTFOUND, "blob %s is missing from %s", dg, d.root)
	}
	return f, err
}

// Stat returns a stored blob's size.
func (d *Disk) Stat(ctx context.Context, dg evident.Digest) (int64, error) {
	fi, err := os.Stat(d.Path(dg))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, evident.Errorf(evident.ENOTFOUND, "blob %s is missing from %s", dg, d.root)
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Walk visits every file under sha256/ whose name is a digest. Files with
// other names are not blobs and are skipped.
func (d *Disk) Walk(ctx context.Context, fn func(evident.Digest, int64) error) error {
	return filepath.WalkDir(filepath.Join(d.root, "sha256"), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() || len(e.Name()) != 64 || strings.HasPrefix(e.Name(), ".") {
			return nil
		}
		dg, err := evident.ParseDigest(e.Name())
		if err != nil {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		return fn(dg, info.Size())
	})
}

// Batch starts a group commit.
func (d *Disk) Batch() Batch { return &diskBatch{d: d} }

// diskBatch writes every file to tmp without flushing and links each into
// place; Commit then flushes the batch at once: one syncfs(2) for a large
// batch on Linux, otherwise every file and touched directory with many
// fsyncs in flight, which the file system folds into a few journal
// commits. Flushing a batch together instead of file by file is
// what lifts small-file throughput from hundreds to thousands per second.
// Until Commit returns no record names these blobs, so a crash can only
// leave unreferenced files, and a partial one is replaced by the next Put
// of its content.
type diskBatch struct {
	d      *Disk
	mu     sync.Mutex // Put may be called from several goroutines
	staged []staged
}

// Put stages r: small blobs in memory, larger ones in tmp.
func (b *diskBatch) Put(ctx context.Context, r io.Reader) (evident.Digest, int64, error) {
	head := make([]byte, smallBlob+1)
	n, err := io.ReadFull(r, head)
	var st staged
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		st = staged{data: head[:n], digest: sha256.Sum256(head[:n]), size: int64(n)}
	case err != nil:
		return evident.Digest{}, 0, fmt.Errorf("blob read: %w", err)
	default:
		st, err = b.d.stage(ctx, io.MultiReader(bytes.NewReader(head), r))
		if err != nil {
			return evident.Digest{}, 0, err
		}
	}
	b.mu.Lock()
	b.staged = append(b.staged, st)
	b.mu.Unlock()
	return st.digest, st.size, nil
}

// Commit places every staged blob at its address and flushes them.
func (b *diskBatch) Commit(ctx context.Context) error {
	defer b.Abort()
	if len(b.staged) == 0 {
		return nil
	}
	// Files go in with many creations in flight: each mostly waits on the
	// file system, not on the CPU.
	dirs := make([][]string, len(b.staged))
	errs := make([]error, len(b.staged))
	parallel(len(b.staged), func(i int) { dirs[i], errs[i] = b.d.publish(b.staged[i]) })
	if err := errors.Join(errs...); err != nil {
		return err
	}
	seen := map[string]bool{}
	var paths []string
	for i, st := range b.staged {
		paths = append(paths, b.d.Path(st.digest))
		for _, x := range dirs[i] {
			if !seen[x] {
				seen[x] = true
				paths = append(paths, x)
			}
		}
	}
	return flush(b.d.root, paths)
}

// Abort removes staged temp files; it is a no-op after Commit.
func (b *diskBatch) Abort() {
	for _, st := range b.staged {
		if st.tmp != "" {
			os.Remove(st.tmp)
		}
	}
	b.staged = nil
}

// fsyncPath flushes one file or directory.
func fsyncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", p, err)
	}
	return nil
}

// Keep hands back the bytes of every staged blob without writing a file
// (see DeferBatch). Only a batch of small blobs, which Put holds in
// memory, qualifies.
func (b *diskBatch) Keep(ctx context.Context) ([]Deferred, bool, error) {
	if len(b.staged) == 0 || len(b.staged) > MaxDeferred {
		return nil, false, nil
	}
	for _, st := range b.staged {
		if st.data == nil {
			return nil, false, nil
		}
	}
	defer b.Abort()
	out := make([]Deferred, len(b.staged))
	for i, st := range b.staged {
		out[i] = Deferred{Digest: st.digest, Data: st.data}
	}
	return out, true, nil
}

// Settle makes deferred blobs durable (see Settler). A file that does
// not hold its digest's bytes (not yet written, or cut short by a crash
// before its flush) is written from the kept bytes, which must themselves hash to
// the digest: bytes that do not are refused, never written.
func (d *Disk) Settle(ctx context.Context, bs []Deferred) error {
	for _, b := range bs {
		if got := evident.Digest(sha256.Sum256(b.Data)); got != b.Digest {
			return fmt.Errorf("blob %s: the bytes kept for it hash to %s; not written", b.Digest, got)
		}
	}
	// Files go in with many creations in flight, as a batch's do.
	errs := make([]error, len(bs))
	parallel(len(bs), func(i int) {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			return
		}
		b := bs[i]
		final := d.Path(b.Digest)
		if holds(final, b.Digest) {
			return
		}
		if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
			errs[i] = fmt.Errorf("blob directory: %w", err)
			return
		}
		errs[i] = d.replace(staged{data: b.Data, digest: b.Digest, size: int64(len(b.Data))}, final)
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	seen := map[string]bool{}
	var paths []string
	for _, b := range bs {
		final := d.Path(b.Digest)
		paths = append(paths, final)
		if dir := filepath.Dir(final); !seen[dir] {
			seen[dir] = true
			paths = append(paths, dir)
		}
	}
	return flush(d.root, paths)
}

// holds reports whether the file at path hashes to dg.
func holds(path string, dg evident.Digest) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false
	}
	return evident.Digest(h.Sum(nil)) == dg
}
