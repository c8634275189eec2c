package evident

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Recipient is who a notification went to.
type Recipient string

// Recipients of incident notifications. The supervisory body is the eIDAS
// one (Art. 19a, 24(2)(fb)); the CSIRT stands for the NIS2 recipient (CSIRT
// or competent authority, Art. 23). Where one authority plays both roles a
// single notification can name both.
const (
	ToSupervisoryBody Recipient = "supervisory-body"
	ToCSIRT           Recipient = "csirt"
	ToCustomers       Recipient = "customers"
	ToPublic          Recipient = "public"
	ToDataProtection  Recipient = "data-protection-authority"
	ToOther           Recipient = "other"
)

// ParseRecipients reads a comma-separated list such as
// "supervisory-body,csirt".
func ParseRecipients(s string) ([]Recipient, error) {
	var out []Recipient
	for _, p := range strings.Split(s, ",") {
		r := Recipient(strings.ToLower(strings.TrimSpace(p)))
		switch r {
		case ToSupervisoryBody, ToCSIRT, ToCustomers, ToPublic, ToDataProtection, ToOther:
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		case "":
		default:
			return nil, ErrorAt(EINVALID, "to", "recipient %q: want supervisory-body, csirt, customers, public, data-protection-authority or other", p)
		}
	}
	if len(out) == 0 {
		return nil, ErrorAt(EINVALID, "to", "a notification needs a recipient")
	}
	return out, nil
}

// NoticeKind is the kind of report sent, in the NIS2 Art. 23(4) sequence.
type NoticeKind string

// Notification kinds.
const (
	NoticeEarlyWarning NoticeKind = "early-warning"
	NoticeNotification NoticeKind = "notification"
	NoticeIntermediate NoticeKind = "intermediate-report"
	NoticeProgress     NoticeKind = "progress-report"
	NoticeFinal        NoticeKind = "final-report"
)

// ParseNoticeKind reads a notification kind.
func ParseNoticeKind(s string) (NoticeKind, error) {
	switch k := NoticeKind(strings.ToLower(strings.TrimSpace(s))); k {
	case NoticeEarlyWarning, NoticeNotification, NoticeIntermediate, NoticeProgress, NoticeFinal:
		return k, nil
	}
	return "", ErrorAt(EINVALID, "kind", "notification kind %q: want early-warning, notification, intermediate-report, progress-report or final-report", s)
}

// Notification is a report sent about an incident. SentAt is when it was
// sent as the handler states it (clocks are met at SentAt); RecordedAt is
// when the server stored it. The file sent is kept as evidence: Digest is
// its SHA-256 and EvidenceID the ledgered evidence record, when the file
// went through the ledger.
type Notification struct {
	ID         string      `json:"id"`
	To         []Recipient `json:"to"`
	Kind       NoticeKind  `json:"kind"`
	SentAt     time.Time   `json:"sent_at"`
	RecordedAt time.Time   `json:"recorded_at"`
	Actor      string      `json:"actor"`
	Note       string      `json:"note,omitempty"`
	File       string      `json:"file,omitempty"`
	Digest     string      `json:"sha256,omitempty"`
	Size       int64       `json:"size,omitempty"`
	EvidenceID string      `json:"evidence_id,omitempty"`
	Ledger     int64       `json:"ledger_index"`
}

// Classification is one assessment of an incident (REQ-7.9.4-01). Reasons
// lists every significance criterion met; Declared marks an incident the
// handler judged significant beyond the criteria (never the reverse: the
// criteria cannot be overruled downwards).
type Classification struct {
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Severity Severity  `json:"severity"`
	Category string    `json:"category"`
	Impact   Impact    `json:"impact"`
	Declared bool      `json:"declared,omitempty"`
	Reasons  []Reason  `json:"reasons"`
	Note     string    `json:"note,omitempty"`
	Ledger   int64     `json:"ledger_index"`
}

// Significant reports whether this classification makes the incident
// significant.
func (c Classification) Significant() bool { return len(c.Reasons) > 0 }

// ownSignificance reports significance without the recurrence rule.
func (c Classification) ownSignificance() bool {
	for _, r := range c.Reasons {
		if r.Criterion != CritRecurring {
			return true
		}
	}
	return false
}

