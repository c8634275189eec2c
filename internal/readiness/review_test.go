package readiness

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// reviewClock is the store's clock, moved by the test.
type reviewClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *reviewClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *reviewClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// reviewFixture is examples/qtsp applied on 1 October 2026, a ledger, and
// three logins: alice owns the physical access review, carol is the
// compliance manager, erik owns another control.
type reviewFixture struct {
	st    *sqlstore.Store
	l     *ledger.Ledger
	clock *reviewClock
	reqs  []evident.Requirement
}

func newReviewFixture(t *testing.T, st *sqlstore.Store, clk *reviewClock) *reviewFixture {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := cat.Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SyncCatalog(ctx, reqs); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateProgram(ctx, evident.Program{Name: "Example QTSP", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "carol"}); err != nil {
		t.Fatal(err)
	}
	m, err := program.Load("../../examples/qtsp", cat)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := program.Apply(ctx, st, m, "carol"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []evident.User{
		{Name: "alice", Role: evident.RoleControlOwner, Controls: []string{"physical-access-quarterly"}},
		{Name: "carol", Role: evident.RoleComplianceManager},
		{Name: "erik", Role: evident.RoleControlOwner, Controls: []string{"trustworthy-systems"}},
	} {
		if err := st.CreateUser(ctx, u, "", "admin"); err != nil {
			t.Fatal(err)
		}
	}
	return &reviewFixture{st: st, l: ledgertest.Open(t, st, "evident.ledger/review-test", "").Ledger, clock: clk, reqs: reqs}
}

// submit adds a file for control as actor, with the submission as its
// detail (nil: a bare file).
func (f *reviewFixture) submit(t *testing.T, actor, control string, sub *evident.Submission) (evident.Evidence, error) {
	t.Helper()
	in := ledger.EvidenceInput{Actor: actor, Filename: "n.txt", Controls: []string{control}}
	if sub != nil {
		b, err := json.Marshal(sub)
		if err != nil {
			t.Fatal(err)
		}
		in.Detail = b
	}
	return f.l.AddEvidence(context.Background(), in, strings.NewReader(fmt.Sprintf("note %s\n", f.clock.now())))
}

// status returns the control's status and tasks as every view sees them.
func (f *reviewFixture) status(t *testing.T, control string) (ControlStatus, []Task) {
	t.Helper()
	in, err := Load(context.Background(), f.st, f.reqs, f.clock.now(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var tasks []Task
	for _, tk := range Tasks(in, time.Time{}) {
		if tk.Control == control {
			tasks = append(tasks, tk)
		}
	}
	for _, c := range Status(in, time.Time{}, time.Time{}).Controls {
		if c.ID == control {
			return c, tasks
		}
	}
	t.Fatalf("no control %s in the status", control)
	return ControlStatus{}, nil
}

func sample(n int) *evident.Submission {
	s := &evident.Submission{Method: evident.MethodSampling, Population: &evident.Population{Description: "data-centre access log, Q4", Size: 412}}
	for i := range n {
		s.Items = append(s.Items, fmt.Sprintf("entry-%03d", i*17))
	}
	return s
}

func wantPeriod(t *testing.T, cs ControlStatus, state evident.PeriodState, why string) {
	t.Helper()
	if cs.Period == nil || cs.Period.State != state || cs.Period.Review != why {
		t.Fatalf("window of %s: %+v, want %s (%q)", cs.ID, cs.Period, state, why)
	}
}

func TestSubmissionCountsOnlyOnceASecondLoginAcceptsIt(t *testing.T) {
	clk := &reviewClock{t: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
	storetest.Each(t, clk.now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		clk.set(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
		f := newReviewFixture(t, st, clk)
		const pa = "physical-access-quarterly"
		clk.set(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))

		// A bare file is a submission: it awaits review and counts for nothing.
		bare, err := f.submit(t, "alice", pa, nil)
		if err != nil {
			t.Fatal(err)
		}
		cs, tasks := f.status(t, pa)
		wantPeriod(t, cs, evident.PeriodDue, evident.ReasonAwaitingReview)
		if cs.Freshness.State != evident.CurrencyNone {
			t.Errorf("freshness with only a submission: %s, want none", cs.Freshness.State)
		}
		if len(tasks) != 1 || tasks[0].Kind != TaskAcceptance || tasks[0].Owner != string(evident.RoleComplianceManager) {
			t.Errorf("tasks: %+v, want one acceptance task for the compliance manager", tasks)
		}

		// It cannot be accepted: the method's content is missing.
		_, err = f.l.Review(ctx, sqlstore.ReviewInput{Evidence: bare.ID, Verb: evident.ActAccept, Reviewer: "carol"})
		if evident.ErrorCode(err) != evident.EINVALID || !strings.Contains(err.Error(), "population") {
			t.Fatalf("accepting a bare file: %v, want a refusal naming the population", err)
		}
		// The submitter never reviews, and a control owner of another control neither.
		for who, rule := range map[string]string{"alice": "four eyes", "erik": "only a compliance manager", "nobody": "not a login"} {
			_, err = f.l.Review(ctx, sqlstore.ReviewInput{Evidence: bare.ID, Verb: evident.ActReject, Reviewer: who, Reason: "no"})
			if evident.ErrorCode(err) != evident.EFORBIDDEN || !strings.Contains(err.Error(), rule) {
				t.Errorf("%s reviewing: %v, want forbidden naming %q", who, err, rule)
			}
		}
		// A rejection needs a reason, then stays in the history.
		if _, err = f.l.Review(ctx, sqlstore.ReviewInput{Evidence: bare.ID, Verb: evident.ActReject, Reviewer: "carol"}); evident.ErrorCode(err) != evident.EINVALID {
			t.Errorf("rejecting without a reason: %v", err)
		}
		clk.set(clk.now().Add(time.Hour))
		rej, err := f.l.Review(ctx, sqlstore.ReviewInput{Evidence: bare.ID, Verb: evident.ActReject, Reviewer: "carol", Reason: "no sample attached"})
		if err != nil {
			t.Fatal(err)
		}
		cs, tasks = f.status(t, pa)
		wantPeriod(t, cs, evident.PeriodDue, evident.ReasonRejected)
		if len(tasks) != 1 || tasks[0].Kind != TaskPeriod || !strings.Contains(tasks[0].Title, "rejected") || tasks[0].Owner != "security-officer" {
			t.Errorf("tasks after the rejection: %+v, want the owner's task to submit again", tasks)
		}

		// 19 of 20 items is refused at submission, naming the shortfall.
		if _, err := f.submit(t, "alice", pa, sample(19)); evident.ErrorCode(err) != evident.EINVALID || !strings.Contains(err.Error(), "19 of 20") {
			t.Fatalf("19 of 20 samples: %v", err)
		}
		clk.set(clk.now().Add(time.Hour))
		partial, err := f.submit(t, "alice", pa, sample(20))
		if err != nil {
			t.Fatal(err)
		}
		clk.set(clk.now().Add(time.Hour))
		acc, err := f.l.Review(ctx, sqlstore.ReviewInput{Evidence: partial.ID, Verb: evident.ActAccept, Reviewer: "carol", Systems: []string{"root-ca", "root-hsm"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := acc.Binding()
		if acc.SHA256 != partial.Digest || b.Control != pa || b.Submitter != "alice" || b.Basis != evident.BasisComplianceManager ||
			!b.WindowStart.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) || !b.WindowEnd.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("acceptance binds %+v with digest %s, want the evidence digest, control, submitter and Q4", b, acc.SHA256)
		}
		cs, _ = f.status(t, pa)
		wantPeriod(t, cs, evident.PeriodDue, "not accepted for issuing-ca, issuing-hsm, tsa-unit")

		// Accepted for the whole scope, the window is satisfied.
		full, err := f.submit(t, "alice", pa, sample(20))
		if err != nil {
			t.Fatal(err)
		}
		clk.set(clk.now().Add(time.Hour))
		if _, err := f.l.Review(ctx, sqlstore.ReviewInput{Evidence: full.ID, Verb: evident.ActAccept, Reviewer: "carol"}); err != nil {
			t.Fatal(err)
		}
		cs, tasks = f.status(t, pa)
		wantPeriod(t, cs, evident.PeriodSatisfied, "")
		if cs.Freshness.State != evident.CurrencyCurrent || cs.Freshness.Latest != full.ID || len(tasks) != 0 {
			t.Errorf("after acceptance: freshness %+v, tasks %+v", cs.Freshness, tasks)
		}
		if _, err := f.l.Review(ctx, sqlstore.ReviewInput{Evidence: full.ID, Verb: evident.ActReject, Reviewer: "carol", Reason: "changed my mind"}); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("deciding twice: %v, want a conflict", err)
		}

		// The inbox shows what awaits carol; the history keeps the rejection.
		subs, err := st.Submissions(ctx, sqlstore.ReviewFilter{Control: pa})
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]evident.ReviewState{}
		for _, s := range subs {
			states[s.Evidence.ID] = s.State
		}
		if states[bare.ID] != evident.ReviewRejected || states[partial.ID] != evident.ReviewAccepted || states[full.ID] != evident.ReviewAccepted {
			t.Errorf("submission states: %v", states)
		}
		if subs[len(subs)-1].Acts[0].Comment != "no sample attached" || subs[len(subs)-1].Acts[0].ID != rej.ID {
			t.Errorf("the rejection's reason is not in the history: %+v", subs[len(subs)-1].Acts)
		}

		// verify compares act rows with their leaves.
		if r, err := f.l.Verify(ctx, nil); err != nil || !r.OK() {
			t.Fatalf("verify: %v %+v", err, r.Problems)
		}
		if err := st.Write(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE acts SET actor = 'alice' WHERE id = ?`, acc.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		r, err := f.l.Verify(ctx, nil)
		if err != nil || r.OK() || !strings.Contains(fmt.Sprint(r.Problems), acc.ID) || !strings.Contains(fmt.Sprint(r.Problems), "four eyes") {
			t.Errorf("verify after editing an act row to name the submitter: %v %+v, want the act named", err, r.Problems)
		}
	})
}

func TestTwoAcceptancesAndTheNamedReviewer(t *testing.T) {
	clk := &reviewClock{}
	storetest.Each(t, clk.now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		clk.set(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
		f := newReviewFixture(t, st, clk)
		// The control names erik as its reviewer and wants two acceptances.
		err := st.Write(ctx, func(tx *sqlstore.Tx) error {
			m, err := tx.Model(ctx)
			if err != nil {
				return err
			}
			c := *m.ControlByID("physical-access-quarterly")
			c.Reviewer, c.Method.Acceptances = "erik", 2
			return tx.PutObject(ctx, sqlstore.Controls, c.ID, c, "carol")
		})
		if err != nil {
			t.Fatal(err)
		}
		clk.set(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
		ev, err := f.submit(t, "alice", "physical-access-quarterly", sample(20))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.l.Review(ctx, sqlstore.ReviewInput{Evidence: ev.ID, Verb: evident.ActAccept, Reviewer: "erik"}); err != nil {
			t.Fatalf("the named reviewer: %v", err)
		}
		cs, _ := f.status(t, "physical-access-quarterly")
		wantPeriod(t, cs, evident.PeriodDue, evident.ReasonAwaitingReview)
		if _, err := f.l.Review(ctx, sqlstore.ReviewInput{Evidence: ev.ID, Verb: evident.ActAccept, Reviewer: "erik"}); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("the same reviewer twice: %v, want a conflict", err)
		}
		clk.set(clk.now().Add(time.Hour))
		if _, err := f.l.Review(ctx, sqlstore.ReviewInput{Evidence: ev.ID, Verb: evident.ActAccept, Reviewer: "carol"}); err != nil {
			t.Fatal(err)
		}
		cs, _ = f.status(t, "physical-access-quarterly")
		wantPeriod(t, cs, evident.PeriodSatisfied, "")
	})
}

func TestAcceptedExerciseFollowUpsBecomeTasks(t *testing.T) {
	clk := &reviewClock{}
	storetest.Each(t, clk.now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		clk.set(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
		f := newReviewFixture(t, st, clk)
		clk.set(time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC))
		const tabletop = "incident-tabletop-quarterly"
		ex := &evident.Submission{Method: evident.MethodExercise, Exercise: &evident.Exercise{Date: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
			Scenario: "TSA key compromise", Outcome: "notified in 19 h"}}
		if _, err := f.submit(t, "erik", tabletop, ex); evident.ErrorCode(err) != evident.EINVALID || !strings.Contains(err.Error(), "participants") {
			t.Fatalf("an exercise without participants: %v", err)
		}
		ex.Exercise.Participants = []string{"incident-manager", "security-officer"}
		ex.Exercise.FollowUps = []string{"add the TSA vendor's night number to the call tree"}
		ev, err := f.submit(t, "erik", tabletop, ex)
		if err != nil {
			t.Fatal(err)
		}
		_, tasks := f.status(t, tabletop)
		for _, tk := range tasks {
			if tk.Kind == TaskFollowUp {
				t.Errorf("a follow-up of an exercise nobody accepted: %+v", tk)
			}
		}
		if _, err := f.l.Review(ctx, sqlstore.ReviewInput{Evidence: ev.ID, Verb: evident.ActAccept, Reviewer: "carol"}); err != nil {
			t.Fatal(err)
		}
		cs, tasks := f.status(t, tabletop)
		wantPeriod(t, cs, evident.PeriodSatisfied, "")
		if len(tasks) != 1 || tasks[0].Kind != TaskFollowUp || !strings.Contains(tasks[0].Title, "night number") || tasks[0].Owner != "incident-manager" {
			t.Errorf("tasks after the accepted exercise: %+v, want its follow-up for the owner", tasks)
		}
	})
}

func TestDocumentReviewOfAVersionNoLongerCurrentDoesNotSatisfy(t *testing.T) {
	clk := &reviewClock{}
	storetest.Each(t, clk.now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		clk.set(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
		f := newReviewFixture(t, st, clk)
		clk.set(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
		const spr = "security-policy-review"
		m, err := st.Model(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pol := *m.PolicyByID("information-security-policy")
		cur, _ := pol.Current()
		stale := &evident.Submission{Method: evident.MethodDocumentReview, Document: &evident.DocumentReview{Policy: pol.ID, SHA256: strings.Repeat("0", 64), Outcome: "adequate"}}
		if _, err := f.submit(t, "erik", spr, stale); evident.ErrorCode(err) != evident.EINVALID || !strings.Contains(err.Error(), "not the current version") {
			t.Fatalf("a review of another version: %v, want refused", err)
		}
		ev, err := f.submit(t, "erik", spr, &evident.Submission{Method: evident.MethodDocumentReview, Document: &evident.DocumentReview{Policy: pol.ID, SHA256: cur.SHA256, Outcome: "adequate"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.l.Review(ctx, sqlstore.ReviewInput{Evidence: ev.ID, Verb: evident.ActAccept, Reviewer: "carol"}); err != nil {
			t.Fatal(err)
		}
		cs, _ := f.status(t, spr)
		wantPeriod(t, cs, evident.PeriodSatisfied, "")
		// A new version of the policy replaces the one reviewed.
		clk.set(clk.now().Add(24 * time.Hour))
		pol.Versions = append(pol.Versions, evident.PolicyVersion{Version: cur.Version + "-rev", SHA256: strings.Repeat("ab", 32)})
		if err := st.Write(ctx, func(tx *sqlstore.Tx) error { return tx.PutObject(ctx, sqlstore.Policies, pol.ID, pol, "carol") }); err != nil {
			t.Fatal(err)
		}
		cs, _ = f.status(t, spr)
		wantPeriod(t, cs, evident.PeriodDue, evident.ReasonStale)
	})
}
