package readiness

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
)

// twoServices is cleanModel with a qualified time-stamp service on system
// "tsa-host" and a non-qualified time-stamp service on system "ts-host".
func twoServices() *evident.Model {
	m := cleanModel()
	m.Services = []evident.Service{
		{ID: "qtsa", Name: "Qualified time-stamps", Type: evident.ServiceTimeStamps, Qualification: evident.Qualified},
		{ID: "ts", Name: "Time-stamps", Type: evident.ServiceTimeStamps, Qualification: evident.NonQualified},
	}
	m.Systems = append(m.Systems,
		evident.System{ID: "tsa-host", Name: "TSA", Kind: evident.SystemTrustworthy, Zone: "dmz", Services: []string{"qtsa"}},
		evident.System{ID: "ts-host", Name: "TS", Kind: evident.SystemTrustworthy, Zone: "dmz", Services: []string{"ts"}})
	return m
}

func legalOnly(ts []Task) []Task {
	return slices.DeleteFunc(ts, func(t Task) bool { return t.Kind != TaskLegal })
}

// TestLegalClocksAreTasks lists the notices to the supervisory body and
// the assessment cycle as dated tasks naming their law: a significant
// change to the qualified service nobody notified is overdue since one
// month before it; the same change to the non-qualified service owes no
// notice; a cessation planned in four months is due one month from now
// and overdue a day after; the surveillance assessment is due a year
// after the last one and overdue after, the full assessment 24 months
// after the initial one.
func TestLegalClocksAreTasks(t *testing.T) {
	m := twoServices()
	changeAt := gapNow.Add(-48 * time.Hour)
	m.Services[0].Cessation = time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	in := inputAt(m, nil, gapNow)
	in.Changes = []evident.Change{
		{ID: "c1", System: "tsa-host", Version: "2", Significant: true, Summary: "new TSU keys", At: changeAt},
		{ID: "c2", System: "ts-host", Version: "2", Significant: true, Summary: "new TSU keys", At: changeAt},
		{ID: "c3", Service: "qtsa", Significant: true, Summary: "new policy OID", At: changeAt, Notified: changeAt.AddDate(0, -2, 0)},
		{ID: "c4", Service: "qtsa", Significant: false, Summary: "typo in the practice statement", At: changeAt},
	}
	in.Engagements = []evident.Engagement{
		{ID: "e1", Kind: evident.EngagementInitial, From: day("2025-01-01"), To: day("2025-03-31"), Services: []string{"qtsa", "ts"}},
		{ID: "e2", Kind: evident.EngagementSurveillance, From: day("2025-04-01"), To: day("2025-06-30"), Services: []string{"qtsa"}},
	}
	type row struct {
		Title, State, Source string
		Due                  time.Time
		Basis                string
	}
	got := func(in Input) []row {
		var out []row
		for _, t := range legalOnly(Tasks(in, time.Time{})) {
			out = append(out, row{t.Title, t.State, t.Source, t.Due, strings.Join(t.Basis, "; ")})
		}
		return out
	}
	want := []row{
		{"Tell the supervisory body about the significant change to system tsa-host 2 of qualified service qtsa (eIDAS Art. 24(2)(a))", "overdue", "change/c1",
			time.Date(2026, 5, 29, 12, 0, 0, 0, time.UTC), "eIDAS Art. 24(2)(a); REQ-6.3-04"},
		{"Surveillance assessment of Qualified time-stamps (Implementing Regulation (EU) 2025/2162 Art. 6(11))", "overdue", "service/qtsa",
			day("2026-06-30"), "Implementing Regulation (EU) 2025/2162 Art. 6(11)"},
		{"Tell the supervisory body about the intended cessation of Qualified time-stamps on 2026-10-31 (eIDAS Art. 24(2)(a))", "due", "service/qtsa",
			day("2026-07-31"), "eIDAS Art. 24(2)(a); REQ-6.3-04"},
		{"Full conformity assessment of Qualified time-stamps (eIDAS Art. 20(1))", "due", "service/qtsa",
			day("2027-03-31"), "eIDAS Art. 20(1)"},
	}
	if g := got(in); !slices.Equal(g, want) {
		t.Errorf("legal tasks at %s:\n got %+v\nwant %+v", gapNow, g, want)
	}
	// A day after the cessation notice was due it is overdue; recording
	// the notice in the program closes it.
	later := in
	later.At = day("2026-08-01")
	for _, r := range got(later) {
		if r.Source == "service/qtsa" && strings.Contains(r.Title, "cessation") && r.State != "overdue" {
			t.Errorf("cessation notice on %s: %s, want overdue", later.At, r.State)
		}
	}
	m.Services[0].CessationNotified = day("2026-07-15")
	for _, r := range got(later) {
		if strings.Contains(r.Title, "cessation") {
			t.Errorf("cessation notified on 2026-07-15, yet still a task: %+v", r)
		}
	}
}

