package oscal

import (
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
)

// Kinds of POA&M items the program itself shows, beside the assessor's
// nonconformities and observations.
const (
	FailingRequirement FindingKind = "failing-requirement"
	OpenGap            FindingKind = "gap"
)

// FromReadiness turns a readiness report (from the one readiness
// function) into the assessment results' observations and the POA&M's
// items: a result per requirement, an item per failing requirement and
// per open gap. Nothing here judges again: the states are the report's.
func FromReadiness(rep readiness.Report) ([]Result, []Finding) {
	gaps := map[string][]string{}
	var fs []Finding
	for _, g := range rep.Gaps {
		fs = append(fs, Finding{ID: string(g.Kind) + "/" + g.Section + "/" + g.ID, Kind: OpenGap, Requirements: g.Requirements, Text: g.Detail, Status: "open"})
		for _, r := range g.Requirements {
			gaps[r] = append(gaps[r], g.String())
		}
	}
	var rs []Result
	for _, q := range rep.Requirements {
		detail := ""
		if len(gaps[q.Requirement]) > 0 {
			detail = "Open gaps: " + strings.Join(gaps[q.Requirement], "; ") + "."
		}
		rs = append(rs, Result{Requirement: q.Requirement, State: q.State, Controls: q.Controls, Detail: detail})
		if q.State == evident.ReadinessFailing {
			fs = append(fs, Finding{ID: q.Requirement, Kind: FailingRequirement, Requirements: []string{q.Requirement},
				Text: clean(q.Requirement + " is failing: its controls' latest evidence does not pass (controls " + strings.Join(q.Controls, ", ") + ")."), Status: "open"})
		}
	}
	return rs, fs
}

// FromFindings turns the assessors' findings (nonconformities and
// observations, with their history) into OSCAL findings as they stand at
// at: a finding is closed only once the assessor accepted its closure.
func FromFindings(fs []evident.Finding, at time.Time) []Finding {
	out := make([]Finding, 0, len(fs))
	for _, f := range fs {
		reqs := make([]string, len(f.Requirements))
		for i, r := range f.Requirements {
			reqs[i] = r.String()
		}
		status := "open"
		if !f.OpenAt(at) {
			status = "closed"
		}
		id := f.ID
		if f.Ref != "" {
			id = f.Ref + " (" + f.ID + ")"
		}
		out = append(out, Finding{ID: id, Kind: FindingKind(f.Kind), Requirements: reqs, Text: clean(f.Text), Due: f.Due, Status: status})
	}
	return out
}
