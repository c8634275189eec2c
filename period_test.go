package evident

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// ts reads a time or a date for tests; a typo fails the test, not the run.
func ts(t testing.TB, s string) time.Time {
	t.Helper()
	x, err := ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func mustCadence(t testing.TB, s string) Cadence {
	t.Helper()
	c, err := ParseCadence(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWindowIsCalendarAligned(t *testing.T) {
	anchor := "2025-11-13T10:00:00Z" // a Thursday, mid-month, mid-quarter
	tests := []struct {
		cadence, at, start, end string
	}{
		// Boundaries are half-open: the first instant of a window is in it.
		{"quarterly", "2026-03-31T23:59:59.999999Z", "2026-01-01", "2026-04-01"},
		{"quarterly", "2026-04-01T00:00:00Z", "2026-04-01", "2026-07-01"},
		{"quarterly", "2026-12-31T12:00:00Z", "2026-10-01", "2027-01-01"},
		{"semiannual", "2026-07-01", "2026-07-01", "2027-01-01"},
		// Leap years: February 2024 has 29 days, 2026 has 28.
		{"monthly", "2024-02-29T23:00:00Z", "2024-02-01", "2024-03-01"},
		{"monthly", "2026-02-28T23:00:00Z", "2026-02-01", "2026-03-01"},
		{"monthly", "2026-01-31T23:59:59Z", "2026-01-01", "2026-02-01"},
		{"annual", "2024-12-31T23:59:59Z", "2024-01-01", "2025-01-01"},
		// ISO weeks start on Monday; 1 January 2026 is a Thursday.
		{"weekly", "2026-01-01T08:00:00Z", "2025-12-29", "2026-01-05"},
		{"weekly", "2026-01-04T23:59:59Z", "2025-12-29", "2026-01-05"},
		{"weekly", "2026-01-05T00:00:00Z", "2026-01-05", "2026-01-12"},
		{"daily", "2024-02-29T13:00:00Z", "2024-02-29", "2024-03-01"},
		{"continuous", "2026-07-01T00:00:00Z", "2026-07-01", "2026-07-02"},
		// Intervals the calendar does not divide count from the anchor.
		{"every 10 days", "2025-11-13", "2025-11-13", "2025-11-23"},
		{"every 10 days", "2025-11-23T00:00:00Z", "2025-11-23", "2025-12-03"},
		{"every 10 days", "2025-11-12T23:00:00Z", "2025-11-03", "2025-11-13"},
		{"every 5 months", "2026-04-30", "2026-04-01", "2026-09-01"},
		{"every 2 weeks", "2025-11-24", "2025-11-24", "2025-12-08"},
		{"every 2 years", "2026-06-01", "2025-01-01", "2027-01-01"},
	}
	for _, tt := range tests {
		c := mustCadence(t, tt.cadence)
		got := c.Window(ts(t, anchor), ts(t, tt.at))
		want := Window{Start: ts(t, tt.start), End: ts(t, tt.end)}
		if !got.Start.Equal(want.Start) || !got.End.Equal(want.End) {
			t.Errorf("%s window at %s = [%s, %s), want [%s, %s)", tt.cadence, tt.at,
				UTC(got.Start), UTC(got.End), tt.start, tt.end)
		}
	}
}

func TestWindowsTileTheRange(t *testing.T) {
	c := mustCadence(t, "quarterly")
	ws := c.Windows(time.Time{}, ts(t, "2026-02-15"), ts(t, "2027-01-01"))
	var got []string
	for _, w := range ws {
		got = append(got, w.Start.Format("2006-01-02")+"/"+w.LastDay().Format("2006-01-02"))
	}
	want := []string{"2026-01-01/2026-03-31", "2026-04-01/2026-06-30", "2026-07-01/2026-09-30", "2026-10-01/2026-12-31"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("quarterly windows (-want +got):\n%s", diff)
	}
	if n := len(mustCadence(t, "continuous").Windows(time.Time{}, ts(t, "2024-01-01"), ts(t, "2025-01-01"))); n != 366 {
		t.Errorf("daily windows in leap year 2024 = %d, want 366", n)
	}
	if n := len(mustCadence(t, "weekly").Windows(time.Time{}, ts(t, "2026-01-05"), ts(t, "2027-01-04"))); n != 52 {
		t.Errorf("ISO weeks in 2026 = %d, want 52", n)
	}
}

// states lists "start:state" for each period, the shape a reader scans.
func states(ps []Period) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Start.Format("2006-01-02")+":"+string(p.State))
	}
	return out
}