// IncidentRules are the deadlines and thresholds an incident is worked
// against. Notification, Vulnerability and Thresholds come from the catalog
// figures (IncidentRulesFrom); CustomerNotice and Review are the program's
// choice because the standard fixes no figure for them.
type IncidentRules struct {
	Source         string     `json:"source"`          // "EN319401@3.2.1", where the figures came from
	Notification   Span       `json:"notification"`    // REQ-7.9.3-01: 24 hours
	Vulnerability  Span       `json:"vulnerability"`   // REQ-7.9.2-09: 48 hours after discovery
	CustomerNotice Span       `json:"customer_notice"` // REQ-7.9.3-02 says "without undue delay"
	Review         Span       `json:"review"`          // REQ-7.9.5-04 gives no deadline
	Thresholds     Thresholds `json:"thresholds"`
}

// Program defaults for the two clocks the standard leaves open. 72 hours
// for customers matches the longest window any neighbouring rule allows
// (GDPR Art. 33 for the authority, NIS2's general notification), so a
// notice inside it is hard to call an undue delay; 30 days for the review
// keeps the lessons learned fresh and inside the quarter in which
// REQ-7.9.4-04 checks for recurrence.
var (
	DefaultCustomerNotice = Span{Amount: 72, Unit: UnitHour}
	DefaultReview         = Span{Amount: 30, Unit: UnitDay}
)

// The NIS2 Art. 23(4) deadlines. They are law, not catalog figures, so
// they live here once. The incident notification is 24 hours, not 72, for
// significant incidents affecting trust services (second subparagraph).
var (
	nis2EarlyWarning = Span{Amount: 24, Unit: UnitHour}
	nis2Notification = Span{Amount: 24, Unit: UnitHour}
	nis2FinalReport  = Span{Amount: 1, Unit: UnitMonth}
)

// Requirement ids whose figures drive incidents.
const (
	reqNotify        RequirementID = "REQ-7.9.3-01"
	reqCustomers     RequirementID = "REQ-7.9.3-02"
	reqSignificance  RequirementID = "REQ-7.9.3-07"
	reqRecurrence    RequirementID = "REQ-7.9.3-10"
	reqVulnerability RequirementID = "REQ-7.9.2-09"
	reqReview        RequirementID = "REQ-7.9.5-04"
)

// IncidentRulesFrom reads the incident figures out of a catalog version's
// requirements, with the defaults for the clocks the standard leaves open.
// A version that lacks one of the figures (V3.1.1 lists no clause 7.9.3
// identifiers) is an error naming the missing figure: the caller then
// takes the figures from a version that has them.
func IncidentRulesFrom(reqs []Requirement) (IncidentRules, error) {
	by := map[RequirementID]Requirement{}
	for _, r := range reqs {
		by[r.ID] = r
	}
	r := IncidentRules{CustomerNotice: DefaultCustomerNotice, Review: DefaultReview}
	var err error
	if r.Notification, err = deadline(by, reqNotify); err != nil {
		return r, err
	}
	if r.Vulnerability, err = deadline(by, reqVulnerability); err != nil {
		return r, err
	}
	sig := by[reqSignificance]
	r.Source = string(sig.Standard) + "@" + sig.Version
	if r.Thresholds, err = thresholds(by); err != nil {
		return r, err
	}
	return r, r.Validate()
}

func deadline(by map[RequirementID]Requirement, id RequirementID) (Span, error) {
	for _, f := range by[id].Figures {
		if f.Kind == FigureDeadline && f.Amount > 0 {
			return Span{Amount: int(f.Amount), Unit: f.Unit}, nil
		}
	}
	return Span{}, Errorf(EINVALID, "the catalog has no deadline figure for %s", id)
}

