package demo

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
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

// generate runs Generate into a fresh SQLite store and returns the store
// and ledger, read with the clock at end.
func generate(t *testing.T) (*sqlstore.Store, *ledger.Ledger, []User) {
	t.Helper()
	ctx := context.Background()
	clock := &Clock{T: end.AddDate(-1, 0, 0)}
	dir, err := TempDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	st, err := sqlstore.Open(ctx, filepath.Join(dir, "evident.db"), sqlstore.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	reqs, _ := cat.Requirements("3.2.1")
	if _, err := st.SyncCatalog(ctx, reqs); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateProgram(ctx, evident.Program{Name: "Example Trust Services", Standard: evident.EN319401, Version: "3.2.1", Overlays: []string{"eidas-ia-2025"}, CreatedBy: "demo"}); err != nil {
		t.Fatal(err)
	}
	skey, vkey, _ := note.GenerateKey(rand.Reader, "evident.ledger/demo")
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	blobs, err := blob.NewDisk(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.Open(st, blobs, signer, verifier)
	users, err := Generate(ctx, Options{Store: st, Ledger: l, Catalog: cat, Clock: clock, Program: qtsp.Files, End: end, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return st, l, users
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
	for _, c := range in.Model.Controls {
		if c.Method.Kind != evident.MethodImport {
			continue
		}
		for _, o := range in.Controls[c.ID].History.Occurrences {
			if o.Verdict == "" {
				t.Errorf("%s: evidence %s carries no verdict, yet is filed under an import control", c.ID, o.ID)
			}
		}
	}
}
