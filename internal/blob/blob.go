// Package blob stores evidence bytes by their SHA-256: the content address
// is the only name a blob has, so a blob can never be overwritten with
// different bytes, and any change to a stored file shows as a digest that
// no longer matches its name.
//
// Store is kept small so an S3-compatible implementation (with Object
// Lock) can sit behind the same interface; Disk is the implementation for
// a data directory.
package blob

import (
	"context"
	"io"

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
}

// Batch is a group commit of blobs. Nothing Put in a batch may be relied on
// until Commit returns nil; an abandoned batch leaves no blob behind that
// any record names. Put is safe to call from several goroutines.
type Batch interface {
	Put(ctx context.Context, r io.Reader) (evident.Digest, int64, error)
	Commit(ctx context.Context) error
	// Abort removes what the batch staged and has not committed.
	Abort()
}