// thresholds matches the REQ-7.9.3-07 and -10 figures by unit and subject;
// the catalog test pins those figures, so a rename there fails loudly here.
func thresholds(by map[RequirementID]Requirement) (Thresholds, error) {
	var th Thresholds
	for _, f := range by[reqSignificance].Figures {
		users := strings.Contains(f.Subject, "limited availability")
		compromise := strings.Contains(f.Subject, "integrity")
		switch {
		case f.Unit == UnitEUR:
			th.LossEUR = f.Amount
		case f.Unit == UnitPercent && f.Of == "annual turnover":
			th.LossTurnoverPercent = f.Amount
		case f.Unit == UnitMinute:
			th.FullOutageMinutes = f.Amount
		case f.Unit == UnitHour && f.Window != nil:
			th.WeeklyUnavailableMin = f.Amount * 60
		case users && f.Unit == UnitPercent:
			th.UsersPercent = f.Amount
		case users && f.Unit == UnitCount:
			th.UsersCount = f.Amount
		case compromise && f.Unit == UnitPercent:
			th.CompromisedPercent = f.Amount
		case compromise && f.Unit == UnitCount:
			th.CompromisedCount = f.Amount
		}
	}
	for _, f := range by[reqRecurrence].Figures {
		if f.Kind == FigureThreshold && f.Window != nil {
			th.RecurrenceCount, th.RecurrenceWindow = int(f.Amount), *f.Window
		}
	}
	for name, v := range map[string]float64{
		"financial loss in EUR": th.LossEUR, "financial loss as a share of turnover": th.LossTurnoverPercent,
		"full outage": th.FullOutageMinutes, "weekly unavailability": th.WeeklyUnavailableMin,
		"users share": th.UsersPercent, "users count": th.UsersCount,
		"compromised users share": th.CompromisedPercent, "compromised users count": th.CompromisedCount,
		"recurrence": float64(th.RecurrenceCount),
	} {
		if v <= 0 {
			return th, Errorf(EINVALID, "the catalog has no %s threshold in %s or %s", name, reqSignificance, reqRecurrence)
		}
	}
	return th, nil
}

// Validate checks that every deadline is a positive span of time.
func (r IncidentRules) Validate() error {
	for name, s := range map[string]Span{"notification": r.Notification, "vulnerability": r.Vulnerability, "customer_notice": r.CustomerNotice, "review": r.Review} {
		if s.Amount <= 0 || !timeUnit(s.Unit) {
			return ErrorAt(EINVALID, "rules."+name, "deadline %d %q is not a positive span of time", s.Amount, s.Unit)
		}
	}
	return nil
}

// ParseSpan reads a deadline as users type it: "72h", "30d", "2w",
// "1mo" (calendar month).
func ParseSpan(s string) (Span, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	for _, u := range []struct {
		suffix string
		unit   Unit
	}{{"mo", UnitMonth}, {"min", UnitMinute}, {"h", UnitHour}, {"d", UnitDay}, {"w", UnitWeek}} {
		if n, ok := strings.CutSuffix(in, u.suffix); ok {
			var v int
			if _, err := fmt.Sscanf(n, "%d", &v); err == nil && fmt.Sprint(v) == n && v > 0 {
				return Span{Amount: v, Unit: u.unit}, nil
			}
		}
	}
	return Span{}, Errorf(EINVALID, "deadline %q: want a positive whole number with min, h, d, w or mo, for example 72h or 30d", s)
}

// Short writes the span as ParseSpan reads it: "24h", "30d", "1mo".
func (s Span) Short() string {
	suffix := map[Unit]string{UnitMinute: "min", UnitHour: "h", UnitDay: "d", UnitWeek: "w", UnitMonth: "mo"}[s.Unit]
	if suffix == "" {
		return s.String()
	}
	return fmt.Sprintf("%d%s", s.Amount, suffix)
}

// ClockName identifies a clock; the names are stable in JSON and the API.
type ClockName string

// The clocks an incident can run.
const (
	// ClockEIDAS is the eIDAS notification to the supervisory body: Art.
	// 24(2)(fb) when a qualified service (or one whose qualification is
	// not recorded) is affected, otherwise Art. 19a(1)(b).
	ClockEIDAS ClockName = "eidas-notification"
	// ClockEIDASNonQualified is the Art. 19a(1)(b) clock, from awareness,
	// shown beside ClockEIDAS when the incident affects qualified and
	// non-qualified services alike.
	ClockEIDASNonQualified ClockName = "eidas-notification-non-qualified"
	ClockEarlyWarning      ClockName = "nis2-early-warning"
	ClockNIS2Notification  ClockName = "nis2-notification"
	ClockFinalReport       ClockName = "nis2-final-report"
	// ClockFinalAfterHandling runs from closure when a progress report
	// stood in for the final report of an ongoing incident.
	ClockFinalAfterHandling ClockName = "nis2-final-report-after-handling"
	ClockCustomers          ClockName = "customer-notification"
	ClockVulnerability      ClockName = "vulnerability-handling"
	ClockReview             ClockName = "post-incident-review"
)

