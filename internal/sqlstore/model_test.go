package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
	"github.com/google/go-cmp/cmp"
)

// newProgram stores the V3.2.1 catalog and an empty program.
func newProgram(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	storetest.Init(t, s, "Example", "alice")
}

func ref(id string) evident.RequirementRef {
	return evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: evident.RequirementID(id)}
}

func TestModelRoundTrip(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		newProgram(t, s)
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		ctl := evident.Control{
			ID: "vuln-scan", Title: "Quarterly vulnerability scan", Owner: "ciso",
			Requirements: []evident.RequirementRef{ref("REQ-7.8-13"), ref("REQ-7.8-14")},
			Systems:      []string{"ca-issuing"},
			Method: evident.VerificationMethod{Kind: evident.MethodImport, Format: "nmap",
				Criteria:  []evident.Criterion{{Metric: "unexpected_open_ports", Op: "==", Value: 0}},
				Performer: &evident.Performer{Name: "Scan GmbH", Independent: true, Competence: "contract-2026-04"}},
			Cadence: evident.Cadence{Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitMonth},
		}
		pol := evident.Policy{ID: "tc", Title: "Terms", Kind: evident.TermsAndConditions, Contents: []string{"governing-law"},
			Versions: []evident.PolicyVersion{{Version: "1.0", SHA256: "ab", Date: day,
				Approvals: []evident.Approval{{By: "ceo", At: day}}}}}
		na := evident.Applicability{Requirement: ref("REQ-7.8-23"), Justification: "no own network", Applicable: false}
		p := evident.Program{Name: "Example QTSP", Standard: evident.EN319401, Version: "3.2.1", Overlays: []string{},
			LegalName: "Example Trust S.A.", SupervisoryBody: "ILNAS", Country: "LU", RiskScale: evident.Scale{Likelihood: 4, Impact: 4}}
		err := s.Write(ctx, func(tx *sqlstore.Tx) error {
			if err := tx.UpdateProgram(ctx, p, "bob"); err != nil {
				return err
			}
			if err := tx.PutObject(ctx, sqlstore.Controls, ctl.ID, ctl, "bob"); err != nil {
				return err
			}
			if err := tx.PutObject(ctx, sqlstore.Policies, pol.ID, pol, "bob"); err != nil {
				return err
			}
			return tx.PutApplicability(ctx, na, "bob")
		})
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.Model(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p.CreatedAt, p.CreatedBy = t0, "alice"
		want := &evident.Model{Program: p, Controls: []evident.Control{ctl}, Policies: []evident.Policy{pol}, SoA: []evident.Applicability{na}}
		if d := cmp.Diff(want, m); d != "" {
			t.Errorf("model read back differs (-want +got):\n%s", d)
		}
		ids, err := s.ControlsMeeting(ctx, ref("REQ-7.8-14"))
		if err != nil || len(ids) != 1 || ids[0] != "vuln-scan" {
			t.Errorf("ControlsMeeting(REQ-7.8-14) = %v, %v; want [vuln-scan]", ids, err)
		}
		// Removing the control removes its requirement links.
		if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.DeleteObject(ctx, sqlstore.Controls, "vuln-scan") }); err != nil {
			t.Fatal(err)
		}
		if ids, _ := s.ControlsMeeting(ctx, ref("REQ-7.8-14")); len(ids) != 0 {
			t.Errorf("after delete, ControlsMeeting = %v, want none", ids)
		}
	})
}

func TestControlWithUnknownRequirementIsRefused(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		newProgram(t, s)
		bad := evident.Control{ID: "x", Title: "x", Requirements: []evident.RequirementRef{ref("REQ-9.9-99")}}
		err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.PutObject(ctx, sqlstore.Controls, bad.ID, bad, "bob") })
		if evident.ErrorCode(err) != evident.EINVALID {
			t.Fatalf("put control citing REQ-9.9-99: got %v, want EINVALID", err)
		}
		m, err := s.Model(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Controls) != 0 {
			t.Errorf("the refused control was stored: %+v", m.Controls)
		}
	})
}

// Services reads exactly the services Model reads, in the same order:
// status chooses the program's overlays from them.
func TestServicesAreTheModelsServices(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		newProgram(t, s)
		if got, err := s.Services(ctx); err != nil || len(got) != 0 {
			t.Fatalf("Services of an empty program = %v, %v; want none", got, err)
		}
		tsa := evident.Service{ID: "qtsa", Name: "Time-stamps", Type: evident.ServiceTimeStamps, Qualification: evident.Qualified}
		ca := evident.Service{ID: "qc", Name: "Qualified certificates", PubliclyTrusted: true}
		err := s.Write(ctx, func(tx *sqlstore.Tx) error {
			if err := tx.PutObject(ctx, sqlstore.Services, tsa.ID, tsa, "bob"); err != nil {
				return err
			}
			return tx.PutObject(ctx, sqlstore.Services, ca.ID, ca, "bob")
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Services(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.Model(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]evident.Service{ca, tsa}, got); d != "" {
			t.Errorf("Services (-want +got):\n%s", d)
		}
		if d := cmp.Diff(m.Services, got); d != "" {
			t.Errorf("Services differs from Model().Services (-model +services):\n%s", d)
		}
	})
}
