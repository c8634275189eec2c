package readiness

import (
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/google/go-cmp/cmp"
)

func at(t testing.TB, s string) time.Time {
	t.Helper()
	x, err := evident.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func ref(id string) evident.RequirementRef {
	return evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: evident.RequirementID(id)}
}

func catReq(id, clause string) evident.Requirement {
	return evident.Requirement{Standard: evident.EN319401, Version: "3.2.1", ID: evident.RequirementID(id), Clause: clause, ClauseTitle: "Clause " + clause}
}

// fixture is a small program at 2026-08-15: a quarterly scan with a pass
// in Q3, a daily time sync whose latest run failed, an annual pen test
// with only last year's evidence, a control with none, a requirement with
// no control and one declared not applicable.
func fixture(t *testing.T) Input {
	quarterly, _ := evident.ParseCadence("quarterly")
	daily, _ := evident.ParseCadence("continuous")
	annual, _ := evident.ParseCadence("annual")
	m := &evident.Model{
		Program: evident.Program{Name: "Example", Version: "3.2.1", CreatedAt: at(t, "2025-01-01")},
		Controls: []evident.Control{
			{ID: "scan", Title: "Vulnerability scan", Owner: "ciso", Requirements: []evident.RequirementRef{ref("REQ-7.8-14")}, Systems: []string{"ca"}, Cadence: quarterly},
			{ID: "ntp", Title: "Time sync", Owner: "ops", Requirements: []evident.RequirementRef{ref("REQ-7.10-06")}, Cadence: daily},
			{ID: "pentest", Title: "Pen test", Owner: "ciso", Requirements: []evident.RequirementRef{ref("REQ-7.8-19"), ref("REQ-7.8-18")}, Systems: []string{"ca"}, Cadence: annual},
			{ID: "backup", Title: "Backup test", Owner: "ops", Requirements: []evident.RequirementRef{ref("REQ-7.13-03")}, Cadence: quarterly},
		},
		SoA: []evident.Applicability{{Requirement: ref("REQ-7.8-23"), Applicable: false, Justification: "no own network"}},
		Policies: []evident.Policy{{ID: "isp", Title: "Information security policy", Owner: "ciso",
			Versions: []evident.PolicyVersion{{Version: "1", Approvals: []evident.Approval{{By: "ceo", At: at(t, "2025-09-01")}}}}}},
	}
	occ := func(id, eff string, failed bool, systems ...string) evident.Occurrence {
		// The controls are verified by attestation: each check was
		// accepted by a second person for the systems it names.
		return evident.Occurrence{ID: id, Effective: at(t, eff), Received: at(t, eff), Failed: failed, Systems: systems,
			Review: evident.ReviewAccepted, AcceptedFor: systems}
	}
	in := Input{At: at(t, "2026-08-15T12:00:00Z"), Model: m, Controls: map[string]ControlInput{}, TaskEvidence: map[string]string{},
		Requirements: []evident.Requirement{catReq("REQ-7.8-14", "7.8"), catReq("REQ-7.8-18", "7.8"), catReq("REQ-7.8-19", "7.8"), catReq("REQ-7.8-23", "7.8"),
			catReq("REQ-7.10-06", "7.10"), catReq("REQ-7.13-03", "7.13"), catReq("REQ-7.13-04", "7.13")}}
	hist := map[string][]evident.Occurrence{
		"scan":    {occ("s2", "2026-05-10", false, "ca"), occ("s3", "2026-07-20", false, "ca")},
		"ntp":     {occ("n1", "2026-08-14T03:00:00Z", false), occ("n2", "2026-08-15T03:00:00Z", true)},
		"pentest": {occ("p1", "2025-03-01", false, "ca")},
	}
	for i := range m.Controls {
		// Each control says how it is verified: a control without a
		// method is a gap that would keep its requirements unverified.
		m.Controls[i].Method = evident.VerificationMethod{Kind: evident.MethodAttestation}
	}
	for _, c := range m.Controls {
		in.Controls[c.ID] = ControlInput{Schedule: ScheduleFor(c, m.Program.CreatedAt), History: evident.History{Occurrences: hist[c.ID]}}
	}
	return in
}

