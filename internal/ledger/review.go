package ledger

import (
	"context"
	"crypto/sha256"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Review records a reviewer's acceptance or rejection of a submission
// and signs a checkpoint covering it, in one transaction: the act is
// durable and provable when Review returns nil. The CLI, the API and the
// web form all call this; the rules live in sqlstore.Tx.Review.
func (l *Ledger) Review(ctx context.Context, in sqlstore.ReviewInput) (evident.Act, error) {
	if l.signer == nil {
		return evident.Act{}, evident.Errorf(evident.EINVALID, "the ledger is open read-only: no signing key")
	}
	var a evident.Act
	err := l.st.Write(ctx, func(tx *sqlstore.Tx) error {
		var err error
		a, err = tx.Review(ctx, in)
		return err // the store signs the act's checkpoint in this transaction
	})
	return a, err
}

// verifyActs compares every act row with its ledger leaf: an act row
// edited (to name another reviewer, another digest) or added without a
// leaf, and an act leaf whose row was deleted, are each reported.
func verifyActs(ctx context.Context, tx *sqlstore.Tx, r *Report) error {
	rows, err := tx.Acts(ctx)
	if err != nil {
		return err
	}
	leaves := map[string]sqlstore.LedgerLeaf{}
	err = tx.LeavesOfKind(ctx, evident.ActRecordKind, func(lf sqlstore.LedgerLeaf) error {
		leaves[lf.Ref] = lf
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range rows {
		lf, ok := leaves[a.ID]
		if !ok {
			r.add(EditedRow, a.LedgerIndex, a.ID, "act %s is in the database but in no ledger leaf: the row was added or its leaf deleted", a.ID)
			continue
		}
		delete(leaves, a.ID)
		rec, err := evident.ParseRecord(lf.Data)
		if err != nil {
			continue // reported with the leaf
		}
		want, err := evident.ActFromRecord(rec)
		if err != nil || lf.Index != a.LedgerIndex || want.Actor != a.Actor || !want.At.Equal(a.At) || want.SHA256 != a.SHA256 ||
			want.Verb != a.Verb || want.Subject != a.Subject || sha256.Sum256(want.Detail) != sha256.Sum256(a.Detail) || want.Comment != a.Comment {
			r.add(EditedRow, lf.Index, a.ID, "act %s (leaf %d): the database row differs from its ledger record", a.ID, lf.Index)
		}
	}
	for id, lf := range leaves {
		r.add(DeletedRecord, lf.Index, id, "act %s (leaf %d) is in the ledger but was deleted from the database", id, lf.Index)
	}
	// What an act claims about its evidence must hold: the digest it binds
	// is the record's, and the submitter never decided on their own.
	bs, err := tx.ActBindings(ctx)
	if err != nil {
		return err
	}
	for _, b := range bs {
		switch {
		case b.SHA256 != b.Digest:
			r.add(BadAct, b.LedgerIndex, b.Act, "act %s binds sha256 %s, but evidence %s is %s", b.Act, b.SHA256, b.Evidence, b.Digest)
		case evident.Submitter(b.Actor) == evident.Submitter(b.Submitter):
			r.add(BadAct, b.LedgerIndex, b.Act, "act %s on evidence %s was made by its submitter %s: four eyes are required", b.Act, b.Evidence, b.Actor)
		}
	}
	return nil
}

// BadAct is the problem kind of an act whose claims do not hold: it binds
// another digest than its evidence's, or was made by the submitter.
const BadAct = "bad act"
