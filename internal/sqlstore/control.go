package sqlstore

import (
	"context"
	"fmt"

	"github.com/evidenthq/evident"
)

// linkControl rewrites the control's requirement rows. The catalog foreign
// key refuses a requirement this build does not know even if a caller
// skipped the model check.
func (tx *Tx) linkControl(ctx context.Context, c evident.Control) error {
	if _, err := tx.Exec(ctx, `DELETE FROM control_requirements WHERE control_id = ?`, c.ID); err != nil {
		return err
	}
	if len(c.Requirements) == 0 {
		return nil
	}
	// All links in one statement, for the same reason PutObject upserts.
	seen := map[evident.RequirementRef]bool{}
	q := `INSERT INTO control_requirements (control_id, standard, version, requirement_id) VALUES `
	var args []any
	for _, r := range c.Requirements {
		if seen[r] {
			continue
		}
		if len(seen) > 0 {
			q += ", "
		}
		seen[r] = true
		q += "(?, ?, ?, ?)"
		args = append(args, c.ID, string(r.Standard), r.Version, string(r.ID))
	}
	if _, err := tx.Exec(ctx, q, args...); err != nil {
		return evident.Errorf(evident.EINVALID, "control %s: a requirement is not in the stored catalog: %v", c.ID, err)
	}
	return nil
}

// ControlsMeeting returns the ids of the controls that meet requirement
// ref, read through the link table without loading the whole program.
func (s *Store) ControlsMeeting(ctx context.Context, ref evident.RequirementRef) ([]string, error) {
	var ids []string
	err := s.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT control_id FROM control_requirements WHERE standard = ? AND version = ? AND requirement_id = ? ORDER BY control_id`,
			string(ref.Standard), ref.Version, string(ref.ID))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("controls meeting %s: %w", ref, err)
	}
	return ids, nil
}