func TestEvaluateQuarterlyStates(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "quarterly"), Anchor: ts(t, "2026-01-01")}
	occ := func(id, eff, rec string, failed bool) Occurrence {
		return Occurrence{ID: id, Effective: ts(t, eff), Received: ts(t, rec), Failed: failed}
	}
	h := History{Occurrences: []Occurrence{
		occ("q1", "2026-02-10T09:00:00Z", "2026-02-10T10:00:00Z", false),
		// Exactly on the boundary: counts for the second quarter only.
		occ("q2", "2026-04-01T00:00:00Z", "2026-04-01T01:00:00Z", false),
		// A later failing scan in the fourth quarter beats an earlier pass.
		occ("q4a", "2026-10-05", "2026-10-05T01:00:00Z", false),
		occ("q4b", "2026-11-20", "2026-11-20T01:00:00Z", true),
	}}
	from, to := ts(t, "2026-01-01"), ts(t, "2027-01-01")
	tests := []struct {
		at   string
		want []string
	}{
		{"2026-03-31T23:59:59Z", []string{"2026-01-01:satisfied", "2026-04-01:upcoming", "2026-07-01:upcoming", "2026-10-01:upcoming"}},
		{"2026-06-30T12:00:00Z", []string{"2026-01-01:satisfied", "2026-04-01:satisfied", "2026-07-01:upcoming", "2026-10-01:upcoming"}},
		// No Q3 evidence: due while open, overdue for 7 days, then missed.
		{"2026-09-30T23:00:00Z", []string{"2026-01-01:satisfied", "2026-04-01:satisfied", "2026-07-01:due", "2026-10-01:upcoming"}},
		{"2026-10-07T23:59:59Z", []string{"2026-01-01:satisfied", "2026-04-01:satisfied", "2026-07-01:overdue", "2026-10-01:satisfied"}},
		{"2026-10-08T00:00:00Z", []string{"2026-01-01:satisfied", "2026-04-01:satisfied", "2026-07-01:missed", "2026-10-01:satisfied"}},
		{"2026-12-31T00:00:00Z", []string{"2026-01-01:satisfied", "2026-04-01:satisfied", "2026-07-01:missed", "2026-10-01:failing"}},
	}
	for _, tt := range tests {
		got := states(s.Evaluate(h, from, to, ts(t, tt.at)))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("at %s (-want +got):\n%s", tt.at, diff)
		}
	}
	ps := s.Evaluate(h, from, to, ts(t, "2026-12-31"))
	if diff := cmp.Diff([]string{"q2"}, ps[1].Evidence); diff != "" {
		t.Errorf("Q2 evidence (-want +got):\n%s", diff)
	}
	if len(ps[0].Evidence) != 1 {
		t.Errorf("Q1 evidence = %v, want only q1 (q2 at 1 April 00:00 is not in Q1)", ps[0].Evidence)
	}
	c := Cover(ps, from, to)
	// Q3 (missed) and Q4 (failing) are adjacent: one gap of two periods.
	if c.Expected != 4 || c.Found != 2 || c.Failing != 1 || len(c.Gaps) != 1 || c.Gaps[0].String() != "2026-07-01 to 2026-12-31" || c.Gaps[0].Periods != 2 {
		t.Errorf("coverage = %+v, want 4 expected, 2 found, 1 failing, one gap 2026-07-01 to 2026-12-31", c)
	}
	c = Cover(s.Evaluate(h, from, to, ts(t, "2026-10-08")), from, to)
	if len(c.Gaps) != 1 || c.Gaps[0].String() != "2026-07-01 to 2026-09-30" || c.Open != 0 || c.Found != 3 {
		t.Errorf("coverage on 8 October = %+v, want 3 found and the gap 2026-07-01 to 2026-09-30", c)
	}
}

func TestEvaluateCountsOnlyWhatWasKnown(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "monthly"), Anchor: ts(t, "2026-01-01")}
	// Evidence for March uploaded on 3 April: late, but in the grace time.
	h := History{Occurrences: []Occurrence{{ID: "m3", Effective: ts(t, "2026-03-30"), Received: ts(t, "2026-04-03")}}}
	from, to := ts(t, "2026-03-01"), ts(t, "2026-04-01")
	if got := states(s.Evaluate(h, from, to, ts(t, "2026-04-02"))); got[0] != "2026-03-01:overdue" {
		t.Errorf("on 2 April March is %s, want overdue: the evidence had not been received", got[0])
	}
	if got := states(s.Evaluate(h, from, to, ts(t, "2026-04-03"))); got[0] != "2026-03-01:satisfied" {
		t.Errorf("on 3 April March is %s, want satisfied", got[0])
	}
}

func TestEvaluateNeedsEveryItem(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "monthly"), Anchor: ts(t, "2026-01-01"), Needs: 2}
	h := History{Occurrences: []Occurrence{{ID: "a", Effective: ts(t, "2026-01-05"), Received: ts(t, "2026-01-05")}}}
	at := ts(t, "2026-01-20")
	if got := states(s.Evaluate(h, ts(t, "2026-01-01"), ts(t, "2026-02-01"), at)); got[0] != "2026-01-01:due" {
		t.Errorf("one of two items: %s, want due", got[0])
	}
	h.Occurrences = append(h.Occurrences, Occurrence{ID: "b", Effective: ts(t, "2026-01-06"), Received: ts(t, "2026-01-06")})
	if got := states(s.Evaluate(h, ts(t, "2026-01-01"), ts(t, "2026-02-01"), at)); got[0] != "2026-01-01:satisfied" {
		t.Errorf("two of two items: %s, want satisfied", got[0])
	}
}