// ClockState is where a clock stands at an instant.
type ClockState string

// Clock states. Met-late and missed both count as failures in status and
// tasks; they differ in whether the duty was done at all.
const (
	ClockRunning ClockState = "running"
	ClockMet     ClockState = "met"
	ClockMetLate ClockState = "met-late"
	ClockMissed  ClockState = "missed"
)

// Clock is one deadline of an incident as of an instant. Basis names the
// law articles and catalog requirements the deadline comes from. MetBy is
// the id of the notification or step that met it. Provisional marks the
// regulatory clocks of an incident not classified yet: they run from
// awareness whether or not the assessment is done, and drop out if the
// classification finds the incident not significant.
type Clock struct {
	Name        ClockName  `json:"name"`
	Title       string     `json:"title"`
	Basis       []string   `json:"basis"`
	Start       time.Time  `json:"start"`
	Due         time.Time  `json:"due"`
	MetAt       time.Time  `json:"met_at,omitzero"`
	MetBy       string     `json:"met_by,omitempty"`
	State       ClockState `json:"state"`
	Provisional bool       `json:"provisional,omitempty"`
}

// Left returns the time remaining until Due at now, negative once overdue.
func (c Clock) Left(now time.Time) time.Duration { return c.Due.Sub(now) }

// Failed reports whether the clock is missed or was met late.
func (c Clock) Failed() bool { return c.State == ClockMissed || c.State == ClockMetLate }

// state computes a clock's state at now: met (on or before due), met late,
// missed (due passed, nothing recorded), or running.
func state(due, metAt, now time.Time) ClockState {
	switch {
	case !metAt.IsZero() && !metAt.After(due):
		return ClockMet
	case !metAt.IsZero():
		return ClockMetLate
	case now.After(due):
		return ClockMissed
	}
	return ClockRunning
}

// newClock builds a clock from its start and span and finds what met it.
// A record only counts once it exists at now (RecordedAt <= now), so a
// clock seen as of a past instant is exactly what was visible then.
func newClock(name ClockName, title string, basis []string, start time.Time, span Span, met func() (time.Time, string), now time.Time) Clock {
	due := LegalAdd(start, span)
	c := Clock{Name: name, Title: title, Basis: basis, Start: start, Due: due}
	c.MetAt, c.MetBy = met()
	c.State = state(c.Due, c.MetAt, now)
	return c
}

// ref formats a catalog reference in the incident's rules source.
func (inc Incident) ref(id RequirementID) string {
	if inc.Rules.Source == "" {
		return string(id)
	}
	return inc.Rules.Source + ":" + string(id)
}

// Significance reports whether the incident counts as significant and
// whether that is only provisional because it has not been classified.
// A vulnerability is not an incident until classified as one.
func (inc Incident) Significance() (significant, provisional bool) {
	c, ok := inc.Current()
	if !ok {
		return inc.Kind == KindIncident, inc.Kind == KindIncident
	}
	return c.Significant(), false
}

// Clocks returns the incident's clocks as of now, in a fixed order. Every
// clock starts at awareness except the qualified eIDAS clock (from
// EIDASStart), the final report (from the incident notification) and the
// review (from closure). Notifications and steps
// recorded after now are ignored, so the result for a past instant is what
// the register showed then.
func (inc Incident) Clocks(now time.Time) []Clock {
	now = now.UTC()
	view := inc.asOf(now)
	var out []Clock
	significant, provisional := view.Significance()
	if significant {
		out = append(out, view.regulatory(now, provisional)...)
	}
	if view.CustomersAffected {
		out = append(out, newClock(ClockCustomers, "notify affected customers",
			[]string{view.ref(reqCustomers), "eIDAS Art. 19a(1)(b), 24(2)(fb)"},
			view.AwareAt, view.Rules.CustomerNotice, view.noticeTo(ToCustomers), now))
	}
	if view.Kind == KindVulnerability && view.Severity() == SeverityCritical {
		out = append(out, newClock(ClockVulnerability, "deal with the critical vulnerability",
			[]string{view.ref(reqVulnerability)}, view.AwareAt, view.Rules.Vulnerability,
			view.stepMet(StepMitigation, StepContainment, StepEradication, StepClosure), now))
	}
	if c, ok := view.reviewClock(now); ok {
		out = append(out, c)
	}
	return out
}

