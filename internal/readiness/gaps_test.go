package readiness

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/program"
	"github.com/google/go-cmp/cmp"
)

var gapNow = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	t, err := evident.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

func req(id string) evident.Requirement {
	return evident.Requirement{Standard: evident.EN319401, Version: "3.2.1", ID: evident.RequirementID(id), Types: []evident.RequirementType{evident.Shall}}
}

// quarterlyScan is REQ-7.8-14 with its catalog figure: a floor of one
// scan per quarter.
func quarterlyScan() evident.Requirement {
	r := req("REQ-7.8-14")
	r.Figures = []evident.Figure{{Kind: evident.FigureCadence, Amount: 3, Unit: evident.UnitMonth, AtLeast: true, Text: "at least once per quarter"}}
	return r
}

var gapReqs = []evident.Requirement{req("REQ-7.8-13"), quarterlyScan(), req("REQ-7.8-23"), req("PRO-7.9.1-11")}

// inputAt is the readiness input for a model with no evidence yet, each
// control in force from the program's creation, and an approval act for
// each object whose approval the model claims.
func inputAt(m *evident.Model, reqs []evident.Requirement, at time.Time) Input {
	in := Input{At: at, Model: m, Requirements: reqs, Controls: map[string]ControlInput{}, TaskEvidence: map[string]string{},
		Approvals: claimed(m, nil)}
	for _, c := range m.Controls {
		in.Controls[c.ID] = ControlInput{Schedule: ScheduleFor(c, m.Program.CreatedAt)}
	}
	return in
}

// claimed is an approval act by the approver login "mira" for each object
// of m and exs whose approval the program claims, except those of the
// kinds skipped: what the store holds once an approver confirmed the
// claims (the store's own tests make these acts through Ledger.Approve).
func claimed(m *evident.Model, exs []evident.Exception, skip ...evident.ApprovalKind) evident.Approvals {
	out := evident.Approvals{}
	for _, a := range m.Approvables(exs) {
		if a.Claim != "" && !slices.Contains(skip, a.Kind) {
			out[a.Subject] = append(out[a.Subject], evident.Act{Verb: evident.ActApprove, Subject: a.Subject, SHA256: a.SHA256, Actor: "mira"})
		}
	}
	return out
}

// cleanModel has no gaps at gapNow; each case breaks one thing.
func cleanModel() *evident.Model {
	ref := func(id string) evident.RequirementRef { return req(id).Ref() }
	v := evident.PolicyVersion{Version: "2.0", SHA256: strings.Repeat("ab", 32), Date: day("2026-01-10"),
		Approvals:      []evident.Approval{{By: "ceo", At: day("2026-01-15")}},
		Publications:   []evident.Publication{{Where: "https://tsp.example/repository", At: day("2026-01-16")}},
		Communications: []evident.Communication{{To: evident.AudienceStaff, At: day("2026-01-17")}}}
	tc := []string{}
	for _, it := range evident.RequiredContent(evident.TermsAndConditions) {
		tc = append(tc, it.Key)
	}
	return &evident.Model{
		// Created on the day judged: no control owes evidence yet.
		Program:  evident.Program{Name: "T", Standard: evident.EN319401, Version: "3.2.1", CreatedAt: gapNow, RiskAppetite: 12},
		Services: []evident.Service{{ID: "qcert", Name: "Qualified certificates", Type: evident.ServiceCertificates, Qualification: evident.Qualified}},
		Zones:    []evident.Zone{{ID: "dmz", Name: "DMZ", AllowedServices: []string{"tcp/443"}}},
		Systems:  []evident.System{{ID: "ra", Name: "RA", Kind: evident.SystemTrustworthy, Zone: "dmz"}},
		Suppliers: []evident.Supplier{{ID: "dc", Name: "DC", Agreement: "MSA-1", Obligations: []string{"physical security"},
			LastReview: day("2026-02-01"), Attestation: &evident.Attestation{Kind: "ISO/IEC 27001", Reference: "C-1", ValidUntil: day("2027-01-01")}}},
		People: []evident.Person{{ID: "ceo", Name: "CEO", ManagementBody: true}, {ID: "eng", Name: "Engineer"}},
		Risks: []evident.Risk{{ID: "r1", Title: "scan gap", Likelihood: 3, Impact: 4, ResidualLikelihood: 2, ResidualImpact: 4},
			{ID: "r2", Title: "minor", Likelihood: 1, Impact: 2}},
		Treatments: []evident.Treatment{{ID: "t1", Risk: "r1", Decision: evident.Mitigate, Controls: []string{"scan"}, TargetResidual: 8},
			{ID: "t2", Risk: "r2", Decision: evident.Accept}},
		Acceptances: []evident.Acceptance{{ID: "a2", Risk: "r2", Approver: "ceo", Date: day("2026-01-20"), Residual: 2, Expires: day("2027-01-20")}},
		Controls: []evident.Control{{ID: "scan", Title: "Scan", Owner: "eng",
			Requirements: []evident.RequirementRef{ref("REQ-7.8-13"), ref("REQ-7.8-14")}, Systems: []string{"ra"},
			Method: evident.VerificationMethod{Kind: evident.MethodImport, Format: "nmap",
				Performer: &evident.Performer{Name: "Scan GmbH", Independent: true, Competence: "CREST certificate 123"}},
			Cadence: evident.Cadence{Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitMonth}}},
		Policies: []evident.Policy{{ID: "tc", Title: "T&C", Kind: evident.TermsAndConditions, Contents: tc, Versions: []evident.PolicyVersion{v}}},
		SoA: []evident.Applicability{{Requirement: ref("REQ-7.8-23"), Justification: "no own routing"},
			{Requirement: ref("PRO-7.9.1-11"), Justification: "small TSP", Proportionality: "fewer than 50 staff, one site"}},
	}
}

