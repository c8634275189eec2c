package sqlstore

import (
	"context"

	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
)

// Checkpoint is a signed checkpoint as stored: the tree size, its root and
// the signed note verbatim.
type Checkpoint struct {
	Size      int64
	Root      tlog.Hash
	Note      []byte
	CreatedAt time.Time
}

// InsertCheckpoint keeps a signed checkpoint. A second checkpoint for the
// same size is ECONFLICT: the tree at a size has one root.
func (tx *Tx) InsertCheckpoint(ctx context.Context, c Checkpoint) error {
	_, err := tx.Exec(ctx, `INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)`,
		c.Size, c.Root[:], c.Note, TS(tx.Now))
	if IsUniqueViolation(err) {
		return evident.Errorf(evident.ECONFLICT, "a checkpoint for tree size %d is already stored", c.Size)
	}
	return err
}

// LatestCheckpoint returns the checkpoint with the largest size, or
// ENOTFOUND when none has been signed.
func (tx *Tx) LatestCheckpoint(ctx context.Context) (Checkpoint, error) {
	cs, err := tx.checkpoints(ctx, `SELECT size, root, note, created_at FROM checkpoints ORDER BY size DESC LIMIT 1`)
	if err != nil {
		return Checkpoint{}, err
	}
	if len(cs) == 0 {
		return Checkpoint{}, evident.Errorf(evident.ENOTFOUND, "no checkpoint has been signed yet")
	}
	return cs[0], nil
}

// CheckpointAt returns the checkpoint of the given size, or ENOTFOUND.
func (tx *Tx) CheckpointAt(ctx context.Context, size int64) (Checkpoint, error) {
	cs, err := tx.checkpoints(ctx, `SELECT size, root, note, created_at FROM checkpoints WHERE size = ?`, size)
	if err != nil {
		return Checkpoint{}, err
	}
	if len(cs) == 0 {
		return Checkpoint{}, evident.Errorf(evident.ENOTFOUND, "no checkpoint of size %d", size)
	}
	return cs[0], nil
}

// Checkpoints returns every stored checkpoint, smallest first.
func (tx *Tx) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	return tx.checkpoints(ctx, `SELECT size, root, note, created_at FROM checkpoints ORDER BY size`)
}

func (tx *Tx) checkpoints(ctx context.Context, q string, args ...any) ([]Checkpoint, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read checkpoints: %w", err)
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		var c Checkpoint
		var root []byte
		var at string
		if err := rows.Scan(&c.Size, &root, &c.Note, &at); err != nil {
			return nil, err
		}
		copy(c.Root[:], root)
		if c.CreatedAt, err = ParseTS(at); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Anchor is an RFC 3161 time-stamp token over a signed checkpoint.
type Anchor struct {
	ID             string
	CheckpointSize int64
	TSA            string
	GenTime        time.Time
	Token          []byte
	CreatedAt      time.Time
}

// InsertAnchor keeps a time-stamp token.
func (tx *Tx) InsertAnchor(ctx context.Context, a Anchor) error {
	_, err := tx.Exec(ctx, `INSERT INTO anchors (id, checkpoint_size, tsa, gen_time, token, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ID, a.CheckpointSize, a.TSA, TS(a.GenTime), a.Token, TS(tx.Now))
	return err
}

// Anchors returns every stored anchor in checkpoint order.
func (tx *Tx) Anchors(ctx context.Context) ([]Anchor, error) {
	rows, err := tx.Query(ctx, `SELECT id, checkpoint_size, tsa, gen_time, token, created_at FROM anchors ORDER BY checkpoint_size, created_at`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Anchor
	for rows.Next() {
		var a Anchor
		var gen, at string
		if err := rows.Scan(&a.ID, &a.CheckpointSize, &a.TSA, &gen, &a.Token, &at); err != nil {
			return nil, err
		}
		if a.GenTime, err = ParseTS(gen); err != nil {
			return nil, err
		}
		if a.CreatedAt, err = ParseTS(at); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// EvidenceControls returns the control ids stored for each evidence id in
// the join table, for verify to compare with the leaves.
func (tx *Tx) EvidenceControls(ctx context.Context) (map[string][]string, error) {
	return tx.pairs(ctx, `SELECT evidence_id, control_id FROM evidence_controls ORDER BY evidence_id, control_id`)
}

// EvidenceRequirements is EvidenceControls for requirement references.
func (tx *Tx) EvidenceRequirements(ctx context.Context) (map[string][]string, error) {
	return tx.pairs(ctx, `SELECT evidence_id, requirement FROM evidence_requirements ORDER BY evidence_id, requirement`)
}

func (tx *Tx) pairs(ctx context.Context, q string) (map[string][]string, error) {
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = append(out[k], v)
	}
	return out, rows.Err()
}