// regulatory returns the eIDAS and NIS2 clocks of a significant incident.
func (inc Incident) regulatory(now time.Time, provisional bool) []Clock {
	out := inc.eidasClocks(now)
	out = append(out,
		newClock(ClockEarlyWarning, "NIS2 early warning", []string{"NIS2 Art. 23(4)(a)", inc.ref("REQ-7.9.2-02")},
			inc.AwareAt, nis2EarlyWarning, inc.notice(ToCSIRT, NoticeEarlyWarning, NoticeNotification), now),
		newClock(ClockNIS2Notification, "NIS2 incident notification (24 h for trust services)", []string{"NIS2 Art. 23(4)(b) and second subparagraph", inc.ref("REQ-7.9.2-02")},
			inc.AwareAt, nis2Notification, inc.notice(ToCSIRT, NoticeNotification), now))
	// The final report runs from the incident notification actually sent;
	// until then from the moment it was due, the earliest it could start.
	n := out[len(out)-1]
	start := n.Due
	if !n.MetAt.IsZero() {
		start = n.MetAt
	}
	final := newClock(ClockFinalReport, "NIS2 final report", []string{"NIS2 Art. 23(4)(d)"},
		start, nis2FinalReport, inc.notice(ToCSIRT, NoticeFinal), now)
	out = append(out, final)
	out = append(out, inc.ongoingFinal(&out[len(out)-1], now)...)
	for i := range out {
		out[i].Provisional = provisional
	}
	return out
}

// Regimes reports which eIDAS notification regimes the incident's
// affected services fall under: qualified (Art. 24(2)(fb)) and
// non-qualified (Art. 19a(1)(b)). A mixed service falls under both. A
// service whose qualification is not recorded, or an incident that names
// no service, counts as qualified: when in doubt the stricter clock runs.
func (inc Incident) Regimes() (qualified, nonQualified bool) {
	if len(inc.Services) == 0 {
		return true, false
	}
	for _, s := range inc.Services {
		switch inc.Qualifications[s] {
		case NonQualified:
			nonQualified = true
		case Mixed:
			qualified, nonQualified = true, true
		default: // Qualified, or not recorded
			qualified = true
		}
	}
	return qualified, nonQualified
}

// EIDASStart is when the qualified eIDAS clock starts: the earlier of the
// estimated start of the incident and awareness (Art. 24(2)(fb) counts
// "of the incident"; awareness bounds it when no start is estimated).
func (inc Incident) EIDASStart() time.Time {
	if !inc.EstimatedStartAt.IsZero() && inc.EstimatedStartAt.Before(inc.AwareAt) {
		return inc.EstimatedStartAt
	}
	return inc.AwareAt
}

// unrecorded reports whether some affected service has no recorded
// qualification, or none is named, so the clock title can say why the
// stricter clock runs.
func (inc Incident) unrecorded() bool {
	if len(inc.Services) == 0 {
		return true
	}
	for _, s := range inc.Services {
		if q := inc.Qualifications[s]; q != Qualified && q != NonQualified && q != Mixed {
			return true
		}
	}
	return false
}

// eidasClocks returns the eIDAS notification clocks: the qualified one
// from EIDASStart, the non-qualified one from awareness, each where its
// regime applies. Any notification to the supervisory body meets both.
func (inc Incident) eidasClocks(now time.Time) []Clock {
	qualified, nonQualified := inc.Regimes()
	met := inc.notice(ToSupervisoryBody, NoticeEarlyWarning, NoticeNotification)
	var out []Clock
	if qualified {
		title := "notify the supervisory body (qualified service: 24 h of the incident)"
		if inc.unrecorded() {
			title = "notify the supervisory body (qualification not recorded: the qualified clock applies)"
		}
		out = append(out, newClock(ClockEIDAS, title, []string{"eIDAS Art. 24(2)(fb)", inc.ref(reqNotify)},
			inc.EIDASStart(), inc.Rules.Notification, met, now))
	}
	if nonQualified {
		name := ClockEIDAS
		if qualified {
			name = ClockEIDASNonQualified
		}
		out = append(out, newClock(name, "notify the supervisory body (non-qualified service: 24 h of awareness)",
			[]string{"eIDAS Art. 19a(1)(b)", inc.ref(reqNotify)}, inc.AwareAt, inc.Rules.Notification, met, now))
	}
	return out
}

