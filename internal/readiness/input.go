package readiness

import (
	"slices"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Input is everything status and tasks are computed from, as known at At.
// The loader (Load) fills it from the store; tests build it by hand.
type Input struct {
	At    time.Time
	Model *evident.Model
	// Requirements is the catalog of the program's version with its
	// overlays, in catalog order.
	Requirements []evident.Requirement
	// ServiceRequirements is the catalog with each service's own
	// overlays, by service id (catalog.ServiceRequirements). A control
	// scoped to services is held to the figures of those services'
	// requirements only; nil holds every control to Requirements.
	ServiceRequirements map[string][]evident.Requirement
	// Controls holds each control's schedule and the part of its history
	// the computation needs, by control id.
	Controls map[string]ControlInput
	// Changes are the changes recorded at or before At, in the order
	// they took effect.
	Changes     []evident.Change
	ChangeTasks []evident.ChangeTask
	// TaskEvidence maps a change task to the evidence that closed it.
	TaskEvidence map[string]string
	// Exceptions are every exception recorded at or before At; only
	// those an approval act binds excuse windows (Approvals).
	Exceptions []evident.Exception
	// Approvals are the approval acts recorded at or before At, by
	// subject: only these approve anything (DESIGN.md).
	Approvals evident.Approvals
	Incidents []IncidentClocks
	// FollowUps are the follow-up actions of each exercise control's
	// latest accepted exercise.
	FollowUps []sqlstore.FollowUp
	// Findings are the assessors' findings raised at or before At, each
	// with its whole history; which are open at At is read from it.
	Findings []evident.Finding
	// Engagements are the conformity assessments recorded at or before
	// At; the assessment cycle's legal clocks count from them.
	Engagements []evident.Engagement
	// LastAnchor is when the newest RFC 3161 anchor recorded by At was
	// recorded; zero when there is none.
	LastAnchor time.Time
}

// ControlInput is one control's schedule and history.
type ControlInput struct {
	Schedule evident.Schedule
	History  evident.History
	// recent, when set, is the evidence as a report at the instant alone
	// reads it (historyQuery with no range): freshness and the current
	// window are judged from it, so that a report over a period, which
	// reads History from further back, says of them what `evident
	// status` says. Without it History serves.
	recent    []evident.Occurrence
	hasRecent bool
}

// Now is the control's history as freshness and the current window are
// judged from it: the records a report at the instant reads.
func (ci ControlInput) Now() evident.History {
	h := ci.History
	if ci.hasRecent {
		h.Occurrences = ci.recent
	}
	return h
}

// IncidentClocks is an incident with its clocks as of the input's instant.
type IncidentClocks struct {
	ID     string          `json:"id"`
	Title  string          `json:"title"`
	Clocks []evident.Clock `json:"clocks"`
	// Assignee is the login working the incident, "" when no one is named.
	Assignee string `json:"assignee,omitempty"`
}

// IncidentsOf is the register's incidents with their clocks as readiness
// takes them: the one conversion the CLI, the API and the web use.
func IncidentsOf(ics []evident.IncidentClocks) []IncidentClocks {
	out := make([]IncidentClocks, 0, len(ics))
	for _, ic := range ics {
		out = append(out, IncidentClocks{ID: ic.Incident.ID, Title: ic.Incident.Title, Clocks: ic.Clocks, Assignee: ic.Incident.Assignee})
	}
	return out
}

// ScheduleFor returns the schedule of control c anchored at anchor: the
// control's cadence, its method's TTL, the evidence each period needs and
// what it is judged by (its method's kind and its systems). It knows no
// hosts: a schedule that judges windows comes from ScheduleIn.
func ScheduleFor(c evident.Control, anchor time.Time) evident.Schedule {
	s := evident.Schedule{Cadence: c.Cadence, Anchor: anchor, Needs: c.Needs(), Method: c.Method.Kind, Systems: c.Systems}
	if c.NeedsReview() {
		// Only submissions a second person accepted count (DESIGN.md).
		s.Review = &evident.ReviewScope{Systems: c.Systems}
	}
	if c.Cadence.IsZero() {
		// A control without a cadence (a gap `evident gaps` reports) is
		// still judged: annually, the slowest cadence the standard uses.
		s.Cadence = evident.Cadence{Kind: evident.CadencePeriodic, Every: 1, Unit: evident.UnitYear}
	}
	if c.Method.TTL != nil {
		if end, ok := c.Method.TTL.AddTo(anchor); ok {
			s.TTL = end.Sub(anchor)
		}
	}
	return s
}

// ScheduleIn is ScheduleFor with the hosts program m lists for each of the
// control's systems: a system with hosts is satisfied in a window only
// once its passing verdicts checked all of them (evident.Schedule.Hosts).
// Status, tasks and every view read schedules built here, through Load.
func ScheduleIn(m *evident.Model, c evident.Control, anchor time.Time) evident.Schedule {
	s := ScheduleFor(c, anchor)
	for _, id := range c.Systems {
		if sys := m.SystemByID(id); sys != nil && len(sys.Hosts) > 0 {
			if s.Hosts == nil {
				s.Hosts = map[string][]string{}
			}
			s.Hosts[id] = slices.Clone(sys.Hosts)
		}
	}
	return s
}

// Affects reports whether a change touches what control c is scoped to:
// one of its systems or services. Supplier changes re-open supplier
// reviews but do not make a control's own evidence stale.
func Affects(ch evident.Change, c evident.Control) bool {
	return (ch.System != "" && slices.Contains(c.Systems, ch.System)) ||
		(ch.Service != "" && slices.Contains(c.Services, ch.Service))
}

// ServicesOf is the services a control concerns: those it names and those
// its systems support, each once, in the order met. None means the
// control serves the whole program.
func ServicesOf(m *evident.Model, c evident.Control) []string {
	out := slices.Clone(c.Services)
	for _, id := range c.Systems {
		if sys := m.SystemByID(id); sys != nil {
			for _, s := range sys.Services {
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// ChangesFor returns the changes that touch control c.
func ChangesFor(changes []evident.Change, c evident.Control) []evident.Change {
	var out []evident.Change
	for _, ch := range changes {
		if Affects(ch, c) {
			out = append(out, ch)
		}
	}
	return out
}

// PerService fills in.ServiceRequirements from cat for the services of
// the program as loaded: every view that reads readiness calls it after
// Load, so a control is held to its own services' acts in each of them.
func PerService(in *Input, cat *catalog.Catalog) error {
	if in.Model == nil || cat == nil {
		return nil
	}
	per, err := cat.ServiceRequirements(in.Model.Program, in.Model.Services)
	if err != nil {
		return err
	}
	in.ServiceRequirements = per
	return nil
}
