package demo

import (
	"context"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

func TestDemoReviewsAreActsBySecondLogin(t *testing.T) {
	st, _, _ := generate(t)
	ctx := context.Background()
	subs, err := st.Submissions(ctx, sqlstore.ReviewFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	count := map[evident.ReviewState]int{}
	var rejected, awaiting []sqlstore.Submission
	for _, s := range subs {
		count[s.State]++
		for _, a := range s.Acts {
			if a.Actor != reviewer || evident.Submitter(s.Evidence.Actor) == a.Actor {
				t.Errorf("evidence %s was decided by %s, submitted by %s", s.Evidence.ID, a.Actor, s.Evidence.Actor)
			}
		}
		switch s.State {
		case evident.ReviewRejected:
			rejected = append(rejected, s)
		case evident.ReviewPending:
			awaiting = append(awaiting, s)
		}
	}
	if count[evident.ReviewAccepted] < 100 {
		t.Errorf("%d accepted submissions in the demo year, want the year's checks", count[evident.ReviewAccepted])
	}
	if len(rejected) != 1 || rejected[0].Control != rejectedOnce || !strings.Contains(rejected[0].Acts[0].Comment, "tickets") {
		t.Errorf("rejected: %+v, want one physical access review with its reason", rejected)
	}
	resubmitted := false
	for _, s := range subs {
		if s.Control == rejectedOnce && strings.HasPrefix(s.Evidence.Filename, "resubmitted-") && s.State == evident.ReviewAccepted {
			resubmitted = true
		}
	}
	if !resubmitted {
		t.Errorf("the rejected review was not submitted again and accepted")
	}
	found := false
	for _, s := range awaiting {
		if s.Control == awaitingReview {
			found = true
		}
	}
	if !found {
		t.Errorf("no %s submission awaits review; awaiting: %d", awaitingReview, len(awaiting))
	}
}

// The demo's approvals are mira's acts: at the end of the year every policy
// and acceptance the files claim approved is approved by her, but the
// terms and conditions, which wait for her; the deviation's claim, never
// confirmed, keeps the weekly watch below the standard.
func TestDemoApprovalsAreActsOfTheApprover(t *testing.T) {
	st, _, _ := generate(t)
	ctx := context.Background()
	items, err := st.Approvals(ctx, sqlstore.ApprovalFilter{State: evident.ApprovalApproved}, end)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[evident.ApprovalKind]int{}
	for _, it := range items {
		kinds[it.Kind]++
		if it.Decision == nil || it.Decision.Actor != approver {
			t.Errorf("%s approved by %+v, want %s", it.Subject, it.Decision, approver)
		}
	}
	if kinds[evident.ApprovePolicy] != 11 || kinds[evident.ApproveAcceptance] != 2 || kinds[evident.ApproveDeviation] != 0 {
		t.Errorf("approved at the end of the year: %v, want 11 policies, 2 acceptances and no deviation", kinds)
	}
	pending, err := st.PendingApprovals(ctx, end)
	if err != nil {
		t.Fatal(err)
	}
	waiting := map[string]bool{}
	for _, it := range pending {
		waiting[it.Subject] = true
	}
	if !waiting["deviation/vuln-watch-weekly/EN319401@3.2.1:REQ-7.9.2-09"] || !waiting[awaitingApproval] {
		t.Errorf("the deviation's claim and %s do not wait for approval: %+v", awaitingApproval, pending)
	}
}