func TestEvaluatePeriodEvidence(t *testing.T) {
	// A report covering the third quarter counts for Q3 and not for Q4,
	// even though its period ends exactly where Q4 starts.
	s := Schedule{Cadence: mustCadence(t, "quarterly"), Anchor: ts(t, "2026-01-01")}
	h := History{Occurrences: []Occurrence{{ID: "r", Effective: ts(t, "2026-07-01"), Until: ts(t, "2026-10-01"), Received: ts(t, "2026-09-30")}}}
	got := states(s.Evaluate(h, ts(t, "2026-07-01"), ts(t, "2027-01-01"), ts(t, "2026-11-01")))
	want := []string{"2026-07-01:satisfied", "2026-10-01:due"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestEvaluateContinuousGapsMerge(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "continuous"), Anchor: ts(t, "2024-02-01")}
	var h History
	// Daily evidence through February 2024 except 27, 28 and 29 February.
	for d := ts(t, "2024-02-01"); d.Before(ts(t, "2024-03-05")); d = d.AddDate(0, 0, 1) {
		if d.Month() == 2 && d.Day() >= 27 {
			continue
		}
		h.Occurrences = append(h.Occurrences, Occurrence{ID: d.Format("0102"), Effective: d.Add(3 * time.Hour), Received: d.Add(4 * time.Hour)})
	}
	from, to := ts(t, "2024-02-01"), ts(t, "2024-03-01")
	c := Cover(s.Evaluate(h, from, to, ts(t, "2024-03-04")), from, to)
	if c.Expected != 29 || c.Found != 26 {
		t.Errorf("February 2024: expected %d found %d, want 29 expected, 26 found", c.Expected, c.Found)
	}
	if len(c.Gaps) != 1 || c.Gaps[0].String() != "2024-02-27 to 2024-02-29" || c.Gaps[0].Periods != 3 {
		t.Errorf("gaps = %+v, want one gap of 3 days 2024-02-27 to 2024-02-29", c.Gaps)
	}
}

func TestEvaluateRolling(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "annual rolling"), Anchor: ts(t, "2025-01-10")}
	h := History{Occurrences: []Occurrence{
		{ID: "p1", Effective: ts(t, "2025-03-15T10:00:00Z"), Received: ts(t, "2025-03-20")},
	}}
	ps := s.Evaluate(h, ts(t, "2025-01-01"), ts(t, "2027-01-01"), ts(t, "2026-03-15T23:00:00Z"))
	want := []string{"2025-01-10:satisfied", "2025-03-16:due", "2026-03-16:upcoming"}
	if diff := cmp.Diff(want, states(ps)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if got := ps[1].LastDay().Format("2006-01-02"); got != "2026-03-15" {
		t.Errorf("next pen test due by %s, want 2026-03-15 (a year after the last)", got)
	}
	// The day after, the rolling window has closed without evidence.
	ps = s.Evaluate(h, ts(t, "2025-01-01"), ts(t, "2027-01-01"), ts(t, "2026-03-16T00:00:00Z"))
	if got := states(ps)[1]; got != "2025-03-16:overdue" {
		t.Errorf("on 2026-03-16: %s, want overdue", got)
	}
}

func TestEvaluateSignificantChangeMakesEvidenceStale(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "quarterly"), Anchor: ts(t, "2026-01-01")}
	h := History{
		Occurrences: []Occurrence{{ID: "scan", Effective: ts(t, "2026-07-10"), Received: ts(t, "2026-07-10")}},
		Changes: []Change{
			{ID: "minor", System: "ca", Version: "4.2.1", At: ts(t, "2026-07-20"), RecordedAt: ts(t, "2026-07-20")},
			{ID: "major", System: "ca", Version: "5.0", Significant: true, At: ts(t, "2026-08-01"), RecordedAt: ts(t, "2026-08-02")},
		},
	}
	from, to := ts(t, "2026-07-01"), ts(t, "2026-10-01")
	tests := []struct{ at, want string }{
		{"2026-07-25", "2026-07-01:satisfied"},           // a minor change leaves evidence current
		{"2026-08-01T12:00:00Z", "2026-07-01:satisfied"}, // the change was not recorded yet
		{"2026-08-02", "2026-07-01:due"},
	}
	for _, tt := range tests {
		if got := states(s.Evaluate(h, from, to, ts(t, tt.at)))[0]; got != tt.want {
			t.Errorf("at %s: %s, want %s", tt.at, got, tt.want)
		}
	}
	f := s.Freshness(h, ts(t, "2026-08-03"))
	if f.State != CurrencyStale || f.StaleBy != "major" {
		t.Errorf("freshness after the change = %+v, want stale by major", f)
	}
	h.Occurrences = append(h.Occurrences, Occurrence{ID: "rescan", Effective: ts(t, "2026-08-05"), Received: ts(t, "2026-08-05")})
	if got := states(s.Evaluate(h, from, to, ts(t, "2026-08-06")))[0]; got != "2026-07-01:satisfied" {
		t.Errorf("after a rescan: %s, want satisfied", got)
	}
}