func TestStatusPerRequirementAndClause(t *testing.T) {
	r := Status(fixture(t), time.Time{}, time.Time{})
	got := map[string]evident.Readiness{}
	for _, q := range r.Requirements {
		got[string(evident.RequirementID(q.Requirement[len("EN319401@3.2.1:"):]))] = q.State
	}
	want := map[string]evident.Readiness{
		"REQ-7.8-14": evident.ReadinessVerified, // Q3 scan is current
		// A pen test of March 2025 is fresh until the next annual period
		// ends (31 December 2026), so on 15 August 2026 it is current.
		"REQ-7.8-18":  evident.ReadinessVerified,
		"REQ-7.8-19":  evident.ReadinessVerified,
		"REQ-7.8-23":  evident.ReadinessNotApplicable,
		"REQ-7.10-06": evident.ReadinessFailing, // today's sync failed
		"REQ-7.13-03": evident.ReadinessPlanned, // control, no evidence
		"REQ-7.13-04": evident.ReadinessNotAddressed,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requirement states (-want +got):\n%s", diff)
	}
	// 7.8: verified x3 (3) over 3 applicable = 100; 7.10: failing = 0;
	// 7.13: planned + not addressed = 0.25 / 2 = 12.5; program 3.25 / 6.
	scores := map[string]float64{}
	for _, c := range r.Clauses {
		scores[c.Clause] = c.Score
	}
	if diff := cmp.Diff(map[string]float64{"7.8": 100, "7.10": 0, "7.13": 12.5}, scores); diff != "" {
		t.Errorf("clause scores (-want +got):\n%s", diff)
	}
	if r.Score.Score != 54.2 || r.Score.Applicable != 6 {
		t.Errorf("program score = %v over %d, want 54.2 over 6", r.Score.Score, r.Score.Applicable)
	}
}

func TestSignificantChangeMakesScopedEvidenceStale(t *testing.T) {
	in := fixture(t)
	ch := evident.Change{ID: "chg", System: "ca", Version: "5", Significant: true, Summary: "new CA", At: at(t, "2026-08-01"), RecordedAt: at(t, "2026-08-01")}
	for id, ci := range in.Controls {
		ci.History.Changes = ChangesFor([]evident.Change{ch}, *in.Model.ControlByID(id))
		in.Controls[id] = ci
	}
	in.ChangeTasks = []evident.ChangeTask{{ID: "t1", Change: "chg", Trigger: ch.Triggers("3.2.1")[0], After: ch.At}}
	r := Status(in, time.Time{}, time.Time{})
	for _, c := range r.Controls {
		want := evident.CurrencyStale
		switch c.ID {
		case "ntp":
			want = evident.CurrencyFailing // not scoped to the system
		case "backup":
			want = evident.CurrencyNone
		}
		if c.Freshness.State != want {
			t.Errorf("control %s after the change: %s, want %s", c.ID, c.Freshness.State, want)
		}
	}
	ts := Tasks(in, in.At.AddDate(0, 0, 30))
	found := false
	for _, tk := range ts {
		if tk.Kind == TaskChange && tk.Requirements[0] == "EN319401@3.2.1:REQ-7.8-18" && tk.Owner == "ciso" && tk.Control == "pentest" {
			found = true
		}
	}
	if !found {
		t.Errorf("no pen-test task after the significant change in %+v", ts)
	}
	in.TaskEvidence["t1"] = "p2"
	for _, tk := range Tasks(in, in.At.AddDate(0, 0, 30)) {
		if tk.Kind == TaskChange {
			t.Errorf("a task closed by evidence is still listed: %+v", tk)
		}
	}
}

