package evident

import (
	"time"
)

// LegalDeadline is a date the law sets for a duty outside the incident
// register: publishing a revocation, telling the supervisory body about a
// change or a cessation, the conformity assessment cycle. Each is computed
// from the event it counts from by one function here, so every view that
// lists such a duty as a task shows the same date and the same basis.
//
// Before marks a notice due ahead of its event (a change, a cessation, a
// planned audit): Due is then the latest moment the notice may be sent.
type LegalDeadline struct {
	Name   LegalDeadlineName `json:"name"`
	Title  string            `json:"title"`
	Basis  []string          `json:"basis"`
	From   time.Time         `json:"from"`
	Due    time.Time         `json:"due"`
	Before bool              `json:"before,omitempty"`
}

// LegalDeadlineName identifies a legal deadline; stable in JSON.
type LegalDeadlineName string

// The legal deadlines.
const (
	DeadlineRevocation         LegalDeadlineName = "revocation-published"
	DeadlineChangeNotice       LegalDeadlineName = "change-notice"
	DeadlineCessationNotice    LegalDeadlineName = "cessation-notice"
	DeadlineNIS2FinalReport    LegalDeadlineName = "nis2-final-report"
	DeadlineFullAssessment     LegalDeadlineName = "full-conformity-assessment"
	DeadlineReportToSupervisor LegalDeadlineName = "assessment-report-to-supervisory-body"
	DeadlineAuditNotice        LegalDeadlineName = "planned-audit-notice"
	DeadlineSurveillance       LegalDeadlineName = "surveillance-assessment"
)

// The figures of those deadlines, each with the provision it comes from
// (Regulation (EU) No 910/2014 as amended by 2024/1183, Directive (EU)
// 2022/2555, Implementing Regulation (EU) 2025/2162). They are law, not
// catalog figures, so they live here once.
var (
	revocationWithin     = Span{Amount: 24, Unit: UnitHour}  // eIDAS Art. 24(3)
	changeNoticeAhead    = Span{Amount: 1, Unit: UnitMonth}  // eIDAS Art. 24(2)(a)
	cessationNoticeAhead = Span{Amount: 3, Unit: UnitMonth}  // eIDAS Art. 24(2)(a)
	fullAssessmentEvery  = Span{Amount: 24, Unit: UnitMonth} // eIDAS Art. 20(1)
	auditNoticeAhead     = Span{Amount: 1, Unit: UnitMonth}  // eIDAS Art. 20(1a)
	surveillanceEvery    = Span{Amount: 12, Unit: UnitMonth} // 2025/2162 Art. 6(11)
	reportWorkingDays    = 3                                 // eIDAS Art. 20(1)
)

func after(t time.Time, s Span) time.Time { return LegalAdd(t, s) }

func ahead(t time.Time, s Span) time.Time { return LegalAdd(t, Span{Amount: -s.Amount, Unit: s.Unit}) }