func TestEvaluatePostChange(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "post-change"), Anchor: ts(t, "2026-01-01")}
	h := History{Changes: []Change{
		{ID: "c1", System: "ca", Version: "5", Significant: true, At: ts(t, "2026-03-01"), RecordedAt: ts(t, "2026-03-01")},
		{ID: "c2", System: "ca", Version: "6", Significant: true, At: ts(t, "2026-06-01"), RecordedAt: ts(t, "2026-06-01")},
	}, Occurrences: []Occurrence{{ID: "pt", Effective: ts(t, "2026-03-20"), Received: ts(t, "2026-03-21")}}}
	ps := s.Evaluate(h, ts(t, "2026-01-01"), ts(t, "2027-01-01"), ts(t, "2026-07-05"))
	want := []string{"2026-03-01:satisfied", "2026-06-01:overdue"}
	if diff := cmp.Diff(want, states(ps)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if ps[1].Change != "c2" || !ps[1].End.Equal(ts(t, "2026-07-01")) {
		t.Errorf("second window = %+v, want change c2 due 2026-07-01", ps[1])
	}
}

func TestEvaluateExceptions(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "monthly"), Anchor: ts(t, "2026-01-01")}
	ex := Exception{ID: "ex1", Control: "c", Reason: "data-centre move", Approver: "board",
		ApprovedAt: ts(t, "2026-02-01"), From: ts(t, "2026-02-01"), Expires: ts(t, "2026-04-01"), RecordedAt: ts(t, "2026-02-01")}
	h := History{Exceptions: []Exception{ex}}
	got := states(s.Evaluate(h, ts(t, "2026-01-01"), ts(t, "2026-06-01"), ts(t, "2026-05-20")))
	want := []string{"2026-01-01:missed", "2026-02-01:excepted", "2026-03-01:excepted", "2026-04-01:missed", "2026-05-01:due"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Before the exception was recorded, February was plainly due.
	if got := states(s.Evaluate(h, ts(t, "2026-02-01"), ts(t, "2026-03-01"), ts(t, "2026-01-31T23:00:00Z"))); len(got) != 1 || got[0] != "2026-02-01:upcoming" {
		t.Errorf("before: %v", got)
	}
	c := Cover(s.Evaluate(h, ts(t, "2026-01-01"), ts(t, "2026-06-01"), ts(t, "2026-05-20")), ts(t, "2026-01-01"), ts(t, "2026-06-01"))
	if c.Expected != 3 || c.Excepted != 2 || len(c.Gaps) != 2 {
		t.Errorf("coverage = %+v, want 3 expected, 2 excepted, 2 gaps", c)
	}
}

func TestFreshUntil(t *testing.T) {
	tests := []struct {
		cadence, ttl, effective, want string
	}{
		// Fresh until the next period ends.
		{"quarterly", "", "2026-05-10", "2026-10-01"},
		{"quarterly", "", "2026-06-30T23:59:59Z", "2026-10-01"},
		{"quarterly", "", "2026-07-01", "2027-01-01"},
		{"monthly", "", "2024-01-31", "2024-03-01"},
		{"continuous", "", "2026-07-01T03:00:00Z", "2026-07-03"},
		{"annual rolling", "", "2026-03-15T10:00:00Z", "2027-03-16"},
		{"annual", "720h", "2026-03-15", "2026-04-14"},
	}
	for _, tt := range tests {
		s := Schedule{Cadence: mustCadence(t, tt.cadence), Anchor: ts(t, "2020-01-01")}
		if tt.ttl != "" {
			s.TTL, _ = time.ParseDuration(tt.ttl)
		}
		if got := s.FreshUntil(ts(t, tt.effective)); !got.Equal(ts(t, tt.want)) {
			t.Errorf("%s ttl %q: evidence of %s fresh until %s, want %s", tt.cadence, tt.ttl, tt.effective, UTC(got), tt.want)
		}
	}
	if got := (Schedule{Cadence: mustCadence(t, "post-change")}).FreshUntil(ts(t, "2026-01-01")); !got.IsZero() {
		t.Errorf("post-change evidence expires %s, want never (only a change makes it stale)", UTC(got))
	}
}

func TestFreshness(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "quarterly"), Anchor: ts(t, "2026-01-01")}
	pass := Occurrence{ID: "p", Effective: ts(t, "2026-05-10"), Received: ts(t, "2026-05-10")}
	fail := Occurrence{ID: "f", Effective: ts(t, "2026-08-10"), Received: ts(t, "2026-08-11"), Failed: true}
	h := History{Occurrences: []Occurrence{fail, pass}}
	tests := []struct {
		at   string
		want Currency
	}{
		{"2026-05-01", CurrencyNone},
		{"2026-05-10", CurrencyCurrent},
		{"2026-08-10T12:00:00Z", CurrencyCurrent}, // the failing scan was not received yet
		{"2026-08-11", CurrencyFailing},
	}
	for _, tt := range tests {
		if got := s.Freshness(h, ts(t, tt.at)).State; got != tt.want {
			t.Errorf("at %s: %s, want %s", tt.at, got, tt.want)
		}
	}
	h = History{Occurrences: []Occurrence{pass}}
	if got := s.Freshness(h, ts(t, "2026-09-30T23:59:59Z")).State; got != CurrencyCurrent {
		t.Errorf("last second of Q3: %s, want current", got)
	}
	if got := s.Freshness(h, ts(t, "2026-10-01")).State; got != CurrencyStale {
		t.Errorf("first second of Q4: %s, want stale", got)
	}
}

