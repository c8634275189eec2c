package program

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func fixed() time.Time { return t0 }

// initStore stores the catalog and an empty program, as `evident init` does.
func initStore(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	// The example cites V3.2.1 only; storing one version keeps setup short.
	reqs, err := mustCatalog(t).Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncCatalog(ctx, reqs); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateProgram(ctx, evident.Program{Name: "init", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "alice"}); err != nil {
		t.Fatal(err)
	}
}

// leaves returns the audit-trail records written so far.
func leaves(t *testing.T, s *sqlstore.Store) []evident.Record {
	t.Helper()
	ctx := context.Background()
	var out []evident.Record
	err := s.Read(ctx, func(tx *sqlstore.Tx) error {
		n, err := tx.LedgerSize(ctx)
		if err != nil {
			return err
		}
		ls, err := tx.LedgerLeaves(ctx, 0, n)
		for _, l := range ls {
			r, err := evident.ParseRecord(l.Data)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestApplyExportPlanIsNoChange(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		initStore(t, s)
		want, err := Load(exampleDir, mustCatalog(t))
		if err != nil {
			t.Fatal(err)
		}
		plan, err := Apply(ctx, s, want, "elena")
		if err != nil {
			t.Fatal(err)
		}
		if add, _, _ := plan.Count(); add < 150 {
			t.Errorf("first apply added %d objects, want the whole example", add)
		}
		// The audit trail names the actor and every step.
		var applied *evident.Record
		kinds := map[string]int{}
		for _, r := range leaves(t, s) {
			kinds[r.Kind]++
			if r.Kind == "program.apply" {
				applied = &r
			}
		}
		if applied == nil || applied.Actor != "elena" {
			t.Fatalf("no program.apply record by elena in the audit trail: %v", kinds)
		}
		var body struct {
			Added   int `json:"added"`
			Changed int `json:"changed"`
			Steps   []struct {
				Section, ID string
			} `json:"steps"`
		}
		if err := json.Unmarshal(applied.Body, &body); err != nil || body.Added+body.Changed != len(body.Steps) {
			t.Errorf("program.apply body: added %d, changed %d, %d steps, err %v", body.Added, body.Changed, len(body.Steps), err)
		}
		if kinds["policy.approval"] < 12 || kinds["risk.acceptance"] != 2 {
			t.Errorf("decision records: %d policy.approval, %d risk.acceptance; want one per approval and acceptance", kinds["policy.approval"], kinds["risk.acceptance"])
		}

		out := t.TempDir()
		stored, err := s.Model(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := Export(stored, out); err != nil {
			t.Fatal(err)
		}
		back, err := Load(out, mustCatalog(t))
		if err != nil {
			t.Fatalf("the export does not load: %v", err)
		}
		if p := Diff(stored, back); !p.Empty() {
			t.Fatalf("export -> plan is not a no-op:\n%s", p)
		}
		// Applying the export again writes nothing, not even an audit record.
		before := len(leaves(t, s))
		if p, err := Apply(ctx, s, back, "elena"); err != nil || !p.Empty() {
			t.Fatalf("re-apply of the export: plan %v, err %v", p, err)
		}
		if after := len(leaves(t, s)); after != before {
			t.Errorf("a no-op apply wrote %d ledger records", after-before)
		}
	})
}

func TestApplyChangesAndRemoves(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		initStore(t, s)
		cat := mustCatalog(t)
		m, err := Load(exampleDir, cat)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Apply(ctx, s, m, "elena"); err != nil {
			t.Fatal(err)
		}
		// The owner of one control changes, a zone goes (with its system),
		// a new approval arrives for the BCP and the TLS CA becomes
		// publicly trusted.
		m.ControlByID("vuln-scan-quarterly").Owner = "system-administrator"
		m.ServiceByID("ncert-tls").PubliclyTrusted = true
		m.Systems = removeSystem(m.Systems, "staging")
		m.Zones = removeZone(m.Zones, "dev")
		for i := range m.Controls {
			m.Controls[i].Systems = without(m.Controls[i].Systems, "staging")
		}
		bcp := m.PolicyByID("bcp")
		bcp.Versions[0].Approvals = append(bcp.Versions[0].Approvals, evident.Approval{By: "jonas-weber", At: t0})
		plan, err := Apply(ctx, s, m, "lukas")
		if err != nil {
			t.Fatal(err)
		}
		got := plan.String()
		for _, want := range []string{"~ controls vuln-scan-quarterly", "owner: security-officer -> system-administrator", "- systems staging", "- zones dev", "~ policies bcp", "~ services ncert-tls", "publicly_trusted:"} {
			if !strings.Contains(got, want) {
				t.Errorf("plan lacks %q:\n%s", want, got)
			}
		}
		stored, _ := s.Model(ctx)
		if p := Diff(stored, m); !p.Empty() {
			t.Errorf("after apply the store still differs:\n%s", p)
		}
		var approvals []evident.Record
		for _, r := range leaves(t, s) {
			if r.Kind == "policy.approval" && r.ID == "bcp@4.0" {
				approvals = append(approvals, r)
			}
		}
		if len(approvals) != 2 || approvals[1].Actor != "lukas" {
			t.Errorf("bcp@4.0 approval records = %d (last by %q), want 2, the new one by lukas", len(approvals), approvals[len(approvals)-1].Actor)
		}
	})
}

func TestApplyRefusesABrokenModelAndStoresNothing(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		initStore(t, s)
		m, err := Load(exampleDir, mustCatalog(t))
		if err != nil {
			t.Fatal(err)
		}
		m.Treatments[0].Controls = append(m.Treatments[0].Controls, "missing")
		if _, err := Apply(ctx, s, m, "elena"); evident.ErrorCode(err) != evident.EINVALID {
			t.Fatalf("apply with a dangling reference: got %v, want EINVALID", err)
		}
		stored, err := s.Model(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored.Controls)+len(stored.Risks)+len(stored.Policies) != 0 || stored.Program.Name != "init" {
			t.Errorf("a refused apply stored something: %d controls, program %q", len(stored.Controls), stored.Program.Name)
		}
	})
}

func TestExportRefusesForeignYAML(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("zones: []\n"), 0o644)
	err := Export(&evident.Model{Program: evident.Program{Name: "x", Version: "3.2.1"}}, dir)
	if evident.ErrorCode(err) != evident.ECONFLICT {
		t.Errorf("export into a directory with other YAML: got %v, want ECONFLICT", err)
	}
}

func removeSystem(xs []evident.System, id string) (out []evident.System) {
	for _, x := range xs {
		if x.ID != id {
			out = append(out, x)
		}
	}
	return out
}

func removeZone(xs []evident.Zone, id string) (out []evident.Zone) {
	for _, x := range xs {
		if x.ID != id {
			out = append(out, x)
		}
	}
	return out
}

func without(xs []string, s string) (out []string) {
	for _, x := range xs {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
