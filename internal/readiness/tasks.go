package readiness

import (
	"slices"
	"sort"
	"time"

	"github.com/evidenthq/evident"
)

// Task kinds, the first thing a reader filters on.
const (
	TaskPeriod    = "period"    // a control's window due, overdue or failing
	TaskChange    = "change"    // work a change opened (pen test, reviews)
	TaskReview    = "review"    // a policy, risk or supplier review
	TaskException = "exception" // an exception about to expire
	TaskIncident  = "incident"  // an incident clock running or missed
	TaskRefresh   = "refresh"   // evidence a significant change made stale, to renew before the audit
	TaskFinding   = "finding"   // a nonconformity's corrective action, due or overdue
	TaskLegal     = "legal"     // a duty the law dates: a notice to the supervisory body, the assessment cycle
)

// Task is one thing that is due, with the requirement it serves and who
// owns it. Start is when the work became possible (a window's start, a
// change's time); Due is the deadline.
type Task struct {
	Kind         string    `json:"kind"`
	Title        string    `json:"title"`
	State        string    `json:"state"`
	Control      string    `json:"control,omitempty"`
	Requirements []string  `json:"requirements"`
	Owner        string    `json:"owner,omitempty"`
	Start        time.Time `json:"start,omitzero"`
	Due          time.Time `json:"due"`
	// Source names the object behind the task: "change/ID",
	// "policy/ID", "incident/ID", "exception/ID", "service/ID".
	Source string `json:"source,omitempty"`
	// Basis is the law that sets the date, act and article ("eIDAS Art.
	// 24(2)(a)"), for the tasks the law dates.
	Basis []string `json:"basis,omitempty"`
}

// Tasks returns what is due at in.At: everything overdue or failing, and
// everything else due by horizon, ordered by due date. A zero horizon
// means no limit.
func Tasks(in Input, horizon time.Time) []Task {
	var out []Task
	for _, c := range in.Model.Controls {
		out = append(out, periodTasks(in, c)...)
	}
	out = append(out, dedupe(changeTasks(in), out)...)
	out = append(out, supplierChangeTasks(in)...)
	out = append(out, refreshTasks(in)...)
	out = append(out, reviewTasks(in)...)
	out = append(out, exceptionTasks(in)...)
	out = append(out, incidentTasks(in)...)
	out = append(out, followUpTasks(in)...)
	out = append(out, anchorTasks(in)...)
	out = append(out, findingTasks(in)...)
	out = append(out, legalTasks(in)...)
	kept := []Task{}
	for _, t := range out {
		if horizon.IsZero() || !t.Due.After(horizon) || t.State != "due" && t.State != "running" {
			kept = append(kept, t)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		if !kept[i].Due.Equal(kept[j].Due) {
			return kept[i].Due.Before(kept[j].Due)
		}
		return kept[i].Title < kept[j].Title
	})
	return kept
}

// Filter keeps the tasks owned by owner (all when owner is empty).
func Filter(ts []Task, owner string) []Task {
	if owner == "" {
		return ts
	}
	out := []Task{}
	for _, t := range ts {
		if t.Owner == owner {
			out = append(out, t)
		}
	}
	return out
}

// Mine keeps the tasks that are login's work: assigned to login itself
// (an incident), owned by a person who names login as their user, or by a
// role such a person holds. The one rule
// behind `evident tasks --mine`, the API's tasks?mine=true and the web's
// My work page.
func Mine(ts []Task, m *evident.Model, login string) []Task {
	owners := append(m.OwnersOf(login), UserOwner(login))
	out := []Task{}
	for _, t := range ts {
		if login != "" && t.Owner != "" && slices.Contains(owners, t.Owner) {
			out = append(out, t)
		}
	}
	return out
}

func refs(rs []evident.RequirementRef) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// periodTasks lists a control's windows that need work: the open one if
// it is due or failing, and the previous ones still in their grace time.
func periodTasks(in Input, c evident.Control) []Task {
	ci := in.Controls[c.ID]
	s := ci.Schedule
	lookback := s.Cadence.Window(s.Anchor, in.At).Start.Add(-s.Cadence.Grace())
	if s.Cadence.Kind == evident.CadencePostChange {
		lookback = in.At.Add(-evident.PostChangeDue - s.Cadence.Grace())
	}
	var out []Task
	for _, p := range s.Evaluate(ci.History, lookback, in.At.Add(time.Nanosecond), in.At) {
		switch p.State {
		case evident.PeriodDue, evident.PeriodOverdue, evident.PeriodFailing:
		default:
			continue
		}
		title := "Evidence for " + c.Title + " (" + s.Cadence.String() + ", " + p.Start.Format("2006-01-02") + " to " + p.LastDay().Format("2006-01-02") + ")"
		src := ""
		if p.Change != "" {
			src = "change/" + p.Change
			title = c.Title + " (" + changeName(ci.History.Changes, p.Change) + ")"
		}
		out = append(out, submissionTask(Task{Kind: TaskPeriod, Title: title, State: string(p.State), Control: c.ID,
			Requirements: refs(c.Requirements), Owner: c.Owner, Start: p.Start, Due: p.End, Source: src}, c, p))
	}
	return out
}

