package sqlstore

import (
	"time"

	"github.com/evidenthq/evident"
)

// Evidence and its two filing tables are written once per evidence leaf
// and never changed (corrections supersede), so each leaf implies its
// rows exactly as InsertEvidence writes them. One applier writes all
// three, decoding the leaf once.

var evidenceProjection = projection{
	table: "evidence",
	key:   []string{"id"},
	columns: []string{"ledger_idx", "kind", "digest", "size", "media_type", "filename", "actor", "received_at",
		"effective_from", "effective_to", "supersedes", "verdict", "body"},
	kinds: map[string]applyFunc{evident.EvidenceRecordKind: applyEvidence},
}

var evidenceControlsProjection = projection{
	table:   "evidence_controls",
	key:     []string{"control_id", "effective_from", "evidence_id"},
	columns: []string{"effective_end", "received_at"},
	kinds:   nil, // written by applyEvidence
}

var evidenceRequirementsProjection = projection{
	table:   "evidence_requirements",
	key:     []string{"requirement", "effective_from", "evidence_id"},
	columns: []string{"effective_end", "received_at"},
	kinds:   nil, // written by applyEvidence
}

// evidenceSpan is the stored effective_from and effective_end: an instant
// is the period [t, t+1µs), as InsertEvidence stores it.
func evidenceSpan(e evident.Evidence) (from, end string) {
	endT := e.Effective.To
	if e.Effective.IsInstant() {
		endT = e.Effective.From.Add(time.Microsecond)
	}
	return TS(e.Effective.From), TS(endT)
}

func applyEvidence(r *Replay, l ReplayLeaf) error {
	if l.Evidence == nil {
		e, err := evident.EvidenceFromRecord(l.Record)
		if err != nil {
			return err
		}
		l.Evidence = &e
	}
	e := *l.Evidence
	to := Null
	if !e.Effective.To.IsZero() {
		to = Text(TS(e.Effective.To))
	}
	r.put("evidence", l.Index, map[string]Value{
		"id": Text(e.ID), "ledger_idx": Int(l.Index), "kind": Text(string(e.Kind)), "digest": Text(e.Digest.String()),
		"size": Int(e.Size), "media_type": Text(e.MediaType), "filename": Text(e.Filename), "actor": Text(e.Actor),
		"received_at": Text(TS(e.ReceivedAt)), "effective_from": Text(TS(e.Effective.From)), "effective_to": to,
		"supersedes": OptText(e.Supersedes), "verdict": OptText(string(e.Verdict)), "body": Text(string(l.Record.Body)),
	})
	from, end := evidenceSpan(e)
	for _, c := range uniqueIDs(e.Controls) {
		r.put("evidence_controls", l.Index, map[string]Value{"control_id": Text(c), "effective_from": Text(from),
			"evidence_id": Text(e.ID), "effective_end": Text(end), "received_at": Text(TS(e.ReceivedAt))})
	}
	var refs []string
	for _, q := range e.Requirements {
		refs = append(refs, q.String())
	}
	for _, q := range uniqueIDs(refs) {
		r.put("evidence_requirements", l.Index, map[string]Value{"requirement": Text(q), "effective_from": Text(from),
			"evidence_id": Text(e.ID), "effective_end": Text(end), "received_at": Text(TS(e.ReceivedAt))})
	}
	return nil
}
