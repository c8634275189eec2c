package readiness

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// testClock is the store's clock, moved by the test between writes.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(s string)   { c.mu.Lock(); defer c.mu.Unlock(); c.t = day(s) }

// exampleStore applies the example program, changed by edit, to a fresh
// store at the clock's instant, as `evident init` and `apply` do.
func exampleStore(t *testing.T, s *sqlstore.Store, edit func(*evident.Model)) []evident.Requirement {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	all, _ := cat.Requirements("3.2.1")
	if _, err := s.SyncCatalog(ctx, all); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateProgram(ctx, evident.Program{Name: "init", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "alice"}); err != nil {
		t.Fatal(err)
	}
	m, err := program.Load("../../examples/qtsp", cat)
	if err != nil {
		t.Fatal(err)
	}
	edit(m)
	if _, err := program.Apply(ctx, s, m, "alice"); err != nil {
		t.Fatal(err)
	}
	reqs, err := cat.Requirements(m.Program.Version, m.Program.Overlays...)
	if err != nil {
		t.Fatal(err)
	}
	return reqs
}

// pass records passing evidence for a control, effective at eff, for
// every system of its scope: for a control verified by import the raw
// item and the verdict derived from it, for one verified by a person a
// document review accepted by a second login.
func pass(t *testing.T, s *sqlstore.Store, control, eff string) {
	t.Helper()
	ctx := context.Background()
	m, err := s.Model(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := m.ControlByID(control)
	if c == nil {
		t.Fatalf("no control %s", control)
	}
	var systems []evident.SystemVersion
	for _, id := range c.Systems {
		systems = append(systems, evident.SystemVersion{Name: id, Version: m.SystemByID(id).Version})
	}
	if c.NeedsReview() {
		accepted(t, s, m, *c, eff, systems)
		return
	}
	raw := evident.Evidence{Kind: evident.RawEvidence, Digest: evident.Digest{7}, MediaType: "text/plain", Actor: "collector:test",
		Effective: evident.Effective{From: day(eff)}, Controls: []string{control}, Systems: systems}
	evs := []evident.Evidence{raw}
	if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, evs) }); err != nil {
		t.Fatal(err)
	}
	v := evident.Evidence{Kind: evident.DerivedEvidence, Digest: evident.Digest{8}, MediaType: "application/json", Actor: "collector:test",
		Effective: evident.Effective{From: day(eff)}, Controls: []string{control}, Systems: systems, Verdict: evident.VerdictPass, DerivedFrom: []string{evs[0].ID}}
	if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, []evident.Evidence{v}) }); err != nil {
		t.Fatal(err)
	}
}