func TestRollingNeedsOnlyRecentHistory(t *testing.T) {
	// Walking from the anchor and starting from the latest pass before the
	// range give the same windows: the loader can skip old history.
	s := Schedule{Cadence: mustCadence(t, "every 30 days rolling"), Anchor: ts(t, "2025-01-01")}
	var h History
	for i, d := range []string{"2025-01-20", "2025-02-25", "2025-03-01", "2025-05-02", "2025-05-30"} {
		h.Occurrences = append(h.Occurrences, Occurrence{ID: string(rune('a' + i)), Effective: ts(t, d), Received: ts(t, d)})
	}
	at := ts(t, "2025-07-15")
	full := s.Evaluate(h, ts(t, "2025-01-01"), at, at)
	recent := s.Evaluate(h, ts(t, "2025-05-10"), at, at)
	if diff := cmp.Diff(states(full)[len(full)-len(recent):], states(recent)); diff != "" {
		t.Errorf("recent windows differ from the full walk (-full +recent):\n%s", diff)
	}
	want := []string{"2025-05-03:satisfied", "2025-05-31:missed", "2025-06-30:due"}
	if diff := cmp.Diff(want, states(recent)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRollingWindowStaysClosedAfterLaterChange(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "annual rolling"), Anchor: ts(t, "2025-03-15")}
	h := History{
		Occurrences: []Occurrence{{ID: "p", Effective: ts(t, "2025-03-15T10:00:00Z"), Received: ts(t, "2025-03-15T11:00:00Z")}},
		Changes:     []Change{{ID: "c", System: "ca", Version: "5", Significant: true, At: ts(t, "2025-08-01"), RecordedAt: ts(t, "2025-08-01")}},
	}
	got := states(s.Evaluate(h, ts(t, "2025-01-01"), ts(t, "2026-01-01"), ts(t, "2026-06-01")))
	want := []string{"2025-03-15:satisfied", "2025-03-16:missed"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A change on the day of the test, after it, does not undo it either;
	// one before it on the same day does.
	h.Changes[0].At, h.Changes[0].RecordedAt = ts(t, "2025-03-15T09:00:00Z"), ts(t, "2025-03-15T09:00:00Z")
	if got := states(s.Evaluate(h, ts(t, "2025-01-01"), ts(t, "2026-01-01"), ts(t, "2026-06-01"))); got[0] != "2025-03-15:satisfied" {
		t.Errorf("test after a same-day change: %v", got)
	}
}

func TestChangeAtWindowEndBelongsToTheNextWindow(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "quarterly"), Anchor: ts(t, "2025-01-01")}
	h := History{
		Occurrences: []Occurrence{{ID: "q2", Effective: ts(t, "2025-04-03"), Received: ts(t, "2025-04-03")}},
		Changes:     []Change{{ID: "c", System: "ca", Version: "2", Significant: true, At: ts(t, "2025-07-01"), RecordedAt: ts(t, "2025-07-01")}},
	}
	got := states(s.Evaluate(h, ts(t, "2025-04-01"), ts(t, "2025-10-01"), ts(t, "2025-08-01")))
	want := []string{"2025-04-01:satisfied", "2025-07-01:due"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("a change at 00:00 on 1 July must leave Q2 alone (-want +got):\n%s", diff)
	}
	if f := s.Freshness(h, ts(t, "2025-07-01")); f.State != CurrencyStale || f.StaleBy != "c" {
		t.Errorf("freshness at the instant of the change: %+v, want stale by c", f)
	}
}

// TestMalformedCadenceStillHasWindows guards against a hand-edited row
// (no unit, Every 0) hanging every readiness computation.
func TestMalformedCadenceStillHasWindows(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 10)
	for _, c := range []Cadence{
		{Kind: CadencePeriodic},
		{Kind: CadencePeriodic, Every: 0, Unit: "fortnight"},
	} {
		ws := c.Windows(from, from, to)
		if len(ws) != 10 {
			t.Errorf("%+v: %d windows over 10 days, want 10 daily windows", c, len(ws))
		}
	}
}

func TestImportControlCountsOnlyVerdicts(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "quarterly"), Anchor: ts(t, "2026-01-01"), Method: MethodImport}
	from, to, at := ts(t, "2026-07-01"), ts(t, "2026-10-01"), ts(t, "2026-08-01")
	// A raw scan report with unexpected open ports: nothing judged it.
	h := History{Occurrences: []Occurrence{{ID: "raw", Effective: ts(t, "2026-07-10"), Received: ts(t, "2026-07-10"), LedgerIndex: 4}}}
	p := s.Evaluate(h, from, to, at)[0]
	if p.State != PeriodDue || len(p.Evidence) != 0 || len(p.Unjudged) != 1 {
		t.Errorf("raw file alone: %s, evidence %v, unjudged %v; want due, none counted, raw unjudged", p.State, p.Evidence, p.Unjudged)
	}
	if f := s.Freshness(h, at); f.State != CurrencyNone {
		t.Errorf("freshness on a raw file alone = %s, want none", f.State)
	}
	h.Occurrences = append(h.Occurrences, Occurrence{ID: "verdict", Effective: ts(t, "2026-07-10"), Received: ts(t, "2026-07-10"), Verdict: VerdictFail, Failed: true, LedgerIndex: 5})
	if p := s.Evaluate(h, from, to, at)[0]; p.State != PeriodFailing {
		t.Errorf("with its failing verdict: %s, want failing", p.State)
	}
	// The same history judged by attestation counts the file as passing.
	s.Method = MethodAttestation
	h.Occurrences = h.Occurrences[:1]
	if p := s.Evaluate(h, from, to, at)[0]; p.State != PeriodSatisfied {
		t.Errorf("attestation: %s, want satisfied", p.State)
	}
}

