package evident_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/google/go-cmp/cmp"
)

var aware = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func significant(at time.Time) evident.Classification {
	return evident.Classification{At: at, Severity: evident.SeverityHigh,
		Reasons: []evident.Reason{{Criterion: evident.CritFullOutage}}}
}

func notice(id string, sent time.Time, kind evident.NoticeKind, to ...evident.Recipient) evident.Notification {
	return evident.Notification{ID: id, To: to, Kind: kind, SentAt: sent, RecordedAt: sent}
}

func step(id string, kind evident.StepKind, at time.Time) evident.Step {
	return evident.Step{ID: id, Kind: kind, At: at, RecordedAt: at}
}

// states returns name -> state for the clocks at now.
func states(inc evident.Incident, now time.Time) map[evident.ClockName]evident.ClockState {
	out := map[evident.ClockName]evident.ClockState{}
	for _, c := range inc.Clocks(now) {
		out[c.Name] = c.State
	}
	return out
}

func TestRegulatoryClocks(t *testing.T) {
	r := rules(t)
	h := time.Hour
	base := evident.Incident{ID: "i", Kind: evident.KindIncident, AwareAt: aware, Rules: r,
		Classifications: []evident.Classification{significant(aware.Add(h))}}
	with := func(ns ...evident.Notification) evident.Incident {
		inc := base
		inc.Notifications = ns
		return inc
	}
	S, C := evident.ToSupervisoryBody, evident.ToCSIRT
	cases := []struct {
		name string
		inc  evident.Incident
		now  time.Time
		want map[evident.ClockName]evident.ClockState
	}{
		{"nothing sent, 2 h in: all running", with(), aware.Add(2 * h), map[evident.ClockName]evident.ClockState{
			evident.ClockEIDAS: evident.ClockRunning, evident.ClockEarlyWarning: evident.ClockRunning,
			evident.ClockNIS2Notification: evident.ClockRunning, evident.ClockFinalReport: evident.ClockRunning}},
		{"nothing sent, 25 h in: the 24 h clocks are missed", with(), aware.Add(25 * h), map[evident.ClockName]evident.ClockState{
			evident.ClockEIDAS: evident.ClockMissed, evident.ClockEarlyWarning: evident.ClockMissed,
			evident.ClockNIS2Notification: evident.ClockMissed, evident.ClockFinalReport: evident.ClockRunning}},
		{"all sent at 23 h, final report at 30 days", with(
			notice("n1", aware.Add(23*h), evident.NoticeNotification, S, C),
			notice("n2", aware.Add(23*h+30*24*h), evident.NoticeFinal, C)),
			aware.Add(60 * 24 * h), map[evident.ClockName]evident.ClockState{
				evident.ClockEIDAS: evident.ClockMet, evident.ClockEarlyWarning: evident.ClockMet,
				evident.ClockNIS2Notification: evident.ClockMet, evident.ClockFinalReport: evident.ClockMet}},
		{"exactly at 24 h is met", with(notice("n1", aware.Add(24*h), evident.NoticeNotification, S, C)), aware.Add(48 * h),
			map[evident.ClockName]evident.ClockState{
				evident.ClockEIDAS: evident.ClockMet, evident.ClockEarlyWarning: evident.ClockMet,
				evident.ClockNIS2Notification: evident.ClockMet, evident.ClockFinalReport: evident.ClockRunning}},
		{"early warning in time, notification late", with(
			notice("ew", aware.Add(20*h), evident.NoticeEarlyWarning, C),
			notice("sb", aware.Add(22*h), evident.NoticeEarlyWarning, S),
			notice("nn", aware.Add(30*h), evident.NoticeNotification, C)), aware.Add(40 * h),
			map[evident.ClockName]evident.ClockState{
				evident.ClockEIDAS: evident.ClockMet, evident.ClockEarlyWarning: evident.ClockMet,
				evident.ClockNIS2Notification: evident.ClockMetLate, evident.ClockFinalReport: evident.ClockRunning}},
		{"everything sent at 30 h: the 24 h clocks met late", with(
			notice("n1", aware.Add(30*h), evident.NoticeNotification, S, C)), aware.Add(40 * h),
			map[evident.ClockName]evident.ClockState{
				evident.ClockEIDAS: evident.ClockMetLate, evident.ClockEarlyWarning: evident.ClockMetLate,
				evident.ClockNIS2Notification: evident.ClockMetLate, evident.ClockFinalReport: evident.ClockRunning}},
		{"supervisory body only: NIS2 clocks still missed", with(notice("sb", aware.Add(2*h), evident.NoticeNotification, S)), aware.Add(30 * h),
			map[evident.ClockName]evident.ClockState{
				evident.ClockEIDAS: evident.ClockMet, evident.ClockEarlyWarning: evident.ClockMissed,
				evident.ClockNIS2Notification: evident.ClockMissed, evident.ClockFinalReport: evident.ClockRunning}},
		{"final report never sent", with(notice("n1", aware.Add(23*h), evident.NoticeNotification, S, C)), aware.Add(40 * 24 * h),
			map[evident.ClockName]evident.ClockState{
				evident.ClockEIDAS: evident.ClockMet, evident.ClockEarlyWarning: evident.ClockMet,
				evident.ClockNIS2Notification: evident.ClockMet, evident.ClockFinalReport: evident.ClockMissed}},
		{"a record stored after now does not count yet", with(notice("n1", aware.Add(23*h), evident.NoticeNotification, S, C)), aware.Add(10 * h),
			map[evident.ClockName]evident.ClockState{
				evident.ClockEIDAS: evident.ClockRunning, evident.ClockEarlyWarning: evident.ClockRunning,
				evident.ClockNIS2Notification: evident.ClockRunning, evident.ClockFinalReport: evident.ClockRunning}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, states(c.inc, c.now)); diff != "" {
				t.Errorf("clock states (-want +got):\n%s", diff)
			}
		})
	}
}