// accepted records a document review of the policy control c reviews,
// submitted by its owner and accepted by a compliance manager.
func accepted(t *testing.T, s *sqlstore.Store, m *evident.Model, c evident.Control, eff string, systems []evident.SystemVersion) {
	t.Helper()
	ctx := context.Background()
	err := s.CreateUser(ctx, evident.User{Name: "cm-test", Role: evident.RoleComplianceManager}, "", "test")
	if err != nil && evident.ErrorCode(err) != evident.ECONFLICT {
		t.Fatal(err)
	}
	var names []string
	for _, sv := range systems {
		names = append(names, sv.Name)
	}
	sub := m.Submission(c, evident.SubmissionFields{Policy: "terms-and-conditions", Outcome: "reviewed, adequate"}, names, "owner-test")
	if sub == nil {
		t.Fatalf("control %s takes no document review", c.ID)
	}
	detail, err := json.Marshal(sub)
	if err != nil {
		t.Fatal(err)
	}
	e := []evident.Evidence{{Kind: evident.RawEvidence, Digest: evident.Digest{6}, MediaType: "text/plain", Actor: "owner-test",
		Effective: evident.Effective{From: day(eff)}, Controls: []string{c.ID}, Systems: systems, Detail: detail}}
	err = s.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.InsertEvidence(ctx, e); err != nil {
			return err
		}
		_, err := tx.Review(ctx, sqlstore.ReviewInput{Evidence: e[0].ID, Verb: evident.ActAccept, Reviewer: "cm-test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// statusAt loads the store at the clock's instant and computes status.
func statusAt(t *testing.T, s *sqlstore.Store, reqs []evident.Requirement, at time.Time) (Report, map[string]RequirementStatus) {
	t.Helper()
	in, err := Load(context.Background(), s, reqs, at, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	r := Status(in, time.Time{}, time.Time{})
	by := map[string]RequirementStatus{}
	for _, q := range r.Requirements {
		by[q.Requirement] = q
	}
	return r, by
}

func hasGap(gs []Gap, k GapKind, id, requirement string) bool {
	return slices.ContainsFunc(gs, func(g Gap) bool {
		return g.Kind == k && g.ID == id && slices.Contains(g.Requirements, requirement)
	})
}

// The scan control set to every year, with one scan in February: in
// December its evidence is current, but the standard asks for a scan each
// quarter, so REQ-7.8-14 is not verified and the gap says why.
func TestYearlyScanIsBelowTheQuarterlyFloor(t *testing.T) {
	const reqScan = "EN319401@3.2.1:REQ-7.8-14"
	for _, tc := range []struct {
		name    string
		cadence string
		want    evident.Readiness
	}{
		{"every 1 year", "every 1 year", evident.ReadinessImplemented},
		{"quarterly", "quarterly", evident.ReadinessVerified},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &testClock{}
			storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
				c.set("2026-01-05") // each dialect starts the year afresh
				reqs := exampleStore(t, s, func(m *evident.Model) {
					cad, err := evident.ParseCadence(tc.cadence)
					if err != nil {
						t.Fatal(err)
					}
					m.ControlByID("vuln-scan-quarterly").Cadence = cad
				})
				c.set("2026-02-12")
				pass(t, s, "vuln-scan-quarterly", "2026-02-10")
				c.set("2026-12-01")
				pass(t, s, "vuln-scan-quarterly", "2026-11-20") // the quarterly case's Q4 scan
				r, by := statusAt(t, s, reqs, day("2026-12-01"))
				if got := by[reqScan].State; got != tc.want {
					t.Errorf("%s with the scan %s: %s, want %s", reqScan, tc.cadence, got, tc.want)
				}
				below := hasGap(r.Gaps, CadenceBelowStandard, "vuln-scan-quarterly", reqScan)
				if below != (tc.want != evident.ReadinessVerified) {
					t.Errorf("cadence-below-standard for vuln-scan-quarterly: %v; gaps %v", below, r.Gaps)
				}
				in, err := Load(context.Background(), s, reqs, day("2026-12-01"), time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				if n := len(Gaps(in)); n != len(r.Gaps) {
					t.Errorf("Gaps lists %d, the status report %d: one rule, one list", n, len(r.Gaps))
				}
			})
		})
	}
}

// Terms and conditions that do not declare the availability undertakings
// keep REQ-6.2-02 from being verified however current the T&C review is;
// declaring them (and applying) makes it verified.
func TestTermsMissingAnItemKeepREQ6202Unverified(t *testing.T) {
	const reqTC = "EN319401@3.2.1:REQ-6.2-02"
	c := &testClock{}
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		c.set("2026-01-05") // each dialect starts the year afresh
		reqs := exampleStore(t, s, func(*evident.Model) {})
		c.set("2026-03-02")
		pass(t, s, "terms-review", "2026-03-01")
		at := day("2026-06-01")
		c.set("2026-06-01")
		r, by := statusAt(t, s, reqs, at)
		if got := by[reqTC]; got.State != evident.ReadinessImplemented || got.Gaps == 0 {
			t.Errorf("%s while the T&C lack availability: %s with %d gaps, want implemented, limited by a gap", reqTC, got.State, got.Gaps)
		}
		if !hasGap(r.Gaps, PolicyContentMissing, "terms-and-conditions", reqTC) {
			t.Errorf("no policy-content-missing gap concerning %s in %v", reqTC, r.Gaps)
		}
		// Another requirement of the same control, with no gap, is verified.
		if got := by["EN319401@3.2.1:REQ-6.2-05"].State; got != evident.ReadinessVerified {
			t.Errorf("REQ-6.2-05 (no gap, current review): %s, want verified", got)
		}

		c.set("2026-06-02")
		ctx := context.Background()
		m, err := s.Model(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tc := m.PolicyByID("terms-and-conditions")
		tc.Contents = append(tc.Contents, "availability")
		if _, err := program.Apply(ctx, s, m, "alice"); err != nil {
			t.Fatal(err)
		}
		_, by = statusAt(t, s, reqs, day("2026-06-03"))
		if got := by[reqTC].State; got != evident.ReadinessVerified {
			t.Errorf("%s once the T&C declare availability: %s, want verified", reqTC, got)
		}
		// As of the earlier instant the gap was open, and status says so.
		if _, by := statusAt(t, s, reqs, at); by[reqTC].State != evident.ReadinessImplemented {
			t.Errorf("%s at %s: %s, want implemented as it was then", reqTC, evident.UTC(at), by[reqTC].State)
		}
	})
}

