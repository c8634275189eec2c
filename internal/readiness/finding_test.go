package readiness

import (
	"testing"
	"time"

	"github.com/evidenthq/evident"
)

// zero is an open bound: status at an instant, tasks with no horizon.
var zero time.Time

// stateOf returns a requirement's state in a report.
func stateOf(t *testing.T, r Report, id string) RequirementStatus {
	t.Helper()
	for _, rs := range r.Requirements {
		if rs.Requirement == ref(id).String() {
			return rs
		}
	}
	t.Fatalf("no %s in the report", id)
	return RequirementStatus{}
}

// majorNC is a major nonconformity against REQ-7.8-14 raised on 1 August,
// its corrective action due on 10 August; accept, when set, is when the
// assessor accepted its closure.
func majorNC(t *testing.T, accept string) evident.Finding {
	f := evident.Finding{ID: "f1", Ref: "NC-1", Kind: evident.FindingMajor, Requirements: []evident.RequirementRef{ref("REQ-7.8-14")},
		Text: "scans miss the RA hosts", CorrectiveAction: "add the RA hosts to the scan", RaisedAt: at(t, "2026-08-01T10:00:00Z"), Due: at(t, "2026-08-10"),
		Steps: []evident.AssessmentStep{{Kind: evident.StepAsk, At: at(t, "2026-08-01T10:00:00Z"), Actor: "carol"}}}
	if accept != "" {
		f.Steps = append(f.Steps, evident.AssessmentStep{Kind: evident.StepClose, At: at(t, accept).Add(-time.Hour), Actor: "mia", Evidence: []string{"e1"}},
			evident.AssessmentStep{Kind: evident.StepAccept, At: at(t, accept), Actor: "carol"})
	}
	return f
}

func TestOpenMajorNonconformityMakesItsRequirementFailing(t *testing.T) {
	in := fixture(t)
	before := stateOf(t, Status(in, zero, zero), "REQ-7.8-14")
	if before.State != evident.ReadinessVerified {
		t.Fatalf("fixture: REQ-7.8-14 is %s, want verified before any finding", before.State)
	}
	in.Findings = []evident.Finding{majorNC(t, "")}
	r := Status(in, zero, zero)
	got := stateOf(t, r, "REQ-7.8-14")
	if got.State != evident.ReadinessFailing || len(got.Nonconformities) != 1 || got.Nonconformities[0] != "NC-1" {
		t.Errorf("with an open major NC REQ-7.8-14 is %s naming %v, want failing naming NC-1", got.State, got.Nonconformities)
	}
	if len(r.Gaps) == 0 || r.Gaps[len(r.Gaps)-1].Kind != NonconformityOpen {
		t.Errorf("gaps %v, want the open nonconformity listed", r.Gaps)
	}
	// The same finding before it was raised changes nothing.
	early := in
	early.At = at(t, "2026-07-31T12:00:00Z")
	if s := stateOf(t, Status(early, zero, zero), "REQ-7.8-14"); len(s.Nonconformities) != 0 {
		t.Errorf("before the finding was raised REQ-7.8-14 names %v", s.Nonconformities)
	}
	// Its corrective action is overdue on 15 August: a task.
	var task *Task
	for _, tk := range Tasks(in, zero) {
		if tk.Kind == TaskFinding {
			task = &tk
		}
	}
	if task == nil || task.State != "overdue" || task.Source != "finding/f1" {
		t.Errorf("finding task %+v, want an overdue task for finding/f1", task)
	}
	// Closed with evidence and accepted by the assessor: verified again,
	// and no task.
	in.Findings = []evident.Finding{majorNC(t, "2026-08-14T09:00:00Z")}
	if s := stateOf(t, Status(in, zero, zero), "REQ-7.8-14"); s.State != evident.ReadinessVerified {
		t.Errorf("after acceptance REQ-7.8-14 is %s, want verified", s.State)
	}
	for _, tk := range Tasks(in, zero) {
		if tk.Kind == TaskFinding {
			t.Errorf("an accepted finding still has a task: %+v", tk)
		}
	}
}

func TestProposedClosureAndMinorNCKeepRequirementUnverified(t *testing.T) {
	in := fixture(t)
	f := majorNC(t, "")
	f.Kind = evident.FindingMinor
	f.Steps = append(f.Steps, evident.AssessmentStep{Kind: evident.StepClose, At: at(t, "2026-08-12"), Actor: "mia", Evidence: []string{"e1"}})
	in.Findings = []evident.Finding{f}
	if s := stateOf(t, Status(in, zero, zero), "REQ-7.8-14"); s.State != evident.ReadinessImplemented || s.Gaps != 1 {
		t.Errorf("minor NC with a closure proposed: %s with %d gaps, want implemented with 1: only the assessor's acceptance closes it", s.State, s.Gaps)
	}
	obs := majorNC(t, "")
	obs.Kind = evident.FindingObservation
	in.Findings = []evident.Finding{obs}
	if s := stateOf(t, Status(in, zero, zero), "REQ-7.8-14"); s.State != evident.ReadinessVerified {
		t.Errorf("an observation made REQ-7.8-14 %s, want verified", s.State)
	}
}
