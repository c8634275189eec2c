package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// PlaceHold records a legal hold on one piece of evidence or on every
// piece about an incident, with its ledger leaf, in one transaction. The
// evidence or incident must exist.
func (s *Store) PlaceHold(ctx context.Context, h evident.Hold) (evident.Hold, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		now := tx.Now.UTC().Truncate(time.Microsecond)
		h.ID, h.Placed, h.Released, h.ReleasedBy, h.ReleaseReason = evident.NewID(now), now, time.Time{}, "", ""
		h.Evidence, h.Incident, h.Reason = strings.TrimSpace(h.Evidence), strings.TrimSpace(h.Incident), strings.TrimSpace(h.Reason)
		if err := h.Validate(); err != nil {
			return err
		}
		if h.Evidence != "" {
			if _, err := tx.Evidence(ctx, h.Evidence); err != nil {
				return evident.ErrorAt(evident.EINVALID, "evidence", "no evidence %q to hold", h.Evidence)
			}
		} else if _, err := tx.Incident(ctx, h.Incident); err != nil {
			return evident.ErrorAt(evident.EINVALID, "incident", "no incident %q to hold evidence for", h.Incident)
		}
		if err := tx.putHold(ctx, h, false); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, "retention.hold", h.ID, h.PlacedBy, h)
		return err
	})
	return h, err
}

// ReleaseHold ends a standing legal hold, with its ledger leaf. A hold is
// released once; the evidence then falls back to its retention period.
func (s *Store) ReleaseHold(ctx context.Context, id, actor, reason string) (evident.Hold, error) {
	var h evident.Hold
	err := s.Write(ctx, func(tx *Tx) error {
		var found bool
		err := scanBodies(ctx, tx, `SELECT body FROM legal_holds WHERE id = ?`, []any{id}, func(x evident.Hold) { h, found = x, true })
		if err != nil {
			return err
		}
		if !found {
			return evident.ErrorAt(evident.ENOTFOUND, "hold", "no legal hold %q (see `evident retention holds`)", id)
		}
		if !h.Released.IsZero() {
			return evident.ErrorAt(evident.EINVALID, "hold", "legal hold %s was already released at %s", id, evident.UTC(h.Released))
		}
		if strings.TrimSpace(reason) == "" {
			return evident.ErrorAt(evident.EINVALID, "reason", "releasing a legal hold needs a reason")
		}
		h.Released, h.ReleasedBy, h.ReleaseReason = tx.Now.UTC().Truncate(time.Microsecond), actor, strings.TrimSpace(reason)
		if err := tx.putHold(ctx, h, true); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, "retention.release", h.ID, actor, h)
		return err
	})
	return h, err
}

func (tx *Tx) putHold(ctx context.Context, h evident.Hold, update bool) error {
	body, _ := json.Marshal(h)
	q := `INSERT INTO legal_holds (evidence, incident, reason, placed_at, placed_by, released_at, released_by, body, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if update {
		q = `UPDATE legal_holds SET evidence = ?, incident = ?, reason = ?, placed_at = ?, placed_by = ?, released_at = ?, released_by = ?, body = ? WHERE id = ?`
	}
	if _, err := tx.Exec(ctx, q, h.Evidence, h.Incident, h.Reason, TS(h.Placed), h.PlacedBy, optTS(h.Released), h.ReleasedBy, string(body), h.ID); err != nil {
		return fmt.Errorf("record legal hold: %w", err)
	}
	return nil
}

// Holds returns every legal hold, standing and released, by placing.
func (s *Store) Holds(ctx context.Context) ([]evident.Hold, error) {
	var out []evident.Hold
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.Holds(ctx)
		return err
	})
	return out, err
}

// Holds is Store.Holds inside a transaction.
func (tx *Tx) Holds(ctx context.Context) ([]evident.Hold, error) {
	out := []evident.Hold{}
	err := scanBodies(ctx, tx, `SELECT body FROM legal_holds ORDER BY placed_at, id`, nil, func(h evident.Hold) { out = append(out, h) })
	return out, err
}

// RecordRetentionDeletion records, with its ledger leaf, that the blob d
// names was deleted because its retention ended. It is written before the
// blob is deleted: a deletion interrupted between the two leaves a blob
// the next apply deletes, never a missing blob without its leaf.
func (tx *Tx) RecordRetentionDeletion(ctx context.Context, d evident.RetentionDeletion) (evident.RetentionDeletion, error) {
	now := tx.Now.UTC().Truncate(time.Microsecond)
	d.ID, d.At = evident.NewID(now), now
	body, _ := json.Marshal(d)
	if _, err := tx.Exec(ctx, `INSERT INTO retention_deletions (id, sha256, deleted_at, actor, body) VALUES (?, ?, ?, ?, ?)`,
		d.ID, d.Digest.String(), TS(d.At), d.Actor, string(body)); err != nil {
		return d, fmt.Errorf("record retention deletion: %w", err)
	}
	_, err := tx.Audit(ctx, evident.RetentionDeleteKind, d.ID, d.Actor, d)
	return d, err
}

// RetentionDeletions returns every blob deletion retention made, oldest
// first.
func (tx *Tx) RetentionDeletions(ctx context.Context) ([]evident.RetentionDeletion, error) {
	out := []evident.RetentionDeletion{}
	err := scanBodies(ctx, tx, `SELECT body FROM retention_deletions ORDER BY deleted_at, id`, nil, func(d evident.RetentionDeletion) { out = append(out, d) })
	return out, err
}