func TestGapsCleanModelHasNone(t *testing.T) {
	m := cleanModel()
	if got := Gaps(inputAt(m, gapReqs, gapNow)); len(got) != 0 {
		t.Fatalf("clean model: got gaps %v, want none", got)
	}
}

func TestGapsEachKind(t *testing.T) {
	type g struct {
		Kind GapKind
		ID   string
	}
	yearly := evident.Cadence{Kind: evident.CadencePeriodic, Every: 1, Unit: evident.UnitYear}
	tests := []struct {
		name   string
		break_ func(m *evident.Model)
		want   []g
		// history, when set, is the treating control's evidence.
		history []evident.Occurrence
		// before, when set, makes the approval acts for the model as it
		// was before the break: the break is an edit after approval.
		before bool
		// input, when set, changes the input after it is built.
		input func(*Input)
	}{
		{"requirement with no control", func(m *evident.Model) { m.SoA = m.SoA[1:] },
			[]g{{RequirementUnaddressed, "EN319401@3.2.1:REQ-7.8-23"}}, nil, false, nil},
		{"not applicable without justification", func(m *evident.Model) { m.SoA[0].Justification = " " },
			[]g{{RequirementUnaddressed, "EN319401@3.2.1:REQ-7.8-23"}}, nil, false, nil},
		{"PRO left out without proportionality", func(m *evident.Model) { m.SoA[1].Proportionality = "" },
			[]g{{ProportionalityMissing, "EN319401@3.2.1:PRO-7.9.1-11"}}, nil, false, nil},
		{"risk with no treatment", func(m *evident.Model) { m.Treatments = m.Treatments[1:] },
			[]g{{RiskUntreated, "r1"}}, nil, false, nil},
		{"treatment with no control or policy", func(m *evident.Model) { m.Treatments[0].Controls = nil },
			[]g{{TreatmentWithoutMeasure, "t1"}}, nil, false, nil},
		{"accepted risk with no acceptance", func(m *evident.Model) { m.Acceptances = nil },
			[]g{{AcceptanceMissing, "r2"}}, nil, false, nil},
		{"acceptance without approver", func(m *evident.Model) { m.Acceptances[0].Approver = "" },
			[]g{{AcceptanceUnapproved, "a2"}}, nil, false, nil},
		{"acceptance edited after its approval act", func(m *evident.Model) { m.Acceptances[0].Residual = 3 },
			[]g{{AcceptanceUnapproved, "a2"}}, nil, true, nil},
		{"acceptance claimed in the file with no approval act", func(*evident.Model) {},
			[]g{{AcceptanceUnapproved, "a2"}}, nil, false, func(in *Input) { in.Approvals = claimed(in.Model, nil, evident.ApproveAcceptance) }},
		{"acceptance rejected by an approver after another approved it", func(*evident.Model) {},
			[]g{{AcceptanceUnapproved, "a2"}}, nil, false, func(in *Input) {
				acts := in.Approvals["acceptance/a2"]
				in.Approvals["acceptance/a2"] = append(acts, evident.Act{Verb: evident.ActReject, Subject: "acceptance/a2", SHA256: acts[0].SHA256, Actor: "olaf"})
			}},
		{"expired acceptance", func(m *evident.Model) { m.Acceptances[0].Expires = gapNow },
			[]g{{AcceptanceExpired, "a2"}}, nil, false, nil},
		{"control with no method", func(m *evident.Model) { m.Controls[0].Method = evident.VerificationMethod{} },
			[]g{{ControlNoMethod, "scan"}, {PerformerNotIndependent, "scan"}}, nil, false, nil},
		{"scan set to every year, below the quarterly floor", func(m *evident.Model) { m.Controls[0].Cadence = yearly },
			[]g{{CadenceBelowStandard, "scan"}}, nil, false, nil},
		{"deviation recorded with its approval written in the program, no act", func(m *evident.Model) {
			m.Controls[0].Cadence = yearly
			m.Controls[0].Deviations = []evident.Deviation{{Requirement: ref("REQ-7.8-14"), Justification: "one internet-facing host",
				Approval: &evident.Approval{By: "ceo", At: day("2026-05-01")}}}
		}, []g{{CadenceBelowStandard, "scan"}}, nil, true, nil},
		{"deviation approved by an approval act closes the gap", func(m *evident.Model) {
			m.Controls[0].Cadence = yearly
			m.Controls[0].Deviations = []evident.Deviation{{Requirement: ref("REQ-7.8-14"), Justification: "one internet-facing host",
				Approval: &evident.Approval{By: "ceo", At: day("2026-05-01")}}}
		}, nil, nil, false, nil},
		{"approved deviation edited afterwards", func(m *evident.Model) {
			m.Controls[0].Cadence = yearly
			m.Controls[0].Deviations = []evident.Deviation{{Requirement: ref("REQ-7.8-14"), Justification: "one internet-facing host",
				Approval: &evident.Approval{By: "ceo", At: day("2026-05-01")}}}
		}, []g{{CadenceBelowStandard, "scan"}}, nil, false, func(in *Input) {
			in.Model.Controls[0].Deviations[0].Justification = "no internet-facing host"
		}},
		{"residual above the appetite, accepted without expiry", func(m *evident.Model) {
			m.Program.RiskAppetite = 1
			m.Acceptances[0].Expires = time.Time{}
		}, []g{{RiskAboveAppetite, "r2"}}, nil, false, nil},
		{"target residual not reached", func(m *evident.Model) { m.Treatments[0].TargetResidual = 6 },
			[]g{{TargetResidualNotReached, "t1"}}, nil, false, nil},
		{"risk treated by a failing control", func(*evident.Model) {},
			[]g{{RiskControlFailing, "r1"}}, []evident.Occurrence{{ID: "e1", Effective: day("2026-06-20"), Received: day("2026-06-20"), Failed: true, Verdict: evident.VerdictFail, Systems: []string{"ra"}}}, false, nil},
		{"control with no owner", func(m *evident.Model) { m.Controls[0].Owner = "" },
			[]g{{ControlNoOwner, "scan"}}, nil, false, nil},
		{"control with no cadence", func(m *evident.Model) { m.Controls[0].Cadence = evident.Cadence{} },
			[]g{{ControlNoCadence, "scan"}}, nil, false, nil},
		{"scan performer not independent", func(m *evident.Model) { m.Controls[0].Method.Performer.Independent = false },
			[]g{{PerformerNotIndependent, "scan"}}, nil, false, nil},
		{"scan performer without competence evidence", func(m *evident.Model) { m.Controls[0].Method.Performer.Competence = "" },
			[]g{{PerformerNotIndependent, "scan"}}, nil, false, nil},
		{"policy not approved", func(m *evident.Model) { m.Policies[0].Versions[0].Approvals = nil },
			[]g{{PolicyUnapproved, "tc"}}, nil, false, nil},
		{"policy document edited after its approval act", func(m *evident.Model) {
			m.Policies[0].Versions[0].SHA256 = strings.Repeat("cd", 32)
		}, []g{{PolicyUnapproved, "tc"}}, nil, true, nil},
		{"policy approval claimed in the file with no act", func(*evident.Model) {},
			[]g{{PolicyUnapproved, "tc"}}, nil, false, func(in *Input) { in.Approvals = claimed(in.Model, nil, evident.ApprovePolicy) }},
		{"policy version without a document digest", func(m *evident.Model) { m.Policies[0].Versions[0].SHA256 = "" },
			[]g{{PolicyUnapproved, "tc"}}, nil, false, nil},
		{"policy with no version", func(m *evident.Model) { m.Policies[0].Versions = nil },
			[]g{{PolicyUnapproved, "tc"}}, nil, false, nil},
		{"policy not published", func(m *evident.Model) { m.Policies[0].Versions[0].Publications = nil },
			[]g{{PolicyUnpublished, "tc"}}, nil, false, nil},
		{"policy not communicated", func(m *evident.Model) { m.Policies[0].Versions[0].Communications = nil },
			[]g{{PolicyNotCommunicated, "tc"}}, nil, false, nil},
		{"policy past its review date", func(m *evident.Model) {
			m.Policies[0].Review = evident.Cadence{Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitMonth}
		}, []g{{PolicyReviewOverdue, "tc"}}, nil, false, nil},
		{"terms and conditions missing an item", func(m *evident.Model) { m.Policies[0].Contents = m.Policies[0].Contents[1:] },
			[]g{{PolicyContentMissing, "tc"}}, nil, false, nil},
		{"practice statement missing both items", func(m *evident.Model) {
			m.Policies[0].Kind, m.Policies[0].Contents = evident.PracticeStatement, nil
		}, []g{{PolicyContentMissing, "tc"}, {PolicyContentMissing, "tc"}}, nil, false, nil},
		{"supplier with no agreement", func(m *evident.Model) { m.Suppliers[0].Agreement = "" },
			[]g{{SupplierNoAgreement, "dc"}}, nil, false, nil},
		{"supplier with no obligations", func(m *evident.Model) { m.Suppliers[0].Obligations = nil },
			[]g{{SupplierNoObligations, "dc"}}, nil, false, nil},
		{"supplier review overdue", func(m *evident.Model) { m.Suppliers[0].LastReview = day("2025-07-01") },
			[]g{{SupplierReviewOverdue, "dc"}}, nil, false, nil},
		{"supplier never reviewed", func(m *evident.Model) { m.Suppliers[0].LastReview = time.Time{} },
			[]g{{SupplierReviewOverdue, "dc"}}, nil, false, nil},
		{"supplier attestation expired", func(m *evident.Model) { m.Suppliers[0].Attestation.ValidUntil = day("2026-06-30") },
			[]g{{SupplierAttestationExpired, "dc"}}, nil, false, nil},
		{"service without qualification status", func(m *evident.Model) { m.Services[0].Qualification = "" },
			[]g{{ServiceNoQualification, "qcert"}}, nil, false, nil},
		{"system without zone", func(m *evident.Model) { m.Systems[0].Zone = "" },
			[]g{{SystemNoZone, "ra"}}, nil, false, nil},
		{"exception claimed approved with no act", func(*evident.Model) {},
			[]g{{ExceptionUnapproved, "ex1"}}, nil, false, func(in *Input) {
				in.Exceptions = []evident.Exception{{ID: "ex1", Control: "scan", Reason: "move", Approver: "ceo", ApprovedAt: day("2026-06-01"), From: day("2026-06-01"), Expires: day("2026-08-01")}}
			}},
		{"minor nonconformity open", func(*evident.Model) {},
			[]g{{NonconformityOpen, "nc1"}}, nil, false, func(in *Input) {
				in.Findings = []evident.Finding{{ID: "nc1", Kind: evident.FindingMinor, Text: "x", RaisedAt: day("2026-06-01"),
					Requirements: []evident.RequirementRef{gapReqs[0].Ref()}, Steps: []evident.AssessmentStep{{Kind: evident.StepAsk, At: day("2026-06-01")}}}}
			}},
		{"exception approved by an act", func(*evident.Model) {},
			nil, nil, false, func(in *Input) {
				in.Exceptions = []evident.Exception{{ID: "ex1", Control: "scan", Reason: "move", Approver: "ceo", ApprovedAt: day("2026-06-01"), From: day("2026-06-01"), Expires: day("2026-08-01")}}
				in.Approvals = claimed(in.Model, in.Exceptions)
			}},
	}
	covered := map[GapKind]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := cleanModel()
			acts := claimed(m, nil)
			tt.break_(m)
			in := inputAt(m, gapReqs, gapNow)
			if tt.before {
				in.Approvals = acts
			}
			if tt.input != nil {
				tt.input(&in)
			}
			if tt.history != nil {
				ci := in.Controls["scan"]
				ci.History.Occurrences = tt.history
				in.Controls["scan"] = ci
			}
			var got []g
			for _, x := range Gaps(in) {
				got = append(got, g{x.Kind, x.ID})
				if x.Detail == "" {
					t.Errorf("gap %s/%s has no detail", x.Kind, x.ID)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("gaps (-want +got):\n%s", d)
			}
		})
		for _, w := range tt.want {
			covered[w.Kind] = true
		}
	}
	for _, k := range GapKinds {
		if !covered[k] {
			t.Errorf("gap kind %s has no test case", k)
		}
	}
}