// changeName names a change by what changed: "system ca-issuing 5.0".
func changeName(cs []evident.Change, id string) string {
	for _, c := range cs {
		if c.ID == id {
			if c.Version != "" {
				return c.Subject() + " " + c.Version
			}
			return c.Subject()
		}
	}
	return "change " + id
}

// changeTasks lists the work changes opened that no evidence has closed.
// A task is closed by evidence effective after the change for any control
// meeting the task's requirement (TaskEvidence, from the loader).
func changeTasks(in Input) []Task {
	var out []Task
	for _, t := range in.ChangeTasks {
		if in.TaskEvidence[t.ID] != "" {
			continue
		}
		state := "due"
		if !in.At.Before(t.Due) {
			state = "overdue"
		}
		owner, control := "", ""
		if cs := in.Model.ControlsFor(t.Requirement); len(cs) > 0 {
			owner, control = cs[0].Owner, cs[0].ID
		}
		out = append(out, Task{Kind: TaskChange, Title: t.Title, State: state, Control: control,
			Requirements: []string{t.Requirement.String()}, Owner: owner, Start: t.After, Due: t.Due, Source: "change/" + t.Change})
	}
	return out
}

// supplierChangeTasks opens a review of every supplier that supports a
// system or service a significant change touched (playbook §5,
// REQ-7.14.1-05): the supplier's part may have changed with it. The task
// is computed, not stored, and closes once the program records a review
// of the supplier on or after the change.
func supplierChangeTasks(in Input) []Task {
	m := in.Model
	var out []Task
	for _, ch := range in.Changes {
		subject := ch.System + ch.Service
		if !ch.Significant || subject == "" || ch.At.After(in.At) {
			continue
		}
		for _, s := range m.Suppliers {
			if !slices.Contains(s.Supports, subject) || !s.LastReview.Before(ch.At) {
				continue
			}
			due := ch.At.Add(evident.PostChangeDue)
			state := "due"
			if !in.At.Before(due) {
				state = "overdue"
			}
			out = append(out, Task{Kind: TaskChange, Title: "Review supplier " + s.Name + " after significant change to " + changeName([]evident.Change{ch}, ch.ID),
				State: state, Requirements: []string{evident.RequirementRef{Standard: evident.EN319401, Version: m.Program.Version, ID: "REQ-7.14.1-05"}.String()},
				Start: ch.At, Due: due, Source: "change/" + ch.ID})
		}
	}
	return out
}

// refreshTasks lists the controls whose latest evidence a significant
// change made stale: it must be renewed before the next audit, the
// program's next_audit date when it is still ahead, otherwise by the end
// of the control's current window.
func refreshTasks(in Input) []Task {
	var out []Task
	for _, c := range in.Model.Controls {
		ci := in.Controls[c.ID]
		f := ci.Schedule.Freshness(ci.Now(), in.At)
		if f.StaleBy == "" || ci.Schedule.Cadence.Kind == evident.CadencePostChange {
			// Post-change controls list the window the change opened
			// among their period tasks already.
			continue
		}
		due, when := in.Model.Program.NextAudit, "before the audit on "+in.Model.Program.NextAudit.Format("2006-01-02")
		if due.IsZero() || !due.After(in.At) {
			due, when = ci.Schedule.Cadence.Window(ci.Schedule.Anchor, in.At).End, "in this window"
		}
		state := "due"
		if !in.At.Before(due) {
			state = "overdue"
		}
		out = append(out, Task{Kind: TaskRefresh, Title: "Refresh evidence for " + c.Title + " " + when + " (stale after " + changeName(ci.History.Changes, f.StaleBy) + ")",
			State: state, Control: c.ID, Requirements: refs(c.Requirements), Owner: c.Owner, Start: f.Effective, Due: due, Source: "change/" + f.StaleBy})
	}
	return out
}

