package oscal

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/defenseunicorns/go-oscal/src/pkg/validation"
	types "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/program"
)

var at = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// valid fails unless doc's JSON validates against NIST's OSCAL v1.1.3
// JSON schema (the complete schema go-oscal embeds), and returns the bytes.
func valid(t *testing.T, doc *types.OscalModels) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, doc); err != nil {
		t.Fatal(err)
	}
	v, err := validation.NewValidatorDesiredVersion(buf.Bytes(), Version)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(); err != nil {
		res, _ := v.GetValidationResult()
		errs, _ := json.MarshalIndent(res.Errors, "", " ")
		t.Fatalf("not valid OSCAL %s: %v\n%.3000s", Version, err, errs)
	}
	return buf.Bytes()
}

func requirements(t *testing.T) (*catalog.Catalog, []evident.Requirement) {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := cat.Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return cat, reqs
}

// TestCatalogRoundTrip: the EN 319 401 catalog exports as a valid OSCAL
// catalog, and parsing it back gives every requirement id, in order.
func TestCatalogRoundTrip(t *testing.T) {
	_, reqs := requirements(t)
	b := valid(t, Catalog(Meta{Title: "EN 319 401", Version: "3.2.1", At: at}, reqs))
	var back types.OscalModels
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range reqs {
		want = append(want, string(r.ID))
	}
	got := ControlIDs(&back)
	if len(got) != 321 || !slices.Equal(got, want) {
		t.Fatalf("round trip gives %d ids, want the catalog's %d (321)", len(got), len(want))
	}
	if !strings.Contains(string(b), `"name": "requirement-type"`) || !strings.Contains(string(b), `"name": "figure"`) {
		t.Error("the catalog carries no requirement type or figure properties")
	}
	again, _ := json.Marshal(Catalog(Meta{Title: "EN 319 401", Version: "3.2.1", At: at}, reqs))
	first, _ := json.Marshal(&back)
	if !bytes.Equal(again, first) {
		t.Error("two exports of the same catalog differ: UUIDs must be stable")
	}
}

// TestSSPAndResultsValidate: the example program's plan, an assessment's
// results and its POA&M validate, with the systems as components and the
// controls' narratives on the implemented requirements.
func TestSSPAndResultsValidate(t *testing.T) {
	cat, reqs := requirements(t)
	m, err := program.Load("../../examples/qtsp", cat)
	if err != nil {
		t.Fatal(err)
	}
	ready := map[string]evident.Readiness{}
	var results []Result
	for i, s := range m.Statement(reqs) {
		ref := s.Requirement.Ref().String()
		state := evident.ReadinessVerified
		switch {
		case !s.Applicable:
			state = evident.ReadinessNotApplicable
		case i%7 == 0:
			state = evident.ReadinessFailing
		}
		ready[ref] = state
		results = append(results, Result{Requirement: ref, State: state, Controls: s.Controls})
	}
	ssp := SSP(Meta{Title: "SSP", Version: "1", At: at}, Plan{Model: m, Requirements: reqs, Readiness: ready, Catalog: "catalog.json"})
	b := valid(t, ssp)
	comps := ssp.SystemSecurityPlan.SystemImplementation.Components
	if len(comps) != len(m.Systems)+1 {
		t.Errorf("%d components, want one per system (%d) and this-system", len(comps), len(m.Systems))
	}
	c := m.Controls[0]
	if !strings.Contains(string(b), clean(c.Narrative)) {
		t.Errorf("the plan lacks control %s's narrative", c.ID)
	}
	again := SSP(Meta{Title: "SSP", Version: "1", At: at}, Plan{Model: m, Requirements: reqs, Readiness: ready, Catalog: "catalog.json"})
	if x, _ := json.Marshal(again); !bytes.Equal(x, mustJSON(t, ssp)) {
		t.Error("two exports of the same plan differ")
	}

	a := Assessment{ID: "2026-surveillance", Title: "Surveillance 2026", From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: at, Body: "CAB", Assessor: "lead"}
	fs := []Finding{
		{ID: "nc-1", Kind: Major, Requirements: []string{"EN319401@3.2.1:REQ-7.8-14"}, Text: "No pen test after the significant change.", Due: at.AddDate(0, 1, 0), Status: "open"},
		{ID: "obs-1", Kind: Observation, Text: "Training records are scattered.", Status: "open"},
		{ID: "nc-0", Kind: Minor, Requirements: []string{"EN319401@3.2.1:REQ-7.2-01"}, Text: "closed already", Status: "closed"},
	}
	ar := AssessmentResults(Meta{Title: "Results", Version: "1", At: at}, a, results, fs)
	valid(t, ar)
	if n := len(*ar.AssessmentResults.Results[0].Observations); n != len(results) {
		t.Errorf("%d observations, want one per requirement (%d)", n, len(results))
	}
	poam, err := POAM(Meta{Title: "POA&M", Version: "1", At: at}, m.Program.Name, fs)
	if err != nil {
		t.Fatal(err)
	}
	pb := valid(t, poam)
	if n := len(poam.PlanOfActionAndMilestones.PoamItems); n != 2 || strings.Contains(string(pb), "closed already") {
		t.Errorf("%d POA&M items, want the 2 open findings", n)
	}
	// OSCAL has no empty POA&M: nothing open is said, not papered over.
	if _, err := POAM(Meta{Title: "POA&M", Version: "1", At: at}, m.Program.Name, fs[2:]); evident.ErrorCode(err) != evident.ENOTFOUND {
		t.Errorf("a POA&M of closed findings only: %v, want ENOTFOUND", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTokenAndIDs(t *testing.T) {
	for in, want := range map[string]string{"REQ-7.8-14": "REQ-7.8-14", "7.8": "_7.8", "a b": "a-b"} {
		if got := token(in); got != want {
			t.Errorf("token(%q) = %q, want %q", in, got, want)
		}
	}
	if ID("control", "x") != ID("control", "x") || ID("control", "x") == ID("control", "y") {
		t.Error("IDs are not stable per name")
	}
}

// TestFindingsAsTheyStood: an assessor's finding is closed in OSCAL only
// once its closure was accepted, as of the export's instant; a proposed
// closure is still open; the body's own number names it.
func TestFindingsAsTheyStood(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	step := func(kind string, d int) evident.AssessmentStep {
		return evident.AssessmentStep{Kind: kind, At: t0.AddDate(0, 0, d), Actor: "x"}
	}
	ref := evident.RequirementRef{Standard: "EN319401", Version: "3.2.1", ID: "REQ-7.4.5-01"}
	fs := []evident.Finding{
		{ID: "f1", Ref: "NC-1", Kind: evident.FindingMajor, Requirements: []evident.RequirementRef{ref}, Text: "no MFA",
			Steps: []evident.AssessmentStep{step(evident.StepAsk, 0), step(evident.StepClose, 5), step(evident.StepAccept, 10)}},
	}
	for _, c := range []struct {
		day  int
		want string
	}{{1, "open"}, {6, "open"}, {11, "closed"}} {
		got := FromFindings(fs, t0.AddDate(0, 0, c.day))
		if len(got) != 1 || got[0].Status != c.want || got[0].Kind != Major || got[0].ID != "NC-1 (f1)" || got[0].Requirements[0] != ref.String() {
			t.Errorf("day %d: %+v, want %s, major, named NC-1", c.day, got, c.want)
		}
	}
}
