package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// ControlEvidencePage is one page of a control's evidence in the order of
// the period it covers (effective_from, then id): the order of the
// evidence_controls primary key, so a page is an index range read however
// much evidence the control has, where ledger order would sort all of it.
// After is the key of the previous page's last record ("" to start); keys
// holds each returned record's key, to page on from any of them.
func (s *Store) ControlEvidencePage(ctx context.Context, control string, from, to time.Time, after string, limit int) (evs []evident.Evidence, keys []string, err error) {
	rows, keys, err := s.ControlEvidenceRows(ctx, control, from, to, after, limit)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		e, err := r.Decode()
		if err != nil {
			return nil, nil, err
		}
		evs = append(evs, e)
	}
	return evs, keys, nil
}

// ControlEvidenceRows is ControlEvidencePage without decoding the records.
func (s *Store) ControlEvidenceRows(ctx context.Context, control string, from, to time.Time, after string, limit int) (out []StoredEvidence, keys []string, err error) {
	if g, ok := GrantOf(ctx); ok {
		from, to = g.Clamp(from, to)
	}
	q := `SELECT e.ledger_idx, e.actor, e.received_at, e.body, c.effective_from, c.evidence_id
		FROM evidence_controls c JOIN evidence e ON e.id = c.evidence_id WHERE c.control_id = ?`
	args := []any{control}
	if !to.IsZero() {
		q += ` AND c.effective_from < ?`
		args = append(args, TS(to))
	}
	if !from.IsZero() {
		// A period overlaps [from, to) when it ends after from; an instant
		// (stored with its end equal to its start) when it is at or after
		// from. A period ending exactly at from does not overlap.
		q += ` AND (c.effective_end > ? OR c.effective_from >= ?)`
		args = append(args, TS(from), TS(from))
	}
	if after != "" {
		ef, id, ok := strings.Cut(after, "|")
		if !ok {
			return nil, nil, evident.ErrorAt(evident.EINVALID, "cursor", "cursor is not a position in this control's evidence")
		}
		q += ` AND (c.effective_from > ? OR (c.effective_from = ? AND c.evidence_id > ?))`
		args = append(args, ef, ef, id)
	}
	q += fmt.Sprintf(` ORDER BY c.effective_from, c.evidence_id LIMIT %d`, limit)
	err = s.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("read evidence of control %s: %w", control, err)
		}
		defer rows.Close()
		for rows.Next() {
			var r StoredEvidence
			var ef string
			if err := rows.Scan(&r.LedgerIndex, &r.actor, &r.at, &r.body, &ef, &r.ID); err != nil {
				return err
			}
			out = append(out, r)
			keys = append(keys, ef+"|"+r.ID)
		}
		return rows.Err()
	})
	return out, keys, err
}
