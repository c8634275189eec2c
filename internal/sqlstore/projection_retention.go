package sqlstore

import (
	"encoding/json"

	"github.com/evidenthq/evident"
)

// Legal holds and retention deletions: each leaf's body is the whole
// record as the table stores it (a release carries the hold it ends).

var legalHoldsProjection = projection{
	table:   "legal_holds",
	key:     []string{"id"},
	columns: []string{"evidence", "incident", "reason", "placed_at", "placed_by", "released_at", "released_by", "body"},
	kinds:   map[string]applyFunc{"retention.hold": applyHold, "retention.release": applyHold},
}

var retentionDeletionsProjection = projection{
	table:   "retention_deletions",
	key:     []string{"id"},
	columns: []string{"sha256", "deleted_at", "actor", "body"},
	kinds:   map[string]applyFunc{evident.RetentionDeleteKind: applyRetentionDeletion},
}

func applyHold(r *Replay, l ReplayLeaf) error {
	var h evident.Hold
	if err := json.Unmarshal(l.Record.Body, &h); err != nil {
		return err
	}
	body, err := json.Marshal(h)
	if err != nil {
		return err
	}
	r.put("legal_holds", l.Index, map[string]Value{"id": Text(h.ID), "evidence": Text(h.Evidence), "incident": Text(h.Incident),
		"reason": Text(h.Reason), "placed_at": Text(TS(h.Placed)), "placed_by": Text(h.PlacedBy), "released_at": Text(optTS(h.Released)),
		"released_by": Text(h.ReleasedBy), "body": Text(string(body))})
	return nil
}

func applyRetentionDeletion(r *Replay, l ReplayLeaf) error {
	var d evident.RetentionDeletion
	if err := json.Unmarshal(l.Record.Body, &d); err != nil {
		return err
	}
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	r.put("retention_deletions", l.Index, map[string]Value{"id": Text(d.ID), "sha256": Text(d.Digest.String()),
		"deleted_at": Text(TS(d.At)), "actor": Text(d.Actor), "body": Text(string(body))})
	return nil
}
