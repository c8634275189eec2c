package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/evidenthq/evident"
)

// BlobIntent is a small blob whose bytes a commit holds until its file is
// known durable (see migration 0027).
type BlobIntent struct {
	Digest evident.Digest
	Data   []byte
}

// AddBlobIntents keeps the bytes of blobs in this transaction, so that its
// commit makes them durable together with the records that name them.
func (tx *Tx) AddBlobIntents(ctx context.Context, bs []BlobIntent) error {
	for _, b := range bs {
		var q string
		if tx.dialect == Postgres {
			q = `INSERT INTO blob_intents (digest, data) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING`
		} else {
			q = `INSERT OR IGNORE INTO blob_intents (digest, data) VALUES (?, ?)`
		}
		if _, err := tx.Exec(ctx, q, b.Digest.String(), b.Data); err != nil {
			return fmt.Errorf("keep blob %s until it is flushed: %w", b.Digest, err)
		}
	}
	return nil
}

// BlobIntents returns every blob whose file is not yet known durable.
func (tx *Tx) BlobIntents(ctx context.Context) ([]BlobIntent, error) {
	rows, err := tx.Query(ctx, `SELECT digest, data FROM blob_intents ORDER BY digest`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BlobIntent
	for rows.Next() {
		var s string
		var b BlobIntent
		if err := rows.Scan(&s, &b.Data); err != nil {
			return nil, err
		}
		if b.Digest, err = evident.ParseDigest(s); err != nil {
			return nil, fmt.Errorf("blob_intents row %q: %w", s, err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BlobIntent returns the kept bytes of one blob whose file is not yet
// known durable; a blob with no kept bytes is ENOTFOUND.
func (tx *Tx) BlobIntent(ctx context.Context, d evident.Digest) ([]byte, error) {
	var data []byte
	err := tx.QueryRow(ctx, `SELECT data FROM blob_intents WHERE digest = ?`, d.String()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, evident.Errorf(evident.ENOTFOUND, "blob %s has no kept bytes", d)
	}
	return data, err
}

// DropBlobIntents forgets the bytes of blobs whose files are durable.
func (tx *Tx) DropBlobIntents(ctx context.Context, ds []evident.Digest) error {
	for _, d := range ds {
		if _, err := tx.Exec(ctx, `DELETE FROM blob_intents WHERE digest = ?`, d.String()); err != nil {
			return err
		}
	}
	return nil
}