// NIS2 Art. 23(4)(e): a progress report at one month stands in for the
// final report of an ongoing incident, and the final report is then due a
// month after the incident was handled.
func TestFinalReportOfAnOngoingIncident(t *testing.T) {
	r := rules(t)
	h, day := time.Hour, 24*time.Hour
	sent := aware.Add(20 * h) // the notification; the final report is due a calendar month later
	base := func(closed time.Duration, ns ...evident.Notification) evident.Incident {
		inc := evident.Incident{ID: "i", Kind: evident.KindIncident, AwareAt: aware, Rules: r,
			Classifications: []evident.Classification{significant(aware)},
			Notifications:   append([]evident.Notification{notice("n", sent, evident.NoticeNotification, evident.ToSupervisoryBody, evident.ToCSIRT)}, ns...)}
		if closed > 0 {
			inc.Steps = []evident.Step{step("c", evident.StepClosure, aware.Add(closed))}
			inc.ClosedAt = aware.Add(closed)
		}
		return inc
	}
	progress := notice("p", sent.Add(29*day), evident.NoticeProgress, evident.ToCSIRT)
	cases := []struct {
		name string
		inc  evident.Incident
		now  time.Time
		want map[evident.ClockName]evident.ClockState
	}{
		{"ongoing, progress report on time", base(0, progress), aware.Add(50 * day), map[evident.ClockName]evident.ClockState{
			evident.ClockFinalReport: evident.ClockMet}},
		{"handled at 40 days, final report 20 days later", base(40*day, progress, notice("f", aware.Add(60*day), evident.NoticeFinal, evident.ToCSIRT)), aware.Add(80 * day),
			map[evident.ClockName]evident.ClockState{evident.ClockFinalReport: evident.ClockMet, evident.ClockFinalAfterHandling: evident.ClockMet}},
		{"handled at 40 days, no final report 2 months later", base(40*day, progress), aware.Add(100 * day),
			map[evident.ClockName]evident.ClockState{evident.ClockFinalReport: evident.ClockMet, evident.ClockFinalAfterHandling: evident.ClockMissed}},
		{"progress report, but the incident was closed in week one", base(7*day, progress), aware.Add(50 * day),
			map[evident.ClockName]evident.ClockState{evident.ClockFinalReport: evident.ClockMissed}},
		{"progress report too late", base(0, notice("p", sent.Add(32*day), evident.NoticeProgress, evident.ToCSIRT)), aware.Add(50 * day),
			map[evident.ClockName]evident.ClockState{evident.ClockFinalReport: evident.ClockMissed}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := map[evident.ClockName]evident.ClockState{}
			for _, cl := range c.inc.Clocks(c.now) {
				if cl.Name == evident.ClockFinalReport || cl.Name == evident.ClockFinalAfterHandling {
					got[cl.Name] = cl.State
				}
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("final report clocks (-want +got):\n%s", diff)
			}
		})
	}
}

