package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// assessmentStore prepares a program with a service, a manager (mia), an
// assessor (carol) and one outsider assessor (dave), and records an
// engagement for 2026 with carol tied to it.
func assessmentStore(t *testing.T, st *sqlstore.Store) evident.Engagement {
	t.Helper()
	ctx := context.Background()
	incidentStore(t, st)
	err := st.Write(ctx, func(tx *sqlstore.Tx) error {
		return tx.PutObject(ctx, sqlstore.Services, "qualified-certificates", evident.Service{ID: "qualified-certificates", Name: "Qualified certificates"}, "mia")
	})
	if err != nil {
		t.Fatal(err)
	}
	y2025 := func(u evident.User) evident.User {
		u.PeriodFrom, u.PeriodTo = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		return u
	}
	// dave's grant covers 2026 too, but he is not tied to the engagement.
	dave := evident.User{Name: "dave", Role: evident.RoleAssessor, PeriodFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), PeriodTo: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, u := range []evident.User{{Name: "mia", Role: evident.RoleComplianceManager}, y2025(evident.User{Name: "carol", Role: evident.RoleAssessor}), dave} {
		if err := st.CreateUser(ctx, u, "", "admin"); err != nil {
			t.Fatal(err)
		}
	}
	e, err := st.AddEngagement(ctx, evident.Engagement{Kind: evident.EngagementSurveillance, CAB: "CAB GmbH", Lead: "Carol Lead",
		Services: []string{"qualified-certificates"}, Assessors: []string{"carol"},
		From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "mia"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var req714 = evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}

func TestEngagementGivesAssessorsItsPeriod(t *testing.T) {
	storetest.Each(t, storetest.NewClock(time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)).Now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		e := assessmentStore(t, st)
		carol, err := st.User(ctx, "carol")
		if err != nil {
			t.Fatal(err)
		}
		if !carol.PeriodFrom.Equal(e.From) || !carol.PeriodTo.Equal(e.To) {
			t.Errorf("carol's grant is %s to %s, want the engagement's %s to %s", carol.PeriodFrom, carol.PeriodTo, e.From, e.To)
		}
		if got := ledgerKinds(t, st, "carol"); got[len(got)-1] != "user.role" {
			t.Errorf("carol's leaves are %v, want the grant recorded as user.role", got)
		}
		// A reader whose grant is another year does not see the engagement.
		other := sqlstore.WithGrant(ctx, sqlstore.Grant{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
		if es, _ := st.Engagements(other); len(es) != 0 {
			t.Errorf("a 2024 grant sees %d engagements, want none", len(es))
		}
		if _, err := st.EngagementView(other, e.ID); evident.ErrorCode(err) != evident.ENOTFOUND {
			t.Errorf("a 2024 grant opening the 2026 engagement: %v, want not found", err)
		}
		if es, _ := st.Engagements(sqlstore.WithGrant(ctx, sqlstore.Grant{From: e.From, To: e.To})); len(es) != 1 {
			t.Errorf("carol's grant sees %d engagements, want 1", len(es))
		}
		if n := e.DaysLeft(time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC)); n != 2 {
			t.Errorf("days left 36 h before the end: %d, want 2", n)
		}
	})
}

func TestEngagementRefusals(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		assessmentStore(t, st)
		good := evident.Engagement{Kind: evident.EngagementInitial, CAB: "CAB", Lead: "L", Services: []string{"qualified-certificates"},
			From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "mia"}
		for _, c := range []struct {
			name string
			edit func(*evident.Engagement)
			want string
		}{
			{"not a login", func(e *evident.Engagement) { e.Actor = "someone@host" }, "is not a login"},
			{"assessor records", func(e *evident.Engagement) { e.Actor = "carol" }, "may not record an engagement"},
			{"bad kind", func(e *evident.Engagement) { e.Kind = "yearly" }, `engagement kind "yearly"`},
			{"unknown service", func(e *evident.Engagement) { e.Services = []string{"nope"} }, `no service "nope"`},
			{"manager as assessor", func(e *evident.Engagement) { e.Assessors = []string{"mia"} }, "mia is a compliance-manager, not an assessor"},
			{"no such assessor", func(e *evident.Engagement) { e.Assessors = []string{"carol", "zed"} }, `no login "zed"`},
			{"period backwards", func(e *evident.Engagement) { e.To = e.From.Add(-time.Hour) }, "ends"},
		} {
			e := good
			c.edit(&e)
			_, err := st.AddEngagement(ctx, e)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want %q", c.name, err, c.want)
			}
		}
		if es, _ := st.Engagements(ctx); len(es) != 1 {
			t.Errorf("%d engagements after refusals, want the fixture's one: nothing half-stored", len(es))
		}
		if carol, _ := st.User(ctx, "carol"); carol.PeriodFrom.Year() != 2026 || carol.PeriodTo.Year() != 2027 {
			t.Errorf("a refused engagement changed carol's grant to %s", carol.PeriodFrom)
		}
	})
}

