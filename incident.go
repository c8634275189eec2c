package evident

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// IncidentKind separates incidents from vulnerabilities. A vulnerability is
// kept in the same register because it is worked the same way (timeline,
// reclassification, notifications) but its clock runs from discovery and
// only when it is critical (REQ-7.9.2-09).
type IncidentKind string

// The kinds of entry in the incident register.
const (
	KindIncident      IncidentKind = "incident"
	KindVulnerability IncidentKind = "vulnerability"
)

// Severity is the handler's triage grade (REQ-7.9.4-01). It is separate
// from significance: significance is computed from the REQ-7.9.3-07
// criteria, severity is a judgement that drives who is woken up.
type Severity string

// Severities, lowest first.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// ParseSeverity reads a severity as users type it.
func ParseSeverity(s string) (Severity, error) {
	switch v := Severity(strings.ToLower(strings.TrimSpace(s))); v {
	case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		return v, nil
	}
	return "", Errorf(EINVALID, "severity %q: want low, medium, high or critical", s)
}

// Categories of incident, the categorisation scheme REQ-7.9.2-13 asks the
// policy to have. The list is short on purpose: a register whose categories
// nobody agrees on cannot be searched for recurrence.
var Categories = []string{
	"breach",           // confidentiality: data or keys exposed
	"integrity",        // data, certificates or time-stamps altered or misissued
	"availability",     // service disrupted or down
	"malicious-access", // unauthorised access, malware, intrusion
	"physical",         // restricted physical area compromised
	"vulnerability",    // a weakness found before anyone used it
	"other",
}

// ParseCategory checks a category against Categories.
func ParseCategory(s string) (string, error) {
	c := strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(Categories, c) {
		return c, nil
	}
	return "", Errorf(EINVALID, "category %q: want one of %s", s, strings.Join(Categories, ", "))
}

// StepKind is a stage of the response timeline (REQ-7.9.2-16: containment,
// eradication, recovery) plus closure, the post-incident review
// (REQ-7.9.5-04) and mitigation, the way a vulnerability is dealt with
// before anyone exploits it (REQ-7.9.2-09, REQ-7.9.2-10).
type StepKind string

// Timeline steps.
const (
	StepContainment StepKind = "containment"
	StepEradication StepKind = "eradication"
	StepRecovery    StepKind = "recovery"
	StepMitigation  StepKind = "mitigation"
	StepClosure     StepKind = "closure"
	StepReview      StepKind = "review"
)

// ParseStepKind reads a timeline step name.
func ParseStepKind(s string) (StepKind, error) {
	switch k := StepKind(strings.ToLower(strings.TrimSpace(s))); k {
	case StepContainment, StepEradication, StepRecovery, StepMitigation, StepClosure, StepReview:
		return k, nil
	}
	return "", Errorf(EINVALID, "step %q: want containment, eradication, recovery, mitigation, closure or review", s)
}

// Step is one entry of an incident's timeline. At is when it happened as
// the handler states it; RecordedAt is when the server stored it. Both are
// kept because a step written up after the fact is normal, and an assessor
// must be able to see how long after.
type Step struct {
	ID         string    `json:"id"`
	Kind       StepKind  `json:"kind"`
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recorded_at"`
	Actor      string    `json:"actor"`
	Note       string    `json:"note,omitempty"`
	Ledger     int64     `json:"ledger_index"`
}

