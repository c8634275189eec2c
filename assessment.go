package evident

import (
	"strings"
	"time"
)

// The assessment cycle: a conformity assessment body (CAB) assesses the
// TSP against EN 319 401 under EN 319 403-1. An Engagement is one such
// assessment; during it the assessors raise Requests for evidence and
// Findings, and the TSP answers the first and works the second to
// closure. Every step is a ledger leaf; the state of a request or a
// finding at an instant is computed from its steps, never stored apart
// from them, so readiness at a past instant is what it was then.

// EngagementKind is the kind of assessment (EN 319 403-1 clause 7).
type EngagementKind string

// The kinds of engagement.
const (
	EngagementInitial         EngagementKind = "initial"
	EngagementSurveillance    EngagementKind = "surveillance"
	EngagementRecertification EngagementKind = "re-certification"
	// EngagementAdHoc is an assessment after a significant change.
	EngagementAdHoc EngagementKind = "ad-hoc"
)

// EngagementKinds lists the kinds in the order forms offer them.
var EngagementKinds = []EngagementKind{EngagementInitial, EngagementSurveillance, EngagementRecertification, EngagementAdHoc}

// ParseEngagementKind reads a kind as users type it.
func ParseEngagementKind(s string) (EngagementKind, error) {
	k := EngagementKind(strings.ToLower(strings.TrimSpace(s)))
	for _, x := range EngagementKinds {
		if k == x {
			return k, nil
		}
	}
	return "", ErrorAt(EINVALID, "kind", "engagement kind %q: want initial, surveillance, re-certification or ad-hoc", s)
}

// Engagement is one assessment by a CAB: who assesses, the audit period
// [From, To) and the services in scope. Assessors are the logins tied to
// it: recording the engagement gives each of them the engagement's period
// as their grant, so what they see is the engagement's, in every view.
type Engagement struct {
	ID        string         `json:"id"`
	Kind      EngagementKind `json:"kind"`
	CAB       string         `json:"cab"`
	Lead      string         `json:"lead_assessor"`
	From      time.Time      `json:"from"`
	To        time.Time      `json:"to"`
	Services  []string       `json:"services"`
	Assessors []string       `json:"assessors"`
	// Ends is when the assessment itself ends (the closing meeting), which
	// the dashboard counts down to; zero means the end of the period.
	Ends       time.Time `json:"ends,omitzero"`
	RecordedAt time.Time `json:"recorded_at"`
	Actor      string    `json:"actor"`
}

// Validate reports the first thing wrong with the engagement, naming the field.
func (e Engagement) Validate() error {
	if _, err := ParseEngagementKind(string(e.Kind)); err != nil {
		return err
	}
	for _, f := range [][2]string{{"cab", e.CAB}, {"lead", e.Lead}} {
		if strings.TrimSpace(f[1]) == "" {
			return ErrorAt(EINVALID, f[0], "an engagement names its %s", map[string]string{"cab": "conformity assessment body", "lead": "lead assessor"}[f[0]])
		}
		if err := CheckText(f[0], f[1]); err != nil {
			return err
		}
	}
	switch {
	case e.From.IsZero() || e.To.IsZero():
		return ErrorAt(EINVALID, "from", "an engagement needs its audit period, from and to")
	case !e.To.After(e.From):
		return ErrorAt(EINVALID, "to", "the period ends (%s) before it starts (%s)", UTC(e.To), UTC(e.From))
	case len(e.Services) == 0:
		return ErrorAt(EINVALID, "services", "an engagement names the services in scope")
	}
	return nil
}

// Deadline is the instant the dashboard counts down to.
func (e Engagement) Deadline() time.Time {
	if !e.Ends.IsZero() {
		return e.Ends
	}
	return e.To
}

// DaysLeft is the number of whole days from now to the deadline, never
// negative: an engagement that has ended has none left.
func (e Engagement) DaysLeft(now time.Time) int {
	d := e.Deadline().Sub(now)
	if d <= 0 {
		return 0
	}
	return int((d + 24*time.Hour - 1) / (24 * time.Hour))
}