// The done-when scenario in pure form: notified at 23 h, final report at 35
// days. The final report is due one calendar month after the notification
// (2 April 09:00 for a notification on 3 March 09:00), so 35 days is late.
func TestFinalReportRunsFromTheNotification(t *testing.T) {
	inc := evident.Incident{ID: "i", Kind: evident.KindIncident, AwareAt: aware, Rules: rules(t),
		Classifications: []evident.Classification{significant(aware)},
		Notifications: []evident.Notification{
			notice("n1", aware.Add(23*time.Hour), evident.NoticeNotification, evident.ToSupervisoryBody, evident.ToCSIRT),
			notice("fr", aware.AddDate(0, 0, 35), evident.NoticeFinal, evident.ToCSIRT),
		}}
	var fr evident.Clock
	for _, c := range inc.Clocks(aware.AddDate(0, 2, 0)) {
		if c.Name == evident.ClockFinalReport {
			fr = c
		}
	}
	want := evident.Clock{Name: evident.ClockFinalReport, Title: "NIS2 final report", Basis: []string{"NIS2 Art. 23(4)(d)"},
		Start: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC), Due: time.Date(2026, 4, 3, 9, 0, 0, 0, time.UTC),
		MetAt: aware.AddDate(0, 0, 35), MetBy: "fr", State: evident.ClockMetLate}
	if diff := cmp.Diff(want, fr); diff != "" {
		t.Errorf("final report clock (-want +got):\n%s", diff)
	}
}

