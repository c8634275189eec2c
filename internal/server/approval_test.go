package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// isp is the test program's information security policy, version 1.0,
// with an approval the program file claims.
func ispPolicy(digest string) evident.Policy {
	return evident.Policy{ID: "isp", Title: "Information security policy", Kind: evident.InformationSecurityPolicy,
		Versions: []evident.PolicyVersion{{Version: "1.0", SHA256: digest, Approvals: []evident.Approval{{By: "ceo", At: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}}}}}
}

// putPolicy writes the policy as `evident apply` would, as the compliance
// manager.
func (e *env) putPolicy(t *testing.T, p evident.Policy) {
	t.Helper()
	ctx := context.Background()
	if err := e.store.Write(ctx, func(tx *sqlstore.Tx) error { return tx.PutObject(ctx, sqlstore.Policies, p.ID, p, "cora") }); err != nil {
		t.Fatal(err)
	}
}

// ispUnapproved reports whether the API's status report lists isp as
// unapproved, as of the test's clock.
func (e *env) ispUnapproved(t *testing.T) bool {
	t.Helper()
	var r readiness.Report
	e.getJSON(t, "cm", "/api/v1/status?at="+url.QueryEscape(evident.UTC(e.now)), &r)
	for _, g := range r.Gaps {
		if g.Kind == readiness.PolicyUnapproved && g.ID == "isp" {
			return true
		}
	}
	return false
}

func TestApprovalOverTheAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		v1 := strings.Repeat("1a", 32)
		e.putPolicy(t, ispPolicy(v1))
		if !e.ispUnapproved(t) {
			t.Fatal("a policy whose approval is only claimed in the program is not a gap")
		}
		var inbox struct{ Items []sqlstore.ApprovalItem }
		e.getJSON(t, "approver", "/api/v1/approvals?kind=policy", &inbox)
		if len(inbox.Items) != 1 || inbox.Items[0].Subject != "policy/isp@1.0" || inbox.Items[0].SHA256.String() != v1 || inbox.Items[0].Claim != "ceo on 2026-02-01" {
			t.Fatalf("the approver's inbox: %+v", inbox.Items)
		}
		body := `{"subject":"policy/isp@1.0","verb":"approve","sha256":"` + v1 + `","comment":"board 2026-03-01"}`
		for _, role := range []string{"admin", "cm", "owner", "assessor"} {
			if code, out := e.do(t, role, "POST", "/api/v1/approvals", strings.NewReader(body), "application/json"); code != 403 {
				t.Errorf("%s approving: %d %s, want 403", role, code, out)
			}
			if code, _ := e.do(t, role, "GET", "/api/v1/approvals", nil, ""); code != 403 {
				t.Errorf("%s reading the approvals inbox: %d, want 403", role, code)
			}
		}
		if code, out := e.do(t, "approver", "POST", "/api/v1/approvals", strings.NewReader(`{"subject":"policy/nope@1","verb":"approve"}`), "application/json"); code != 404 {
			t.Errorf("approving an unknown policy: %d %s, want 404", code, out)
		}
		if code, out := e.do(t, "approver", "POST", "/api/v1/approvals", strings.NewReader(`{"subject":"risk/x","verb":"approve"}`), "application/json"); code != 400 || !strings.Contains(string(out), "subject") {
			t.Errorf("approving an unknown kind: %d %s, want 400 naming the subject", code, out)
		}
		if !e.ispUnapproved(t) {
			t.Fatal("refused approvals approved the policy")
		}
		code, out := e.do(t, "approver", "POST", "/api/v1/approvals", strings.NewReader(body), "application/json")
		if code != 201 {
			t.Fatalf("approver approving: %d %s", code, out)
		}
		var act evident.Act
		json.Unmarshal(out, &act)
		if act.Actor != "mia" || act.SHA256.String() != v1 || act.Verb != evident.ActApprove || act.Comment != "board 2026-03-01" {
			t.Errorf("the act: %+v, want mia's approval of %s", act, v1)
		}
		e.now = e.now.Add(time.Minute)
		if e.ispUnapproved(t) {
			t.Error("the policy approved by the approver's token is still a gap")
		}
		e.getJSON(t, "approver", "/api/v1/approvals?kind=policy", &inbox)
		if len(inbox.Items) != 0 {
			t.Errorf("the approved version is still pending: %+v", inbox.Items)
		}

		// The document is replaced under the same version number: the
		// approval binds the old bytes, so the policy is unapproved again.
		e.now = e.now.Add(time.Minute)
		v2 := strings.Repeat("2b", 32)
		e.putPolicy(t, ispPolicy(v2))
		if !e.ispUnapproved(t) {
			t.Error("an edited document still counts as approved")
		}
		e.getJSON(t, "approver", "/api/v1/approvals?kind=policy", &inbox)
		if len(inbox.Items) != 1 || inbox.Items[0].SHA256.String() != v2 {
			t.Errorf("the edited version is not pending with its new digest: %+v", inbox.Items)
		}
		if code, out := e.do(t, "approver", "POST", "/api/v1/approvals", strings.NewReader(body), "application/json"); code != 409 {
			t.Errorf("approving with the digest read before the edit: %d %s, want 409", code, out)
		}
		rej := `{"subject":"policy/isp@1.0","verb":"reject","comment":"section 4 contradicts the CPS"}`
		if code, out := e.do(t, "approver", "POST", "/api/v1/approvals", strings.NewReader(rej), "application/json"); code != 201 {
			t.Fatalf("rejecting: %d %s", code, out)
		}
		e.getJSON(t, "approver", "/api/v1/approvals?kind=policy&state=rejected", &inbox)
		if len(inbox.Items) != 1 || inbox.Items[0].Decision == nil || inbox.Items[0].Decision.Comment != "section 4 contradicts the CPS" {
			t.Errorf("rejected items: %+v", inbox.Items)
		}
		if !e.ispUnapproved(t) {
			t.Error("a rejected policy is not a gap")
		}
	})
}

