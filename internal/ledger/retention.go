package ledger

import (
	"context"
	"slices"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// RetentionItem is the decision on one blob: every piece of evidence
// naming it must be due for it to go.
type RetentionItem struct {
	Digest   evident.Digest `json:"sha256"`
	Evidence []string       `json:"evidence"`
	Due      bool           `json:"due"`
	Ends     time.Time      `json:"ends,omitzero"` // zero: kept for ever
	Reason   string         `json:"reason"`
	// Deleted is when retention deleted the blob (in this run or before).
	Deleted time.Time `json:"deleted,omitzero"`
	// Refused is why the blob store refused a due deletion.
	Refused string `json:"refused,omitempty"`
}

// RetentionPlan is what `retention plan` shows and `retention apply` did.
type RetentionPlan struct {
	At    time.Time       `json:"at"`
	Items []RetentionItem `json:"items"`
}

// Retention decides, at the store's clock, which blobs retention lets go
// and why every other is kept (evident.DecideRetention on each piece of
// evidence). With apply it also acts: it gives the blob store the
// retention date and holds of every kept blob (so the store refuses to
// delete them early), deletes each due blob and records a
// retention.delete leaf for it. The evidence's record and leaf stay. The
// blob is deleted before its leaf is written: a deletion the store
// refuses leaves no false leaf, and an interruption between the two
// leaves a missing blob that verify reports rather than hides.
func (l *Ledger) Retention(ctx context.Context, actor string, apply bool) (RetentionPlan, error) {
	if apply && l.signer == nil {
		return RetentionPlan{}, evident.Errorf(evident.EINVALID, "the ledger is open read-only: no signing key")
	}
	now := l.st.Now()
	var m *evident.Model
	var evs []evident.Evidence
	var holds []evident.Hold
	var dels []evident.RetentionDeletion
	err := l.st.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if m, err = tx.Model(ctx); err != nil {
			return err
		}
		if evs, err = tx.ListEvidence(ctx, sqlstore.EvidenceFilter{}); err != nil {
			return err
		}
		if holds, err = tx.Holds(ctx); err != nil {
			return err
		}
		dels, err = tx.RetentionDeletions(ctx)
		return err
	})
	if err != nil {
		return RetentionPlan{}, err
	}
	periods, def := m.RetentionPeriods()
	deleted := map[evident.Digest]time.Time{}
	for _, d := range dels {
		deleted[d.Digest] = d.At
	}
	plan := RetentionPlan{At: now}
	at := map[evident.Digest]int{}
	held := map[evident.Digest]bool{} // false: had a hold, all released
	for _, e := range evs {
		var lh []evident.LegalHold
		for _, h := range holds {
			if x, ok := h.On(e); ok {
				lh = append(lh, x)
				held[e.Digest] = held[e.Digest] || x.Holds(now)
			}
		}
		d := evident.DecideRetention(e, periods, def, lh, now)
		i, ok := at[e.Digest]
		if !ok {
			i = len(plan.Items)
			at[e.Digest] = i
			plan.Items = append(plan.Items, RetentionItem{Digest: e.Digest, Due: true})
		}
		it := &plan.Items[i]
		it.Evidence = append(it.Evidence, e.ID)
		// The blob goes only if every record naming it may go; the
		// latest end and the first reason to keep it are shown.
		if !d.Due && it.Due {
			it.Reason = e.ID + ": " + d.Reason
		} else if d.Due && it.Due {
			it.Reason = d.Reason
		}
		it.Due = it.Due && d.Due
		if d.Ends.IsZero() && !d.Due {
			it.Ends = time.Time{}
		} else if d.Ends.After(it.Ends) {
			it.Ends = d.Ends
		}
		if t, ok := deleted[e.Digest]; ok && !e.ReceivedAt.After(t) {
			it.Deleted = t
		} else {
			it.Deleted = time.Time{} // the same bytes came back after
		}
	}
	if !apply {
		return plan, nil
	}
	// Retention and holds act on files: a blob whose bytes a commit
	// kept gets its file first.
	if err := l.Settle(ctx); err != nil {
		return plan, err
	}
	for i := range plan.Items {
		it := &plan.Items[i]
		if !it.Deleted.IsZero() {
			continue
		}
		if h, ok := held[it.Digest]; ok {
			if err := l.blobs.Hold(ctx, it.Digest, h); err != nil {
				return plan, err
			}
		}
		if !it.Ends.IsZero() {
			if err := l.blobs.Retain(ctx, it.Digest, it.Ends); err != nil && evident.ErrorCode(err) != evident.ENOTFOUND {
				return plan, err
			}
		}
		if !it.Due {
			continue
		}
		err := l.blobs.Delete(ctx, it.Digest, now)
		if c := evident.ErrorCode(err); c == evident.ECONFLICT || c == evident.ENOTFOUND {
			it.Refused = evident.ErrorMessage(err)
			continue
		} else if err != nil {
			return plan, err
		}
		err = l.st.Write(ctx, func(tx *sqlstore.Tx) error {
			d, err := tx.RecordRetentionDeletion(ctx, evident.RetentionDeletion{Digest: it.Digest,
				Evidence: slices.Clone(it.Evidence), Actor: actor, Reason: it.Reason})
			it.Deleted = d.At
			return err
		})
		if err != nil {
			return plan, err
		}
	}
	return plan, nil
}

// PlaceHold records a legal hold and places it on the blobs it keeps, so
// the blob store refuses their deletion at once.
func (l *Ledger) PlaceHold(ctx context.Context, h evident.Hold) (evident.Hold, error) {
	if l.signer == nil {
		return h, evident.Errorf(evident.EINVALID, "the ledger is open read-only: no signing key")
	}
	h, err := l.st.PlaceHold(ctx, h)
	if err != nil {
		return h, err
	}
	return h, l.syncHolds(ctx)
}

// ReleaseHold ends a legal hold and lifts it from the blobs no other
// standing hold keeps.
func (l *Ledger) ReleaseHold(ctx context.Context, id, actor, reason string) (evident.Hold, error) {
	if l.signer == nil {
		return evident.Hold{}, evident.Errorf(evident.EINVALID, "the ledger is open read-only: no signing key")
	}
	h, err := l.st.ReleaseHold(ctx, id, actor, reason)
	if err != nil {
		return h, err
	}
	return h, l.syncHolds(ctx)
}

// syncHolds gives the blob store the hold state of every blob any hold
// ever named.
func (l *Ledger) syncHolds(ctx context.Context) error {
	// A hold acts on files: a blob whose bytes a commit kept gets its
	// file first.
	if err := l.Settle(ctx); err != nil {
		return err
	}
	var evs []evident.Evidence
	var holds []evident.Hold
	err := l.st.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if evs, err = tx.ListEvidence(ctx, sqlstore.EvidenceFilter{}); err != nil {
			return err
		}
		holds, err = tx.Holds(ctx)
		return err
	})
	if err != nil {
		return err
	}
	now := l.st.Now()
	held := map[evident.Digest]bool{}
	for _, e := range evs {
		for _, h := range holds {
			if x, ok := h.On(e); ok {
				held[e.Digest] = held[e.Digest] || x.Holds(now)
			}
		}
	}
	for dg, on := range held {
		if err := l.blobs.Hold(ctx, dg, on); err != nil && evident.ErrorCode(err) != evident.ENOTFOUND {
			return err
		}
	}
	return nil
}
