package readiness

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// approvalGaps returns the open gaps of kind k at the store's clock, as
// "section/id".
func approvalGaps(t *testing.T, f *reviewFixture, kinds ...GapKind) []string {
	t.Helper()
	in, err := Load(context.Background(), f.st, f.reqs, f.clock.now(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range Gaps(in) {
		if slices.Contains(kinds, g.Kind) {
			out = append(out, string(g.Kind)+" "+g.ID)
		}
	}
	return out
}

// reapply edits the example program with fn and applies it again as the
// compliance manager, as `evident apply` would after a file was edited.
func reapply(t *testing.T, f *reviewFixture, fn func(m *evident.Model)) {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := program.Load("../../examples/qtsp", cat)
	if err != nil {
		t.Fatal(err)
	}
	fn(m)
	if _, err := program.Apply(context.Background(), f.st, m, "carol"); err != nil {
		t.Fatal(err)
	}
}

func TestApprovalActBindsTheDigestAndAnEditVoidsIt(t *testing.T) {
	clk := &reviewClock{t: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
	storetest.Each(t, clk.now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		clk.set(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
		f := newReviewFixture(t, st, clk)
		if err := st.CreateUser(ctx, evident.User{Name: "mira", Role: evident.RoleApprover}, "", "admin"); err != nil {
			t.Fatal(err)
		}
		if got := approvalGaps(t, f, PolicyUnapproved); !slices.Contains(got, "policy-unapproved cps") {
			t.Fatalf("the example's claimed approval of cps 3.1 counts before any act: gaps %v", got)
		}
		cps := "policy/cps@3.1"
		// Only the management body's own login decides.
		for _, who := range []string{"carol", "alice", "nobody"} {
			_, err := f.l.Approve(ctx, sqlstore.ApprovalInput{Subject: cps, Verb: evident.ActApprove, Approver: who})
			if evident.ErrorCode(err) != evident.EFORBIDDEN {
				t.Errorf("%s approving: got %v, want EFORBIDDEN", who, err)
			}
		}
		pending, err := st.PendingApprovals(ctx, clk.now())
		if err != nil {
			t.Fatal(err)
		}
		var item *sqlstore.ApprovalItem
		for i := range pending {
			if pending[i].Subject == cps {
				item = &pending[i]
			}
		}
		if item == nil || item.Claim == "" {
			t.Fatalf("cps 3.1 is not in the inbox with its claim: %+v", pending)
		}
		// The approver decides on what they saw; a digest they did not see
		// is refused.
		_, err = f.l.Approve(ctx, sqlstore.ApprovalInput{Subject: cps, Verb: evident.ActApprove, Approver: "mira", SHA256: strings.Repeat("0", 64)})
		if evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("approving a digest that is not the current one: got %v, want ECONFLICT", err)
		}
		clk.set(clk.now().Add(time.Hour))
		act, err := f.l.Approve(ctx, sqlstore.ApprovalInput{Subject: cps, Verb: evident.ActApprove, Approver: "mira", SHA256: item.SHA256.String(), Comment: "read in the board meeting"})
		if err != nil {
			t.Fatal(err)
		}
		m, _ := st.Model(ctx)
		v, _ := m.PolicyByID("cps").Current()
		if act.SHA256.String() != v.SHA256 || act.Actor != "mira" || act.LedgerIndex == 0 {
			t.Errorf("act %+v: want mira binding the document digest %s in a ledger leaf", act, v.SHA256)
		}
		if got := approvalGaps(t, f, PolicyUnapproved); slices.Contains(got, "policy-unapproved cps") {
			t.Errorf("cps 3.1 approved by mira is still a gap: %v", got)
		}
		if _, err := f.l.Approve(ctx, sqlstore.ApprovalInput{Subject: cps, Verb: evident.ActApprove, Approver: "mira"}); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("approving the same state twice: got %v, want ECONFLICT", err)
		}

		// A new version of the document voids nothing of the old act but
		// needs its own: the inbox shows the version approved before.
		clk.set(clk.now().Add(time.Hour))
		reapply(t, f, func(m *evident.Model) {
			p := m.PolicyByID("cps")
			p.Versions = append(p.Versions, evident.PolicyVersion{Version: "3.2", SHA256: strings.Repeat("ab", 32), Date: clk.now(),
				Approvals: []evident.Approval{{By: "marta-keller", At: clk.now()}}})
		})
		if got := approvalGaps(t, f, PolicyUnapproved); !slices.Contains(got, "policy-unapproved cps") {
			t.Errorf("cps 3.2 with only a claimed approval is not a gap: %v", got)
		}
		items, err := st.Approvals(ctx, sqlstore.ApprovalFilter{Kind: evident.ApprovePolicy, State: evident.ApprovalPending}, clk.now())
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range items {
			if it.Subject == "policy/cps@3.2" {
				found = true
				if it.Previous == nil || it.Previous.Version != "3.1" || it.Previous.SHA256 != v.SHA256 || it.Previous.Act.ID != act.ID {
					t.Errorf("cps 3.2's previous approved version: %+v, want 3.1 by act %s", it.Previous, act.ID)
				}
			}
		}
		if !found {
			t.Errorf("cps 3.2 is not pending: %+v", items)
		}
		if _, err := f.l.Approve(ctx, sqlstore.ApprovalInput{Subject: cps, Verb: evident.ActApprove, Approver: "mira"}); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("approving a version that is no longer current: got %v, want ECONFLICT", err)
		}

		// Rewriting mira's act in the database to approve 3.2 closes the
		// gap for readiness, which reads the table, but verify compares
		// the row with its signed leaf and names the act.
		if rep, err := f.l.Verify(ctx, nil); err != nil || !rep.OK() {
			t.Fatalf("verify before tampering: %v %v", err, rep.Problems)
		}
		forged := strings.NewReplacer(cps, "policy/cps@3.2", act.SHA256.String(), strings.Repeat("ab", 32))
		err = st.Write(ctx, func(tx *sqlstore.Tx) error {
			var body string
			if err := tx.QueryRow(ctx, `SELECT body FROM acts WHERE id = ?`, act.ID).Scan(&body); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE acts SET subject = ?, sha256 = ?, body = ? WHERE id = ?`,
				"policy/cps@3.2", strings.Repeat("ab", 32), forged.Replace(body), act.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := approvalGaps(t, f, PolicyUnapproved); slices.Contains(got, "policy-unapproved cps") {
			t.Fatalf("the forged row was not read as an approval of cps 3.2, so this tamper case tests nothing: %v", got)
		}
		rep, err := f.l.Verify(ctx, nil)
		if err != nil || rep.OK() || !strings.Contains(fmt.Sprint(rep.Problems), act.ID) {
			t.Errorf("verify after forging an approval act: %v %+v, want the act named", err, rep.Problems)
		}
	})
}

// REQ-5-05: a residual risk is accepted only by an unexpired acceptance
// an approver's act binds as it is; an edit of the acceptance voids it.
func TestResidualRiskAcceptanceNeedsAnApproverAct(t *testing.T) {
	clk := &reviewClock{t: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
	storetest.Each(t, clk.now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		clk.set(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
		f := newReviewFixture(t, st, clk)
		if err := st.CreateUser(ctx, evident.User{Name: "mira", Role: evident.RoleApprover}, "", "admin"); err != nil {
			t.Fatal(err)
		}
		const acc = "acceptance/acc-cloud-provider"
		req505 := func() []string {
			t.Helper()
			in, err := Load(ctx, st, f.reqs, clk.now(), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, g := range Gaps(in) {
				if slices.Contains(g.Requirements, "EN319401@3.2.1:REQ-5-05") && g.ID == "acc-cloud-provider" {
					out = append(out, string(g.Kind))
				}
			}
			return out
		}
		if got := req505(); !slices.Equal(got, []string{string(AcceptanceUnapproved)}) {
			t.Fatalf("REQ-5-05 gaps of the claimed acceptance: %v, want acceptance-unapproved", got)
		}
		if _, err := f.l.Approve(ctx, sqlstore.ApprovalInput{Subject: acc, Verb: evident.ActApprove, Approver: "carol"}); evident.ErrorCode(err) != evident.EFORBIDDEN {
			t.Errorf("the compliance manager approving an acceptance: got %v, want EFORBIDDEN", err)
		}
		clk.set(clk.now().Add(time.Hour))
		if _, err := f.l.Approve(ctx, sqlstore.ApprovalInput{Subject: acc, Verb: evident.ActApprove, Approver: "mira"}); err != nil {
			t.Fatal(err)
		}
		if got := req505(); len(got) != 0 {
			t.Errorf("REQ-5-05 gaps after mira's approval: %v, want none", got)
		}
		// The residual written down changes: the approval spoke for the
		// old figure and no longer counts.
		clk.set(clk.now().Add(time.Hour))
		reapply(t, f, func(m *evident.Model) {
			for i := range m.Acceptances {
				if m.Acceptances[i].ID == "acc-cloud-provider" {
					m.Acceptances[i].Residual++
				}
			}
		})
		if got := req505(); !slices.Equal(got, []string{string(AcceptanceUnapproved)}) {
			t.Errorf("REQ-5-05 gaps after the acceptance was edited: %v, want acceptance-unapproved", got)
		}
		clk.set(clk.now().Add(time.Hour))
		if _, err := f.l.Approve(ctx, sqlstore.ApprovalInput{Subject: acc, Verb: evident.ActApprove, Approver: "mira"}); err != nil {
			t.Fatalf("approving the edited acceptance: %v", err)
		}
		if got := req505(); len(got) != 0 {
			t.Errorf("REQ-5-05 gaps once the edit was approved: %v, want none", got)
		}
		// Past its expiry the approved acceptance accepts nothing.
		in, _ := Load(ctx, st, f.reqs, clk.now(), time.Time{})
		a := in.Model.Acceptances[slices.IndexFunc(in.Model.Acceptances, func(a evident.Acceptance) bool { return a.ID == "acc-cloud-provider" })]
		clk.set(a.Expires.Add(time.Hour))
		if got := req505(); !slices.Equal(got, []string{string(AcceptanceExpired)}) {
			t.Errorf("REQ-5-05 gaps after expiry: %v, want acceptance-expired", got)
		}
		// The store's acts are what readiness read: verify still agrees.
		if rep, err := f.l.Verify(ctx, nil); err != nil || !rep.OK() {
			t.Errorf("the ledger does not verify after approvals: %v %v", err, rep.Problems)
		}
	})
}