// eachDialect runs fn on a server over SQLite and over PostgreSQL.
func eachDialect(t *testing.T, fn func(t *testing.T, e *env)) {
	for name, open := range map[string]func(testing.TB, func() time.Time) *sqlstore.Store{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			fn(t, newEnvOn(t, func(now func() time.Time) *sqlstore.Store { return open(t, now) }))
		})
	}
}

// req505Gaps lists the open gaps of acceptance acc-1 that keep REQ-5-05
// from verified in the API's status report at the test's clock.
func (e *env) req505Gaps(t *testing.T) []string {
	t.Helper()
	var r readiness.Report
	e.getJSON(t, "cm", "/api/v1/status?at="+url.QueryEscape(evident.UTC(e.now)), &r)
	var out []string
	for _, g := range r.Gaps {
		if g.ID == "acc-1" && slices.Contains(g.Requirements, "EN319401@3.2.1:REQ-5-05") {
			out = append(out, string(g.Kind))
		}
	}
	return out
}

// REQ-5-05 over the API: the residual risk is accepted only while an
// unexpired acceptance is approved by an approver's act bound to it as it
// is.
func TestResidualRiskAcceptanceOverTheAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := evident.Acceptance{ID: "acc-1", Risk: "r1", Approver: "ceo", Date: e.now.AddDate(0, 0, -7), Residual: 4,
			Justification: "HSM vendor patch not yet certified", Expires: e.now.AddDate(0, 6, 0)}
		put := func(a evident.Acceptance) {
			t.Helper()
			err := e.store.Write(ctx, func(tx *sqlstore.Tx) error {
				if err := tx.PutObject(ctx, sqlstore.Risks, "r1", evident.Risk{ID: "r1", Title: "HSM firmware", Likelihood: 2, Impact: 2}, "cora"); err != nil {
					return err
				}
				if err := tx.PutObject(ctx, sqlstore.Treatments, "t1", evident.Treatment{ID: "t1", Risk: "r1", Decision: evident.Accept}, "cora"); err != nil {
					return err
				}
				return tx.PutObject(ctx, sqlstore.Acceptances, a.ID, a, "cora")
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		put(acc)
		if g := e.req505Gaps(t); !slices.Equal(g, []string{"acceptance-unapproved"}) {
			t.Fatalf("REQ-5-05 gaps with an acceptance claimed in the program only: %v, want acceptance-unapproved", g)
		}
		body := `{"subject":"acceptance/acc-1","verb":"approve"}`
		if code, out := e.do(t, "cm", "POST", "/api/v1/approvals", strings.NewReader(body), "application/json"); code != 403 {
			t.Errorf("the compliance manager approving the acceptance: %d %s, want 403", code, out)
		}
		e.now = e.now.Add(time.Minute)
		if code, out := e.do(t, "approver", "POST", "/api/v1/approvals", strings.NewReader(body), "application/json"); code != 201 {
			t.Fatalf("the approver approving: %d %s", code, out)
		}
		if g := e.req505Gaps(t); len(g) != 0 {
			t.Errorf("REQ-5-05 gaps once the approver approved: %v, want none", g)
		}
		// The residual written down is raised: the approval no longer
		// speaks for it.
		e.now = e.now.Add(time.Minute)
		acc.Residual = 6
		put(acc)
		if g := e.req505Gaps(t); !slices.Equal(g, []string{"acceptance-unapproved"}) {
			t.Errorf("REQ-5-05 gaps after the acceptance was edited: %v, want acceptance-unapproved", g)
		}
		e.now = e.now.Add(time.Minute)
		if code, out := e.do(t, "approver", "POST", "/api/v1/approvals", strings.NewReader(body), "application/json"); code != 201 {
			t.Fatalf("approving the edit: %d %s", code, out)
		}
		if g := e.req505Gaps(t); len(g) != 0 {
			t.Errorf("REQ-5-05 gaps once the edit was approved: %v, want none", g)
		}
		e.now = acc.Expires
		if g := e.req505Gaps(t); !slices.Equal(g, []string{"acceptance-expired"}) {
			t.Errorf("REQ-5-05 gaps at the acceptance's expiry: %v, want acceptance-expired", g)
		}
	})
}
