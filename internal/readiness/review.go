package readiness

import (
	"github.com/evidenthq/evident"
)

// Task kinds of reviews: a submission waiting for a reviewer's decision,
// and a follow-up action an accepted exercise found.
const (
	TaskAcceptance = "acceptance"
	TaskFollowUp   = "follow-up"
)

// submissionTask turns a window's task into what its review state asks
// for: a window whose evidence awaits review is the reviewer's task
// (the control's named reviewer, else the compliance manager); one whose
// only evidence was rejected is its owner's, to submit again.
func submissionTask(t Task, c evident.Control, p evident.Period) Task {
	switch p.Review {
	case evident.ReasonAwaitingReview:
		t.Kind = TaskAcceptance
		t.Title = "Review the submission for " + c.Title + " (" + p.Start.Format("2006-01-02") + " to " + p.LastDay().Format("2006-01-02") + ")"
		t.Owner = c.Reviewer
		if t.Owner == "" {
			t.Owner = string(evident.RoleComplianceManager)
		}
	case evident.ReasonRejected:
		t.Title += ": rejected, submit again"
	case "":
	default:
		t.Title += ": " + p.Review
	}
	return t
}

// followUpTasks lists the follow-up actions of each exercise control's
// latest accepted exercise for its owner, due by the end of the window
// open now: the next exercise shows whether they were done.
func followUpTasks(in Input) []Task {
	var out []Task
	for _, f := range in.FollowUps {
		c := in.Model.ControlByID(f.Control)
		if c == nil {
			continue
		}
		s := in.Controls[c.ID].Schedule
		due := s.Cadence.Window(s.Anchor, in.At).End
		out = append(out, Task{Kind: TaskFollowUp, Title: "Follow up the " + c.Title + " of " + f.Date.Format("2006-01-02") + ": " + f.Action,
			State: "due", Control: c.ID, Requirements: refs(c.Requirements), Owner: c.Owner, Start: f.Date, Due: due, Source: "evidence/" + f.Evidence})
	}
	return out
}
