package oscal

import (
	"strings"
	"time"

	types "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"github.com/evidenthq/evident"
)

// Assessment is one conformity assessment: its id, period and assessor
// (the body and the lead assessor).
type Assessment struct {
	ID       string
	Title    string
	From, To time.Time
	Body     string
	Assessor string
}

// FindingKind is how an assessor grades a finding.
type FindingKind string

// Finding kinds (EN 319 403-1): nonconformities and observations.
const (
	Major       FindingKind = "major"
	Minor       FindingKind = "minor"
	Observation FindingKind = "observation"
)

// Finding is a nonconformity or observation, or a gap the program itself
// shows (a failing requirement, an open gap): what the POA&M tracks.
type Finding struct {
	ID           string
	Kind         FindingKind
	Requirements []string // references, "EN319401@3.2.1:REQ-7.8-14"
	Text         string
	Due          time.Time
	Status       string // "open" or "closed"
}

// Result is one requirement's readiness over the assessed period: an
// observation of the assessment results.
type Result struct {
	Requirement string // reference
	State       evident.Readiness
	Controls    []string
	Detail      string
}

// AssessmentResults is the assessment as OSCAL assessment results: one
// result over the period, an observation per requirement's readiness, and
// a finding per requirement not verified and per assessor finding.
func AssessmentResults(m Meta, a Assessment, results []Result, findings []Finding) *types.OscalModels {
	var obs []types.Observation
	var fs []types.Finding
	for _, r := range results {
		ou := ID("observation", a.ID, r.Requirement)
		props := []types.Property{prop("readiness", string(r.State)), prop("requirement", r.Requirement)}
		for _, c := range r.Controls {
			props = append(props, prop("control", c))
		}
		obs = append(obs, types.Observation{UUID: ou, Title: r.Requirement, Description: clean(r.Requirement + " is " + string(r.State) + ". " + r.Detail),
			Methods: []string{"EXAMINE", "TEST"}, Collected: m.At.UTC().Truncate(time.Second), Props: &props})
		if r.State == evident.ReadinessNotApplicable {
			continue
		}
		state := "not-satisfied"
		if r.State == evident.ReadinessVerified {
			state = "satisfied"
		}
		fs = append(fs, types.Finding{UUID: ID("finding", a.ID, r.Requirement), Title: r.Requirement, Description: clean(r.Requirement + ": " + string(r.State)),
			Target:              types.FindingTarget{Type: "objective-id", TargetId: token(controlOf(r.Requirement)), Status: types.ObjectiveStatus{State: state}},
			RelatedObservations: &[]types.RelatedObservation{{ObservationUuid: ou}}})
	}
	for _, f := range findings {
		for _, ref := range refsOrProgram(f.Requirements) {
			props := []types.Property{prop("finding-kind", string(f.Kind)), prop("status", firstOf(f.Status, "open"))}
			if !f.Due.IsZero() {
				props = append(props, prop("due", evident.UTC(f.Due)))
			}
			fs = append(fs, types.Finding{UUID: ID("assessor-finding", a.ID, f.ID, ref), Title: clean(string(f.Kind) + " " + f.ID), Description: clean(f.Text),
				Props: &props, Target: types.FindingTarget{Type: "objective-id", TargetId: token(controlOf(ref)), Status: types.ObjectiveStatus{State: "not-satisfied"}}})
		}
	}
	res := types.Result{UUID: ID("result", a.ID), Title: clean(firstOf(a.Title, "Assessment "+a.ID)),
		Description: clean("Readiness of every requirement over the period, as assessed by " + firstOf(a.Assessor, a.Body, "the provider") + "."),
		Start:       a.From.UTC(), End: ptr(a.To.UTC()),
		ReviewedControls: types.ReviewedControls{ControlSelections: []types.AssessedControls{{IncludeAll: &types.IncludeAll{}}}}}
	if len(obs) > 0 {
		res.Observations = &obs
	}
	if len(fs) > 0 {
		res.Findings = &fs
	}
	ar := &types.AssessmentResults{UUID: ID("assessment-results", a.ID), Metadata: metadata(m),
		ImportAp: types.ImportAp{Href: "#" + ID("assessment-plan", a.ID)}, Results: []types.Result{res}}
	return &types.OscalModels{AssessmentResults: ar}
}

// POAM is the open findings as an OSCAL plan of action and milestones:
// one item per finding not closed, with its kind, requirements, due date
// and status as properties. OSCAL has no empty POA&M: with nothing open
// it is an ENOTFOUND error saying so, never a document claiming a plan.
func POAM(m Meta, system string, findings []Finding) (*types.OscalModels, error) {
	items := []types.PoamItem{}
	for _, f := range findings {
		if f.Status == "closed" {
			continue
		}
		props := []types.Property{prop("finding-kind", string(f.Kind)), prop("status", firstOf(f.Status, "open"))}
		for _, r := range f.Requirements {
			props = append(props, prop("requirement", r))
		}
		if !f.Due.IsZero() {
			props = append(props, prop("due", evident.UTC(f.Due)))
		}
		items = append(items, types.PoamItem{UUID: ID("poam-item", system, f.ID), Title: clean(string(f.Kind) + " " + f.ID), Description: clean(f.Text), Props: &props})
	}
	if len(items) == 0 {
		return nil, evident.Errorf(evident.ENOTFOUND, "no open finding, failing requirement or gap: an OSCAL POA&M needs at least one item")
	}
	p := &types.PlanOfActionAndMilestones{UUID: ID("poam", system), Metadata: metadata(m), SystemId: &types.SystemId{IdentifierType: "https://ietf.org/rfc/rfc4122", ID: ID("ssp", system)}, PoamItems: items}
	return &types.OscalModels{PlanOfActionAndMilestones: p}, nil
}

// controlOf is the catalog control id of a requirement reference.
func controlOf(ref string) string {
	if i := strings.LastIndex(ref, ":"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

func refsOrProgram(refs []string) []string {
	if len(refs) == 0 {
		return []string{"program"}
	}
	return refs
}
