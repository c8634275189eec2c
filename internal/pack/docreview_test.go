package pack

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestPackJudgesAStaleDocumentReviewAsTheStoreDoes: an accepted review of
// the security policy stops counting once a new version of the policy is
// applied. The pack's window says so, and pack verify, recomputing it
// from the program and review leaves, agrees rather than calling the
// window satisfied.
func TestPackJudgesAStaleDocumentReviewAsTheStoreDoes(t *testing.T) {
	ctx := t.Context()
	clk := &clock{t: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
	st := sqliteStore(t)(clk.Now)
	cat := storetest.Init(t, st, "Example QTSP", "carol")
	m, err := program.Load("../../examples/qtsp", cat)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := program.Apply(ctx, st, m, "carol"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []evident.User{{Name: "carol", Role: evident.RoleComplianceManager},
		{Name: "erik", Role: evident.RoleControlOwner, Controls: []string{"security-policy-review"}}} {
		if err := st.CreateUser(ctx, u, "", "admin"); err != nil {
			t.Fatal(err)
		}
	}
	lt := ledgertest.Open(t, st, "evident.ledger/pack-test-qtsp", "")
	const spr = "security-policy-review"
	clk.Set(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	pol := *m.PolicyByID("information-security-policy")
	cur, _ := pol.Current()
	detail, _ := json.Marshal(evident.Submission{Method: evident.MethodDocumentReview,
		Document: &evident.DocumentReview{Policy: pol.ID, SHA256: cur.SHA256, Outcome: "adequate"}})
	ev, err := lt.AddEvidence(ctx, ledger.EvidenceInput{Actor: "erik", Filename: "review.txt", Controls: []string{spr}, Detail: detail},
		strings.NewReader("policy reviewed\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lt.Review(ctx, sqlstore.ReviewInput{Evidence: ev.ID, Verb: evident.ActAccept, Reviewer: "carol"}); err != nil {
		t.Fatal(err)
	}
	export := func() ([]byte, *Manifest) {
		var buf bytes.Buffer
		man, err := Export(ctx, Source{Ledger: lt.Ledger, Signer: lt.Signer, Key: lt.Key, Catalog: cat},
			Options{From: year2026, To: year2027, Actor: "carol", Now: clk.Now()}, &buf)
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes(), packManifest(t, buf.Bytes(), man)
	}
	state := func(man *Manifest) evident.PeriodState {
		i := slices.IndexFunc(man.Coverage, func(c Coverage) bool { return c.Control == spr })
		return man.Coverage[i].Windows[0].State
	}
	clk.Set(time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC))
	before, man := export()
	if r := verifyBytes(t, before); !r.OK || state(man) != evident.PeriodSatisfied {
		t.Fatalf("with the review current: window %s, want satisfied\n%s", state(man), problems(r))
	}
	// A new version of the policy is applied: the review is of the old one.
	clk.Set(time.Date(2026, 11, 4, 10, 0, 0, 0, time.UTC))
	m2, err := st.Model(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m2.Policies {
		if m2.Policies[i].ID == pol.ID {
			v := cur
			v.Version, v.SHA256, v.File = cur.Version+"-rev", strings.Repeat("ab", 32), ""
			m2.Policies[i].Versions = append(m2.Policies[i].Versions, v)
		}
	}
	if _, err := program.Apply(ctx, st, m2, "carol"); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC))
	after, man := export()
	if state(man) == evident.PeriodSatisfied {
		t.Fatalf("the review of a replaced policy version still satisfies the window")
	}
	if r := verifyBytes(t, after); !r.OK {
		t.Fatalf("pack verify judges the stale review otherwise than the store:\n%s", problems(r))
	}
}
