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
	columns: []string{"effective_end", "received_at", "effective_to", "verdict", "ledger_idx"},
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
	// Rows are built in their projections' column order (key first)
	// rather than as maps: a verify replays every evidence leaf, and a
	// map per row was a third of the replay's time.
	received, verdict := Text(TS(e.ReceivedAt)), OptText(string(e.Verdict))
	r.putRow("evidence", l.Index, []Value{
		Text(e.ID), // key: id
		Int(l.Index), Text(string(e.Kind)), Text(e.Digest.String()), Int(e.Size), Text(e.MediaType),
		Text(e.Filename), Text(e.Actor), received, Text(TS(e.Effective.From)), to,
		OptText(e.Supersedes), verdict, textBytes(l.Record.Body),
	})
	from, end := evidenceSpan(e)
	fromV, endV, idV := Text(from), Text(end), Text(e.ID)
	for _, c := range uniqueIDs(e.Controls) {
		// key: control_id, effective_from, evidence_id; then effective_end,
		// received_at, effective_to, verdict, ledger_idx
		r.putRow("evidence_controls", l.Index, []Value{Text(c), fromV, idV, endV, received, to, verdict, Int(l.Index)})
	}
	var refs []string
	for _, q := range e.Requirements {
		refs = append(refs, q.String())
	}
	for _, q := range uniqueIDs(refs) {
		// key: requirement, effective_from, evidence_id; then effective_end, received_at
		r.putRow("evidence_requirements", l.Index, []Value{Text(q), fromV, idV, endV, received})
	}
	return nil
}
