package readiness

import (
	"github.com/evidenthq/evident"
)

// TaskAcceptance is a submission waiting for a reviewer's decision.
const TaskAcceptance = "acceptance"

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
