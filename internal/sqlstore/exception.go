package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/evidenthq/evident"
)

// AddException records a documented exception for a control, with an
// audit record. The control must exist and the approver must be a person
// or role of the program: an exception nobody in the program approved is
// not documented.
func (s *Store) AddException(ctx context.Context, e evident.Exception) (evident.Exception, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		m, err := tx.Model(ctx)
		if err != nil {
			return err
		}
		now := tx.Now.UTC().Truncate(time.Microsecond)
		e.ID, e.RecordedAt = evident.NewID(now), now
		if e.From.IsZero() {
			e.From = now
		}
		e.From, e.Expires, e.ApprovedAt = e.From.UTC().Truncate(time.Microsecond), e.Expires.UTC().Truncate(time.Microsecond), e.ApprovedAt.UTC().Truncate(time.Microsecond)
		if err := e.Validate(); err != nil {
			return err
		}
		if m.ControlByID(e.Control) == nil {
			return evident.ErrorAt(evident.EINVALID, "control", "no control %q in the program", e.Control)
		}
		if !m.IsOwner(e.Approver) {
			return evident.ErrorAt(evident.EINVALID, "approver", "%q is not a person or role of the program", e.Approver)
		}
		body, _ := json.Marshal(e)
		if _, err := tx.Exec(ctx, `INSERT INTO exceptions (id, control_id, valid_from, expires, recorded_at, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.Control, TS(e.From), TS(e.Expires), TS(e.RecordedAt), e.Actor, string(body)); err != nil {
			return fmt.Errorf("record exception: %w", err)
		}
		_, err = tx.Audit(ctx, "exception.add", e.ID, e.Actor, e)
		return err
	})
	return e, err
}

// Exceptions returns the exceptions recorded at or before at (zero: all),
// by control and start.
func (tx *Tx) Exceptions(ctx context.Context, at time.Time) ([]evident.Exception, error) {
	rows, err := tx.Query(ctx, `SELECT body FROM exceptions WHERE recorded_at <= ? ORDER BY control_id, valid_from, id`, asOf(at))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []evident.Exception
	for rows.Next() {
		var body string
		var e evident.Exception
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			return nil, fmt.Errorf("stored exception: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
