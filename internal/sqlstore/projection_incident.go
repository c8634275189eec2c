package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/evidenthq/evident"
)

// The incident register: incident.open carries the whole incident, and
// each later leaf (update, classify, step, notify) the change it made.
// The replay keeps each incident as the leaves so far describe it and
// writes its row as saveIncidentRow would, so a moved aware_at, a
// lowered severity or a deleted notification is named.

var incidentsProjection = projection{
	table: "incidents",
	key:   []string{"id"},
	columns: []string{"kind", "title", "reporter", "aware_at", "detected_at", "opened_at", "opened_by", "closed_at",
		"severity", "significant", "root_cause", "finding_key", "body", "updated_at"},
	kinds: map[string]applyFunc{
		"incident.open": applyIncidentOpen, "incident.update": applyIncidentUpdate,
		"incident.classify": applyIncidentClassify, "incident.step": applyIncidentStep, "incident.notify": applyIncidentNotify,
	},
}

var incidentClassificationsProjection = projection{
	table:   "incident_classifications",
	key:     []string{"incident_id", "seq"},
	columns: []string{"at", "actor", "body", "ledger_idx"},
	kinds:   nil, // written by applyIncidentClassify
}

var incidentStepsProjection = projection{
	table:   "incident_steps",
	key:     []string{"id"},
	columns: []string{"incident_id", "kind", "at", "recorded_at", "actor", "note", "ledger_idx"},
	kinds:   nil, // written by applyIncidentStep
}

var incidentNotificationsProjection = projection{
	table: "incident_notifications",
	key:   []string{"id"},
	columns: []string{"incident_id", "kind", "recipients", "sent_at", "recorded_at", "actor", "note", "file", "sha256",
		"size", "evidence_id", "ledger_idx"},
	kinds: nil, // written by applyIncidentNotify
}

// replayedIncident returns the incident the leaves so far opened.
func replayedIncident(r *Replay, id string) (*evident.Incident, error) {
	inc, ok := r.state["incident/"+id].(*evident.Incident)
	if !ok {
		return nil, fmt.Errorf("names incident %s, which no earlier leaf opened", id)
	}
	return inc, nil
}

// putIncident writes the incidents row as openIncident and
// saveIncidentRow store it; updated is the leaf that last saved it.
func putIncident(r *Replay, inc *evident.Incident, l ReplayLeaf) error {
	body, err := json.Marshal(bodyOf(*inc))
	if err != nil {
		return err
	}
	sig, sev := Null, ""
	if c, ok := inc.Current(); ok {
		sig, sev = Int(int64(boolInt(c.Significant()))), string(c.Severity)
	}
	closed, detected := Null, Null
	if !inc.ClosedAt.IsZero() {
		closed = Text(TS(inc.ClosedAt))
	}
	if !inc.DetectedAt.IsZero() {
		detected = Text(TS(inc.DetectedAt))
	}
	r.put("incidents", l.Index, map[string]Value{"id": Text(inc.ID), "kind": Text(string(inc.Kind)), "title": Text(inc.Title),
		"reporter": Text(inc.Reporter), "aware_at": Text(TS(inc.AwareAt)), "detected_at": detected,
		"opened_at": Text(TS(inc.OpenedAt)), "opened_by": Text(inc.OpenedBy), "closed_at": closed, "severity": Text(sev),
		"significant": sig, "root_cause": Text(evident.RootCauseKey(inc.RootCause)), "finding_key": OptText(inc.FindingKey),
		"body": Text(string(body)), "updated_at": Text(TS(l.Record.At))})
	return nil
}

func applyIncidentOpen(r *Replay, l ReplayLeaf) error {
	var inc evident.Incident
	if err := json.Unmarshal(l.Record.Body, &inc); err != nil {
		return err
	}
	r.state["incident/"+inc.ID] = &inc
	return putIncident(r, &inc, l)
}

func applyIncidentUpdate(r *Replay, l ReplayLeaf) error {
	inc, err := replayedIncident(r, l.Record.ID)
	if err != nil {
		return err
	}
	var u evident.IncidentUpdate
	if err := json.Unmarshal(l.Record.Body, &u); err != nil {
		return err
	}
	*inc = u.Apply(*inc)
	inc.Services, inc.Systems = names(inc.Services), names(inc.Systems)
	return putIncident(r, inc, l)
}

func applyIncidentClassify(r *Replay, l ReplayLeaf) error {
	inc, err := replayedIncident(r, l.Record.ID)
	if err != nil {
		return err
	}
	var a struct {
		Seq            int                    `json:"seq"`
		RootCause      string                 `json:"root_cause,omitempty"`
		Classification evident.Classification `json:"classification"`
	}
	if err := json.Unmarshal(l.Record.Body, &a); err != nil {
		return err
	}
	if rc := strings.TrimSpace(a.RootCause); rc != "" {
		inc.RootCause = rc
	}
	c := a.Classification
	c.Ledger = l.Index
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	r.put("incident_classifications", l.Index, map[string]Value{"incident_id": Text(inc.ID), "seq": Int(int64(a.Seq)),
		"at": Text(TS(c.At)), "actor": Text(l.Record.Actor), "body": Text(string(body)), "ledger_idx": Int(l.Index)})
	inc.Classifications = append(inc.Classifications, c)
	return putIncident(r, inc, l)
}

func applyIncidentStep(r *Replay, l ReplayLeaf) error {
	inc, err := replayedIncident(r, l.Record.ID)
	if err != nil {
		return err
	}
	var st evident.Step
	if err := json.Unmarshal(l.Record.Body, &st); err != nil {
		return err
	}
	r.put("incident_steps", l.Index, map[string]Value{"id": Text(st.ID), "incident_id": Text(inc.ID), "kind": Text(string(st.Kind)),
		"at": Text(TS(st.At)), "recorded_at": Text(TS(st.RecordedAt)), "actor": Text(l.Record.Actor), "note": Text(st.Note),
		"ledger_idx": Int(l.Index)})
	if st.Kind != evident.StepClosure {
		return nil
	}
	inc.ClosedAt = st.At
	return putIncident(r, inc, l)
}

func applyIncidentNotify(r *Replay, l ReplayLeaf) error {
	inc, err := replayedIncident(r, l.Record.ID)
	if err != nil {
		return err
	}
	var n evident.Notification
	if err := json.Unmarshal(l.Record.Body, &n); err != nil {
		return err
	}
	to, err := json.Marshal(n.To)
	if err != nil {
		return err
	}
	r.put("incident_notifications", l.Index, map[string]Value{"id": Text(n.ID), "incident_id": Text(inc.ID), "kind": Text(string(n.Kind)),
		"recipients": Text(string(to)), "sent_at": Text(TS(n.SentAt)), "recorded_at": Text(TS(n.RecordedAt)), "actor": Text(l.Record.Actor),
		"note": Text(n.Note), "file": Text(n.File), "sha256": Text(n.Digest), "size": Int(n.Size), "evidence_id": OptText(n.EvidenceID),
		"ledger_idx": Int(l.Index)})
	return nil
}
