package pack

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
)

// wholeJudgement is what a pack's coverage, gaps and readiness are when
// judged from every control's history at once: readiness.Load over the
// period and the year before it, Evaluate per in-scope control, Status
// over the period up to the instant and Gaps at it.
type wholeJudgement struct {
	coverage []Coverage
	gaps     []readiness.Gap
	scored   bool
	score    evident.Tally
	ready    map[string]evident.Readiness
}

func judgeWhole(t *testing.T, f *fixture, opt Options) wholeJudgement {
	t.Helper()
	ctx := context.Background()
	st := f.src.Ledger.Store()
	m, err := st.Model(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cat := f.src.Catalog
	reqs, err := cat.Requirements(m.Program.Version, cat.ProgramOverlays(m.Program, m.Services)...)
	if err != nil {
		t.Fatal(err)
	}
	in, err := readiness.Load(ctx, st, reqs, opt.Now, opt.From.AddDate(-1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := readiness.PerService(&in, cat); err != nil {
		t.Fatal(err)
	}
	e := &exporter{src: f.src, opt: opt, model: m}
	if err := e.setScope(); err != nil {
		t.Fatal(err)
	}
	w := wholeJudgement{coverage: []Coverage{}, gaps: readiness.Gaps(in), ready: map[string]evident.Readiness{}}
	for i := range m.Controls {
		c := &m.Controls[i]
		if !e.controlInScope(c) {
			continue
		}
		ci := in.Controls[c.ID]
		ps := ci.Schedule.Evaluate(ci.History, opt.From, opt.To, opt.Now)
		cov := evident.Cover(ps, opt.From, opt.To)
		cv := Coverage{Control: c.ID, Cadence: ci.Schedule.Cadence.String(), Needs: max(ci.Schedule.Needs, 1),
			Expected: cov.Expected, Found: cov.Found, Windows: []Window{}, Reviewed: c.NeedsReview(),
			Schedule: factsOf(ci.Schedule, ci.History, c.AcceptancesNeeded())}
		for _, p := range ps {
			cv.Windows = append(cv.Windows, windowOf(p))
		}
		w.coverage = append(w.coverage, cv)
	}
	if from, to, err := readiness.Range(in.At, opt.From, opt.To, time.Time{}, time.Time{}); err == nil {
		rep := readiness.Status(in, from, to)
		w.scored, w.score = true, rep.Score
		for _, q := range rep.Requirements {
			w.ready[q.Requirement] = q.State
		}
	}
	return w
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExportJudgesAsTheWholeHistory: export reads readiness a few
// controls at a time (readiness.StatusEach); its packs carry the windows,
// gaps and readiness judged from every control's history at once. The
// fixture's year has a daily import control with missed days, a failing
// verdict and records received days after their window (weekly batches),
// a monthly reviewed control and a quarterly scan with a missed quarter;
// the periods are the year, a part of it starting inside windows (one
// service), one running past the instant (scored up to it) and one not
// begun (not scored).
func TestExportJudgesAsTheWholeHistory(t *testing.T) {
	f := newFixture(t, sqliteStore(t))
	now := f.clock.Now()
	states, cadences, late, scored := map[evident.PeriodState]bool{}, map[string]bool{}, false, map[bool]bool{}
	for _, tc := range []struct {
		from, to time.Time
		services []string
	}{
		{year2026, year2027, nil},
		{time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), []string{"qtsa"}},
		{time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC), nil},
		{time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), nil},
	} {
		name := evident.UTC(tc.from) + " to " + evident.UTC(tc.to)
		opt := Options{From: tc.from, To: tc.to, Services: tc.services, Actor: "alice@ops", Now: now}
		want := judgeWhole(t, f, opt)
		var ix *Index
		opt.rendered = func(_ *exporter, x *Index, _ *Registers, _ indexEvidence) { ix = x }
		var buf bytes.Buffer
		man, err := Export(context.Background(), f.src, opt, &buf)
		if err != nil {
			t.Fatalf("%s: export: %v", name, err)
		}
		man = packManifest(t, buf.Bytes(), man)
		if d := cmp.Diff(jsonOf(t, want.coverage), jsonOf(t, man.Coverage)); d != "" {
			t.Errorf("%s: the manifest's coverage differs from the whole history's (-whole +pack):\n%s", name, d)
		}
		if d := cmp.Diff(jsonOf(t, want.gaps), jsonOf(t, ix.Gaps)); d != "" {
			t.Errorf("%s: the index's gaps differ from the whole history's (-whole +pack):\n%s", name, d)
		}
		// Unscored, the index's readiness is the zero tally.
		if got, want := jsonOf(t, ix.Summary.Readiness), jsonOf(t, want.score); got != want {
			t.Errorf("%s: readiness %s, the whole history's %s", name, got, want)
		}
		for _, row := range ix.Requirements {
			if row.Readiness != want.ready[row.Ref] {
				t.Errorf("%s: requirement %s is %q, by the whole history %q", name, row.Ref, row.Readiness, want.ready[row.Ref])
			}
		}
		if r := verifyBytes(t, buf.Bytes()); !r.OK {
			t.Errorf("%s: the pack does not verify:\n%s", name, problems(r))
		}
		scored[want.scored] = true
		for _, c := range want.coverage {
			cadences[c.Cadence] = true
			for _, w := range c.Windows {
				states[w.State] = true
				late = late || len(w.Late) > 0
			}
		}
	}
	// The fixture must hold what the comparison is about, or it proves
	// nothing.
	for _, s := range []evident.PeriodState{evident.PeriodSatisfied, evident.PeriodFailing, evident.PeriodMissed, evident.PeriodUpcoming} {
		if !states[s] {
			t.Errorf("no window is %s: the comparison does not cover it", s)
		}
	}
	if len(cadences) < 3 || !late || !scored[true] || !scored[false] {
		t.Errorf("cadences %v, a late window %v, scored and unscored periods %v: the comparison covers less than it should", cadences, late, scored)
	}
}