// dedupe drops change tasks that a post-change control's period already
// lists: the same work for the same change and requirement, said once.
func dedupe(changes, periods []Task) []Task {
	var out []Task
	for _, c := range changes {
		dup := false
		for _, p := range periods {
			if p.Source == c.Source && slices.Contains(p.Requirements, c.Requirements[0]) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}

// reviewTasks lists policy, risk and supplier reviews by their due dates.
func reviewTasks(in Input) []Task {
	m := in.Model
	ver := m.Program.Version
	ref := func(id string) []string {
		return []string{evident.RequirementRef{Standard: evident.EN319401, Version: ver, ID: evident.RequirementID(id)}.String()}
	}
	var out []Task
	add := func(title, owner, source string, due time.Time, reqs []string) {
		if due.IsZero() {
			return
		}
		state := "due"
		if !in.At.Before(due) {
			state = "overdue"
		}
		out = append(out, Task{Kind: TaskReview, Title: title, State: state, Owner: owner, Due: due, Source: source, Requirements: reqs})
	}
	for _, p := range m.Policies {
		add("Review policy "+p.Title, p.Owner, "policy/"+p.ID, p.ReviewDue(), ref("REQ-6.3-03"))
	}
	for _, r := range m.Risks {
		add("Review risk "+r.Title, r.Owner, "risk/"+r.ID, r.ReviewDue, ref("REQ-5-04"))
	}
	for _, s := range m.Suppliers {
		due := s.NextReview()
		if due.IsZero() {
			due = m.Program.CreatedAt // never reviewed: due since the program began
		}
		add("Review supplier "+s.Name, "", "supplier/"+s.ID, due, ref("REQ-7.14.1-05"))
	}
	return out
}

// exceptionTasks warns of exceptions in force that will expire: the work
// they excused comes back.
func exceptionTasks(in Input) []Task {
	var out []Task
	for _, e := range in.Exceptions {
		if _, ok := e.Approval(in.Approvals); !ok || !e.InForce(in.At) {
			continue
		}
		owner := ""
		var reqs []string
		if c := in.Model.ControlByID(e.Control); c != nil {
			owner, reqs = c.Owner, refs(c.Requirements)
		}
		out = append(out, Task{Kind: TaskException, Title: "Exception for " + e.Control + " expires (" + e.Reason + ")", State: "due",
			Control: e.Control, Requirements: reqs, Owner: owner, Start: e.From, Due: e.Expires, Source: "exception/" + e.ID})
	}
	return out
}

// incidentTasks lists clocks still running or missed.
func incidentTasks(in Input) []Task {
	var out []Task
	for _, inc := range in.Incidents {
		for _, c := range inc.Clocks {
			if c.State != evident.ClockRunning && c.State != evident.ClockMissed {
				continue
			}
			out = append(out, Task{Kind: TaskIncident, Title: c.Title + ": " + inc.Title, State: string(c.State),
				Requirements: c.Basis, Start: c.Start, Due: c.Due, Source: "incident/" + inc.ID, Owner: incidentOwner(in.Model, inc, c)})
		}
	}
	return out
}

// UserOwner is how a task names a login that owns it, beside person and
// role ids: "user:omar", the assignee of an incident.
func UserOwner(login string) string { return "user:" + login }

// incidentOwner is who owns an incident clock's work: the incident's
// assignee, else the owner of the procedure behind the deadline.
func incidentOwner(m *evident.Model, inc IncidentClocks, c evident.Clock) string {
	if inc.Assignee != "" {
		return UserOwner(inc.Assignee)
	}
	return clockOwner(m, c.Basis)
}

// clockOwner is who owns an incident clock's work when no one is named
// for the incident: the owner of the first control (by id) that meets one
// of the requirements the deadline comes from (the incident procedure's
// owner, usually the incident manager's role), "" when none does.
func clockOwner(m *evident.Model, basis []string) string {
	best := ""
	owner := ""
	for _, c := range m.Controls {
		if c.Owner == "" || (best != "" && c.ID >= best) {
			continue
		}
		for _, r := range refs(c.Requirements) {
			if slices.Contains(basis, r) {
				best, owner = c.ID, c.Owner
				break
			}
		}
	}
	return owner
}

// findingTasks lists the corrective actions of open nonconformities that
// have a due date: due until then, overdue after. A closure proposed is
// still the TSP's until the assessor accepts it, so it stays listed.
func findingTasks(in Input) []Task {
	var out []Task
	for _, f := range in.Findings {
		if f.Kind == evident.FindingObservation || f.Due.IsZero() || !f.OpenAt(in.At) {
			continue
		}
		state := "due"
		if in.At.After(f.Due) {
			state = "overdue"
		}
		what := f.CorrectiveAction
		if what == "" {
			what = f.Text
		}
		out = append(out, Task{Kind: TaskFinding, Title: "Corrective action for " + string(f.Kind) + " nonconformity " + findingName(f) + ": " + what,
			State: state, Requirements: refs(f.Requirements), Start: f.RaisedAt, Due: f.Due, Source: "finding/" + f.ID})
	}
	return out
}