// ongoingFinal applies NIS2 Art. 23(4)(e): an incident still ongoing when
// the final report is due needs a progress report then, and the final
// report within one month of handling. A progress report sent on time for
// an ongoing incident meets the one-month clock; once the incident is
// closed (handled), a second clock runs a month from closure.
func (inc Incident) ongoingFinal(final *Clock, now time.Time) []Clock {
	if final.State == ClockMet {
		return nil
	}
	ongoing := inc.ClosedAt.IsZero() || inc.ClosedAt.After(final.Due)
	at, id := inc.notice(ToCSIRT, NoticeProgress)()
	if !ongoing || at.IsZero() || at.After(final.Due) {
		return nil
	}
	final.Title = "NIS2 final report, or progress report while ongoing"
	final.Basis = append(final.Basis, "NIS2 Art. 23(4)(e)")
	final.MetAt, final.MetBy, final.State = at, id, ClockMet
	if inc.ClosedAt.IsZero() {
		return nil
	}
	return []Clock{newClock(ClockFinalAfterHandling, "NIS2 final report after handling", []string{"NIS2 Art. 23(4)(e)"},
		inc.ClosedAt, nis2FinalReport, inc.notice(ToCSIRT, NoticeFinal), now)}
}

// reviewClock is the post-incident review (REQ-7.9.5-04), due a span after
// closure. It shows once the incident is closed or a review is recorded.
func (inc Incident) reviewClock(now time.Time) (Clock, bool) {
	if inc.Kind != KindIncident {
		return Clock{}, false
	}
	met := inc.stepMet(StepReview)
	metAt, _ := met()
	if inc.ClosedAt.IsZero() && metAt.IsZero() {
		return Clock{}, false
	}
	basis := []string{inc.ref(reqReview)}
	if inc.ClosedAt.IsZero() {
		c := newClock(ClockReview, "post-incident review", basis, metAt, Span{Amount: 0, Unit: UnitDay}, met, now)
		return c, true
	}
	return newClock(ClockReview, "post-incident review", basis, inc.ClosedAt, inc.Rules.Review, met, now), true
}

// notice returns a finder for the first notification to a recipient of
// one of the kinds.
func (inc Incident) notice(to Recipient, kinds ...NoticeKind) func() (time.Time, string) {
	return func() (time.Time, string) {
		var at time.Time
		var id string
		for _, n := range inc.Notifications {
			if slices.Contains(n.To, to) && slices.Contains(kinds, n.Kind) && (at.IsZero() || n.SentAt.Before(at)) {
				at, id = n.SentAt, n.ID
			}
		}
		return at, id
	}
}

// noticeTo finds the first notification of any kind to a recipient.
func (inc Incident) noticeTo(to Recipient) func() (time.Time, string) {
	return inc.notice(to, NoticeEarlyWarning, NoticeNotification, NoticeIntermediate, NoticeProgress, NoticeFinal)
}

// stepMet finds the first timeline step of one of the kinds.
func (inc Incident) stepMet(kinds ...StepKind) func() (time.Time, string) {
	return func() (time.Time, string) {
		s, ok := inc.firstStep(kinds...)
		if !ok {
			return time.Time{}, ""
		}
		return s.At, s.ID
	}
}

// asOf returns the incident as it was recorded at now: records stored
// later, and a closure stored later, are dropped.
func (inc Incident) asOf(now time.Time) Incident {
	v := inc
	v.Classifications = keep(inc.Classifications, func(c Classification) bool { return !c.At.After(now) })
	v.Steps = keep(inc.Steps, func(s Step) bool { return !s.RecordedAt.After(now) })
	v.Notifications = keep(inc.Notifications, func(n Notification) bool { return !n.RecordedAt.After(now) })
	if c, ok := v.firstStep(StepClosure); !ok || c.RecordedAt.After(now) {
		v.ClosedAt = time.Time{}
	}
	return v
}

func keep[T any](xs []T, ok func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if ok(x) {
			out = append(out, x)
		}
	}
	return out
}

// Failed returns the clocks that were missed or met late, for status and
// tasks.
func Failed(clocks []Clock) []Clock {
	return keep(clocks, Clock.Failed)
}