func TestLatestVerdictByLedgerOrderOnTies(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "daily"), Anchor: ts(t, "2026-01-01"), Method: MethodImport}
	eff := ts(t, "2026-03-03T08:00:00Z")
	// Same effective instant, same receipt; the ids sort the other way
	// round from the ledger, so only the ledger order can decide.
	pass := Occurrence{ID: "zzz", Effective: eff, Received: eff, Verdict: VerdictPass, LedgerIndex: 10}
	fail := Occurrence{ID: "aaa", Effective: eff, Received: eff, Verdict: VerdictFail, Failed: true, LedgerIndex: 11}
	at := ts(t, "2026-03-03T12:00:00Z")
	for _, order := range [][]Occurrence{{pass, fail}, {fail, pass}} {
		h := History{Occurrences: order}
		if p := s.Evaluate(h, day(eff), day(eff).AddDate(0, 0, 1), at)[0]; p.State != PeriodFailing {
			t.Errorf("failing verdict recorded after the pass: %s, want failing", p.State)
		}
		if f := s.Freshness(h, at); f.State != CurrencyFailing || f.Latest != "aaa" {
			t.Errorf("freshness = %+v, want failing on aaa", f)
		}
	}
}

func TestCompletenessPerSystem(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "monthly"), Anchor: ts(t, "2026-01-01"), Method: MethodImport, Systems: []string{"a", "b", "c"}}
	from, to, at := ts(t, "2026-05-01"), ts(t, "2026-06-01"), ts(t, "2026-05-20")
	v := func(id, eff string, verdict Verdict, idx int64, systems ...string) Occurrence {
		return Occurrence{ID: id, Effective: ts(t, eff), Received: ts(t, eff), Verdict: verdict, Failed: verdict == VerdictFail, Systems: systems, LedgerIndex: idx}
	}
	h := History{Occurrences: []Occurrence{
		v("pa", "2026-05-02", VerdictPass, 1, "a"),
		v("pb", "2026-05-03", VerdictPass, 2, "b", "x"), // x is not in scope
		v("none", "2026-05-04", VerdictPass, 3),         // names no system
	}}
	p := s.Evaluate(h, from, to, at)[0]
	if p.State != PeriodDue || p.Have != 2 || p.Want != 3 {
		t.Errorf("a and b passed: %s %d of %d, want due 2 of 3", p.State, p.Have, p.Want)
	}
	if diff := cmp.Diff([]string{"none"}, p.Unattributed); diff != "" {
		t.Errorf("unattributed (-want +got):\n%s", diff)
	}
	if got := p.Systems[2]; got.System != "c" || got.State != PeriodDue || got.Passed != 0 {
		t.Errorf("system c = %+v, want due with nothing passed", got)
	}
	h.Occurrences = append(h.Occurrences, v("pc", "2026-05-05", VerdictPass, 4, "c"))
	if p := s.Evaluate(h, from, to, at)[0]; p.State != PeriodSatisfied || p.Have != 3 {
		t.Errorf("every system passed: %s %d of 3, want satisfied", p.State, p.Have)
	}
	if f := s.Freshness(h, at); f.State != CurrencyCurrent {
		t.Errorf("freshness = %+v, want current", f)
	}
	// One host's later failure is not hidden by the others' passes, nor by
	// its own earlier pass.
	h.Occurrences = append(h.Occurrences, v("fa", "2026-05-10", VerdictFail, 5, "a"))
	p = s.Evaluate(h, from, to, at)[0]
	if p.State != PeriodFailing || p.Have != 2 || p.Systems[0].State != PeriodFailing || p.Systems[0].Standing != "fa" {
		t.Errorf("a failed later: %s %d of 3, system a %+v; want failing, 2 of 3, a failing on fa", p.State, p.Have, p.Systems[0])
	}
	if f := s.Freshness(h, at); f.State != CurrencyFailing || f.Latest != "fa" {
		t.Errorf("freshness = %+v, want failing on fa", f)
	}
	h.Occurrences = append(h.Occurrences, v("ra", "2026-05-12", VerdictPass, 6, "a"))
	if p := s.Evaluate(h, from, to, at)[0]; p.State != PeriodSatisfied {
		t.Errorf("a rescanned and passed: %s, want satisfied", p.State)
	}
	// A system without any evidence keeps the control from being current.
	s.Systems = append(s.Systems, "d")
	if f := s.Freshness(h, at); f.State != CurrencyStale || !slices.Contains(f.Missing, "d") {
		t.Errorf("freshness with d never scanned = %+v, want stale, d missing", f)
	}
	if p := s.Evaluate(h, from, to, ts(t, "2026-06-08")); p[0].State != PeriodMissed || p[0].Have != 3 || p[0].Want != 4 {
		t.Errorf("after the grace time: %s %d of %d, want missed 3 of 4", p[0].State, p[0].Have, p[0].Want)
	}
}

