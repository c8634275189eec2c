package readiness

import (
	"slices"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// legalTasks lists the duties the law dates for the program's qualified
// services, each computed by the deadline function of the root package
// (legal.go) so every view shows one date and one basis:
//   - a notice to the supervisory body at least one month before a
//     significant change to a qualified service, from the recorded
//     changes, until the change records the notice (eIDAS Art. 24(2)(a));
//   - a notice at least three months before the cessation the termination
//     plan sets, until the service records it (same article);
//   - the next full conformity assessment, 24 months after the last
//     initial or re-certification engagement covering the service, and
//     the yearly surveillance assessment counted from the later of that
//     and the last surveillance engagement (eIDAS Art. 20(1);
//     Implementing Regulation (EU) 2025/2162 Art. 6(11)).
//
// The NIS2 final report is an incident clock (incidentTasks), due one
// month after the notification as NIS2FinalReportDeadline counts it.
func legalTasks(in Input) []Task {
	m := in.Model
	qualified := map[string]bool{}
	for _, s := range m.Services {
		if s.UnderQualifiedRules() {
			qualified[s.ID] = true
		}
	}
	notice := evident.RequirementRef{Standard: evident.EN319401, Version: m.Program.Version, ID: "REQ-6.3-04"}.String()
	var out []Task
	add := func(d evident.LegalDeadline, title, source string, reqs []string) {
		state := "due"
		if !in.At.Before(d.Due) {
			state = "overdue"
		}
		if reqs == nil {
			reqs = []string{}
		}
		// A notice ahead of its event may be sent any time before it: it
		// has a deadline but no start.
		start := d.From
		if d.Before {
			start = time.Time{}
		}
		out = append(out, Task{Kind: TaskLegal, Title: title + " (" + d.Basis[0] + ")", State: state, Requirements: reqs,
			Start: start, Due: d.Due, Source: source, Basis: d.Basis, Owner: clockOwner(m, reqs)})
	}
	for _, ch := range in.Changes {
		if !ch.Significant || !ch.Notified.IsZero() {
			continue
		}
		services := changedServices(m, ch, qualified)
		if len(services) == 0 {
			continue
		}
		d := evident.ChangeNoticeDeadline(ch.At)
		add(d, "Tell the supervisory body about the significant change to "+changeName([]evident.Change{ch}, ch.ID)+
			" of qualified service "+strings.Join(services, ", "), "change/"+ch.ID, []string{notice})
	}
	for _, s := range m.Services {
		if !qualified[s.ID] || s.Cessation.IsZero() || !s.CessationNotified.IsZero() {
			continue
		}
		d := evident.CessationNoticeDeadline(s.Cessation)
		add(d, "Tell the supervisory body about the intended cessation of "+s.Name+" on "+s.Cessation.UTC().Format("2006-01-02"),
			"service/"+s.ID, []string{notice})
	}
	for _, s := range m.Services {
		if !qualified[s.ID] {
			continue
		}
		cycle := CycleOf(in.Engagements, s.ID)
		for _, d := range cycle.Deadlines() {
			switch d.Name {
			case evident.DeadlineFullAssessment:
				add(d, "Full conformity assessment of "+s.Name, "service/"+s.ID, nil)
			case evident.DeadlineSurveillance:
				add(d, "Surveillance assessment of "+s.Name, "service/"+s.ID, nil)
			}
		}
	}
	return out
}

// CycleOf is the assessment cycle of one service as the recorded
// engagements give it: the last full assessment is the end of the latest
// initial or re-certification engagement covering the service, the last
// surveillance the end of the latest surveillance engagement. An ad-hoc
// assessment after a change restarts neither clock.
func CycleOf(es []evident.Engagement, service string) evident.AssessmentCycle {
	var c evident.AssessmentCycle
	for _, e := range es {
		if !slices.Contains(e.Services, service) {
			continue
		}
		end := e.Deadline()
		switch e.Kind {
		case evident.EngagementInitial, evident.EngagementRecertification:
			if end.After(c.LastFullAssessment) {
				c.LastFullAssessment = end
			}
		case evident.EngagementSurveillance:
			if end.After(c.LastSurveillance) {
				c.LastSurveillance = end
			}
		}
	}
	return c
}

// changedServices are the qualified services a change touches: the
// service it names, or the services of the system it names.
func changedServices(m *evident.Model, ch evident.Change, qualified map[string]bool) []string {
	var ids []string
	switch {
	case ch.Service != "":
		ids = []string{ch.Service}
	case ch.System != "":
		if sys := m.SystemByID(ch.System); sys != nil {
			ids = sys.Services
		}
	}
	var out []string
	for _, id := range ids {
		if qualified[id] {
			out = append(out, id)
		}
	}
	return out
}