// fail records tool output for a control and, an hour later in effective
// time, the failing verdict derived from it: the latest evidence fails.
func fail(t *testing.T, s *sqlstore.Store, control, eff string) {
	t.Helper()
	ctx := context.Background()
	m, err := s.Model(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var systems []evident.SystemVersion
	for _, id := range m.ControlByID(control).Systems {
		systems = append(systems, evident.SystemVersion{Name: id, Version: m.SystemByID(id).Version})
	}
	raw := []evident.Evidence{{Kind: evident.RawEvidence, Digest: evident.Digest{9}, MediaType: "text/plain", Actor: "collector:test",
		Effective: evident.Effective{From: day(eff).Add(-time.Hour)}, Controls: []string{control}, Systems: systems}}
	if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, raw) }); err != nil {
		t.Fatal(err)
	}
	v := evident.Evidence{Kind: evident.DerivedEvidence, Digest: evident.Digest{10}, MediaType: "application/json", Actor: "collector:test",
		Effective: evident.Effective{From: day(eff)}, Controls: []string{control}, Systems: systems, Verdict: evident.VerdictFail, DerivedFrom: []string{raw[0].ID}}
	if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, []evident.Evidence{v}) }); err != nil {
		t.Fatal(err)
	}
}

// On the stored example: the risk appetite and next audit date survive the
// store; a failing time-sync check makes the time-drift risk a gap; a
// significant change to the issuing CA opens a review of the data centre
// that hosts it and asks for the scan to be refreshed before the audit.
func TestRiskAndChangeOnTheStoredExample(t *testing.T) {
	c := &testClock{}
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		c.set("2026-01-05")
		reqs := exampleStore(t, s, func(*evident.Model) {})
		in, err := Load(ctx, s, reqs, day("2026-01-05"), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if p := in.Model.Program; p.RiskAppetite != 6 || !p.NextAudit.Equal(day("2027-02-15")) {
			t.Fatalf("stored program: appetite %d, next audit %v; want 6 and 2027-02-15", p.RiskAppetite, p.NextAudit)
		}

		c.set("2026-03-02T08:00:00Z")
		fail(t, s, "clock-sync-daily", "2026-03-02T03:00:00Z")
		pass(t, s, "vuln-scan-quarterly", "2026-03-01")
		r, _ := statusAt(t, s, reqs, day("2026-03-02T08:00:00Z"))
		var drift *Gap
		for i, g := range r.Gaps {
			if g.Kind == RiskControlFailing && g.ID == "r06-time-drift" {
				drift = &r.Gaps[i]
			}
		}
		if drift == nil || !strings.Contains(drift.Detail, "clock-sync-daily (failing)") || !strings.Contains(drift.Detail, "tsa-token-check-daily (missing)") {
			t.Errorf("r06-time-drift: gap %+v, want it treated by clock-sync-daily (failing) and tsa-token-check-daily (missing)", drift)
		}

		c.set("2026-03-03T10:00:00Z")
		ch, _, err := s.AddChange(ctx, evident.Change{System: "issuing-ca", Version: "5.0", Significant: true, Summary: "new CA software", Actor: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		in, err = Load(ctx, s, reqs, day("2026-03-04"), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var supplier, refresh bool
		for _, tk := range Tasks(in, time.Time{}) {
			if tk.Source != "change/"+ch.ID {
				continue
			}
			switch {
			case tk.Kind == TaskChange && strings.Contains(tk.Title, "Datacenter Nord GmbH"):
				supplier = tk.Requirements[0] == "EN319401@3.2.1:REQ-7.14.1-05" && tk.Due.Equal(day("2026-04-02T10:00:00Z"))
			case tk.Kind == TaskChange && strings.Contains(tk.Title, "Review supplier"):
				t.Errorf("a supplier not supporting the issuing CA is asked for review: %s", tk.Title)
			case tk.Kind == TaskRefresh && tk.Control == "vuln-scan-quarterly":
				refresh = tk.Due.Equal(day("2027-02-15"))
			}
		}
		if !supplier || !refresh {
			t.Errorf("after the change: supplier review of Datacenter Nord %v, scan refresh due at the audit %v; want both", supplier, refresh)
		}
	})
}
