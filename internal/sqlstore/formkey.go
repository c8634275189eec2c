package sqlstore

import (
	"context"
	"time"

	"github.com/evidenthq/evident"
)

// Form keys make a browser form safe to submit twice. ClaimFormKey marks
// a key as used before the form's write runs; a second submission with
// the same key finds the claim and is sent where the first one went
// (SetFormKey) instead of writing again. A failed submission releases its
// claim (ReleaseFormKey), so correcting the form and sending it again
// works.

// ClaimFormKey claims key for actor and reports claimed=true when this
// submission is the first. Otherwise it returns the location the first
// submission went to, "" while that one is still running. A key claimed
// by another actor is refused, so a key seen in someone else's page is
// worth nothing.
func (s *Store) ClaimFormKey(ctx context.Context, key, actor string) (claimed bool, location string, err error) {
	err = s.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO form_keys (form_key, actor, location, created_at) VALUES (?, ?, '', ?)
			ON CONFLICT (form_key) DO NOTHING`, key, actor, TS(tx.Now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			claimed = true
			return nil
		}
		var owner string
		if err := tx.QueryRow(ctx, `SELECT actor, location FROM form_keys WHERE form_key = ?`, key).Scan(&owner, &location); err != nil {
			return err
		}
		if owner != actor {
			return evident.Errorf(evident.ECONFLICT, "form key already used by another login; reload the form")
		}
		return nil
	})
	return claimed, location, err
}

// SetFormKey records where the submission that claimed key went.
func (s *Store) SetFormKey(ctx context.Context, key, location string) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE form_keys SET location = ? WHERE form_key = ?`, location, key)
		return err
	})
}

// ReleaseFormKey forgets a claim whose submission failed, and keys older
// than 30 days: a form left open longer is simply submitted afresh.
func (s *Store) ReleaseFormKey(ctx context.Context, key string) error {
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM form_keys WHERE form_key = ?`, key); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM form_keys WHERE created_at < ?`, TS(tx.Now.Add(-30*24*time.Hour)))
		return err
	})
}
