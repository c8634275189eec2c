// Package blob stores evidence bytes by their SHA-256: the content address
// is the only name a blob has, so a blob can never be overwritten with
// different bytes, and any change to a stored file shows as a digest that
// no longer matches its name.
//
// Store is kept small so that Disk (a data directory) and S3 (an
// S3-compatible bucket, for several replicas sharing one store) sit behind
// the same interface and pass the same test suite.
package blob

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// Store is a content-addressed blob store.
type Store interface {
	// Put streams r into the store and returns its digest and size. The
	// blob is durable when Put returns. Putting bytes already stored is not
	// an error and leaves the stored copy untouched.
	Put(ctx context.Context, r io.Reader) (evident.Digest, int64, error)
	// Batch starts a group of puts made durable together by Commit, so
	// many small files cost one flush instead of one each.
	Batch() Batch
	// Open returns the blob's bytes; a missing blob is ENOTFOUND.
	Open(ctx context.Context, d evident.Digest) (io.ReadCloser, error)
	// Stat returns the stored size; a missing blob is ENOTFOUND.
	Stat(ctx context.Context, d evident.Digest) (int64, error)
	// Walk calls fn for every stored blob, named by the address it is
	// stored under (which verify compares with the content).
	Walk(ctx context.Context, fn func(d evident.Digest, size int64) error) error
	// Ping reports whether the store can be reached, for readiness.
	Ping(ctx context.Context) error

	// Retain keeps the blob at least until until: a later date extends
	// the retention, an earlier one leaves it as it is. A missing blob is
	// ENOTFOUND.
	Retain(ctx context.Context, d evident.Digest, until time.Time) error
	// Hold places (on) or lifts a legal hold on the blob.
	Hold(ctx context.Context, d evident.Digest, on bool) error
	// Delete removes the blob once its retention has ended at now. It is
	// refused (ECONFLICT) while the blob is held, before the date Retain
	// set, and for a blob never given one; a missing blob is ENOTFOUND.
	Delete(ctx context.Context, d evident.Digest, now time.Time) error
}

// Batch is a group commit of blobs. Nothing Put in a batch may be relied on
// until Commit returns nil; an abandoned batch leaves no blob behind that
// any record names. Put is safe to call from several goroutines.
type Batch interface {
	Put(ctx context.Context, r io.Reader) (evident.Digest, int64, error)
	Commit(ctx context.Context) error
	// Abort removes what the batch staged and has not committed and
	// waits for any upload in flight to end. A store that sends blobs
	// as they are Put (S3) may leave some already sent, whole and named
	// by no record.
	Abort()
}

// PutError is a blob a batch's Commit could not store. It carries the
// blob's digest so that a caller which knows the file those bytes came
// from can name it; its message is the store's own.
type PutError struct {
	Digest evident.Digest
	Err    error
}

// Error returns the store's message, which names the blob.
func (e *PutError) Error() string { return e.Err.Error() }

// Unwrap returns the store's error.
func (e *PutError) Unwrap() error { return e.Err }

// Open opens the store at addr: an s3://BUCKET/PREFIX address (with the
// endpoint, region and credentials from the AWS_* variables getenv
// returns), a file:// URL or a directory.
func Open(ctx context.Context, addr string, getenv func(string) string) (Store, error) {
	switch {
	case strings.HasPrefix(addr, "s3://"):
		cfg, err := ParseS3(addr, getenv)
		if err != nil {
			return nil, err
		}
		return NewS3(ctx, cfg)
	case strings.HasPrefix(addr, "file://"):
		return NewDisk(strings.TrimPrefix(addr, "file://"))
	case strings.Contains(addr, "://"):
		return nil, evident.Errorf(evident.EINVALID, "blob store %q: want a directory, a file:// URL or s3://BUCKET/PREFIX", addr)
	}
	return NewDisk(addr)
}

// Deferred is a small blob whose file is not yet durable: the caller
// keeps Data durable in its own commit (the database commit that records
// the blob) and hands it to Settle later, which writes and flushes the
// file.
type Deferred struct {
	Digest evident.Digest
	Data   []byte
}

// MaxDeferred is the most blobs a batch defers. A single upload (or a
// handful) saves its file's creation and flush this way; a larger batch
// is flushed at once anyway, one flush for all its files, and its bytes
// are better not written twice.
const MaxDeferred = 16

// DeferBatch is a Batch whose blobs can be left for the caller's own
// commit to keep: a single durable write then costs one flush, the
// caller's, and no file creation before it is acknowledged.
type DeferBatch interface {
	Batch
	// Keep returns every staged blob's bytes and writes no file. ok is
	// false, and nothing is kept, when the batch holds a blob too large
	// to keep in memory or more than MaxDeferred blobs; the caller then
	// uses Commit. Until Settle writes their files, the caller serves
	// reads of these blobs from the bytes it kept.
	Keep(ctx context.Context) (blobs []Deferred, ok bool, err error)
}

// Settler makes deferred blobs durable: each file is checked against its
// digest, written from the kept bytes if it is missing or cut short (never
// written yet, or a crash before its flush), and flushed. Once Settle
// returns nil the kept bytes may be dropped.
type Settler interface {
	Settle(ctx context.Context, blobs []Deferred) error
}
