package pack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// policyDoc is the practice statement the registers test approves.
var policyDoc = []byte("Practice statement v1: how Pack Test QTSP issues time-stamps.\n")

// registersPack is a quarter's pack of a program with a practice
// statement whose document is in the blob store, approved by the
// management body's login, a risk with a treatment and a change.
func registersPack(t *testing.T) (*fixture, []byte, *Manifest) {
	t.Helper()
	ctx := context.Background()
	q2 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	f := newFixtureUntil(t, sqliteStore(t), q2)
	m, err := f.st.Model(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(policyDoc)
	m.Policies = append(m.Policies, evident.Policy{ID: "tsps", Title: "Time-stamp practice statement", Kind: evident.PolicyKind("practice-statement"),
		Versions: []evident.PolicyVersion{{Version: "1.0", SHA256: hex.EncodeToString(sum[:]), Date: year2026}}})
	m.Risks = append(m.Risks, evident.Risk{ID: "r-drift", Title: "Clock drift", Threat: "time source failure", Vulnerability: "single source", Likelihood: 2, Impact: 4})
	m.Treatments = append(m.Treatments, evident.Treatment{ID: "t-drift", Risk: "r-drift", Decision: evident.Mitigate, Controls: []string{"time-sync"}})
	f.clock.Set(time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC))
	if _, err := program.Apply(ctx, f.st, m, "alice@ops"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.led.Blobs().Put(ctx, bytes.NewReader(policyDoc)); err != nil {
		t.Fatal(err)
	}
	if err := f.st.CreateUser(ctx, evident.User{Name: "mira", Role: evident.RoleApprover}, "", "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.led.Approve(ctx, sqlstore.ApprovalInput{Subject: evident.PolicySubject("tsps", "1.0"), Verb: evident.ActApprove, Approver: "mira"}); err != nil {
		t.Fatal(err)
	}
	// The engagement over the quarter and its finding come from the
	// store, as the CLI's and the API's export read them.
	for _, u := range []evident.User{{Name: "cora", Role: evident.RoleComplianceManager}, {Name: "asa", Role: evident.RoleAssessor, PeriodFrom: year2026, PeriodTo: q2}} {
		if err := f.st.CreateUser(ctx, u, "", "admin"); err != nil {
			t.Fatal(err)
		}
	}
	e, err := f.st.AddEngagement(ctx, evident.Engagement{Kind: evident.EngagementSurveillance, CAB: "TrustCert", Lead: "Asa Assessor",
		From: year2026, To: q2, Services: []string{"qtsa"}, Assessors: []string{"asa"}, Actor: "cora"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.AddFinding(ctx, evident.Finding{Engagement: e.ID, Ref: "nc-1", Kind: evident.FindingMinor,
		Requirements: []evident.RequirementRef{{Standard: "EN319401", Version: "3.2.1", ID: "REQ-7.7-03"}}, Text: "no drift alarm", RaisedBy: "asa"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(q2)
	var buf bytes.Buffer
	man, err := Export(ctx, f.src, Options{From: year2026, To: q2, Actor: "alice@ops", Now: q2}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	return f, buf.Bytes(), man
}

func entryOf(t testing.TB, b []byte, name string) []byte {
	t.Helper()
	for _, e := range readEntries(t, b) {
		if e.name == name {
			return e.data
		}
	}
	t.Fatalf("the pack has no %s", name)
	return nil
}

// TestPackCarriesTheRegisters: the pack holds the policy stack with the
// approved document and its approval act, the scope, the risk register,
// the statement of applicability, incidents, changes, the per-requirement
// trace and the printable report; each is checked by pack verify.
func TestPackCarriesTheRegisters(t *testing.T) {
	f, good, man := registersPack(t)
	if r := verifyBytes(t, good); !r.OK || r.Format != Format {
		t.Fatalf("the pack (%s) fails:\n%s", r.Format, problems(r))
	}
	if len(man.Documents) != 1 || man.Documents[0].Policy != "tsps" || !bytes.Equal(entryOf(t, good, man.Documents[0].Path), policyDoc) {
		t.Fatalf("documents %+v: want the practice statement's bytes in the pack", man.Documents)
	}
	var ps []PolicyEntry
	if err := json.Unmarshal(entryOf(t, good, PoliciesJSON), &ps); err != nil {
		t.Fatal(err)
	}
	var got *PolicyRecord
	for _, p := range ps {
		if p.ID == "tsps" {
			got = &p.Versions[0]
		}
	}
	if got == nil || got.State != evident.ApprovalApproved || got.Decision == nil || got.Decision.Actor != "mira" || got.Document != man.Documents[0].Path {
		t.Fatalf("policy register row %+v: want approved by mira with its document", got)
	}
	var risks RiskRegister
	if err := json.Unmarshal(entryOf(t, good, RisksJSON), &risks); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(entryOf(t, good, RisksJSON)), `"t-drift"`) || len(risks.Risks) == 0 {
		t.Errorf("risk register lacks the treatment: %s", entryOf(t, good, RisksJSON))
	}
	var scope ScopeRegister
	if err := json.Unmarshal(entryOf(t, good, ScopeJSON), &scope); err != nil || len(scope.Systems) == 0 || len(scope.Services) == 0 {
		t.Errorf("scope register %+v (%v): want services and systems", scope, err)
	}
	var trace []RequirementTrace
	if err := json.Unmarshal(entryOf(t, good, RequirementsJSON), &trace); err != nil {
		t.Fatal(err)
	}
	traced := false
	for _, q := range trace {
		for _, c := range q.Controls {
			if c.ID == "time-sync" && c.Method != "" && len(c.Evidence) > 0 && c.LatestResult != "" && c.LatestState != "" {
				traced = true
			}
		}
	}
	if !traced {
		t.Errorf("no requirement traces to time-sync with method, evidence and latest result")
	}
	report := string(entryOf(t, good, ReportHTML))
	for _, want := range []string{"page-break-after:always", `id="clause-`, "Time-stamp practice statement", "approved by mira", "nc-1", "Clock drift"} {
		if !strings.Contains(report, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(report, "<script") {
		t.Error("report.html has a script")
	}
	if !strings.Contains(string(entryOf(t, good, FindingsJSON)), `"nc-1"`) {
		t.Error("the findings register lacks the engagement's finding")
	}

	// One byte of each new kind of item changed: pack verify names it.
	for _, name := range append(append([]string{}, registerFiles...), FindingsJSON, man.Documents[0].Path) {
		t.Run(name, func(t *testing.T) {
			bad := rewrite(t, good, func(e *entry) bool {
				if e.name == name {
					e.data = bytes.Clone(e.data)
					e.data[len(e.data)/2] ^= 1
				}
				return true
			})
			kind := ChangedFile
			if strings.HasPrefix(name, "evidence/") {
				kind = ChangedBlob
			}
			wantProblem(t, verifyBytes(t, bad), kind, name)
		})
	}
	// A register re-signed so its hash agrees still cannot claim an
	// approval the leaves do not hold.
	t.Run("forged approval", func(t *testing.T) {
		bad := resign(t, good, f.signer, func(m *Manifest, files map[string][]byte) {
			var ps []PolicyEntry
			if err := json.Unmarshal(files[PoliciesJSON], &ps); err != nil {
				t.Fatal(err)
			}
			for i := range ps {
				for j := range ps[i].Versions {
					if ps[i].ID == "tsps" {
						ps[i].Versions[j].Decision.Actor = "carol"
					}
				}
			}
			files[PoliciesJSON], _ = json.Marshal(ps)
		})
		wantProblem(t, verifyBytes(t, bad), BadApproval, PoliciesJSON)
	})
	t.Run("register dropped", func(t *testing.T) {
		bad := resign(t, good, f.signer, func(m *Manifest, files map[string][]byte) {
			delete(m.Files, RisksJSON)
			files[RisksJSON] = nil
		})
		wantProblem(t, verifyBytes(t, bad), EditedManifest, ManifestName)
	})
}
