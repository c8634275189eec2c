package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// Cosignature is a witness's cosignature of a signed checkpoint, kept as
// the checkpoint with the cosignature line appended.
type Cosignature struct {
	Witness    string // the witness's key name
	KeyHash    uint32
	Size       int64
	Note       []byte
	CosignedAt time.Time // the time inside the cosignature
	CreatedAt  time.Time
}

// InsertCosignature keeps a cosignature; one the store already holds (the
// same witness and size) is left as it is.
func (tx *Tx) InsertCosignature(ctx context.Context, c Cosignature) error {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM cosignatures WHERE witness = ? AND key_hash = ? AND size = ?`,
		c.Witness, fmt.Sprintf("%08x", c.KeyHash), c.Size).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO cosignatures (witness, key_hash, size, note, cosigned_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.Witness, fmt.Sprintf("%08x", c.KeyHash), c.Size, c.Note, TS(c.CosignedAt), TS(tx.Now))
	return err
}

// Cosignatures returns the cosignatures by the witness key (name and key
// hash), largest tree first.
func (tx *Tx) Cosignatures(ctx context.Context, witness string, keyHash uint32) ([]Cosignature, error) {
	rows, err := tx.Query(ctx, `SELECT size, note, cosigned_at, created_at FROM cosignatures WHERE witness = ? AND key_hash = ? ORDER BY size DESC`,
		witness, fmt.Sprintf("%08x", keyHash))
	if err != nil {
		return nil, fmt.Errorf("read cosignatures: %w", err)
	}
	defer rows.Close()
	var out []Cosignature
	for rows.Next() {
		c := Cosignature{Witness: witness, KeyHash: keyHash}
		var cos, at string
		if err := rows.Scan(&c.Size, &c.Note, &cos, &at); err != nil {
			return nil, err
		}
		if c.CosignedAt, err = ParseTS(cos); err != nil {
			return nil, err
		}
		if c.CreatedAt, err = ParseTS(at); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
