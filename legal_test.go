package evident_test

import (
	"testing"
	"time"

	"github.com/evidenthq/evident"
)

// TestLegalDeadlines checks each legal deadline against the figure and
// article of the provision it comes from.
func TestLegalDeadlines(t *testing.T) {
	d := func(y int, m time.Month, day, h int) time.Time { return time.Date(y, m, day, h, 0, 0, 0, time.UTC) }
	cases := []struct {
		name  string
		got   evident.LegalDeadline
		due   time.Time
		basis string
	}{
		{"revocation published within 24 h of the request", evident.RevocationDeadline(d(2026, 3, 2, 10)), d(2026, 3, 3, 10), "eIDAS Art. 24(3)"},
		{"change notified at least 1 month before", evident.ChangeNoticeDeadline(d(2026, 5, 31, 0)), d(2026, 4, 30, 0), "eIDAS Art. 24(2)(a)"},
		{"cessation notified at least 3 months before", evident.CessationNoticeDeadline(d(2026, 12, 31, 0)), d(2026, 9, 30, 0), "eIDAS Art. 24(2)(a)"},
		{"NIS2 final report 1 month after the notification", evident.NIS2FinalReportDeadline(d(2026, 1, 31, 12)), d(2026, 2, 28, 12), "NIS2 Art. 23(4)(d)"},
	}
	for _, c := range cases {
		if !c.got.Due.Equal(c.due) || c.got.Basis[0] != c.basis {
			t.Errorf("%s: due %s under %v; want %s under %s", c.name, c.got.Due, c.got.Basis, c.due, c.basis)
		}
	}
	if !evident.ChangeNoticeDeadline(d(2026, 5, 31, 0)).Before {
		t.Errorf("a change notice is due before the change")
	}
}

func TestAssessmentCycleDeadlines(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	// Report received on Friday 2026-06-05: three working days end on
	// Wednesday 2026-06-10 at 24:00; with Monday a holiday, on Thursday.
	c := evident.AssessmentCycle{LastFullAssessment: d(2026, 5, 20), ReportReceived: d(2026, 6, 5).Add(15 * time.Hour),
		LastSurveillance: d(2027, 5, 10), PlannedAudit: d(2028, 4, 15)}
	want := map[evident.LegalDeadlineName]struct {
		due   time.Time
		basis string
	}{
		evident.DeadlineFullAssessment:     {d(2028, 5, 20), "eIDAS Art. 20(1)"},
		evident.DeadlineReportToSupervisor: {d(2026, 6, 11), "eIDAS Art. 20(1)"},
		evident.DeadlineAuditNotice:        {d(2028, 3, 15), "eIDAS Art. 20(1a)"},
		evident.DeadlineSurveillance:       {d(2028, 5, 10), "Implementing Regulation (EU) 2025/2162 Art. 6(11)"},
	}
	got := c.Deadlines()
	if len(got) != len(want) {
		t.Fatalf("%d deadlines, want %d: %+v", len(got), len(want), got)
	}
	for _, g := range got {
		w := want[g.Name]
		if !g.Due.Equal(w.due) || g.Basis[0] != w.basis {
			t.Errorf("%s: due %s under %v; want %s under %s", g.Name, g.Due, g.Basis, w.due, w.basis)
		}
	}
	c.Holiday = func(t time.Time) bool { return t.Equal(d(2026, 6, 8)) }
	for _, g := range c.Deadlines() {
		if g.Name == evident.DeadlineReportToSupervisor && !g.Due.Equal(d(2026, 6, 12)) {
			t.Errorf("report due %s with Monday a holiday; want the end of Thursday 2026-06-11", g.Due)
		}
	}
	if got := (evident.AssessmentCycle{}).Deadlines(); len(got) != 0 {
		t.Errorf("nothing known: %d deadlines, want none", len(got))
	}
	if ok, why := evident.PositiveCertificationAllowed(1); ok || why == "" {
		t.Errorf("positive certification allowed with an open nonconformity")
	}
	if ok, _ := evident.PositiveCertificationAllowed(0); !ok {
		t.Errorf("positive certification refused with no open nonconformity")
	}
}

func TestLegalAddCountsMonthsAsEULawDoes(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 9, 30, 0, 0, time.UTC) }
	for _, c := range []struct {
		from time.Time
		span evident.Span
		want time.Time
	}{
		{d(2026, 1, 31), evident.Span{Amount: 1, Unit: evident.UnitMonth}, d(2026, 2, 28)},
		{d(2028, 1, 31), evident.Span{Amount: 1, Unit: evident.UnitMonth}, d(2028, 2, 29)},
		{d(2026, 3, 31), evident.Span{Amount: -1, Unit: evident.UnitMonth}, d(2026, 2, 28)},
		{d(2028, 2, 29), evident.Span{Amount: 1, Unit: evident.UnitYear}, d(2029, 2, 28)},
		{d(2026, 8, 31), evident.Span{Amount: 24, Unit: evident.UnitMonth}, d(2028, 8, 31)},
		{d(2026, 3, 2), evident.Span{Amount: 24, Unit: evident.UnitHour}, d(2026, 3, 3)},
	} {
		if got := evident.LegalAdd(c.from, c.span); !got.Equal(c.want) {
			t.Errorf("%s + %+v = %s, want %s", c.from, c.span, got, c.want)
		}
	}
}

// TestArticle14ThresholdsAgreeWithTheCatalog checks that the thresholds
// the incident classifier reads from REQ-7.9.3-07 are those of Article 14
// of Implementing Regulation (EU) 2024/2690 for trust service providers:
// (a) completely unavailable for more than 20 minutes; (b) unavailable for
// more than one hour per calendar week; (c) limited availability for more
// than 1 % or 200 000 users or relying parties, whichever is smaller; (d)
// restricted physical area compromised; (e) integrity, confidentiality or
// authenticity compromised for more than 0,1 % or 100, whichever is
// smaller.
func TestArticle14ThresholdsAgreeWithTheCatalog(t *testing.T) {
	th := rules(t).Thresholds
	got := [][2]float64{{th.FullOutageMinutes, 20}, {th.WeeklyUnavailableMin, 60}, {th.UsersPercent, 1}, {th.UsersCount, 200000},
		{th.CompromisedPercent, 0.1}, {th.CompromisedCount, 100}}
	for i, g := range got {
		if g[0] != g[1] {
			t.Errorf("Art. 14 threshold %d: the catalog says %v, the act %v", i, g[0], g[1])
		}
	}
	// (d) has no figure: any compromise of a restricted area is significant.
	if rs := th.Assess(evident.Impact{RestrictedArea: true}, "REQ-7.9.3-07"); !hasCriterion(rs, evident.CritRestrictedArea) {
		t.Errorf("a compromised restricted area is not significant: %v", rs)
	}
}

func hasCriterion(rs []evident.Reason, c string) bool {
	for _, r := range rs {
		if r.Criterion == c {
			return true
		}
	}
	return false
}