func TestTasksOrderedAndFiltered(t *testing.T) {
	in := fixture(t)
	in.Exceptions = []evident.Exception{{ID: "ex", Control: "backup", Reason: "migration", Approver: "ceo", From: at(t, "2026-08-01"), Expires: at(t, "2026-09-05")}}
	in.Approvals = claimed(in.Model, in.Exceptions)
	backup := in.Controls["backup"]
	backup.History.Exceptions = in.Exceptions
	in.Controls["backup"] = backup
	in.Incidents = []IncidentClocks{{ID: "INC-1", Title: "HSM outage", Clocks: []evident.Clock{
		{Name: "eidas", Title: "notify the supervisory body", Due: at(t, "2026-08-16T08:00:00Z"), State: evident.ClockRunning},
		{Name: "review", Title: "post-incident review", Due: at(t, "2026-07-16"), State: evident.ClockMet},
	}}}
	var got []string
	for _, tk := range Tasks(in, in.At.AddDate(0, 0, 30)) {
		got = append(got, tk.Due.Format("2006-01-02")+" "+tk.Kind+" "+tk.State+" "+tk.Owner+" "+tk.Control+tk.Source)
	}
	want := []string{
		"2026-08-16 period failing ops ntp", // today's window, failing
		"2026-08-16 incident running  incident/INC-1",
		"2026-09-01 review due ciso policy/isp",
		"2026-09-05 exception due ops backupexception/ex",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	// Without a horizon the 2026 pen test (due 1 January) appears too;
	// backup's Q3 window is excepted and the scan's satisfied.
	all := Tasks(in, time.Time{})
	if len(all) != len(want)+1 || all[len(all)-1].Control != "pentest" {
		t.Errorf("without a horizon: %+v, want the pen test added", all)
	}
	if n := len(Filter(all, "ops")); n != 2 {
		t.Errorf("tasks owned by ops: %d, want 2", n)
	}
}

func TestStatusListsMissedClocks(t *testing.T) {
	in := fixture(t)
	in.Incidents = []IncidentClocks{{ID: "INC-2", Title: "Breach", Clocks: []evident.Clock{
		{Name: "final-report", Title: "final report", Due: at(t, "2026-07-01"), State: evident.ClockMissed},
		{Name: "eidas", Title: "notify", Due: at(t, "2026-06-02"), State: evident.ClockMet},
	}}}
	r := Status(in, time.Time{}, time.Time{})
	if len(r.MissedClocks) != 1 || r.MissedClocks[0].Incident != "INC-2" || r.MissedClocks[0].State != evident.ClockMissed {
		t.Errorf("missed clocks = %+v, want the final report of INC-2", r.MissedClocks)
	}
}

// After a significant change to the CA: each supplier supporting the CA
// gets a review task, and each control whose evidence the change made
// stale must be refreshed before the program's next audit.
func TestSignificantChangeOpensSupplierReviewsAndRefreshes(t *testing.T) {
	in := fixture(t)
	in.Model.Suppliers = []evident.Supplier{
		{ID: "dc", Name: "Data centre", Supports: []string{"ca"}, LastReview: at(t, "2026-02-01")},
		{ID: "tsa-lab", Name: "Time lab", Supports: []string{"tsa"}, LastReview: at(t, "2026-02-01")},
	}
	in.Model.Program.NextAudit = at(t, "2026-10-01")
	ch := evident.Change{ID: "chg", System: "ca", Version: "5", Significant: true, Summary: "new CA", At: at(t, "2026-08-01"), RecordedAt: at(t, "2026-08-01")}
	in.Changes = []evident.Change{ch}
	for id, ci := range in.Controls {
		ci.History.Changes = ChangesFor(in.Changes, *in.Model.ControlByID(id))
		in.Controls[id] = ci
	}
	kinds := func(in Input) []string {
		var out []string
		for _, tk := range Tasks(in, time.Time{}) {
			if tk.Kind == TaskRefresh || tk.Source == "change/chg" {
				out = append(out, tk.Due.Format("2006-01-02")+" "+tk.Kind+" "+tk.Control+" "+tk.Requirements[0]+" "+tk.State)
			}
		}
		return out
	}
	want := []string{
		"2026-08-31 change  EN319401@3.2.1:REQ-7.14.1-05 due", // the data centre, not the time lab
		"2026-10-01 refresh pentest EN319401@3.2.1:REQ-7.8-19 due",
		"2026-10-01 refresh scan EN319401@3.2.1:REQ-7.8-14 due",
	}
	if diff := cmp.Diff(want, kinds(in)); diff != "" {
		t.Errorf("tasks after the change (-want +got):\n%s", diff)
	}
	// The supplier reviewed since the change, and no audit date named:
	// the review task closes, refreshes fall due at the window's end.
	in.Model.Suppliers[0].LastReview = at(t, "2026-08-10")
	in.Model.Program.NextAudit = time.Time{}
	want = []string{
		"2026-10-01 refresh scan EN319401@3.2.1:REQ-7.8-14 due",
		"2027-01-01 refresh pentest EN319401@3.2.1:REQ-7.8-19 due",
	}
	if diff := cmp.Diff(want, kinds(in)); diff != "" {
		t.Errorf("tasks after the supplier review (-want +got):\n%s", diff)
	}
}

// Over a period a requirement is judged by every window of its controls in
// it, not by what is current at one instant: the scan of 10 May verifies
// REQ-7.8-14 for the second quarter, but over the first half-year the
// first quarter was missed, so it is only implemented; the monthly series
// is the same rule over each month.
func TestReadinessOverAPeriod(t *testing.T) {
	in := fixture(t)
	state := func(r Report, id string) evident.Readiness {
		for _, q := range r.Requirements {
			if q.Requirement == "EN319401@3.2.1:"+id {
				return q.State
			}
		}
		t.Fatalf("no %s in the report", id)
		return ""
	}
	q2 := Status(in, at(t, "2026-04-01"), at(t, "2026-07-01"))
	if got := state(q2, "REQ-7.8-14"); got != evident.ReadinessVerified {
		t.Errorf("REQ-7.8-14 over the second quarter: %s, want verified", got)
	}
	h1 := Status(in, at(t, "2026-01-01"), at(t, "2026-07-01"))
	if got := state(h1, "REQ-7.8-14"); got != evident.ReadinessImplemented {
		t.Errorf("REQ-7.8-14 over the first half-year (Q1 missed): %s, want implemented", got)
	}
	// The daily time sync fails today, but over the second quarter it had
	// no evidence at all: planned, not failing.
	if got := state(q2, "REQ-7.10-06"); got != evident.ReadinessPlanned {
		t.Errorf("REQ-7.10-06 over the second quarter: %s, want planned", got)
	}
	if q2.From != at(t, "2026-04-01") || q2.To != at(t, "2026-07-01") || h1.Score.Score >= Status(in, time.Time{}, time.Time{}).Score.Score {
		t.Errorf("period report %s to %s scores %.1f; want the range recorded and a score below the instant's", q2.From, q2.To, h1.Score.Score)
	}

	s := Series(in, 12)
	if len(s) != 12 || s[0].Month != "2025-09" || s[11].Month != "2026-08" {
		t.Fatalf("series months %v, want 2025-09 to 2026-08", s)
	}
	by := map[string]Point{}
	for _, p := range s {
		by[p.Month] = p
	}
	if by["2026-05"].Count["verified"] != 1 || by["2026-03"].Count["verified"] != 0 {
		t.Errorf("verified requirements in May %d (want 1: the scan of 10 May) and March %d (want 0)",
			by["2026-05"].Count["verified"], by["2026-03"].Count["verified"])
	}
	if got := SeriesStart(at(t, "2026-08-15T12:00:00Z"), 12); !got.Equal(at(t, "2025-09-01")) {
		t.Errorf("SeriesStart = %s, want 2025-09-01", got)
	}
}