// The example program keeps twelve gaps on purpose (examples/qtsp/README.md);
// the end-to-end test checks the CLI, this one the function on its own.
func TestGapsOnTheExampleProgram(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := program.Load("../../examples/qtsp", cat)
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := cat.Requirements(m.Program.Version, m.Program.Overlays...)
	if err != nil {
		t.Fatal(err)
	}
	// Applied on the day judged, with no evidence yet: no control owes
	// evidence, so no risk is flagged for its controls.
	m.Program.CreatedAt = day("2026-11-27")
	// The approver confirmed every approval the files claim but the
	// deviation's, which the example leaves a claim on purpose.
	in := inputAt(m, reqs, day("2026-11-27"))
	in.Approvals = claimed(m, nil, evident.ApproveDeviation)
	var got []string
	for _, g := range Gaps(in) {
		got = append(got, string(g.Kind)+" "+g.ID)
	}
	want := []string{
		"requirement-unaddressed EN319401@3.2.1:REQ-7.8-23",
		"proportionality-missing EN319401@3.2.1:PRO-7.9.3-06",
		"risk-untreated r28-crypto-obsolescence",
		"treatment-without-measure t26-fraud-insurance",
		"acceptance-expired acc-tsa-hsm-firmware",
		"risk-above-appetite r28-crypto-obsolescence",
		"cadence-below-standard vuln-watch-weekly",
		"performer-not-independent pen-test-post-change",
		"policy-not-communicated bcp",
		"policy-review-overdue crypto-policy",
		"policy-content-missing terms-and-conditions",
		"supplier-review-overdue datacenter-nord",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("gaps on the example (-want +got):\n%s", d)
	}
}

// A rejection is named in the gap, with who rejected and why, so the
// compliance manager knows what to change.
func TestGapNamesTheRejection(t *testing.T) {
	m := cleanModel()
	in := inputAt(m, gapReqs, gapNow)
	for subject, acts := range in.Approvals {
		if strings.HasPrefix(subject, "policy/") {
			in.Approvals[subject] = append(acts, evident.Act{Verb: evident.ActReject, Subject: subject, SHA256: acts[0].SHA256,
				Actor: "olaf", At: day("2026-06-30"), Comment: "liability clause missing"})
		}
	}
	var got []string
	for _, g := range Gaps(in) {
		got = append(got, string(g.Kind)+" "+g.ID+": "+g.Detail)
	}
	want := []string{"policy-unapproved tc: version 2.0: rejected by olaf on 2026-06-30: liability clause missing"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("gaps after a rejection (-want +got):\n%s", d)
	}
}