func TestOtherClocks(t *testing.T) {
	r := rules(t)
	h := time.Hour
	notSig := evident.Classification{At: aware, Severity: evident.SeverityLow, Reasons: []evident.Reason{}}
	critical := evident.Classification{At: aware, Severity: evident.SeverityCritical, Reasons: []evident.Reason{}}
	vuln := func(steps ...evident.Step) evident.Incident {
		return evident.Incident{ID: "v", Kind: evident.KindVulnerability, AwareAt: aware, Rules: r,
			Classifications: []evident.Classification{critical}, Steps: steps}
	}
	customers := func(ns ...evident.Notification) evident.Incident {
		return evident.Incident{ID: "c", Kind: evident.KindIncident, AwareAt: aware, Rules: r, CustomersAffected: true,
			Classifications: []evident.Classification{notSig}, Notifications: ns}
	}
	closed := func(steps ...evident.Step) evident.Incident {
		inc := evident.Incident{ID: "r", Kind: evident.KindIncident, AwareAt: aware, Rules: r,
			Classifications: []evident.Classification{notSig}, Steps: steps}
		for _, s := range steps {
			if s.Kind == evident.StepClosure {
				inc.ClosedAt = s.At
			}
		}
		return inc
	}
	day := 24 * h
	cases := []struct {
		name string
		inc  evident.Incident
		now  time.Time
		want map[evident.ClockName]evident.ClockState
	}{
		{"critical vulnerability mitigated at 47 h", vuln(step("m", evident.StepMitigation, aware.Add(47*h))), aware.Add(50 * h),
			map[evident.ClockName]evident.ClockState{evident.ClockVulnerability: evident.ClockMet}},
		{"critical vulnerability mitigated at 49 h", vuln(step("m", evident.StepMitigation, aware.Add(49*h))), aware.Add(50 * h),
			map[evident.ClockName]evident.ClockState{evident.ClockVulnerability: evident.ClockMetLate}},
		{"critical vulnerability untouched at 49 h", vuln(), aware.Add(49 * h),
			map[evident.ClockName]evident.ClockState{evident.ClockVulnerability: evident.ClockMissed}},
		{"critical vulnerability at 10 h", vuln(), aware.Add(10 * h),
			map[evident.ClockName]evident.ClockState{evident.ClockVulnerability: evident.ClockRunning}},
		{"customers told at 70 h", customers(notice("c", aware.Add(70*h), evident.NoticeNotification, evident.ToCustomers)), aware.Add(100 * h),
			map[evident.ClockName]evident.ClockState{evident.ClockCustomers: evident.ClockMet}},
		{"customers told at 73 h", customers(notice("c", aware.Add(73*h), evident.NoticeNotification, evident.ToCustomers)), aware.Add(100 * h),
			map[evident.ClockName]evident.ClockState{evident.ClockCustomers: evident.ClockMetLate}},
		{"customers never told", customers(), aware.Add(100 * h),
			map[evident.ClockName]evident.ClockState{evident.ClockCustomers: evident.ClockMissed}},
		{"customers, 1 h in", customers(), aware.Add(h),
			map[evident.ClockName]evident.ClockState{evident.ClockCustomers: evident.ClockRunning}},
		{"open, not reviewed: no review clock yet", closed(), aware.Add(100 * day), map[evident.ClockName]evident.ClockState{}},
		{"closed, review due in 30 days", closed(step("x", evident.StepClosure, aware.Add(day))), aware.Add(10 * day),
			map[evident.ClockName]evident.ClockState{evident.ClockReview: evident.ClockRunning}},
		{"closed, never reviewed", closed(step("x", evident.StepClosure, aware.Add(day))), aware.Add(32 * day),
			map[evident.ClockName]evident.ClockState{evident.ClockReview: evident.ClockMissed}},
		{"closed, reviewed after 29 days", closed(step("x", evident.StepClosure, aware.Add(day)), step("rv", evident.StepReview, aware.Add(30*day))), aware.Add(40 * day),
			map[evident.ClockName]evident.ClockState{evident.ClockReview: evident.ClockMet}},
		{"closed, reviewed after 31 days", closed(step("x", evident.StepClosure, aware.Add(day)), step("rv", evident.StepReview, aware.Add(32*day))), aware.Add(40 * day),
			map[evident.ClockName]evident.ClockState{evident.ClockReview: evident.ClockMetLate}},
		{"reviewed after recovery, before closure", closed(step("rv", evident.StepReview, aware.Add(5*day))), aware.Add(40 * day),
			map[evident.ClockName]evident.ClockState{evident.ClockReview: evident.ClockMet}},
		{"not significant: no regulatory clocks", closed(), aware.Add(h), map[evident.ClockName]evident.ClockState{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, states(c.inc, c.now)); diff != "" {
				t.Errorf("clock states (-want +got):\n%s", diff)
			}
		})
	}
}