func TestItemsFoundOfItemsNeeded(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "monthly"), Anchor: ts(t, "2026-01-01"), Needs: 3}
	h := History{Occurrences: []Occurrence{{ID: "a", Effective: ts(t, "2026-01-05"), Received: ts(t, "2026-02-03")}}}
	p := s.Evaluate(h, ts(t, "2026-01-01"), ts(t, "2026-02-01"), ts(t, "2026-02-04"))[0]
	if p.Have != 1 || p.Want != 3 || p.State != PeriodOverdue {
		t.Errorf("one of three items: %s %d of %d, want overdue 1 of 3", p.State, p.Have, p.Want)
	}
	if diff := cmp.Diff([]string{"a"}, p.Late); diff != "" {
		t.Errorf("late (-want +got):\n%s", diff)
	}
}

func TestPassOnOneSystemDoesNotAnswerAnothersFailure(t *testing.T) {
	s := Schedule{Method: MethodImport, Systems: []string{"a", "b"}}
	failA := Occurrence{ID: "fa", Verdict: VerdictFail, Failed: true, Systems: []string{"a"}}
	passB := Occurrence{ID: "pb", Verdict: VerdictPass, Systems: []string{"b"}}
	rawA := Occurrence{ID: "ra", Systems: []string{"a"}}
	passA := Occurrence{ID: "pa", Verdict: VerdictPass, Systems: []string{"a"}}
	if s.Answers(failA, []Occurrence{passB, rawA}) {
		t.Errorf("a pass on b and a raw file on a answered a's failure")
	}
	if !s.Answers(failA, []Occurrence{passB, passA}) {
		t.Errorf("a later pass on a did not answer a's failure")
	}
}

func TestChangeToOneSystemLeavesAnothersEvidenceCurrent(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "quarterly"), Anchor: ts(t, "2026-01-01"), Systems: []string{"ca", "ocsp"}}
	h := History{
		Occurrences: []Occurrence{
			{ID: "ca-scan", Effective: ts(t, "2026-07-10"), Received: ts(t, "2026-07-10"), Systems: []string{"ca"}},
			{ID: "ocsp-scan", Effective: ts(t, "2026-07-11"), Received: ts(t, "2026-07-11"), Systems: []string{"ocsp"}},
		},
		Changes: []Change{{ID: "ca5", System: "ca", Version: "5.0", Significant: true, At: ts(t, "2026-08-01"), RecordedAt: ts(t, "2026-08-01")}},
	}
	p := s.Evaluate(h, ts(t, "2026-07-01"), ts(t, "2026-10-01"), ts(t, "2026-08-02"))[0]
	if p.State != PeriodDue || p.Have != 1 || p.Systems[0].State != PeriodDue || p.Systems[1].State != PeriodSatisfied {
		t.Errorf("after a significant change to ca: %s %s, systems %+v; want due, ca due again, ocsp still satisfied", p.State, p.Count(), p.Systems)
	}
	f := s.Freshness(h, ts(t, "2026-08-02"))
	if f.State != CurrencyStale || f.StaleBy != "ca5" || !slices.Equal(f.Missing, []string{"ca"}) {
		t.Errorf("freshness = %+v, want stale by ca5 with ca missing", f)
	}
}

