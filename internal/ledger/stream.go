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

// commit flushes a batch's staged blobs, then inserts its records with
// the checkpoint that covers them in one transaction.
func (l *Ledger) commit(ctx context.Context, b blob.Batch, evs []evident.Evidence) ([]evident.Evidence, error) {
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
