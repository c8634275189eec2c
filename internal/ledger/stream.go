package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

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

// commit makes a batch's blobs and records durable: flush, then record.
func (l *Ledger) commit(ctx context.Context, b blob.Batch, evs []evident.Evidence) ([]evident.Evidence, error) {
	f, err := l.flush(ctx, b, evs)
	if err != nil {
		return nil, err
	}
	return l.record(ctx, f)
}

// flushed is a batch whose blobs are all complete in the store (or, with
// DeferSmallBlobs, kept to go into the records' transaction), and whose
// records are not written yet.
type flushed struct {
	evs  []evident.Evidence
	kept []sqlstore.BlobIntent // nil unless the blobs are deferred
}

// flush is a batch's first half: with DeferSmallBlobs, a batch of a few
// small blobs on a store that can defer them (the local disk) writes no
// file before it is acknowledged: the blobs' bytes go into the records'
// transaction, so one commit, one flush and no file creation make the
// write durable, and reads are served from the kept bytes (see keptBlobs)
// until Settle writes and flushes the files and drops the bytes. Any other
// batch is flushed here, and returns only once every blob is complete at
// its address. A blob that could not be stored is named by its file.
func (l *Ledger) flush(ctx context.Context, b blob.Batch, evs []evident.Evidence) (flushed, error) {
	if db, ok := b.(blob.DeferBatch); ok && l.deferSmall.Load() {
		deferred, ok, err := db.Keep(ctx)
		if err != nil {
			return flushed{}, fmt.Errorf("keep evidence blobs: %w", err)
		}
		if ok {
			kept := make([]sqlstore.BlobIntent, len(deferred))
			for i, p := range deferred {
				kept[i] = sqlstore.BlobIntent{Digest: p.Digest, Data: p.Data}
			}
			return flushed{evs: evs, kept: kept}, nil
		}
	}
	if err := b.Commit(ctx); err != nil {
		if names := failedFiles(err, evs); names != "" {
			return flushed{}, fmt.Errorf("%s: flush evidence blobs: %w", names, err)
		}
		return flushed{}, fmt.Errorf("flush evidence blobs: %w", err)
	}
	return flushed{evs: evs}, nil
}

// failedFiles names the files whose blobs err says could not be stored
// (blob.PutError), the first three and how many more, or "" when err
// names no blob.
func failedFiles(err error, evs []evident.Evidence) string {
	failed := map[evident.Digest]bool{}
	var walk func(error)
	walk = func(err error) {
		if pe, ok := err.(*blob.PutError); ok {
			failed[pe.Digest] = true
		}
		switch e := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range e.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	var names []string
	for _, e := range evs {
		if failed[e.Digest] {
			names = append(names, e.Filename)
		}
	}
	switch {
	case len(names) > 3:
		return fmt.Sprintf("%s and %d more files", strings.Join(names[:3], ", "), len(names)-3)
	default:
		return strings.Join(names, ", ")
	}
}

// record is a flushed batch's second half: its records go in one
// transaction with the checkpoint that covers them (the store signs it in
// the same transaction: Open gave it the key), and with the kept bytes of
// deferred blobs.
func (l *Ledger) record(ctx context.Context, f flushed) ([]evident.Evidence, error) {
	evs := f.evs
	if f.kept == nil {
		if err := l.st.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, evs) }); err != nil {
			return nil, err
		}
		return evs, nil
	}
	err := l.st.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.InsertEvidence(ctx, evs); err != nil {
			return err
		}
		return tx.AddBlobIntents(ctx, f.kept)
	})
	if err != nil {
		return nil, err
	}
	// Every settleEvery deferred blobs get their files together (one
	// flush and one commit for all of them). The write above is durable
	// whatever happens here: a failure leaves the bytes kept, and the
	// next Settle (or the next open) tries again.
	if l.deferred.Add(int64(len(f.kept))) >= settleEvery {
		l.deferred.Store(0)
		_ = l.Settle(ctx)
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