// Single-host tools run once per host: the passing runs of a window add up
// per system, and the latest verdict on each host stands.
func TestHostsAddUpWithinAWindow(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "monthly"), Anchor: ts(t, "2026-01-01"), Method: MethodImport,
		Systems: []string{"issuing-ca", "bastion"},
		Hosts:   map[string][]string{"issuing-ca": {"10.20.1.10", "10.20.1.11"}}}
	from, to, at := ts(t, "2026-05-01"), ts(t, "2026-06-01"), ts(t, "2026-05-20")
	run := func(id, eff string, verdict Verdict, idx int64, host string) Occurrence {
		return Occurrence{ID: id, Effective: ts(t, eff), Received: ts(t, eff), Verdict: verdict, Failed: verdict == VerdictFail,
			Systems: []string{"issuing-ca"}, Hosts: map[string][]string{"issuing-ca": {host}}, LedgerIndex: idx}
	}
	bastion := Occurrence{ID: "b", Effective: ts(t, "2026-05-02"), Received: ts(t, "2026-05-02"), Verdict: VerdictPass,
		Systems: []string{"bastion"}, LedgerIndex: 1}
	h := History{Occurrences: []Occurrence{bastion, run("a1", "2026-05-03", VerdictPass, 2, "10.20.1.10")}}

	p := s.Evaluate(h, from, to, at)[0]
	ca := p.Systems[0]
	if p.State != PeriodDue || p.Have != 1 || ca.State != PeriodDue || !slices.Equal(ca.Missing, []string{"10.20.1.11"}) {
		t.Errorf("one host of two checked: %s %s, issuing-ca %+v; want due 1 of 2, 10.20.1.11 missing", p.State, p.Count(), ca)
	}
	if !slices.Contains(p.Reasons(), "issuing-ca: 10.20.1.11 not checked in this window") {
		t.Errorf("reasons %q do not name the host not checked", p.Reasons())
	}
	if f := s.Freshness(h, at); f.State != CurrencyStale || !slices.Equal(f.Missing, []string{"issuing-ca"}) {
		t.Errorf("freshness with one host never checked = %+v, want stale, issuing-ca missing", f)
	}

	h.Occurrences = append(h.Occurrences, run("a2", "2026-05-04", VerdictPass, 3, "10.20.1.11"))
	p = s.Evaluate(h, from, to, at)[0]
	if p.State != PeriodSatisfied || p.Have != 2 || len(p.Systems[0].Missing) != 0 || len(p.Reasons()) != 0 {
		t.Errorf("a pass on each host: %s %s, issuing-ca %+v, reasons %q; want satisfied 2 of 2", p.State, p.Count(), p.Systems[0], p.Reasons())
	}
	if f := s.Freshness(h, at); f.State != CurrencyCurrent {
		t.Errorf("freshness = %+v, want current", f)
	}

	// A run on one host failing after the passes fails the system, and a
	// later pass on the other host does not hide it.
	h.Occurrences = append(h.Occurrences, run("f2", "2026-05-10", VerdictFail, 4, "10.20.1.11"), run("a1b", "2026-05-11", VerdictPass, 5, "10.20.1.10"))
	p = s.Evaluate(h, from, to, at)[0]
	if ca := p.Systems[0]; p.State != PeriodFailing || ca.State != PeriodFailing || ca.Standing != "f2" || ca.Host != "10.20.1.11" {
		t.Errorf("10.20.1.11 failed later: %s, issuing-ca %+v; want failing on f2 at 10.20.1.11", p.State, ca)
	}
	if !slices.Contains(p.Reasons(), "issuing-ca: the latest verdict on 10.20.1.11 (f2) failed") {
		t.Errorf("reasons %q do not name the failing host", p.Reasons())
	}
	if f := s.Freshness(h, at); f.State != CurrencyFailing || f.Latest != "f2" {
		t.Errorf("freshness = %+v, want failing on f2", f)
	}
	if s.Answers(h.Occurrences[3], h.Occurrences[4:]) {
		t.Errorf("a pass on 10.20.1.10 answers the failure on 10.20.1.11")
	}

	// A record that says nothing about hosts speaks for the whole system.
	whole := Occurrence{ID: "w", Effective: ts(t, "2026-05-12"), Received: ts(t, "2026-05-12"), Verdict: VerdictPass,
		Systems: []string{"issuing-ca"}, LedgerIndex: 6}
	h.Occurrences = append(h.Occurrences, whole)
	if p := s.Evaluate(h, from, to, at)[0]; p.State != PeriodSatisfied {
		t.Errorf("a later run over every host: %s, want satisfied", p.State)
	}
	// A run that checked none of the system's hosts counts for none of it.
	stray := run("x", "2026-05-13", VerdictFail, 7, "10.99.0.1")
	if p := s.Evaluate(History{Occurrences: []Occurrence{stray}}, from, to, at)[0]; !slices.Equal(p.Unattributed, []string{"x"}) || p.State != PeriodDue {
		t.Errorf("a run on no host of the scope: %s, unattributed %v; want due, x unattributed", p.State, p.Unattributed)
	}
}

// The rolling window closes on the day the last host is checked.
func TestRollingWindowClosesWhenEveryHostIsChecked(t *testing.T) {
	s := Schedule{Cadence: mustCadence(t, "annual rolling"), Anchor: ts(t, "2026-01-01"), Method: MethodImport,
		Systems: []string{"ca"}, Hosts: map[string][]string{"ca": {"h1", "h2"}}}
	run := func(id, eff, host string) Occurrence {
		return Occurrence{ID: id, Effective: ts(t, eff), Received: ts(t, eff), Verdict: VerdictPass,
			Systems: []string{"ca"}, Hosts: map[string][]string{"ca": {host}}}
	}
	h := History{Occurrences: []Occurrence{run("1", "2026-03-10", "h1"), run("2", "2026-04-20", "h2")}}
	ps := s.Evaluate(h, ts(t, "2026-01-01"), ts(t, "2026-06-01"), ts(t, "2026-06-01"))
	if len(ps) != 2 || !ps[0].End.Equal(ts(t, "2026-04-21")) || ps[0].State != PeriodSatisfied {
		t.Errorf("windows %+v, want the first satisfied and closing at the end of 20 April", ps)
	}
}

// TestLastDayOfAWindowEndingInTheDay pins the date status prints for a
// window that does not end at midnight: a post-change window counted from
// a change at 20:46 ends that day, not the day before.
func TestLastDayOfAWindowEndingInTheDay(t *testing.T) {
	for _, c := range []struct{ end, want string }{
		{"2027-01-03T20:46:00Z", "2027-01-03"},
		{"2027-01-03T00:00:00Z", "2027-01-02"},
		{"2027-01-03T00:00:01Z", "2027-01-03"},
	} {
		w := Window{Start: ts(t, "2026-12-04T20:46:00Z"), End: ts(t, c.end)}
		if got := w.LastDay().Format("2006-01-02"); got != c.want {
			t.Errorf("window ending %s: last day %s, want %s", c.end, got, c.want)
		}
	}
}