// Incident is one entry of the register: an incident or a vulnerability.
//
// AwareAt is the instant the regulatory clocks start from (eIDAS Art.
// 19a(1)(b) and NIS2 Art. 23(4) count from becoming aware); for a
// vulnerability it is the discovery time. DetectedAt is when monitoring
// first saw something, which may be earlier and is kept for the review.
// EstimatedStartAt is when the incident itself is believed to have begun:
// eIDAS Art. 24(2)(fb) gives a qualified service 24 hours "of the
// incident", so for qualified services the clock starts at the earlier of
// the estimated start and awareness (see EIDASStart).
//
// Qualifications records, for each affected service, its qualification
// when the incident was opened or its services last changed, so the
// regime that sets the eIDAS clock is part of the signed record and does
// not move when the program is edited later.
//
// Rules is the snapshot of deadlines and thresholds in force when the
// incident was opened: a later catalog or configuration change must not
// move the deadlines of an incident already being worked.
type Incident struct {
	ID                string       `json:"id"`
	Kind              IncidentKind `json:"kind"`
	Title             string       `json:"title"`
	Summary           string       `json:"summary,omitempty"`
	Reporter          string       `json:"reporter"`
	DetectedAt        time.Time    `json:"detected_at"`
	AwareAt           time.Time    `json:"aware_at"`
	EstimatedStartAt  time.Time    `json:"estimated_start_at,omitzero"`
	Services          []string     `json:"services"`
	Systems           []string     `json:"systems"`
	PersonalData      bool         `json:"personal_data"`
	CustomersAffected bool         `json:"customers_affected"`
	RootCause         string       `json:"root_cause,omitempty"`
	// Qualifications maps each affected service to its qualification;
	// the store fills it from the program, users do not set it.
	Qualifications map[string]Qualification `json:"qualifications,omitempty"`
	// Assignee is the login working the incident, "" when no one is
	// named: its clocks are then the work of whoever owns the incident
	// procedure (see readiness).
	Assignee string `json:"assignee,omitempty"`
	// FindingKey identifies the importer finding that opened a
	// vulnerability ("trivy:CVE-2026-1234:ca-issuing"), so re-importing the
	// same report finds it instead of opening a duplicate.
	FindingKey string `json:"finding_key,omitempty"`

	OpenedAt time.Time `json:"opened_at"`
	OpenedBy string    `json:"opened_by"`
	ClosedAt time.Time `json:"closed_at,omitzero"`

	Rules IncidentRules `json:"rules"`
	// Classifications is the full history, oldest first (REQ-7.9.4-02:
	// reclassification keeps what was believed before). The last one is
	// in force.
	Classifications []Classification `json:"classifications"`
	Steps           []Step           `json:"steps"`
	Notifications   []Notification   `json:"notifications"`
}

// Current returns the classification in force and false when the incident
// has not been classified yet.
func (inc Incident) Current() (Classification, bool) {
	if len(inc.Classifications) == 0 {
		return Classification{}, false
	}
	return inc.Classifications[len(inc.Classifications)-1], true
}

// Severity returns the current severity, or "" before triage.
func (inc Incident) Severity() Severity {
	c, _ := inc.Current()
	return c.Severity
}

// Open reports whether the incident has not been closed.
func (inc Incident) Open() bool { return inc.ClosedAt.IsZero() }

// firstStep returns the earliest step of one of the kinds, by its stated time.
func (inc Incident) firstStep(kinds ...StepKind) (Step, bool) {
	var best Step
	found := false
	for _, s := range inc.Steps {
		if slices.Contains(kinds, s.Kind) && (!found || s.At.Before(best.At)) {
			best, found = s, true
		}
	}
	return best, found
}

// Validate checks what a new register entry needs: a kind, a title, a
// reporter, UTC-comparable times that are not in the future of now, and
// detection no later than awareness. It names the field at fault.
func (inc Incident) Validate(now time.Time) error {
	switch inc.Kind {
	case KindIncident, KindVulnerability:
	default:
		return ErrorAt(EINVALID, "kind", "%q: want incident or vulnerability", inc.Kind)
	}
	if strings.TrimSpace(inc.Title) == "" {
		return ErrorAt(EINVALID, "title", "an incident needs a title")
	}
	if strings.TrimSpace(inc.Reporter) == "" {
		return ErrorAt(EINVALID, "reporter", "an incident needs the person or tool that reported it")
	}
	if inc.AwareAt.IsZero() {
		return ErrorAt(EINVALID, "aware_at", "an incident needs the time the TSP became aware of it: every clock starts there")
	}
	if inc.AwareAt.After(now) {
		return ErrorAt(EINVALID, "aware_at", "%s is in the future (now is %s)", UTC(inc.AwareAt), UTC(now))
	}
	if !inc.DetectedAt.IsZero() && inc.DetectedAt.After(inc.AwareAt) {
		return ErrorAt(EINVALID, "detected_at", "detection %s is after awareness %s", UTC(inc.DetectedAt), UTC(inc.AwareAt))
	}
	if err := inc.checkEstimatedStart(); err != nil {
		return err
	}
	for _, list := range [][]string{inc.Services, inc.Systems} {
		for _, n := range list {
			if strings.TrimSpace(n) == "" {
				return ErrorAt(EINVALID, "services/systems", "empty name in the list of affected services or systems")
			}
		}
	}
	return inc.Rules.Validate()
}

// checkEstimatedStart refuses an estimated start after awareness: nobody
// becomes aware of an incident before it began, and a later estimate
// would let the qualified clock start after the one the law names.
func (inc Incident) checkEstimatedStart() error {
	if !inc.EstimatedStartAt.IsZero() && inc.EstimatedStartAt.After(inc.AwareAt) {
		return ErrorAt(EINVALID, "estimated_start_at", "estimated start %s is after awareness %s", UTC(inc.EstimatedStartAt), UTC(inc.AwareAt))
	}
	return nil
}

