package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// storeDocument puts a policy document in the blob store, as its digest.
func (s *site) storeDocument(t *testing.T, text string) string {
	t.Helper()
	d, _, err := s.w.cfg.Ledger.Blobs().Put(context.Background(), strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// tcUnapproved reports whether the gaps page lists the T&C as unapproved.
func tcUnapproved(b *browser) bool {
	_, page := b.get("/gaps")
	return regexp.MustCompile(`policy-unapproved[\s\S]{0,400}?href="/policies/tc"`).MatchString(page)
}

// The approvals page is the approver's alone; an approval in the browser
// binds the document shown, closes the gap, and a later edit of the
// document opens it again with the change shown against the version
// approved before.
func TestApprovalsPageApprovesByTheApproversOwnLogin(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		m := smallProgram()
		v1 := s.storeDocument(t, "Terms and conditions\nLiability: 1000 EUR\nLaw: Luxembourg\n")
		m.Policies[0].Versions = m.Policies[0].Versions[:1]
		m.Policies[0].Versions[0].SHA256 = v1
		putModel(t, st, m)
		cm := s.signIn(t, "carla", evident.RoleComplianceManager)
		mira := s.signIn(t, "mira", evident.RoleApprover)
		if !tcUnapproved(cm) {
			t.Fatal("the T&C whose approval is only claimed is not a gap")
		}

		// Nobody but an approver reaches the page or records an act.
		token := cm.csrf("/reviews")
		form := url.Values{"csrf_token": {token}, "subject": {"policy/tc@1.0"}, "sha256": {v1}, "verb": {"approve"}}
		if code, _ := cm.get("/approvals"); code != http.StatusForbidden {
			t.Errorf("a compliance manager opening the approvals page: %d, want 403", code)
		}
		if code, _, _ := cm.post("/approvals", form); code != http.StatusForbidden {
			t.Errorf("a compliance manager approving: %d, want 403", code)
		}
		if _, nav := cm.get("/"); strings.Contains(nav, `href="/approvals"`) {
			t.Errorf("the navigation offers the approvals page to a compliance manager")
		}
		if !tcUnapproved(cm) {
			t.Fatal("a refused approval closed the gap")
		}
		if _, pol := cm.get("/policies"); !regexp.MustCompile(`not approved</span> <small>\(claimed [0-9-]+ in the program\)`).MatchString(pol) {
			t.Errorf("the policies page does not show the T&C as not approved, its approval only claimed")
		}

		if _, treatments := mira.get("/approvals?kind=treatment"); strings.Contains(treatments, `data-subject="policy/`) || !strings.Contains(treatments, `data-subject="treatment/t1"`) {
			t.Errorf("the kind filter does not narrow the inbox to treatments")
		}
		if code, _ := mira.get("/approvals?kind=risk"); code != http.StatusBadRequest {
			t.Errorf("an unknown kind: %d, want 400", code)
		}
		code, inbox := mira.get("/approvals")
		if code != 200 || !strings.Contains(inbox, `data-subject="policy/tc@1.0"`) || !strings.Contains(inbox, v1) || !strings.Contains(inbox, "claim approval by mira") {
			t.Fatalf("mira's inbox does not offer tc 1.0 with its digest and claim (%d):\n%s", code, inbox)
		}
		form.Set("csrf_token", mira.csrf("/approvals"))
		form.Set("comment", "board meeting 2026-11")
		code, _, loc := mira.post("/approvals", form)
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/approvals?decided=") {
			t.Fatalf("approve: %d to %q", code, loc)
		}
		if tcUnapproved(cm) {
			t.Error("tc 1.0 approved by mira is still a gap")
		}
		if _, pol := cm.get("/policies"); !strings.Contains(pol, "<small>by mira</small>") {
			t.Errorf("the policies page does not show mira's approval act")
		}
		if _, all := mira.get("/approvals?state=approved"); !strings.Contains(all, "Approved by mira") || !strings.Contains(all, "board meeting 2026-11") {
			t.Errorf("the approved list does not show mira's act and comment")
		}

		// Version 2.0 changes the liability clause: it waits, showing 1.0
		// as the version approved before and the change between them.
		v2 := s.storeDocument(t, "Terms and conditions\nLiability: 5000 EUR\nLaw: Luxembourg\n")
		m.Policies[0].Versions = append(m.Policies[0].Versions, evident.PolicyVersion{Version: "2.0", SHA256: v2,
			Approvals: []evident.Approval{{By: "mira", At: testNow}}})
		putModel(t, st, m)
		if !tcUnapproved(cm) {
			t.Error("tc 2.0, approved only in the file, is not a gap")
		}
		_, inbox = mira.get("/approvals")
		for _, want := range []string{`data-subject="policy/tc@2\.0"`, `Last approved version: 1\.0`, `diff-del">- Liability: 1000 EUR`,
			`diff-add">(\+|&#43;) Liability: 5000 EUR`, `diff-same">  Law: Luxembourg`} {
			if !regexp.MustCompile(want).MatchString(inbox) {
				t.Errorf("the inbox lacks %q:\n%s", want, inbox)
			}
		}
		// A form for a digest replaced meanwhile is refused, not applied to
		// the new bytes.
		form = url.Values{"csrf_token": {mira.csrf("/approvals")}, "subject": {"policy/tc@2.0"}, "sha256": {v1}, "verb": {"approve"}}
		if code, page, _ := mira.post("/approvals", form); code != http.StatusConflict || !strings.Contains(page, `id="approval-error"`) {
			t.Errorf("approving a digest that is not the document's: %d, want 409 with the reason", code)
		}
		form.Set("sha256", v2)
		if code, _, _ := mira.post("/approvals", form); code != http.StatusSeeOther {
			t.Fatalf("approve 2.0: %d", code)
		}
		if tcUnapproved(cm) {
			t.Error("tc 2.0 approved by mira is still a gap")
		}
		// The document of 2.0 is edited in place: the act no longer speaks
		// for it.
		m.Policies[0].Versions[1].SHA256 = s.storeDocument(t, "Terms and conditions\nLiability: 9000 EUR\n")
		putModel(t, st, m)
		if !tcUnapproved(cm) {
			t.Error("an edited document still counts as approved")
		}
	})
}
