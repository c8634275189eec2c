package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// cadenceEnv initialises a data directory and applies the cadence test
// program (one control per cadence kind).
func cadenceEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data"), "EVIDENT_ACTOR": "ciso@example.eu"}
	for _, args := range [][]string{{"init", "--name", "Cadence Test TSP"}, {"apply", "-f", filepath.Join("testdata", "cadence")}} {
		if code, out, errs := cli(t, env, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	return env
}

// record is one generated evidence record: a control, when it took
// effect and, for a failing check, the verdict of a derived record.
type record struct {
	control string
	at      string
	fail    bool
}

// addRecords stores generated evidence through the ledger, as collectors
// and importers running for a year would have: each record speaks for its
// control's systems, and a check of a control verified by import, or a
// failing one, is a derived verdict record over a raw file added first.
// Checks of a control verified by a person carry the content its method
// asks for and are accepted by a second login, the compliance manager:
// only accepted checks count.
func addRecords(t *testing.T, env map[string]string, recs []record) {
	t.Helper()
	a := &app{ctx: context.Background(), getenv: func(k string) string { return env[k] }, now: time.Now, stdout: io.Discard, stderr: io.Discard}
	a.flags("test")
	l, st, err := a.openLedger()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := st.Model(a.ctx)
	if err != nil {
		t.Fatal(err)
	}
	opener := func(content string) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }
	}
	ins := make([]ledger.EvidenceInput, len(recs))
	var raws []ledger.Item
	judged := map[int]int{} // record -> its raw file in raws
	for i, r := range recs {
		eff, err := evident.ParseTime(r.at)
		if err != nil {
			t.Fatal(err)
		}
		in := ledger.EvidenceInput{Actor: "collector:test", Filename: fmt.Sprintf("%s-%d.txt", r.control, i), MediaType: "text/plain",
			Effective: evident.Effective{From: eff}, Controls: []string{r.control}}
		if c := m.ControlByID(r.control); c != nil {
			in.Detail = checked(t, m, *c, eff, in.Actor)
			for _, id := range c.Systems {
				if sys := m.SystemByID(id); sys != nil {
					in.Systems = append(in.Systems, evident.SystemVersion{Name: sys.ID, Version: firstNonEmpty(sys.Version, "current")})
				}
			}
			if r.fail || c.Method.Kind == evident.MethodImport {
				judged[i] = len(raws)
				raws = append(raws, ledger.Item{Input: in, Open: opener("raw " + r.at)})
			}
		}
		ins[i] = in
	}
	rawEvs, err := l.AddBatch(a.ctx, raws)
	if err != nil && len(raws) > 0 {
		t.Fatal(err)
	}
	var items []ledger.Item
	for i, r := range recs {
		in := ins[i]
		if k, ok := judged[i]; ok {
			in.Kind, in.Verdict, in.DerivedFrom, in.Filename = evident.DerivedEvidence, evident.VerdictPass, []string{rawEvs[k].ID}, ""
			if r.fail {
				in.Verdict = evident.VerdictFail
			}
			in.MediaType = "application/json"
		}
		items = append(items, ledger.Item{Input: in, Open: opener(fmt.Sprintf("%s %s %d", r.control, r.at, i))})
	}
	evs, err := l.AddBatch(a.ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	err = st.CreateUser(a.ctx, evident.User{Name: "cm-test", Role: evident.RoleComplianceManager}, "", "test")
	if err != nil && evident.ErrorCode(err) != evident.ECONFLICT {
		t.Fatal(err)
	}
	for _, e := range evs {
		if c := m.ControlByID(e.Controls[0]); e.Kind == evident.RawEvidence && c != nil && c.NeedsReview() {
			if _, err := l.Review(a.ctx, sqlstore.ReviewInput{Evidence: e.ID, Verb: evident.ActAccept, Reviewer: "cm-test"}); err != nil {
				t.Fatalf("accept %s: %v", e.Filename, err)
			}
		}
	}
}