// CheckStepTime refuses a step or notification time that is before the
// incident became known or after now: either would let a record meet a
// clock it could not have met.
func (inc Incident) CheckStepTime(field string, at, now time.Time) error {
	if at.After(now) {
		return ErrorAt(EINVALID, field, "%s is in the future (now is %s)", UTC(at), UTC(now))
	}
	start := inc.AwareAt
	if !inc.DetectedAt.IsZero() && inc.DetectedAt.Before(start) {
		start = inc.DetectedAt
	}
	if at.Before(start) {
		return ErrorAt(EINVALID, field, "%s is before the incident was detected (%s)", UTC(at), UTC(start))
	}
	return nil
}

// VulnerabilityFinding is what an importer reports about a vulnerability it
// found in tool output. Key identifies the finding across imports (tool,
// finding id and target, e.g. "trivy:CVE-2026-1234:ca-issuing"), so the
// same report imported twice opens one register entry.
type VulnerabilityFinding struct {
	Key          string    `json:"key"`
	Title        string    `json:"title"`
	Summary      string    `json:"summary,omitempty"`
	Severity     Severity  `json:"severity"`
	DiscoveredAt time.Time `json:"discovered_at"`
	Reporter     string    `json:"reporter"` // the importer: "importer:trivy"
	Services     []string  `json:"services,omitempty"`
	Systems      []string  `json:"systems,omitempty"`
}

// IncidentUpdate changes the descriptive fields of a register entry as new
// information arrives. Nil fields are left alone; every update is a ledger
// record, so what was believed before stays readable.
type IncidentUpdate struct {
	Title             *string   `json:"title,omitempty"`
	Summary           *string   `json:"summary,omitempty"`
	Services          *[]string `json:"services,omitempty"`
	Systems           *[]string `json:"systems,omitempty"`
	PersonalData      *bool     `json:"personal_data,omitempty"`
	CustomersAffected *bool     `json:"customers_affected,omitempty"`
	RootCause         *string   `json:"root_cause,omitempty"`
	// Assignee names the login now working the incident ("" unassigns).
	Assignee *string `json:"assignee,omitempty"`
	// EstimatedStartAt revises when the incident is believed to have
	// begun; the qualified eIDAS clock follows it.
	EstimatedStartAt *time.Time `json:"estimated_start_at,omitempty"`
	// Qualifications is set by the store, never by the caller: the
	// affected services' qualifications after the update, so replaying
	// the signed record gives the same clocks.
	Qualifications *map[string]Qualification `json:"qualifications,omitempty"`
}

// IsZero reports whether the update changes nothing a user can change.
func (u IncidentUpdate) IsZero() bool {
	u.Qualifications = nil
	return u == IncidentUpdate{}
}

// Apply returns inc with the update's fields set.
func (u IncidentUpdate) Apply(inc Incident) Incident {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&inc.Title, u.Title)
	set(&inc.Summary, u.Summary)
	set(&inc.RootCause, u.RootCause)
	set(&inc.Assignee, u.Assignee)
	if u.Services != nil {
		inc.Services = slices.Clone(*u.Services)
	}
	if u.Systems != nil {
		inc.Systems = slices.Clone(*u.Systems)
	}
	if u.PersonalData != nil {
		inc.PersonalData = *u.PersonalData
	}
	if u.CustomersAffected != nil {
		inc.CustomersAffected = *u.CustomersAffected
	}
	if u.EstimatedStartAt != nil {
		inc.EstimatedStartAt = u.EstimatedStartAt.UTC()
	}
	if u.Qualifications != nil {
		inc.Qualifications = maps.Clone(*u.Qualifications)
	}
	return inc
}

// IncidentClocks is an incident with its clocks as of an instant, the
// shape status, tasks, the API and the web UI show.
type IncidentClocks struct {
	Incident Incident `json:"incident"`
	Clocks   []Clock  `json:"clocks"`
}

// ReportRefs names the requirements a report sent to the given recipients
// is evidence for, in the catalog version the incident's figures came
// from: the supervisory body and CSIRT reports prove REQ-7.9.3-01 and
// REQ-7.9.2-02, a customer notice REQ-7.9.3-02. The CLI and the API file
// reports through this one mapping so both link the same requirements.
func (inc Incident) ReportRefs(to []Recipient) []RequirementRef {
	var ids []RequirementID
	for _, r := range to {
		switch r {
		case ToSupervisoryBody, ToCSIRT:
			ids = append(ids, "REQ-7.9.3-01", "REQ-7.9.2-02")
		case ToCustomers:
			ids = append(ids, "REQ-7.9.3-02")
		}
	}
	var out []RequirementRef
	seen := map[RequirementID]bool{}
	for _, id := range ids {
		ref, err := ParseRequirementRef(inc.Rules.Source+":"+string(id), "", "")
		if err != nil || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, ref)
	}
	return out
}