// Until the handler has classified an incident its 24-hour clocks run and
// say they are provisional; a classification that finds it not significant
// stops them, and a non-critical vulnerability has no clock at all.
func TestProvisionalClocks(t *testing.T) {
	r := rules(t)
	inc := evident.Incident{ID: "i", Kind: evident.KindIncident, AwareAt: aware, Rules: r}
	cs := inc.Clocks(aware.Add(time.Hour))
	if len(cs) != 4 || !cs[0].Provisional || cs[0].Name != evident.ClockEIDAS {
		t.Fatalf("unclassified incident clocks = %+v, want 4 provisional regulatory clocks", cs)
	}
	inc.Classifications = []evident.Classification{{At: aware.Add(2 * time.Hour), Severity: evident.SeverityLow, Reasons: []evident.Reason{}}}
	if cs := inc.Clocks(aware.Add(3 * time.Hour)); len(cs) != 0 {
		t.Errorf("after a not-significant classification: %+v, want none", cs)
	}
	// As of before the classification, the clocks were still running.
	if cs := inc.Clocks(aware.Add(time.Hour)); len(cs) != 4 {
		t.Errorf("as of before the classification: %d clocks, want 4", len(cs))
	}
	v := evident.Incident{ID: "v", Kind: evident.KindVulnerability, AwareAt: aware, Rules: r,
		Classifications: []evident.Classification{{At: aware, Severity: evident.SeverityHigh, Reasons: []evident.Reason{}}}}
	if cs := v.Clocks(aware.Add(time.Hour)); len(cs) != 0 {
		t.Errorf("high vulnerability clocks = %+v, want none", cs)
	}
}