// checked is the content of a person's check of c at at, as the method
// asks for it (nil for tool output).
func checked(t *testing.T, m *evident.Model, c evident.Control, at time.Time, actor string) []byte {
	t.Helper()
	f := evident.SubmissionFields{Statement: "checked", Outcome: "no finding", Date: at, Scenario: "as planned", Participants: []string{"ops"}}
	for i := range 3 * max(c.Method.SampleSize, 1) {
		f.PopulationItems = append(f.PopulationItems, fmt.Sprintf("item-%d", i))
	}
	f.Population, f.Seed = "the period's records", "test"
	for _, p := range m.Policies {
		if v, ok := p.Current(); ok && v.SHA256 != "" {
			f.Policy = p.ID
			break
		}
	}
	sub := m.Submission(c, f, nil, actor)
	if sub == nil {
		return nil
	}
	b, err := json.Marshal(sub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// yearOfEvidence is 2025 as the cadence test program lived it, with the
// gaps and boundary cases the test checks.
func yearOfEvidence() []record {
	var recs []record
	for d := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == 2025; d = d.AddDate(0, 0, 1) {
		// Daily time sync at 03:00, missing 10-12 June. The 30 June run is
		// late, at exactly midnight: it counts for 1 July, leaving 30 June
		// without evidence.
		switch {
		case d.Month() == 6 && d.Day() >= 10 && d.Day() <= 12:
		case d.Month() == 6 && d.Day() == 30:
			recs = append(recs, record{"time-sync", "2025-07-01T00:00:00Z", false})
		default:
			recs = append(recs, record{"time-sync", d.Add(3 * time.Hour).Format(time.RFC3339), false})
		}
		// Weekly alert review on Fridays, skipped the weeks of 10 and 17 March.
		if d.Weekday() == time.Friday && !(d.Month() == 3 && (d.Day() == 14 || d.Day() == 21)) {
			recs = append(recs, record{"alert-review", d.Add(10 * time.Hour).Format(time.RFC3339), false})
		}
		// Monthly check on the 15th, none in September; the October one
		// is effective at exactly 1 November 00:00 and so counts for
		// November, leaving October without evidence.
		if d.Day() == 15 && d.Month() != 9 && d.Month() != 10 {
			recs = append(recs, record{"config-check", d.Add(9 * time.Hour).Format(time.RFC3339), false})
		}
	}
	recs = append(recs,
		// The last ISO week of 2025 ends on Sunday 4 January 2026.
		record{"alert-review", "2026-01-02T10:00:00Z", false},
		record{"config-check", "2025-11-01T00:00:00Z", false},
		// Quarterly scans: Q1, Q2, none in Q3, and in Q4 a pass followed
		// by a failing rescan (the latest verdict in the window counts).
		record{"vuln-scan", "2025-02-10T08:00:00Z", false},
		record{"vuln-scan", "2025-05-10T08:00:00Z", false},
		record{"vuln-scan", "2025-10-05T08:00:00Z", false},
		record{"vuln-scan", "2025-11-10T08:00:00Z", true},
		// One annual pen test (rolling): the next was due by 15 March 2026.
		record{"pentest-annual", "2025-03-15T10:00:00Z", false},
		// Post-change pen test after the August change only.
		record{"pentest-change", "2025-08-20T10:00:00Z", false},
	)
	return recs
}

func statusJSON(t *testing.T, env map[string]string, args ...string) readiness.Report {
	t.Helper()
	code, out, errs := cli(t, env, append([]string{"status", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("status %v: exit %d\n%s%s", args, code, out, errs)
	}
	var r readiness.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	return r
}

// TestYearOfEvidenceCoverage is the done-when check: a year of generated
// evidence gives the right expected and found counts and gap dates for
// every cadence kind. Each case sits on a boundary (midnight evidence, a
// failing rescan, a late rolling window), so moving one by a day fails.
func TestYearOfEvidenceCoverage(t *testing.T) {
	t.Parallel()
	env := cadenceEnv(t)
	for _, ch := range [][]string{
		{"--system", "ca-issuing", "--version", "4.3", "--significant", "--summary", "new CA software", "--at", "2025-08-01T00:00:00Z"},
		{"--system", "ca-issuing", "--version", "4.4", "--significant", "--summary", "new HSM firmware", "--at", "2025-10-01T00:00:00Z"},
	} {
		if code, out, errs := cli(t, env, append([]string{"change", "add"}, ch...)...); code != 0 {
			t.Fatalf("change add: exit %d\n%s%s", code, out, errs)
		}
	}
	addRecords(t, env, yearOfEvidence())
	r := statusJSON(t, env, "--from", "2025-01-01", "--to", "2026-01-01")
	got := map[string]string{}
	for _, c := range r.Controls {
		if c.Coverage == nil {
			t.Fatalf("control %s has no coverage", c.ID)
		}
		got[c.ID] = coverageText(*c.Coverage)
	}
	want := map[string]string{
		// 365 days, 4 without evidence: 10-12 June and 30 June.
		"time-sync": "361 of 365 found, gaps 2025-06-10 to 2025-06-12; 2025-06-30 to 2025-06-30",
		// 53 ISO weeks touch 2025 (from Monday 30 December 2024).
		"alert-review": "51 of 53 found, gaps 2025-03-10 to 2025-03-23",
		"config-check": "10 of 12 found, gaps 2025-09-01 to 2025-10-31",
		// Q3 missed and Q4 failing are one run of two periods.
		"vuln-scan": "2 of 4 found, gaps 2025-07-01 to 2025-12-31",
		// Rolling: the window closed by the March 2025 test, then a year
		// to 15 March 2026 with nothing in it.
		"pentest-annual": "1 of 2 found, gaps 2025-03-16 to 2026-03-15",
		// One window per significant change; the October one was missed.
		"pentest-change": "1 of 2 found, gaps 2025-10-01 to 2025-10-30",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("coverage of 2025 (-want +got):\n%s", diff)
	}
	for _, c := range r.Controls {
		if c.ID == "vuln-scan" && c.Coverage.Failing != 1 {
			t.Errorf("vuln-scan failing periods = %d, want 1 (Q4)", c.Coverage.Failing)
		}
	}
	// The October change's pen-test task is still open (overdue); the
	// August one was closed by the test of 20 August.
	ts := tasksJSON(t, env, "--due", "all")
	var open []string
	for _, tk := range ts.Tasks {
		if tk.Kind == readiness.TaskChange && strings.Contains(tk.Title, "Penetration test") {
			open = append(open, tk.Due.Format("2006-01-02")+" "+tk.State)
		}
	}
	if diff := cmp.Diff([]string{"2025-10-31 overdue"}, open); diff != "" {
		t.Errorf("open pen-test tasks (-want +got):\n%s", diff)
	}
}

func tasksJSON(t *testing.T, env map[string]string, args ...string) tasksReport {
	t.Helper()
	code, out, errs := cli(t, env, append([]string{"tasks", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("tasks %v: exit %d\n%s%s", args, code, out, errs)
	}
	var r tasksReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("tasks --json: %v\n%s", err, out)
	}
	return r
}

func freshnessOf(r readiness.Report, control string) evident.Freshness {
	for _, c := range r.Controls {
		if c.ID == control {
			return c.Freshness
		}
	}
	return evident.Freshness{}
}

// TestSignificantChangeOpensPenTestAndStalesEvidence is the second
// done-when check, through the commands a user types.
func TestSignificantChangeOpensPenTestAndStalesEvidence(t *testing.T) {
	t.Parallel()
	env := cadenceEnv(t)
	now := time.Now().UTC()
	addRecords(t, env, []record{
		{"vuln-scan", now.Add(-time.Hour).Format(time.RFC3339), false},
		{"config-check", now.Add(-time.Hour).Format(time.RFC3339), false},
	})
	before := statusJSON(t, env)
	if f := freshnessOf(before, "vuln-scan"); f.State != evident.CurrencyCurrent {
		t.Fatalf("vuln-scan before the change: %+v, want current", f)
	}
	code, out, errs := cli(t, env, "change", "add", "--system", "ca-issuing", "--version", "5.0", "--significant", "--summary", "new CA software", "--json")
	if code != 0 {
		t.Fatalf("change add: exit %d\n%s%s", code, out, errs)
	}
	var ch changeReport
	if err := json.Unmarshal([]byte(out), &ch); err != nil {
		t.Fatal(err)
	}
	after := statusJSON(t, env)
	if f := freshnessOf(after, "vuln-scan"); f.State != evident.CurrencyStale || f.StaleBy != ch.Change.ID {
		t.Errorf("vuln-scan after the change: %+v, want stale by %s", f, ch.Change.ID)
	}
	// config-check is not scoped to the changed system: still current.
	if f := freshnessOf(after, "config-check"); f.State != evident.CurrencyCurrent {
		t.Errorf("config-check after the change: %+v, want current", f)
	}
	var kinds []string
	for _, tk := range tasksJSON(t, env).Tasks {
		if tk.Source == "change/"+ch.Change.ID {
			kinds = append(kinds, tk.Requirements[0]+" "+tk.Owner)
		}
	}
	// The reviews and the pen test, and the scan whose evidence the change
	// made stale, to refresh.
	want := []string{"EN319401@3.2.1:REQ-5-04 ", "EN319401@3.2.1:REQ-6.3-03 ", "EN319401@3.2.1:REQ-7.8-14 ciso", "EN319401@3.2.1:REQ-7.8-18 ciso"}
	if diff := cmp.Diff(want, sortedStrings(kinds)); diff != "" {
		t.Errorf("tasks opened by the change (-want +got):\n%s", diff)
	}
	code, out, _ = cli(t, env, "tasks", "--owner", "ciso")
	if code != 0 || !strings.Contains(out, "Penetration test after significant change (system ca-issuing 5.0)") || !strings.Contains(out, "REQ-7.8-18") {
		t.Errorf("tasks --owner ciso: exit %d\n%s", code, out)
	}
}

// TestStatusAtPastInstantIsWhatStatusSaid is the third done-when check:
// status --at T after more evidence and changes arrived equals what status
// printed at T.
func TestStatusAtPastInstantIsWhatStatusSaid(t *testing.T) {
	t.Parallel()
	env := cadenceEnv(t)
	addRecords(t, env, []record{{"time-sync", time.Now().UTC().Add(-2 * time.Hour).Format(time.RFC3339), false}})
	code, then, errs := cli(t, env, "status", "--json")
	if code != 0 {
		t.Fatalf("status: exit %d\n%s", code, errs)
	}
	var r readiness.Report
	if err := json.Unmarshal([]byte(then), &r); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // later writes get a later receipt time
	now := time.Now().UTC()
	addRecords(t, env, []record{
		{"vuln-scan", now.Add(-time.Hour).Format(time.RFC3339), false},
		{"time-sync", now.Add(-time.Minute).Format(time.RFC3339), true},
		// Back-dated evidence received later must not change the past.
		{"config-check", r.At.Add(-time.Hour).Format(time.RFC3339), false},
	})
	if code, out, errs := cli(t, env, "change", "add", "--system", "ca-issuing", "--version", "5", "--significant", "--summary", "x", "--at", evident.UTC(r.At.Add(-24*time.Hour))); code != 0 {
		t.Fatalf("change add: exit %d\n%s%s", code, out, errs)
	}
	// The program changes too: the weekly review goes, a control comes.
	prog, err := os.ReadFile(filepath.Join("testdata", "cadence", "program.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(prog), "  - id: alert-review\n    title: Weekly review of critical alerts", "  - id: log-review\n    title: Weekly review of audit logs", 1)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "program.yaml"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, env, "apply", "-f", dir); code != 0 || !strings.Contains(out, "log-review") {
		t.Fatalf("apply the edited program: exit %d\n%s%s", code, out, errs)
	}
	code, at, errs := cli(t, env, "status", "--json", "--at", evident.UTC(r.At))
	if code != 0 {
		t.Fatalf("status --at: exit %d\n%s", code, errs)
	}
	if diff := cmp.Diff(then, at); diff != "" {
		t.Errorf("status --at %s differs from what status said then (-then +at):\n%s", evident.UTC(r.At), diff)
	}
	code, now2, _ := cli(t, env, "status", "--json")
	if code != 0 || now2 == then {
		t.Error("status now should differ from the earlier status after new evidence and a change")
	}
}

func TestCadenceCommandsRefuseBadInput(t *testing.T) {
	t.Parallel()
	env := cadenceEnv(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"change", "add", "--system", "no-such", "--version", "1", "--summary", "x"}, `no system "no-such"`},
		{[]string{"change", "add", "--system", "ca-issuing", "--summary", "x"}, "version"},
		{[]string{"change", "add", "--system", "ca-issuing", "--version", "2", "--summary", "x", "--at", "yesterday"}, "--at"},
		{[]string{"change", "frobnicate"}, "unknown subcommand"},
		{[]string{"status", "--at", "last week"}, "--at"},
		{[]string{"status", "--from", "2026-02-01", "--to", "2026-01-01"}, "--to"},
		{[]string{"tasks", "--due", "soon"}, "--due"},
		{[]string{"calendar"}, "--out"},
		{[]string{"tasks", "except", "--control", "vuln-scan", "--reason", "move", "--approver", "mallory", "--until", "2027-01-01"}, "approver"},
		{[]string{"tasks", "except", "--control", "vuln-scan", "--reason", "move", "--approver", "ciso"}, "--until"},
		{[]string{"tasks", "except", "--control", "no-such", "--reason", "move", "--approver", "ciso", "--until", "2027-01-01"}, "control"},
	}
	for _, tt := range tests {
		code, out, errs := cli(t, env, tt.args...)
		if code != 2 || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 naming %s", tt.args, code, errs, out, tt.want)
		}
	}
	code, out, _ := cli(t, env, "change", "list", "--json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("refused changes were stored: %s", out)
	}
}

func TestCalendarFeedParses(t *testing.T) {
	t.Parallel()
	env := cadenceEnv(t)
	out := filepath.Join(t.TempDir(), "evident.ics")
	if code, stdout, errs := cli(t, env, "calendar", "--out", out); code != 0 {
		t.Fatalf("calendar: exit %d\n%s%s", code, stdout, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("feed does not parse: %v", err)
	}
	var rules []string
	for _, e := range cal.Events() {
		if p := e.GetProperty(ics.ComponentPropertyRrule); p != nil {
			rules = append(rules, p.Value)
		}
	}
	// Weekly, monthly, quarterly and daily controls recur; the rolling
	// and post-change ones come as tasks.
	want := []string{"FREQ=DAILY;INTERVAL=1", "FREQ=MONTHLY;INTERVAL=1", "FREQ=MONTHLY;INTERVAL=3", "FREQ=WEEKLY;INTERVAL=1"}
	if diff := cmp.Diff(want, sortedStrings(rules)); diff != "" {
		t.Errorf("recurring events (-want +got):\n%s", diff)
	}
	if len(cal.Events()) <= len(want) {
		t.Errorf("the feed has %d events; want the due tasks as well", len(cal.Events()))
	}
}

func sortedStrings(xs []string) []string {
	out := append([]string(nil), xs...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestExceptionExcusesThePeriod records an exception through the CLI: the
// quarterly scan's open window turns excepted, and the expiry shows up as
// a task for the control's owner.
func TestExceptionExcusesThePeriod(t *testing.T) {
	t.Parallel()
	env := cadenceEnv(t)
	until := time.Now().UTC().AddDate(0, 0, 10).Format("2006-01-02")
	code, out, errs := cli(t, env, "tasks", "except", "--control", "vuln-scan", "--reason", "data-centre move", "--approver", "ciso", "--until", until)
	if code != 0 {
		t.Fatalf("tasks except: exit %d\n%s%s", code, out, errs)
	}
	// The approver named is a claim: until an approver's login approves
	// the exception, it excuses nothing.
	id := strings.Fields(strings.TrimPrefix(out, "Recorded exception "))[0]
	for _, c := range statusJSON(t, env).Controls {
		if c.ID == "vuln-scan" && c.Period != nil && c.Period.State == evident.PeriodExcepted {
			t.Errorf("vuln-scan excepted by an exception no approval act binds: %+v", c.Period)
		}
	}
	if gaps := mustRun(t, env, "gaps"); !strings.Contains(gaps, "exceptions/"+id) {
		t.Errorf("the unapproved exception is not a gap:\n%s", gaps)
	}
	mustRun(t, env, "user", "add", "board", "--role", "management-approver")
	mustRun(t, env, "approve", "exception/"+id, "--actor", "board")
	r := statusJSON(t, env)
	for _, c := range r.Controls {
		if c.ID == "vuln-scan" && (c.Period == nil || c.Period.State != evident.PeriodExcepted) {
			t.Errorf("vuln-scan period after the exception: %+v, want excepted", c.Period)
		}
	}
	found := false
	for _, tk := range tasksJSON(t, env, "--owner", "ciso").Tasks {
		if tk.Kind == readiness.TaskException && tk.Control == "vuln-scan" && tk.Due.Format("2006-01-02") == until {
			found = true
		}
		if tk.Kind == readiness.TaskPeriod && tk.Control == "vuln-scan" {
			t.Errorf("an excused period is still a task: %+v", tk)
		}
	}
	if !found {
		t.Error("the exception's expiry is not among the owner's tasks")
	}
}

func TestSupplierChangeReopensItsReview(t *testing.T) {
	t.Parallel()
	env := cadenceEnv(t)
	code, out, errs := cli(t, env, "change", "add", "--supplier", "cloudco", "--summary", "moved the service to another region")
	if code != 0 || !strings.Contains(out, "REQ-7.14.1-05") {
		t.Fatalf("change add --supplier: exit %d\n%s%s", code, out, errs)
	}
	n := 0
	for _, tk := range tasksJSON(t, env).Tasks {
		if tk.Kind == readiness.TaskChange && tk.Requirements[0] == "EN319401@3.2.1:REQ-7.14.1-05" && strings.Contains(tk.Title, "cloudco") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("supplier review tasks after the supplier's change: %d, want 1", n)
	}
}

// TestExampleProgramYear applies the example QTSP and gives it a year
// (2025) of generated evidence: every window of every control gets what it
// needs, except deliberate gaps in one control per cadence kind, placed on
// boundaries. The counts per cadence kind are written out, not computed
// with the code under test.
func TestExampleProgramYear(t *testing.T) {
	t.Parallel()
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data"), "EVIDENT_ACTOR": "ciso@example.eu"}
	for _, args := range [][]string{
		{"init", "--name", "Example Trust Services"},
		{"apply", "-f", filepath.Join("..", "..", "examples", "qtsp")},
		// A significant change to the registration portal on 1 July.
		{"change", "add", "--system", "ra-portal", "--version", "2.15.0", "--significant", "--summary", "new portal release", "--at", "2025-07-01T00:00:00Z"},
	} {
		if code, out, errs := cli(t, env, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	a := &app{ctx: context.Background(), getenv: func(k string) string { return env[k] }, now: time.Now, stdout: io.Discard, stderr: io.Discard}
	a.flags("test")
	st, err := a.openStore()
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.Model(a.ctx)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	skip := map[string]func(w evident.Window) bool{
		// 27 February to 1 March 2025 (not a leap year: no 29th).
		"clock-sync-daily": func(w evident.Window) bool {
			return !w.Start.Before(date(t, "2025-02-27")) && !w.Start.After(date(t, "2025-03-01"))
		},
		// The last ISO week touching 2025 ends on Sunday 4 January 2026.
		"critical-alert-review-weekly": func(w evident.Window) bool { return w.Start.Equal(date(t, "2025-12-29")) },
		"vuln-scan-quarterly":          func(w evident.Window) bool { return w.Start.Equal(date(t, "2025-07-01")) },
	}
	var recs []record
	year := evident.Window{Start: date(t, "2025-01-01"), End: date(t, "2026-01-01")}
	for _, c := range m.Controls {
		if c.Cadence.Kind == evident.CadencePostChange {
			continue
		}
		for _, w := range c.Cadence.Windows(year.Start, year.Start, year.End) {
			if skip[c.ID] != nil && skip[c.ID](w) {
				continue
			}
			first := w.Start.Add(48 * time.Hour)
			if c.Cadence.Unit == evident.UnitDay || c.Cadence.Kind == evident.CadenceContinuous {
				first = w.Start.Add(3 * time.Hour)
			}
			// March's patch report is filed at exactly midnight on 1 April:
			// it counts for April, and March has none.
			if c.ID == "patch-status-monthly" && w.Start.Equal(date(t, "2025-03-01")) {
				first = date(t, "2025-04-01")
			}
			for k := 0; k < c.Needs(); k++ {
				recs = append(recs, record{c.ID, evident.UTC(first.Add(time.Duration(k) * time.Hour)), false})
			}
		}
	}
	recs = append(recs, record{"pen-test-post-change", "2025-07-15T10:00:00Z", false})
	addRecords(t, env, recs)

	r := statusJSON(t, env, "--from", "2025-01-01", "--to", "2026-01-01")
	perKind := map[string]int{"daily": 365, "continuous": 365, "weekly": 53, "monthly": 12, "quarterly": 4, "annual": 1, "post-change": 1}
	want := map[string]string{
		"clock-sync-daily":             "362 of 365 found, gaps 2025-02-27 to 2025-03-01",
		"critical-alert-review-weekly": "52 of 53 found, gaps 2025-12-29 to 2026-01-04",
		"patch-status-monthly":         "11 of 12 found, gaps 2025-03-01 to 2025-03-31",
		"vuln-scan-quarterly":          "3 of 4 found, gaps 2025-07-01 to 2025-09-30",
	}
	kinds := map[string]bool{}
	for _, c := range r.Controls {
		kinds[c.Cadence] = true
		n, ok := perKind[c.Cadence]
		if !ok {
			t.Errorf("control %s has cadence %q the test does not know", c.ID, c.Cadence)
			continue
		}
		exp, ok := want[c.ID]
		if !ok {
			exp = fmt.Sprintf("%d of %d found", n, n)
		}
		if got := coverageText(*c.Coverage); got != exp {
			t.Errorf("%s (%s): %s, want %s", c.ID, c.Cadence, got, exp)
		}
	}
	for _, k := range []string{"daily", "weekly", "monthly", "quarterly", "annual", "post-change"} {
		if !kinds[k] {
			t.Errorf("the example program has no %s control any more; the test no longer covers that kind", k)
		}
	}
}

func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := evident.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestMissedIncidentClocksInStatusAndTasks opens an incident three days
// after awareness: its 24-hour clocks are missed, which status reports and
// tasks lists next to the running ones.
func TestMissedIncidentClocksInStatusAndTasks(t *testing.T) {
	t.Parallel()
	env := cadenceEnv(t)
	aware := evident.UTC(time.Now().UTC().Add(-72 * time.Hour))
	code, out, errs := cli(t, env, "incident", "open", "--title", "HSM outage", "--aware", aware, "--reporter", "noc", "--json")
	if code != 0 {
		t.Fatalf("incident open: exit %d\n%s%s", code, out, errs)
	}
	r := statusJSON(t, env)
	if len(r.MissedClocks) == 0 {
		t.Fatal("status lists no missed incident clock three days after awareness")
	}
	for _, c := range r.MissedClocks {
		if c.Title != "HSM outage" || c.State != evident.ClockMissed {
			t.Errorf("missed clock %+v, want the HSM outage's, missed", c)
		}
	}
	var missed int
	for _, tk := range tasksJSON(t, env).Tasks {
		if tk.Kind == readiness.TaskIncident && tk.State == string(evident.ClockMissed) && strings.HasSuffix(tk.Title, "HSM outage") {
			missed++
		}
	}
	if missed != len(r.MissedClocks) {
		t.Errorf("tasks list %d missed incident clocks, status %d", missed, len(r.MissedClocks))
	}
}
