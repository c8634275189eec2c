package demo

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/examples/qtsp"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// end is the demo's present in the test.
var end = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// shared is the one demo year the tests read: generating it is the slow
// part (it imports a year of collectors' runs, one per host), and no test
// writes to it.
var shared struct {
	once  sync.Once
	dir   string
	st    *sqlstore.Store
	l     *ledger.Ledger
	users []User
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.st != nil {
		shared.st.Close()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// generate returns the store and ledger of the demo year, generated once
// into a fresh SQLite store and read with the clock at end.
func generate(t *testing.T) (*sqlstore.Store, *ledger.Ledger, []User) {
	t.Helper()
	shared.once.Do(func() { shared.err = build() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.st, shared.l, shared.users
}

func build() error {
	ctx := context.Background()
	clock := &Clock{T: end.AddDate(-1, 0, 0)}
	dir, err := TempDir()
	if err != nil {
		return err
	}
	shared.dir = dir
	st, err := sqlstore.Open(ctx, filepath.Join(dir, "evident.db"), sqlstore.Options{Now: clock.Now})
	if err != nil {
		return err
	}
	shared.st = st
	cat, err := catalog.Load()
	if err != nil {
		return err
	}
	reqs, _ := cat.Requirements("3.2.1")
	if _, err := st.SyncCatalog(ctx, reqs); err != nil {
		return err
	}
	if err := st.CreateProgram(ctx, evident.Program{Name: "Example Trust Services", Standard: evident.EN319401, Version: "3.2.1", Overlays: []string{"eidas-ia-2025"}, CreatedBy: "demo"}); err != nil {
		return err
	}
	skey, vkey, _ := note.GenerateKey(rand.Reader, "evident.ledger/demo")
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	blobs, err := blob.NewDisk(filepath.Join(dir, "blobs"))
	if err != nil {
		return err
	}
	shared.l = ledger.Open(st, blobs, signer, verifier)
	shared.users, err = Generate(ctx, Options{Store: st, Ledger: shared.l, Catalog: cat, Clock: clock, Program: qtsp.Files, End: end, Seed: 7})
	return err
}

func TestDemoYearVerifiesAndShowsWorkToDo(t *testing.T) {
	st, l, users := generate(t)
	ctx := context.Background()
	if len(users) != len(evident.UserRoles) {
		t.Errorf("%d demo logins, want one per role (%d)", len(users), len(evident.UserRoles))
	}
	rep, err := l.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("the demo store does not verify: %v %v", err, rep.Problems)
	}
	cat, _ := catalog.Load()
	reqs, _ := cat.Requirements("3.2.1", "eidas-ia-2025")
	in, err := readiness.Load(ctx, st, reqs, end, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	status := readiness.Status(in, time.Time{}, time.Time{})
	fresh := map[string]evident.Currency{}
	for _, c := range status.Controls {
		fresh[c.ID] = c.Freshness.State
	}
	if fresh["clock-sync-daily"] == evident.CurrencyNone {
		t.Errorf("the daily time-sync control has no evidence after a year")
	}
	for _, id := range dueNow {
		ci := in.Controls[id]
		ps := ci.Schedule.Evaluate(ci.History, end, end.Add(time.Nanosecond), end)
		if len(ps) != 1 || ps[0].State != evident.PeriodDue {
			t.Errorf("control %s: open window %+v, want one window, due", id, ps)
		}
	}
	clocks, err := st.IncidentClocks(ctx, end)
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, ic := range clocks {
		for _, c := range ic.Clocks {
			if c.State == evident.ClockRunning {
				running++
			}
		}
	}
	if running == 0 {
		t.Errorf("no incident clock is running at the end of the demo year")
	}
	// The four incidents of the story, and the vulnerabilities the
	// importers opened for critical findings of failing scans.
	all, _ := st.Incidents(ctx, sqlstore.IncidentFilter{})
	story := 0
	for _, inc := range all {
		if !strings.HasPrefix(inc.Reporter, "importer:") {
			story++
		}
	}
	if story != 4 {
		t.Errorf("%d incidents in the register besides the importers' vulnerabilities, want 4", story)
	}
	changes, _ := st.Changes(ctx)
	if len(changes) != 3 {
		t.Errorf("%d changes recorded, want 3", len(changes))
	}
}

// The demo's checks of import controls are imported tool output: the
// Lynis reports have warnings, so the malware control's open day is
// failing, and no raw file counts for any import control.
func TestDemoImportControlsShowTheirVerdicts(t *testing.T) {
	st, _, _ := generate(t)
	ctx := context.Background()
	cat, _ := catalog.Load()
	reqs, _ := cat.Requirements("3.2.1", "eidas-ia-2025")
	in, err := readiness.Load(ctx, st, reqs, end, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ci := in.Controls["malware-protection-daily"]
	failing := 0
	for _, p := range ci.Schedule.Evaluate(ci.History, end.AddDate(0, 0, -7), end.Add(time.Nanosecond), end) {
		if len(p.Evidence) == 0 {
			continue // a skipped day, or today's check not run yet
		}
		failing++
		if p.State != evident.PeriodFailing || p.Have != 0 || p.Want != 4 {
			t.Errorf("malware-protection-daily %s: %s %s, want failing 0 of 4 systems", p.Start.Format("2006-01-02"), p.State, p.Count())
		}
	}
	if failing == 0 {
		t.Errorf("malware-protection-daily has no checked day in the last week")
	}
	if f := ci.Schedule.Freshness(ci.History, end); f.State != evident.CurrencyFailing {
		t.Errorf("malware-protection-daily evidence is %s, want failing", f.State)
	}
	// Read the whole year, so the windows of the last quarter are read in
	// full, whatever their length.
	from := end.AddDate(0, -3, 0)
	quarter, err := readiness.Load(ctx, st, reqs, end, end.AddDate(-1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range in.Model.Controls {
		if c.Method.Kind != evident.MethodImport {
			continue
		}
		for _, o := range in.Controls[c.ID].History.Occurrences {
			if o.Verdict == "" {
				t.Errorf("%s: evidence %s carries no verdict, yet is filed under an import control", c.ID, o.ID)
			}
		}
		// The collectors' runs reach every host in scope: no window with
		// evidence leaves a host of a system unchecked or evidence unattributed.
		ci := quarter.Controls[c.ID]
		for _, p := range ci.Schedule.Evaluate(ci.History, from, end, end) {
			for _, why := range p.Reasons() {
				if len(p.Evidence) > 0 && (strings.Contains(why, "not checked") || strings.Contains(why, "names none")) {
					t.Errorf("%s %s: %s", c.ID, p.Start.Format("2006-01-02"), why)
				}
			}
		}
	}
	ci = in.Controls["clock-sync-daily"]
	if len(ci.Schedule.Hosts["issuing-ca"]) != 2 {
		t.Fatalf("clock-sync-daily judges issuing-ca by hosts %v, want its two", ci.Schedule.Hosts["issuing-ca"])
	}
	satisfied := 0
	for _, p := range ci.Schedule.Evaluate(ci.History, end.AddDate(0, 0, -7), end, end) {
		if p.State == evident.PeriodSatisfied && p.Have == 3 {
			satisfied++
		}
	}
	if satisfied == 0 {
		t.Errorf("clock-sync-daily has no day of the last week satisfied for its 3 systems")
	}
}

// The demo's assessment: one engagement with requests and two findings,
// the minor one closed with evidence and accepted by the assessor, the
// major one open, which makes its requirement failing in readiness.
func TestDemoAssessmentShowsOpenMajorNonconformity(t *testing.T) {
	st, _, _ := generate(t)
	ctx := context.Background()
	es, err := st.Engagements(ctx)
	if err != nil || len(es) != 1 {
		t.Fatalf("%d engagements %v, want 1", len(es), err)
	}
	v, err := st.EngagementView(ctx, es[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Requests) != 2 || len(v.Findings) != 2 {
		t.Fatalf("%d requests and %d findings, want 2 and 2", len(v.Requests), len(v.Findings))
	}
	closed, open := v.Findings[0], v.Findings[1]
	if a, ok := closed.Accepted(); !ok || a.Actor != "asa" || len(closed.ClosureEvidence) == 0 {
		t.Errorf("minor finding %+v: want closed with evidence and accepted by asa", closed)
	}
	if open.Kind != evident.FindingMajor || !open.OpenAt(end) {
		t.Errorf("second finding is %s, open %v: want an open major", open.Kind, open.OpenAt(end))
	}
	cat, _ := catalog.Load()
	reqs, _ := cat.Requirements("3.2.1", "eidas-ia-2025")
	in, err := readiness.Load(ctx, st, reqs, end, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range readiness.Status(in, time.Time{}, time.Time{}).Requirements {
		if q.Requirement == open.Requirements[0].String() && (q.State != evident.ReadinessFailing || len(q.Nonconformities) != 1) {
			t.Errorf("%s is %s naming %v, want failing for NC-1", q.Requirement, q.State, q.Nonconformities)
		}
	}
	if es[0].DaysLeft(end) != 21 {
		t.Errorf("days left %d, want 21", es[0].DaysLeft(end))
	}
}
