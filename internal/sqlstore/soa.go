package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/evidenthq/evident"
)

// PutApplicability inserts or replaces a statement-of-applicability
// decision.
func (tx *Tx) PutApplicability(ctx context.Context, a evident.Applicability, actor string) error {
	if err := tx.DeleteApplicability(ctx, a.Requirement); err != nil {
		return err
	}
	body, err := json.Marshal(a)
	if err != nil {
		return err
	}
	r := a.Requirement
	if _, err := tx.Exec(ctx, `INSERT INTO soa (standard, version, requirement_id, applicable, body, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		string(r.Standard), r.Version, string(r.ID), boolInt(a.Applicable), string(body), TS(tx.Now), actor); err != nil {
		return evident.Errorf(evident.EINVALID, "statement of applicability: requirement %s is not in the stored catalog: %v", r, err)
	}
	return nil
}

// DeleteApplicability removes the decision about ref, which makes the
// requirement applicable again.
func (tx *Tx) DeleteApplicability(ctx context.Context, ref evident.RequirementRef) error {
	_, err := tx.Exec(ctx, `DELETE FROM soa WHERE standard = ? AND version = ? AND requirement_id = ?`, string(ref.Standard), ref.Version, string(ref.ID))
	if err != nil {
		return fmt.Errorf("delete applicability of %s: %w", ref, err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
