package metrics

import (
	"context"
	"io"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
)

// Blobs wraps s so that each failed operation counts in
// evident_blob_store_errors_total. A missing blob is an answer, not a
// store error: verify reports it, and it is not counted here.
func (m *Metrics) Blobs(s blob.Store) blob.Store { return &countedStore{s: s, m: m} }

type countedStore struct {
	s blob.Store
	m *Metrics
}

func (c *countedStore) count(op string, err error) error {
	if err != nil && evident.ErrorCode(err) != evident.ENOTFOUND {
		c.m.BlobError(op)
	}
	return err
}

func (c *countedStore) Put(ctx context.Context, r io.Reader) (evident.Digest, int64, error) {
	d, n, err := c.s.Put(ctx, r)
	return d, n, c.count("put", err)
}

func (c *countedStore) Batch() blob.Batch { return &countedBatch{b: c.s.Batch(), c: c} }

func (c *countedStore) Open(ctx context.Context, d evident.Digest) (io.ReadCloser, error) {
	rc, err := c.s.Open(ctx, d)
	return rc, c.count("open", err)
}

func (c *countedStore) Stat(ctx context.Context, d evident.Digest) (int64, error) {
	n, err := c.s.Stat(ctx, d)
	return n, c.count("stat", err)
}

func (c *countedStore) Walk(ctx context.Context, fn func(evident.Digest, int64) error) error {
	return c.count("walk", c.s.Walk(ctx, fn))
}

func (c *countedStore) Ping(ctx context.Context) error { return c.count("ping", c.s.Ping(ctx)) }

func (c *countedStore) Retain(ctx context.Context, d evident.Digest, until time.Time) error {
	return c.count("retain", c.s.Retain(ctx, d, until))
}

func (c *countedStore) Hold(ctx context.Context, d evident.Digest, on bool) error {
	return c.count("hold", c.s.Hold(ctx, d, on))
}

// Delete counts only failures of the store: a refusal (retention not yet
// ended, a hold) is the store doing its job.
func (c *countedStore) Delete(ctx context.Context, d evident.Digest, now time.Time) error {
	err := c.s.Delete(ctx, d, now)
	if evident.ErrorCode(err) == evident.ECONFLICT {
		return err
	}
	return c.count("delete", err)
}

type countedBatch struct {
	b blob.Batch
	c *countedStore
}

func (b *countedBatch) Put(ctx context.Context, r io.Reader) (evident.Digest, int64, error) {
	d, n, err := b.b.Put(ctx, r)
	return d, n, b.c.count("put", err)
}

func (b *countedBatch) Commit(ctx context.Context) error { return b.c.count("commit", b.b.Commit(ctx)) }

func (b *countedBatch) Abort() { b.b.Abort() }

// Keep passes a deferral through (see blob.DeferBatch); a store that
// cannot defer answers ok false.
func (b *countedBatch) Keep(ctx context.Context) ([]blob.Deferred, bool, error) {
	db, ok := b.b.(blob.DeferBatch)
	if !ok {
		return nil, false, nil
	}
	out, ok, err := db.Keep(ctx)
	return out, ok, b.c.count("put", err)
}

// Settle passes through to a store that defers flushes; any other store
// never deferred a blob.
func (c *countedStore) Settle(ctx context.Context, bs []blob.Deferred) error {
	s, ok := c.s.(blob.Settler)
	if !ok {
		return nil
	}
	return c.count("commit", s.Settle(ctx, bs))
}