// TestActsApplyPerService runs a program with a qualified time-stamp
// service and a non-qualified one. Each gets its own overlays: 2025/1929
// and 2025/2530 for the qualified, 2025/2160 for the other. A termination
// plan reviewed every three years is a gap citing 2025/2530 Art. 3(4)
// when the control serves the qualified service, and none when it serves
// only the non-qualified one, whose acts set no such figure. Only the
// qualified service owes the legal notices.
func TestActsApplyPerService(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	m := twoServices()
	q, nq := cat.ServiceOverlays(m.Program, m.Services[0]), cat.ServiceOverlays(m.Program, m.Services[1])
	if !slices.Contains(q, "eidas-2025-1929") || !slices.Contains(q, "eidas-2025-2530") || slices.Contains(q, "eidas-2025-2160") {
		t.Errorf("qualified time-stamps' overlays %v: want 2025/1929 and 2025/2530, not 2025/2160", q)
	}
	if !slices.Contains(nq, "eidas-2025-2160") || slices.Contains(nq, "eidas-2025-1929") || slices.Contains(nq, "eidas-2025-2530") {
		t.Errorf("non-qualified time-stamps' overlays %v: want 2025/2160 only of the acts", nq)
	}
	reqs, err := cat.Requirements("3.2.1", cat.ProgramOverlays(m.Program, m.Services)...)
	if err != nil {
		t.Fatal(err)
	}
	term := evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.12-02"}
	gapFor := func(systems, services []string) (Gap, bool) {
		mm := *m
		c := m.Controls[0]
		c.ID, c.Requirements, c.Systems, c.Services = "termination-plan-review", []evident.RequirementRef{term}, systems, services
		c.Cadence = evident.Cadence{Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitYear}
		mm.Controls = append(slices.Clone(m.Controls), c)
		in := inputAt(&mm, reqs, gapNow)
		if err := PerService(&in, cat); err != nil {
			t.Fatal(err)
		}
		for _, g := range Gaps(in) {
			if g.Kind == CadenceBelowStandard && g.ID == c.ID {
				return g, true
			}
		}
		return Gap{}, false
	}
	if g, ok := gapFor([]string{"tsa-host"}, nil); !ok || !strings.Contains(g.Detail, "Implementing Regulation (EU) 2025/2530 Art. 3(4)") {
		t.Errorf("3-yearly termination plan review on the qualified TSA's system: gap %+v (found %v); want one citing 2025/2530 Art. 3(4)", g, ok)
	}
	if g, ok := gapFor(nil, []string{"ts"}); ok {
		t.Errorf("3-yearly termination plan review for the non-qualified service only: %s; 2025/2530 covers qualified services only", g)
	}
	if g, ok := gapFor(nil, nil); !ok {
		t.Errorf("a control for the whole program is held to every act of the program, yet no gap (%+v)", g)
	}
	in := inputAt(m, reqs, gapNow)
	in.Changes = []evident.Change{
		{ID: "q", Service: "qtsa", Significant: true, Summary: "s", At: gapNow},
		{ID: "n", Service: "ts", Significant: true, Summary: "s", At: gapNow},
	}
	var sources []string
	for _, t := range legalOnly(Tasks(in, time.Time{})) {
		sources = append(sources, t.Source)
	}
	if !slices.Equal(sources, []string{"change/q"}) {
		t.Errorf("change notices owed for changes to a qualified and a non-qualified service: %v; want the qualified one's only", sources)
	}
}