func TestRequestLifecycle(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		e := assessmentStore(t, st)
		due := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
		if _, err := st.AddRequest(ctx, evident.Request{Engagement: e.ID, Requirement: &req714, Text: "scans", Due: due, RaisedBy: "dave"}); evident.ErrorCode(err) != evident.EFORBIDDEN {
			t.Errorf("an assessor of no engagement raising a request: %v, want forbidden", err)
		}
		if _, err := st.AddRequest(ctx, evident.Request{Engagement: e.ID, Control: "nope", Text: "scans", Due: due, RaisedBy: "carol"}); err == nil || !strings.Contains(err.Error(), `no control "nope"`) {
			t.Errorf("request against an unknown control: %v", err)
		}
		r, err := st.AddRequest(ctx, evident.Request{Engagement: e.ID, Requirement: &req714, Text: "the quarterly scans", Due: due, RaisedBy: "carol"})
		if err != nil {
			t.Fatal(err)
		}
		if r.State() != evident.RequestOpen {
			t.Errorf("new request is %s, want open", r.State())
		}
		if _, err := st.RequestStep(ctx, r.ID, evident.AssessmentStep{Kind: evident.StepAccept, Actor: "carol"}); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("accepting an unanswered request: %v, want conflict", err)
		}
		if _, err := st.RequestStep(ctx, r.ID, evident.AssessmentStep{Kind: evident.StepAnswer, Actor: "carol", Text: "x"}); evident.ErrorCode(err) != evident.EFORBIDDEN {
			t.Errorf("the assessor answering her own request: %v, want forbidden", err)
		}
		if _, err := st.RequestStep(ctx, r.ID, evident.AssessmentStep{Kind: evident.StepAnswer, Actor: "mia", Evidence: []string{"no-such"}}); err == nil || !strings.Contains(err.Error(), `no evidence record "no-such"`) {
			t.Errorf("answer with unknown evidence: %v", err)
		}
		for _, s := range []evident.AssessmentStep{{Kind: evident.StepAnswer, Actor: "mia", Text: "see the scan folder"}, {Kind: evident.StepReopen, Actor: "carol", Text: "Q3 is missing"},
			{Kind: evident.StepAnswer, Actor: "mia", Text: "Q3 added"}, {Kind: evident.StepAccept, Actor: "carol"}} {
			if r, err = st.RequestStep(ctx, r.ID, s); err != nil {
				t.Fatalf("%s by %s: %v", s.Kind, s.Actor, err)
			}
		}
		if r.State() != evident.RequestAccepted || len(r.Steps) != 5 {
			t.Errorf("request is %s with %d steps, want accepted with 5", r.State(), len(r.Steps))
		}
		if got := ledgerKinds(t, st, r.ID); len(got) != 5 {
			t.Errorf("request leaves %v, want one per step", got)
		}
		v, err := st.EngagementView(ctx, e.ID)
		if err != nil || len(v.Requests) != 1 || v.Requests[0].State() != evident.RequestAccepted {
			t.Errorf("engagement view: %+v %v", v.Requests, err)
		}
	})
}