// HasAssessor reports whether login is tied to the engagement.
func (e Engagement) HasAssessor(login string) bool {
	for _, a := range e.Assessors {
		if a == login {
			return true
		}
	}
	return false
}

// AssessmentStep is one act on a request or a finding, kept in the order
// made: the history an assessor reads back.
type AssessmentStep struct {
	Kind     string    `json:"kind"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Text     string    `json:"text,omitempty"`
	Evidence []string  `json:"evidence,omitempty"`
}

// RequestState is where a request for evidence stands.
type RequestState string

// Request states: the assessor asks (open), the TSP answers (answered),
// the assessor accepts the answer (accepted) or reopens it (open again).
const (
	RequestOpen     RequestState = "open"
	RequestAnswered RequestState = "answered"
	RequestAccepted RequestState = "accepted"
)

// Request steps.
const (
	StepAsk     = "ask"
	StepAnswer  = "answer"
	StepComment = "comment"
	StepAccept  = "accept"
	StepReopen  = "reopen"
	StepUpdate  = "update"
	StepClose   = "close"
)

// Request is an assessor's request for evidence (an item of the "provided
// by client" list) against a requirement, a control or a period.
type Request struct {
	ID          string          `json:"id"`
	Engagement  string          `json:"engagement"`
	Requirement *RequirementRef `json:"requirement,omitempty"`
	Control     string          `json:"control,omitempty"`
	From        time.Time       `json:"from,omitzero"`
	To          time.Time       `json:"to,omitzero"`
	Text        string          `json:"text"`
	Due         time.Time       `json:"due"`
	RaisedBy    string          `json:"raised_by"`
	RaisedAt    time.Time       `json:"raised_at"`
	// Steps is the whole history, oldest first; the first is the ask.
	Steps []AssessmentStep `json:"steps"`
}

// Validate reports the first thing wrong with a new request.
func (r Request) Validate() error {
	switch {
	case strings.TrimSpace(r.Text) == "":
		return ErrorAt(EINVALID, "text", "a request says what evidence is asked for")
	case r.Requirement == nil && r.Control == "" && r.From.IsZero():
		return ErrorAt(EINVALID, "requirement", "a request is against a requirement, a control or a period")
	case !r.From.IsZero() && !r.To.After(r.From):
		return ErrorAt(EINVALID, "to", "the period asked about ends before it starts")
	case r.Due.IsZero():
		return ErrorAt(EINVALID, "due", "a request needs a due date")
	}
	return CheckText("text", r.Text)
}

// StateAt is the request's state at t, from the steps made by then.
func (r Request) StateAt(t time.Time) RequestState {
	s := RequestState("")
	for _, st := range r.Steps {
		if !t.IsZero() && st.At.After(t) {
			break
		}
		switch st.Kind {
		case StepAsk, StepReopen:
			s = RequestOpen
		case StepAnswer:
			s = RequestAnswered
		case StepAccept:
			s = RequestAccepted
		}
	}
	return s
}

// State is the request's state after its last step.
func (r Request) State() RequestState { return r.StateAt(time.Time{}) }

// Overdue reports whether the request is still open past its due date at now.
func (r Request) Overdue(now time.Time) bool {
	return r.StateAt(now) == RequestOpen && now.After(r.Due)
}

// FindingKind grades a finding (EN 319 403-1 7.6 and ISO/IEC 17065).
type FindingKind string

// The kinds of finding.
const (
	FindingMajor       FindingKind = "major"
	FindingMinor       FindingKind = "minor"
	FindingObservation FindingKind = "observation"
)

// ParseFindingKind reads a kind as users and CAB spreadsheets write it.
func ParseFindingKind(s string) (FindingKind, error) {
	switch k := strings.ToLower(strings.TrimSpace(s)); k {
	case "major", "major nonconformity", "major non-conformity", "major-nc":
		return FindingMajor, nil
	case "minor", "minor nonconformity", "minor non-conformity", "minor-nc":
		return FindingMinor, nil
	case "observation", "obs", "opportunity for improvement":
		return FindingObservation, nil
	}
	return "", ErrorAt(EINVALID, "kind", "finding kind %q: want major, minor or observation", s)
}

// FindingState is where a finding stands on its way to closure.
type FindingState string

// Finding states: open until the TSP proposes closure with its evidence,
// closure-proposed until the assessor accepts it (closed) or sends it
// back (open again). Only the assessor's acceptance closes a finding.
const (
	FindingOpen     FindingState = "open"
	FindingProposed FindingState = "closure-proposed"
	FindingClosed   FindingState = "closed"
)

// Finding is a nonconformity or an observation and its way to closure:
// the assessor's text against requirements, the TSP's root cause and
// corrective action plan with its due date, the closure evidence and the
// assessor's acceptance.
type Finding struct {
	ID         string `json:"id"`
	Engagement string `json:"engagement"`
	// Ref is the CAB's own number for the finding ("NC-2026-03"), which an
	// import of the CAB's list matches on.
	Ref              string           `json:"ref,omitempty"`
	Kind             FindingKind      `json:"kind"`
	Requirements     []RequirementRef `json:"requirements"`
	Text             string           `json:"text"`
	RootCause        string           `json:"root_cause,omitempty"`
	CorrectiveAction string           `json:"corrective_action,omitempty"`
	Due              time.Time        `json:"due,omitzero"`
	ClosureEvidence  []string         `json:"closure_evidence,omitempty"`
	RaisedBy         string           `json:"raised_by"`
	RaisedAt         time.Time        `json:"raised_at"`
	Steps            []AssessmentStep `json:"steps"`
}

// Validate reports the first thing wrong with a finding as raised.
func (f Finding) Validate() error {
	if _, err := ParseFindingKind(string(f.Kind)); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(f.Text) == "":
		return ErrorAt(EINVALID, "text", "a finding carries the assessor's text")
	case f.Kind != FindingObservation && len(f.Requirements) == 0:
		return ErrorAt(EINVALID, "requirements", "a nonconformity names the requirements it is against")
	}
	for _, c := range [][2]string{{"ref", f.Ref}, {"text", f.Text}, {"root_cause", f.RootCause}, {"corrective_action", f.CorrectiveAction}} {
		if err := CheckText(c[0], c[1]); err != nil {
			return err
		}
	}
	return nil
}

// StateAt is the finding's state at t, from the steps made by then.
func (f Finding) StateAt(t time.Time) FindingState {
	s := FindingState("")
	for _, st := range f.Steps {
		if !t.IsZero() && st.At.After(t) {
			break
		}
		switch st.Kind {
		case StepAsk, StepReopen:
			s = FindingOpen
		case StepClose:
			s = FindingProposed
		case StepAccept:
			s = FindingClosed
		}
	}
	return s
}

// State is the finding's state after its last step.
func (f Finding) State() FindingState { return f.StateAt(time.Time{}) }

// OpenAt reports whether the finding was raised by t and not yet closed
// by the assessor's acceptance: a closure proposed and not accepted is
// still open, since only the assessor closes a finding.
func (f Finding) OpenAt(t time.Time) bool {
	s := f.StateAt(t)
	return s == FindingOpen || s == FindingProposed
}

// Accepted returns the acceptance step that closed the finding, if it is closed.
func (f Finding) Accepted() (AssessmentStep, bool) {
	if f.State() != FindingClosed {
		return AssessmentStep{}, false
	}
	for i := len(f.Steps) - 1; i >= 0; i-- {
		if f.Steps[i].Kind == StepAccept {
			return f.Steps[i], true
		}
	}
	return AssessmentStep{}, false
}

// Title is a one-line name for lists and tasks.
func (f Finding) Title() string {
	name := f.ID
	if f.Ref != "" {
		name = f.Ref
	}
	return string(f.Kind) + " " + name + ": " + clipText(f.Text, 80)
}

// clipText shortens s to n runes on one line.
func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
