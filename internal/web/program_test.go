package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// smallProgram is a program with one of everything the pages show.
func smallProgram() *evident.Model {
	ref := evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}
	return &evident.Model{
		Systems:   []evident.System{{ID: "ca-issuing", Name: "Issuing CA", Kind: evident.SystemTrustworthy, Version: "4.2", Zone: "ca-core"}},
		Zones:     []evident.Zone{{ID: "ca-core", Name: "CA core", AllowedServices: []string{"tcp/443"}}},
		Suppliers: []evident.Supplier{{ID: "dc-nord", Name: "Datacenter Nord", LastReview: testNow.AddDate(-2, 0, 0)}},
		Risks: []evident.Risk{
			{ID: "r1", Title: "Key compromise", Likelihood: 2, Impact: 5},
			{ID: "r2", Title: "Clock drift", Likelihood: 3, Impact: 4},
			{ID: "r3", Title: "Insider", Likelihood: 3, Impact: 4},
		},
		Treatments: []evident.Treatment{{ID: "t1", Risk: "r2", Decision: evident.Mitigate, Controls: []string{"vuln-scan"}, Policies: []string{"tc"}}},
		Controls: []evident.Control{{ID: "vuln-scan", Title: "Quarterly scan", Requirements: []evident.RequirementRef{ref},
			Cadence: evident.Cadence{Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitMonth}, Method: evident.VerificationMethod{Kind: evident.MethodAttestation}}},
		Policies: []evident.Policy{{ID: "tc", Title: "Terms and conditions", Kind: evident.TermsAndConditions, Contents: []string{"policy-applied"},
			Versions: []evident.PolicyVersion{
				{Version: "1.0", SHA256: strings.Repeat("a", 64), Approvals: []evident.Approval{{By: "mira", At: testNow.AddDate(-3, 0, 0)}}},
				{Version: "2.0", SHA256: strings.Repeat("b", 64), Approvals: []evident.Approval{{By: "mira", At: testNow.AddDate(-2, 0, 0)}},
					Communications: []evident.Communication{{To: evident.AudienceStaff, At: testNow.AddDate(-2, 0, 1)}}},
			}}},
	}
}

func TestProgramPagesShowWhatNeedsAttention(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	putModel(t, st, smallProgram())
	b := s.signIn(t, "carla", evident.RoleComplianceManager)

	_, risks := b.get("/risks")
	if !strings.Contains(risks, `aria-label="likelihood 3, impact 4: 2 risks"`) || !strings.Contains(risks, `aria-label="likelihood 2, impact 5: 1 risk"`) {
		t.Errorf("the heat map does not count two risks at 3 x 4 and one at 2 x 5")
	}
	_, cell := b.get("/risks?likelihood=3&impact=4")
	if !strings.Contains(cell, "Clock drift") || !strings.Contains(cell, "Insider") || strings.Contains(cell, "Key compromise") {
		t.Errorf("choosing the 3 x 4 square should list exactly its two risks")
	}
	if !strings.Contains(cell, `href="/controls/vuln-scan"`) || !strings.Contains(cell, `href="/policies/tc"`) || !strings.Contains(cell, "untreated") {
		t.Errorf("the register should link r2's treatment to its control and policy and mark r3 untreated")
	}
	if code, _ := b.get("/risks?likelihood=x"); code != http.StatusBadRequest {
		t.Errorf("GET /risks?likelihood=x: %d, want 400", code)
	}

	_, pol := b.get("/policies/tc")
	if strings.Index(pol, "Version 2.0") > strings.Index(pol, "Version 1.0") || !strings.Contains(pol, "Missing required content") || !strings.Contains(pol, "to staff") {
		t.Errorf("the policy page should list versions newest first, their communication, and the missing T&C content")
	}
	_, pols := b.get("/policies")
	if !strings.Contains(pols, "overdue") {
		t.Errorf("a policy approved two years ago with a yearly review should be overdue")
	}

	_, scope := b.get("/scope")
	if !strings.Contains(scope, `id="supplier-dc-nord"`) || !strings.Contains(scope, "overdue") || !strings.Contains(scope, "tcp/443") {
		t.Errorf("the scope page should show the supplier's review overdue and the zone's allowed service")
	}

	_, idx := b.get("/catalog?status=planned")
	if !strings.Contains(idx, `data-id="REQ-7.8-14"`) || strings.Contains(idx, `data-id="REQ-7.8-13"`) {
		t.Errorf("status=planned should list REQ-7.8-14 (a control, no evidence) and not REQ-7.8-13 (no control)")
	}
	_, idx = b.get("/catalog?status=not-addressed&clause=7.8")
	if !strings.Contains(idx, `data-id="REQ-7.8-13"`) || strings.Contains(idx, `data-id="REQ-7.8-14"`) {
		t.Errorf("status=not-addressed should list REQ-7.8-13 and not REQ-7.8-14")
	}
	if code, _ := b.get("/catalog?status=perfect"); code != http.StatusBadRequest {
		t.Errorf("an unknown status filter: %d, want 400", code)
	}
	if code, body := b.get("/catalog?clause=99"); code != http.StatusNotFound || !strings.Contains(body, "99") {
		t.Errorf("an unknown clause: %d, want 404 naming it", code)
	}
}