func TestFindingToClosure(t *testing.T) {
	clk := storetest.NewClock(time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clk.Now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		e := assessmentStore(t, st)
		if _, err := st.AddFinding(ctx, evident.Finding{Engagement: e.ID, Kind: evident.FindingMajor, Text: "no scans", RaisedBy: "carol"}); err == nil || !strings.Contains(err.Error(), "names the requirements") {
			t.Errorf("a nonconformity with no requirement: %v", err)
		}
		if _, err := st.AddFinding(ctx, evident.Finding{Engagement: e.ID, Kind: evident.FindingMajor, Text: "x", RaisedBy: "mia", Requirements: []evident.RequirementRef{req714}}); evident.ErrorCode(err) != evident.EFORBIDDEN {
			t.Errorf("a manager raising a finding: %v, want forbidden", err)
		}
		f, err := st.AddFinding(ctx, evident.Finding{Engagement: e.ID, Ref: "NC-1", Kind: evident.FindingMajor, Text: "no quarterly scans", RaisedBy: "carol", Requirements: []evident.RequirementRef{req714}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddFinding(ctx, evident.Finding{Engagement: e.ID, Ref: "NC-1", Kind: evident.FindingMinor, Text: "again", RaisedBy: "carol", Requirements: []evident.RequirementRef{req714}}); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("a second NC-1: %v, want conflict", err)
		}
		raised := clk.Now()
		if _, err := st.FindingStep(ctx, f.ID, evident.AssessmentStep{Kind: evident.StepClose, Actor: "mia", Evidence: []string{"x"}}, sqlstore.FindingPlan{}); err == nil || !strings.Contains(err.Error(), "root cause") {
			t.Errorf("closing without a root cause: %v", err)
		}
		var evID string
		err = st.Write(ctx, func(tx *sqlstore.Tx) error {
			evID = evident.NewID(tx.Now)
			return tx.InsertEvidence(ctx, []evident.Evidence{{ID: evID, Kind: evident.RawEvidence, Digest: evident.Digest{1}, MediaType: "text/plain", Actor: "mia",
				Requirements: []evident.RequirementRef{req714}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		clk.Move(24 * time.Hour)
		plan := sqlstore.FindingPlan{RootCause: "scanner had no owner", CorrectiveAction: "name an owner", Due: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)}
		if f, err = st.FindingStep(ctx, f.ID, evident.AssessmentStep{Kind: evident.StepUpdate, Actor: "mia"}, plan); err != nil {
			t.Fatal(err)
		}
		if _, err := st.FindingStep(ctx, f.ID, evident.AssessmentStep{Kind: evident.StepClose, Actor: "mia"}, sqlstore.FindingPlan{}); err == nil || !strings.Contains(err.Error(), "needs the evidence") {
			t.Errorf("closing without evidence: %v", err)
		}
		if f, err = st.FindingStep(ctx, f.ID, evident.AssessmentStep{Kind: evident.StepClose, Actor: "mia", Evidence: []string{evID}, Text: "owner named"}, sqlstore.FindingPlan{}); err != nil {
			t.Fatal(err)
		}
		if !f.OpenAt(clk.Now()) || f.State() != evident.FindingProposed {
			t.Errorf("a proposed closure is %s; it stays open until the assessor accepts", f.State())
		}
		if _, err := st.FindingStep(ctx, f.ID, evident.AssessmentStep{Kind: evident.StepAccept, Actor: "dave"}, sqlstore.FindingPlan{}); evident.ErrorCode(err) != evident.EFORBIDDEN {
			t.Errorf("another engagement's assessor accepting: %v, want forbidden", err)
		}
		if _, err := st.FindingStep(ctx, f.ID, evident.AssessmentStep{Kind: evident.StepAccept, Actor: "mia"}, sqlstore.FindingPlan{}); evident.ErrorCode(err) != evident.EFORBIDDEN {
			t.Errorf("the manager accepting her own closure: %v, want forbidden", err)
		}
		clk.Move(time.Hour)
		if f, err = st.FindingStep(ctx, f.ID, evident.AssessmentStep{Kind: evident.StepAccept, Actor: "carol"}, sqlstore.FindingPlan{}); err != nil {
			t.Fatal(err)
		}
		if f.OpenAt(clk.Now()) || !f.OpenAt(raised) {
			t.Errorf("closed finding open now %v, open when raised %v; want false, true", f.OpenAt(clk.Now()), f.OpenAt(raised))
		}
		if a, ok := f.Accepted(); !ok || a.Actor != "carol" {
			t.Errorf("acceptance %+v %v, want carol's", a, ok)
		}
		if len(f.ClosureEvidence) != 1 || f.RootCause != "scanner had no owner" {
			t.Errorf("closed finding %+v", f)
		}
		fs, err := st.FindingsFor(ctx, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || len(fs) != 1 {
			t.Errorf("findings for June 2026: %d %v, want the engagement's one", len(fs), err)
		}
		if fs, _ := st.FindingsFor(ctx, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)); len(fs) != 0 {
			t.Errorf("findings for 2025: %d, want none", len(fs))
		}
	})
}

func TestImportFindingsAllOrNothing(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		e := assessmentStore(t, st)
		bad := evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-99.9-99"}
		list := []evident.Finding{
			{Ref: "NC-1", Kind: evident.FindingMajor, Text: "a", Requirements: []evident.RequirementRef{req714}},
			{Ref: "NC-2", Kind: evident.FindingMinor, Text: "b", Requirements: []evident.RequirementRef{bad}},
		}
		if _, err := st.ImportFindings(ctx, e.ID, "carol", "cab.csv", list); err == nil || !strings.Contains(err.Error(), "cab.csv: finding NC-2") || !strings.Contains(err.Error(), "REQ-99.9-99") {
			t.Errorf("import with a bad second finding: %v", err)
		}
		if _, err := st.ImportFindings(ctx, e.ID, "mia", "cab.csv", list[:1]); evident.ErrorCode(err) != evident.EFORBIDDEN {
			t.Errorf("a manager importing findings: %v, want forbidden", err)
		}
		if v, _ := st.EngagementView(ctx, e.ID); len(v.Findings) != 0 {
			t.Errorf("%d findings stored from refused imports, want none", len(v.Findings))
		}
		got, err := st.ImportFindings(ctx, e.ID, "carol", "cab.csv", list[:1])
		if err != nil || len(got) != 1 || got[0].RaisedBy != "carol" {
			t.Fatalf("import: %+v %v", got, err)
		}
	})
}
