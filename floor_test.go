package evident

import (
	"testing"
	"time"
)

func TestFloorOf(t *testing.T) {
	quarter := Figure{Kind: FigureCadence, Amount: 3, Unit: UnitMonth, AtLeast: true, Text: "at least once per quarter"}
	daily := Figure{Kind: FigureCadence, Amount: 1, Unit: UnitDay, AtLeast: true, Text: "at least once a day"}
	vuln := Figure{Kind: FigureDeadline, Amount: 48, Unit: UnitHour, Event: EventDiscovery, Text: "within 48 hours of discovery"}
	notify := Figure{Kind: FigureDeadline, Amount: 24, Unit: UnitHour, Event: "identification", Text: "within 24 hours of identification"}
	notice := Figure{Kind: FigureDeadline, Amount: 1, Unit: UnitMonth, Event: "change", Before: true, Text: "at least 1 month before any change"}
	regularly := Figure{Kind: FigureCadence, Text: "regularly"}
	cad := func(s string) Cadence {
		c, err := ParseCadence(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name    string
		figures []Figure
		cadence string
		floor   bool
		slower  bool
	}{
		{"yearly scan for a quarterly figure", []Figure{quarter}, "every 1 year", true, true},
		{"quarterly scan", []Figure{quarter}, "quarterly", true, false},
		{"monthly scan is faster", []Figure{quarter}, "monthly", true, false},
		{"weekly sync for a daily figure", []Figure{daily}, "weekly", true, true},
		{"continuous sync is daily", []Figure{daily}, "continuous", true, false},
		{"weekly watch for a 48 h discovery deadline", []Figure{vuln}, "weekly", true, true},
		{"daily watch keeps 48 h", []Figure{vuln}, "daily", true, false},
		{"the tightest figure wins", []Figure{quarter, daily}, "monthly", true, true},
		{"post-change follows events", []Figure{quarter}, "post-change", true, false},
		{"incident deadlines are clocks, not floors", []Figure{notify}, "annual", false, false},
		{"notices before a change are not floors", []Figure{notice}, "annual", false, false},
		{"regularly leaves the interval open", []Figure{regularly}, "biennial", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Requirement{Standard: EN319401, Version: "3.2.1", ID: "REQ-7.8-14", Figures: tt.figures}
			f, ok := FloorOf(r)
			if ok != tt.floor {
				t.Fatalf("FloorOf: ok = %v, want %v", ok, tt.floor)
			}
			if got := f.SlowerThan(cad(tt.cadence)); got != tt.slower {
				t.Errorf("%s slower than %q: %v, want %v", tt.cadence, f.Figure.Text, got, tt.slower)
			}
		})
	}
}

func TestRiskAppetitePlansAndAcceptances(t *testing.T) {
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	m := &Model{Program: Program{RiskAppetite: 6}, People: []Person{{ID: "ceo", ManagementBody: true}, {ID: "eng"}}}
	high := Risk{ID: "r", Likelihood: 3, Impact: 4, ResidualLikelihood: 2, ResidualImpact: 4}
	if !m.Program.AboveAppetite(high) || m.Program.AboveAppetite(Risk{Likelihood: 2, Impact: 3}) {
		t.Errorf("residual 8 above appetite 6 and 6 not above: got %v, %v", m.Program.AboveAppetite(high), m.Program.AboveAppetite(Risk{Likelihood: 2, Impact: 3}))
	}
	if (Program{}).AboveAppetite(high) {
		t.Error("a program without an appetite found a risk above it")
	}
	if (Treatment{Decision: Accept, Controls: []string{"x"}}).Plans() || (Treatment{Decision: Mitigate}).Plans() || !(Treatment{Decision: Mitigate, Policies: []string{"p"}}).Plans() {
		t.Error("a plan is a non-accept decision naming a control or policy")
	}
	ok := Acceptance{ID: "acc", Approver: "ceo", Date: now.AddDate(0, -1, 0), Expires: now.AddDate(1, 0, 0)}
	approve := func(a Acceptance) Approvals {
		d := canonical(a)
		return Approvals{SubjectOf(ApproveAcceptance, a.ID): {{Verb: ActApprove, SHA256: d, Actor: "ceo"}}}
	}
	for _, tc := range []struct {
		name string
		a    func(Acceptance) Acceptance
		acts func(Acceptance) Approvals
		want bool
	}{
		{"approved by an act, expiring", func(a Acceptance) Acceptance { return a }, approve, true},
		{"claimed in the file, no act", func(a Acceptance) Acceptance { return a }, func(Acceptance) Approvals { return nil }, false},
		{"edited after the act", func(a Acceptance) Acceptance { a.Residual = 9; return a }, func(Acceptance) Approvals { return approve(ok) }, false},
		{"rejected after approval", func(a Acceptance) Acceptance { return a }, func(a Acceptance) Approvals {
			acts := approve(a)
			s := SubjectOf(ApproveAcceptance, a.ID)
			acts[s] = append(acts[s], Act{Verb: ActReject, SHA256: acts[s][0].SHA256, Actor: "cfo"})
			return acts
		}, false},
		{"no expiry", func(a Acceptance) Acceptance { a.Expires = time.Time{}; return a }, approve, false},
		{"expired", func(a Acceptance) Acceptance { a.Expires = now; return a }, approve, false},
	} {
		a := tc.a(ok)
		if got := a.Holds(tc.acts(a), now); got != tc.want {
			t.Errorf("%s: holds = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCheckDeviations(t *testing.T) {
	ref := RequirementRef{Standard: EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}
	other := RequirementRef{Standard: EN319401, Version: "3.2.1", ID: "REQ-7.10-06"}
	m := &Model{People: []Person{{ID: "ceo"}}, Controls: []Control{{ID: "scan", Requirements: []RequirementRef{ref},
		Deviations: []Deviation{{Requirement: other, Justification: "x"}, {Requirement: ref}, {Requirement: ref, Justification: "y", Risks: []string{"nope"}, Approval: &Approval{By: "nobody"}}}}}}
	var got []string
	for _, p := range m.Check(nil) {
		got = append(got, p.Field)
	}
	want := []string{"deviations[0].requirement", "deviations[1].justification", "deviations[2].requirement", "deviations[2].risks[0]", "deviations[2].approval.by"}
	if len(got) != len(want) {
		t.Fatalf("problems %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("problem %d: %s, want %s", i, got[i], want[i])
		}
	}
}
