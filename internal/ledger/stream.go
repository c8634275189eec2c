package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// AddStream stores files that arrive one after another, as the parts of
// a multipart upload do, as one batch with AddBatch's guarantees: either
// every file is durable when it returns nil, or none of their records
// exist. next returns each item in turn and io.EOF after the last; each
// item is read to its end before next is called again, so an item may
// read from the request body itself and nothing is spooled to a
// temporary file. Blobs are staged in the store's own staging area and
// removed if the batch fails. With no items it stores nothing and
// returns an empty list.
func (l *Ledger) AddStream(ctx context.Context, next func() (Item, error)) ([]evident.Evidence, error) {
	if l.signer == nil {
		return nil, evident.Errorf(evident.EINVALID, "the ledger is open read-only: no signing key")
	}
	b := l.blobs.Batch()
	defer b.Abort()
	var evs []evident.Evidence
	for {
		it, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		e, err := l.stage(ctx, b, it)
		if err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	if len(evs) == 0 {
		return nil, nil
	}
	return l.commit(ctx, b, evs)
}

// commit makes a batch's blobs and records durable: the records go in one
// transaction with the checkpoint that covers them. With DeferSmallBlobs,
// a batch of a few small blobs on a store that can defer them (the local
// disk) writes no file before it is acknowledged: the blobs' bytes go into
// that same transaction, so one commit, one flush and no file creation
// make the write durable, and reads are served from the kept bytes (see
// keptBlobs) until Settle writes and flushes the files and drops the
// bytes. Any other batch is flushed first, and the transaction follows.
func (l *Ledger) commit(ctx context.Context, b blob.Batch, evs []evident.Evidence) ([]evident.Evidence, error) {
	if db, ok := b.(blob.DeferBatch); ok && l.deferSmall.Load() {
		deferred, ok, err := db.Keep(ctx)
		if err != nil {
			return nil, fmt.Errorf("keep evidence blobs: %w", err)
		}
		if ok {
			kept := make([]sqlstore.BlobIntent, len(deferred))
			for i, p := range deferred {
				kept[i] = sqlstore.BlobIntent{Digest: p.Digest, Data: p.Data}
			}
			err := l.st.Write(ctx, func(tx *sqlstore.Tx) error {
				if err := tx.InsertEvidence(ctx, evs); err != nil {
					return err
				}
				return tx.AddBlobIntents(ctx, kept)
			})
			if err != nil {
				return nil, err
			}
			// Every settleEvery deferred blobs get their files together
			// (one flush and one commit for all of them). The write
			// above is durable whatever happens here: a failure leaves
			// the bytes kept, and the next Settle (or the next open)
			// tries again.
			if l.deferred.Add(int64(len(deferred))) >= settleEvery {
				l.deferred.Store(0)
				_ = l.Settle(ctx)
			}
			return evs, nil
		}
	}
	if err := b.Commit(ctx); err != nil {
		return nil, fmt.Errorf("flush evidence blobs: %w", err)
	}
	// The store signs the batch's checkpoint in the same transaction
	// (Open gave it the key): one checkpoint per group commit.
	err := l.st.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, evs) })
	if err != nil {
		return nil, err
	}
	return evs, nil
}

// settleEvery is how many deferred blobs wait before Settle writes and
// flushes their files.
const settleEvery = 64

// Settle writes and flushes the files of deferred blobs from the bytes
// the database kept, and drops the bytes (see commit). A file already
// whole (written by an earlier Settle a crash interrupted before its
// flush) is only flushed. The commands that open the ledger call it
// first, so the files are all there before any of them reads the disk;
// with nothing kept it is one query.
func (l *Ledger) Settle(ctx context.Context) error {
	s, ok := l.blobs.(blob.Settler)
	if !ok {
		return nil
	}
	var kept []sqlstore.BlobIntent
	err := l.st.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		kept, err = tx.BlobIntents(ctx)
		return err
	})
	if err != nil || len(kept) == 0 {
		return err
	}
	bs := make([]blob.Deferred, len(kept))
	ds := make([]evident.Digest, len(kept))
	for i, k := range kept {
		bs[i] = blob.Deferred{Digest: k.Digest, Data: k.Data}
		ds[i] = k.Digest
	}
	if err := s.Settle(ctx, bs); err != nil {
		return fmt.Errorf("write deferred evidence blobs: %w", err)
	}
	return l.st.Write(ctx, func(tx *sqlstore.Tx) error { return tx.DropBlobIntents(ctx, ds) })
}
