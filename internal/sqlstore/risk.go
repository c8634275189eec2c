package sqlstore

import (
	"context"

	"github.com/evidenthq/evident"
)

// linkTreatment records which risk a treatment treats, for SQL joins from
// the risk register.
func (tx *Tx) linkTreatment(ctx context.Context, t evident.Treatment) error {
	if _, err := tx.Exec(ctx, `DELETE FROM treatment_risks WHERE treatment_id = ?`, t.ID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO treatment_risks (treatment_id, risk_id) VALUES (?, ?)`, t.ID, t.Risk)
	return err
}