// LegalAdd moves t by a span the way EU law counts periods (Regulation
// (EEC, Euratom) No 1182/71 Art. 3(2)(c)): a period in months or years
// ends on the same day of the month, or on the last day of the month
// when that month is shorter. One month after 31 January is 28 (or 29)
// February, not 3 March as plain date arithmetic gives. Other units move
// by their exact length.
func LegalAdd(t time.Time, s Span) time.Time {
	months := 0
	switch s.Unit {
	case UnitMonth:
		months = s.Amount
	case UnitYear:
		months = 12 * s.Amount
	default:
		due, _ := s.AddTo(t)
		return due
	}
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// RevocationDeadline is when a qualified certificate's revocation must be
// published: within 24 hours after receipt of the request (eIDAS Art.
// 24(3)).
func RevocationDeadline(requestReceived time.Time) LegalDeadline {
	t := requestReceived.UTC()
	return LegalDeadline{Name: DeadlineRevocation, Title: "publish the revocation status",
		Basis: []string{"eIDAS Art. 24(3)"}, From: t, Due: after(t, revocationWithin)}
}

// ChangeNoticeDeadline is the latest moment to tell the supervisory body
// about a change in the provision of a qualified trust service: at least
// one month before implementing it (eIDAS Art. 24(2)(a); REQ-6.3-04X of
// the implementing acts repeats it).
func ChangeNoticeDeadline(change time.Time) LegalDeadline {
	t := change.UTC()
	return LegalDeadline{Name: DeadlineChangeNotice, Title: "tell the supervisory body about the planned change",
		Basis: []string{"eIDAS Art. 24(2)(a)", "REQ-6.3-04"}, From: t, Due: ahead(t, changeNoticeAhead), Before: true}
}

// CessationNoticeDeadline is the latest moment to tell the supervisory
// body of an intention to cease a qualified trust service: at least three
// months before (eIDAS Art. 24(2)(a)).
func CessationNoticeDeadline(cessation time.Time) LegalDeadline {
	t := cessation.UTC()
	return LegalDeadline{Name: DeadlineCessationNotice, Title: "tell the supervisory body about the intended cessation",
		Basis: []string{"eIDAS Art. 24(2)(a)", "REQ-6.3-04"}, From: t, Due: ahead(t, cessationNoticeAhead), Before: true}
}

// NIS2FinalReportDeadline is one month after the incident notification
// was submitted (NIS2 Art. 23(4)(d)); the incident register's final
// report clock uses the same figure.
func NIS2FinalReportDeadline(notified time.Time) LegalDeadline {
	t := notified.UTC()
	return LegalDeadline{Name: DeadlineNIS2FinalReport, Title: "NIS2 final report",
		Basis: []string{"NIS2 Art. 23(4)(d)"}, From: t, Due: after(t, nis2FinalReport)}
}

// AssessmentCycle is what the assessment-cycle clocks of a qualified
// trust service count from: the date of the last full conformity
// assessment, the date its report was received, the last surveillance
// assessment and the next planned audit. Zero fields are unknown.
type AssessmentCycle struct {
	LastFullAssessment time.Time `json:"last_full_assessment,omitzero"`
	ReportReceived     time.Time `json:"report_received,omitzero"`
	LastSurveillance   time.Time `json:"last_surveillance,omitzero"`
	PlannedAudit       time.Time `json:"planned_audit,omitzero"`
	// Holiday reports the supervisory body's non-working days other than
	// Saturday and Sunday; nil counts only weekends, which gives the
	// latest date the report may be due and so must be checked against
	// the member state's calendar.
	Holiday func(time.Time) bool `json:"-"`
}

// Deadlines returns the cycle's clocks that follow from what is known:
//   - the next full conformity assessment, at least every 24 months
//     (eIDAS Art. 20(1));
//   - the report to the supervisory body, within three working days of
//     its receipt (eIDAS Art. 20(1));
//   - notice of a planned audit to the supervisory body at the latest one
//     month before it (eIDAS Art. 20(1a));
//   - a surveillance assessment at least once a year for every qualified
//     service (Implementing Regulation (EU) 2025/2162 Art. 6(11) obliges
//     the scheme owners' schemes to require it), counted from the later
//     of the last full and the last surveillance assessment.
func (c AssessmentCycle) Deadlines() []LegalDeadline {
	var out []LegalDeadline
	if t := c.LastFullAssessment.UTC(); !c.LastFullAssessment.IsZero() {
		out = append(out, LegalDeadline{Name: DeadlineFullAssessment, Title: "full conformity assessment",
			Basis: []string{"eIDAS Art. 20(1)"}, From: t, Due: after(t, fullAssessmentEvery)})
	}
	if t := c.ReportReceived.UTC(); !c.ReportReceived.IsZero() {
		out = append(out, LegalDeadline{Name: DeadlineReportToSupervisor, Title: "submit the conformity assessment report to the supervisory body",
			Basis: []string{"eIDAS Art. 20(1)"}, From: t, Due: AddWorkingDays(t, reportWorkingDays, c.Holiday)})
	}
	if t := c.PlannedAudit.UTC(); !c.PlannedAudit.IsZero() {
		out = append(out, LegalDeadline{Name: DeadlineAuditNotice, Title: "tell the supervisory body about the planned audit",
			Basis: []string{"eIDAS Art. 20(1a)"}, From: t, Due: ahead(t, auditNoticeAhead), Before: true})
	}
	last := c.LastFullAssessment
	if c.LastSurveillance.After(last) {
		last = c.LastSurveillance
	}
	if !last.IsZero() {
		out = append(out, LegalDeadline{Name: DeadlineSurveillance, Title: "surveillance conformity assessment",
			Basis: []string{"Implementing Regulation (EU) 2025/2162 Art. 6(11)"}, From: last.UTC(), Due: after(last.UTC(), surveillanceEvery)})
	}
	return out
}

// PositiveCertificationAllowed reports whether a conformity assessment
// may end in a positive certification decision: not while any
// nonconformity it found is open, whatever its criticality
// (Implementing Regulation (EU) 2025/2162 Art. 6(7)).
func PositiveCertificationAllowed(openNonconformities int) (bool, string) {
	if openNonconformities > 0 {
		return false, "Implementing Regulation (EU) 2025/2162 Art. 6(7): no positive certification while a nonconformity is open"
	}
	return true, ""
}

// AddWorkingDays returns the end (24:00 UTC) of the n-th working day
// after the day of t: the day of t itself does not count, Saturdays,
// Sundays and the days holiday reports are skipped. "Within three
// working days of receipt" on a Friday is thus due at the end of the
// following Wednesday.
func AddWorkingDays(t time.Time, n int, holiday func(time.Time) bool) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday || (holiday != nil && holiday(d)) {
			continue
		}
		n--
	}
	return d.AddDate(0, 0, 1)
}
