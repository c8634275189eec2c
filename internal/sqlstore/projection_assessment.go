package sqlstore

import (
	"encoding/json"

	"github.com/evidenthq/evident"
)

// Engagements, requests and findings: each leaf carries the whole object
// as it stands after the step, so the row is re-derived from the last leaf
// about it.

var engagementsProjection = projection{
	table:   "engagements",
	key:     []string{"id"},
	columns: []string{"kind", "period_from", "period_to", "recorded_at", "actor", "body"},
	kinds:   map[string]applyFunc{kindEngagementAdd: applyEngagement},
}

var assessmentRequestsProjection = projection{
	table:   "assessment_requests",
	key:     []string{"id"},
	columns: []string{"engagement_id", "due", "raised_at", "updated_at", "body"},
	kinds:   map[string]applyFunc{kindRequest: applyRequest},
}

var findingsProjection = projection{
	table:   "findings",
	key:     []string{"id"},
	columns: []string{"engagement_id", "ref", "kind", "due", "raised_at", "updated_at", "body"},
	kinds:   map[string]applyFunc{kindFinding: applyFinding},
}

func applyEngagement(r *Replay, l ReplayLeaf) error {
	var e evident.Engagement
	if err := json.Unmarshal(l.Record.Body, &e); err != nil {
		return err
	}
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	r.put("engagements", l.Index, map[string]Value{"id": Text(e.ID), "kind": Text(string(e.Kind)), "period_from": Text(TS(e.From)),
		"period_to": Text(TS(e.To)), "recorded_at": Text(TS(e.RecordedAt)), "actor": Text(e.Actor), "body": Text(string(body))})
	return nil
}

func applyRequest(r *Replay, l ReplayLeaf) error {
	var a assessmentAudit[evident.Request]
	if err := json.Unmarshal(l.Record.Body, &a); err != nil {
		return err
	}
	q := a.Object
	body, err := json.Marshal(q)
	if err != nil {
		return err
	}
	r.put("assessment_requests", l.Index, map[string]Value{"id": Text(q.ID), "engagement_id": Text(q.Engagement), "due": Text(TS(q.Due)),
		"raised_at": Text(TS(q.RaisedAt)), "updated_at": Text(TS(a.Step.At)), "body": Text(string(body))})
	return nil
}

func applyFinding(r *Replay, l ReplayLeaf) error {
	var a assessmentAudit[evident.Finding]
	if err := json.Unmarshal(l.Record.Body, &a); err != nil {
		return err
	}
	f := a.Object
	body, err := json.Marshal(f)
	if err != nil {
		return err
	}
	due := Null
	if !f.Due.IsZero() {
		due = Text(TS(f.Due))
	}
	r.put("findings", l.Index, map[string]Value{"id": Text(f.ID), "engagement_id": Text(f.Engagement), "ref": Text(f.Ref),
		"kind": Text(string(f.Kind)), "due": due, "raised_at": Text(TS(f.RaisedAt)), "updated_at": Text(TS(a.Step.At)), "body": Text(string(body))})
	return nil
}