// The span syntax users type for the configurable deadlines.
func TestParseSpan(t *testing.T) {
	good := map[string]evident.Span{
		"72h": {Amount: 72, Unit: evident.UnitHour}, "30d": {Amount: 30, Unit: evident.UnitDay},
		"2w": {Amount: 2, Unit: evident.UnitWeek}, "1mo": {Amount: 1, Unit: evident.UnitMonth},
		"90min": {Amount: 90, Unit: evident.UnitMinute},
	}
	for in, want := range good {
		if got, err := evident.ParseSpan(in); err != nil || got != want {
			t.Errorf("ParseSpan(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0h", "-3d", "3", "3y", "1.5h", "h"} {
		if _, err := evident.ParseSpan(in); evident.ErrorCode(err) != evident.EINVALID {
			t.Errorf("ParseSpan(%q) = %v, want EINVALID", in, err)
		}
	}
}

func TestIncidentValidate(t *testing.T) {
	r := rules(t)
	now := aware.Add(time.Hour)
	ok := evident.Incident{Kind: evident.KindIncident, Title: "OCSP down", Reporter: "noc", AwareAt: aware, DetectedAt: aware.Add(-time.Minute), Rules: r}
	if err := ok.Validate(now); err != nil {
		t.Fatalf("valid incident: %v", err)
	}
	cases := map[string]func(*evident.Incident){
		"kind":         func(i *evident.Incident) { i.Kind = "accident" },
		"title":        func(i *evident.Incident) { i.Title = " " },
		"reporter":     func(i *evident.Incident) { i.Reporter = "" },
		"aware_at":     func(i *evident.Incident) { i.AwareAt = now.Add(time.Minute) },
		"detected_at":  func(i *evident.Incident) { i.DetectedAt = aware.Add(time.Minute) },
		"rules.review": func(i *evident.Incident) { i.Rules.Review = evident.Span{} },
	}
	for field, breakIt := range cases {
		inc := ok
		breakIt(&inc)
		err := inc.Validate(now)
		var e *evident.Error
		if evident.ErrorCode(err) != evident.EINVALID || !errors.As(err, &e) || e.Where != field {
			t.Errorf("broken %s: got %v, want EINVALID at %s", field, err, field)
		}
	}
}

// TestEIDASClockPerRegime checks the two eIDAS notification clocks: a
// qualified service's runs "within 24 hours of the incident" (Art.
// 24(2)(fb)), so from the estimated start when it precedes awareness; a
// non-qualified service's runs from awareness (Art. 19a(1)(b)). An
// incident touching both shows both.
func TestEIDASClockPerRegime(t *testing.T) {
	r := rules(t)
	h := time.Hour
	base := evident.Incident{ID: "i", Kind: evident.KindIncident, AwareAt: aware, EstimatedStartAt: aware.Add(-6 * h), Rules: r,
		Classifications: []evident.Classification{significant(aware.Add(h))},
		Qualifications:  map[string]evident.Qualification{"tsa": evident.Qualified, "ra-portal": evident.NonQualified, "both": evident.Mixed}}
	type want struct {
		Name       evident.ClockName
		Start, Due time.Time
		Basis      string
	}
	qualified := func(name evident.ClockName) want {
		return want{name, aware.Add(-6 * h), aware.Add(18 * h), "eIDAS Art. 24(2)(fb)"}
	}
	nonQualified := func(name evident.ClockName) want {
		return want{name, aware, aware.Add(24 * h), "eIDAS Art. 19a(1)(b)"}
	}
	cases := []struct {
		name     string
		services []string
		start    time.Time
		want     []want
	}{
		{"qualified time-stamps, started 6 h before awareness: due 18 h after awareness", []string{"tsa"}, aware.Add(-6 * h),
			[]want{qualified(evident.ClockEIDAS)}},
		{"non-qualified only: from awareness whatever the estimated start", []string{"ra-portal"}, aware.Add(-6 * h),
			[]want{nonQualified(evident.ClockEIDAS)}},
		{"qualified and non-qualified: both clocks", []string{"tsa", "ra-portal"}, aware.Add(-6 * h),
			[]want{qualified(evident.ClockEIDAS), nonQualified(evident.ClockEIDASNonQualified)}},
		{"a mixed service falls under both", []string{"both"}, aware.Add(-6 * h),
			[]want{qualified(evident.ClockEIDAS), nonQualified(evident.ClockEIDASNonQualified)}},
		{"qualification not recorded: the stricter qualified clock", []string{"unknown"}, aware.Add(-6 * h),
			[]want{qualified(evident.ClockEIDAS)}},
		{"no estimated start: the qualified clock runs from awareness", []string{"tsa"}, time.Time{},
			[]want{{evident.ClockEIDAS, aware, aware.Add(24 * h), "eIDAS Art. 24(2)(fb)"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inc := base
			inc.Services, inc.EstimatedStartAt = tc.services, tc.start
			var got []want
			for _, c := range inc.Clocks(aware.Add(2 * h)) {
				if c.Name == evident.ClockEIDAS || c.Name == evident.ClockEIDASNonQualified {
					got = append(got, want{c.Name, c.Start, c.Due, c.Basis[0]})
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("eIDAS clocks (-want +got):\n%s", diff)
			}
		})
	}
	// One notice to the supervisory body at 20 h meets the non-qualified
	// clock and is late for the qualified one (due at 18 h).
	inc := base
	inc.Services = []string{"tsa", "ra-portal"}
	inc.Notifications = []evident.Notification{notice("n", aware.Add(20*h), evident.NoticeNotification, evident.ToSupervisoryBody)}
	st := states(inc, aware.Add(30*h))
	if st[evident.ClockEIDAS] != evident.ClockMetLate || st[evident.ClockEIDASNonQualified] != evident.ClockMet {
		t.Errorf("notice at awareness+20h: qualified %s, non-qualified %s; want met-late and met", st[evident.ClockEIDAS], st[evident.ClockEIDASNonQualified])
	}
}

func TestEstimatedStartAfterAwarenessIsRefused(t *testing.T) {
	inc := evident.Incident{Kind: evident.KindIncident, Title: "t", Reporter: "r", AwareAt: aware, EstimatedStartAt: aware.Add(time.Minute), Rules: rules(t)}
	err := inc.Validate(aware.Add(time.Hour))
	if evident.ErrorCode(err) != evident.EINVALID || !strings.Contains(err.Error(), "estimated_start_at") {
		t.Errorf("estimated start after awareness: %v; want EINVALID naming estimated_start_at", err)
	}
}
