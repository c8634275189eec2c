package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
	"github.com/google/go-cmp/cmp"
)

// incClock is a settable test clock.
type incClock struct{ t time.Time }

func (c *incClock) now() time.Time { return c.t }

// incidentStore prepares a store the way `evident init` and `apply` leave
// it: the catalog, a program, and the services and systems incidents name.
func incidentStore(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	var all []evident.Requirement
	for _, v := range cat.Versions() {
		reqs, _ := cat.Requirements(v.Number)
		all = append(all, reqs...)
	}
	if _, err := s.SyncCatalog(ctx, all); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateProgram(ctx, evident.Program{Name: "QTSP", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "alice"}); err != nil {
		t.Fatal(err)
	}
	err = s.Write(ctx, func(tx *sqlstore.Tx) error {
		for _, q := range []string{
			`INSERT INTO services (id, body, updated_at, updated_by) VALUES ('qualified-certificates', '{}', '', 'alice')`,
			`INSERT INTO services (id, body, updated_at, updated_by) VALUES ('time-stamping', '{}', '', 'alice')`,
			`INSERT INTO systems (id, body, updated_at, updated_by) VALUES ('ca-issuing', '{}', '', 'alice')`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ledgerKinds(t *testing.T, s *sqlstore.Store, ref string) []string {
	t.Helper()
	ctx := context.Background()
	var kinds []string
	err := s.Read(ctx, func(tx *sqlstore.Tx) error {
		n, err := tx.LedgerSize(ctx)
		if err != nil {
			return err
		}
		leaves, err := tx.LedgerLeaves(ctx, 0, n)
		for _, l := range leaves {
			if l.Ref == ref {
				kinds = append(kinds, l.Kind)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return kinds
}

func TestIncidentLifecycle(t *testing.T) {
	start := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	c := &incClock{}
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		c.t = start
		incidentStore(t, s)
		inc, err := s.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: "OCSP responder down", Reporter: "noc",
			AwareAt: start.Add(-2 * time.Hour), Services: []string{"qualified-certificates"}, Systems: []string{"ca-issuing"},
			CustomersAffected: true}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if inc.Rules.Notification != (evident.Span{Amount: 24, Unit: evident.UnitHour}) || inc.Rules.Source != "EN319401@3.2.1" {
			t.Errorf("rules snapshot = %+v, want 24 h from EN319401@3.2.1", inc.Rules)
		}
		// Triage: not significant, then new information makes it significant.
		c.t = start.Add(time.Hour)
		if _, err := s.ClassifyIncident(ctx, inc.ID, evident.Classification{Severity: "medium", Category: "availability",
			Impact: evident.Impact{FullOutageMinutes: 10}}, "", "alice"); err != nil {
			t.Fatal(err)
		}
		c.t = start.Add(2 * time.Hour)
		got, err := s.ClassifyIncident(ctx, inc.ID, evident.Classification{Severity: "high", Category: "availability",
			Impact: evident.Impact{FullOutageMinutes: 45}, Note: "outage was longer"}, "OCSP signer cert expired", "bob")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Classifications) != 2 || got.Classifications[0].Significant() || !got.Classifications[1].Significant() {
			t.Fatalf("classifications = %+v, want not significant then significant", got.Classifications)
		}
		c.t = start.Add(3 * time.Hour)
		if _, err := s.AddIncidentStep(ctx, inc.ID, evident.Step{Kind: "containment", At: start.Add(-time.Hour), Note: "failover"}, "bob"); err != nil {
			t.Fatal(err)
		}
		report := []byte("%PDF-1.7 notification")
		ev := &evident.Evidence{Kind: evident.RawEvidence, Digest: sha256.Sum256(report), Size: int64(len(report)), MediaType: "application/pdf", Filename: "report.pdf"}
		n, err := s.NotifyIncident(ctx, inc.ID, evident.Notification{To: []evident.Recipient{evident.ToSupervisoryBody, evident.ToCSIRT},
			Kind: evident.NoticeNotification, SentAt: start.Add(2 * time.Hour)}, ev, "bob")
		if err != nil {
			t.Fatal(err)
		}
		if n.EvidenceID == "" || n.EvidenceID != ev.ID || n.Digest != ev.Digest.String() || n.File != "report.pdf" {
			t.Errorf("notification = %+v, want it to carry the ledgered report %s", n, ev.ID)
		}
		c.t = start.Add(4 * time.Hour)
		if _, err := s.AddIncidentStep(ctx, inc.ID, evident.Step{Kind: "closure"}, "bob"); err != nil {
			t.Fatal(err)
		}
		// Read back through a prefix of the id, as people type it.
		back, err := s.Incident(ctx, inc.ID[:13])
		if err != nil {
			t.Fatal(err)
		}
		if back.RootCause != "OCSP signer cert expired" || back.Open() || len(back.Steps) != 2 || len(back.Notifications) != 1 {
			t.Errorf("read back = %+v", back)
		}
		if !back.ClosedAt.Equal(start.Add(4 * time.Hour)) {
			t.Errorf("closed at %v, want %v", back.ClosedAt, start.Add(4*time.Hour))
		}
		if diff := cmp.Diff(got.Classifications, back.Classifications); diff != "" {
			t.Errorf("stored classifications differ from returned (-returned +stored):\n%s", diff)
		}
		states := map[evident.ClockName]evident.ClockState{}
		for _, cl := range back.Clocks(c.t) {
			states[cl.Name] = cl.State
		}
		want := map[evident.ClockName]evident.ClockState{
			evident.ClockEIDAS: evident.ClockMet, evident.ClockEarlyWarning: evident.ClockMet, evident.ClockNIS2Notification: evident.ClockMet,
			evident.ClockFinalReport: evident.ClockRunning, evident.ClockCustomers: evident.ClockRunning, evident.ClockReview: evident.ClockRunning,
		}
		if diff := cmp.Diff(want, states); diff != "" {
			t.Errorf("clocks (-want +got):\n%s", diff)
		}
		// Every step is in the audit trail, in order.
		wantKinds := []string{"incident.open", "incident.classify", "incident.classify", "incident.step", "incident.notify", "incident.step"}
		if diff := cmp.Diff(wantKinds, ledgerKinds(t, s, inc.ID)); diff != "" {
			t.Errorf("ledger records for the incident (-want +got):\n%s", diff)
		}
		// Closed: only a review may follow.
		_, err = s.AddIncidentStep(ctx, inc.ID, evident.Step{Kind: "recovery"}, "bob")
		if evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("step after closure: got %v, want ECONFLICT", err)
		}
		if _, err := s.AddIncidentStep(ctx, inc.ID, evident.Step{Kind: "review", Note: "lessons learned"}, "carol"); err != nil {
			t.Errorf("review after closure: %v", err)
		}
	})
}

// Bad input names the field and stores nothing, not even a ledger record.
func TestIncidentBadInputStoresNothing(t *testing.T) {
	now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		incidentStore(t, s)
		var before int64
		s.Read(ctx, func(tx *sqlstore.Tx) error { before, _ = tx.LedgerSize(ctx); return nil })
		good := evident.Incident{Kind: evident.KindIncident, Title: "t", Reporter: "r", AwareAt: now.Add(-time.Hour)}
		cases := []struct {
			mut   func(*evident.Incident)
			where string
		}{
			{func(i *evident.Incident) { i.Services = []string{"qualified-certificates", "nope"} }, "services[1]"},
			{func(i *evident.Incident) { i.Systems = []string{"ghost"} }, "systems[0]"},
			{func(i *evident.Incident) { i.AwareAt = now.Add(time.Hour) }, "aware_at"},
			{func(i *evident.Incident) { i.Title = "" }, "title"},
		}
		for _, c := range cases {
			in := good
			c.mut(&in)
			_, err := s.OpenIncident(ctx, in, "alice")
			var e *evident.Error
			if !errors.As(err, &e) || e.Code != evident.EINVALID || e.Where != c.where {
				t.Errorf("open with bad %s: got %v, want EINVALID at %s", c.where, err, c.where)
			}
		}
		inc, err := s.OpenIncident(ctx, good, "alice")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.ClassifyIncident(ctx, inc.ID, evident.Classification{Severity: "apocalyptic", Category: "breach"}, "", "alice")
		if evident.ErrorCode(err) != evident.EINVALID {
			t.Errorf("bad severity: %v", err)
		}
		_, err = s.NotifyIncident(ctx, inc.ID, evident.Notification{To: []evident.Recipient{evident.ToCSIRT}, Kind: "early-warning", SentAt: now.Add(-2 * time.Hour)}, nil, "alice")
		if evident.ErrorCode(err) != evident.EINVALID {
			t.Errorf("notification before awareness: %v", err)
		}
		if _, err := s.Incident(ctx, "0000000000"); evident.ErrorCode(err) != evident.ENOTFOUND {
			t.Errorf("unknown id: %v", err)
		}
		var after int64
		s.Read(ctx, func(tx *sqlstore.Tx) error { after, _ = tx.LedgerSize(ctx); return nil })
		if after != before+1 {
			t.Errorf("ledger grew by %d, want 1 (the one good open)", after-before)
		}
		list, _ := s.Incidents(ctx, sqlstore.IncidentFilter{})
		if len(list) != 1 || len(list[0].Classifications) != 0 || len(list[0].Notifications) != 0 {
			t.Errorf("register = %+v, want the one incident with no classification or notification", list)
		}
	})
}

// REQ-7.9.3-10 across the register: a second minor incident with the same
// root cause within six months that brings the losses over EUR 500 000
// becomes significant, and says why.
func TestIncidentRecurrenceAcrossRegister(t *testing.T) {
	c := &incClock{}
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		c.t = time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
		incidentStore(t, s)
		open := func(title string) evident.Incident {
			inc, err := s.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: title, Reporter: "noc", AwareAt: c.t}, "alice")
			if err != nil {
				t.Fatal(err)
			}
			return inc
		}
		first := open("HSM cluster split brain")
		got, err := s.ClassifyIncident(ctx, first.ID, evident.Classification{Severity: "medium", Category: "availability",
			Impact: evident.Impact{FinancialLossEUR: 300000}}, "HSM firmware bug", "alice")
		if err != nil || got.Classifications[0].Significant() {
			t.Fatalf("first: %v, %+v; want not significant", err, got.Classifications)
		}
		c.t = c.t.AddDate(0, 4, 0)
		second := open("HSM cluster split brain again")
		got, err = s.ClassifyIncident(ctx, second.ID, evident.Classification{Severity: "medium", Category: "availability",
			Impact: evident.Impact{FinancialLossEUR: 250000}}, "hsm  FIRMWARE bug", "alice")
		if err != nil {
			t.Fatal(err)
		}
		cur, _ := got.Current()
		if len(cur.Reasons) != 1 || cur.Reasons[0].Criterion != evident.CritRecurring || cur.Reasons[0].Basis != "EN319401@3.2.1:REQ-7.9.3-10" {
			t.Errorf("second classification reasons = %+v, want recurring (REQ-7.9.3-10)", cur.Reasons)
		}
		// A third one outside the window with the same cause stands alone.
		c.t = c.t.AddDate(0, 7, 0)
		third := open("HSM split brain, next year")
		got, _ = s.ClassifyIncident(ctx, third.ID, evident.Classification{Severity: "low", Category: "availability",
			Impact: evident.Impact{FinancialLossEUR: 100000}}, "HSM firmware bug", "alice")
		if cur, _ := got.Current(); cur.Significant() {
			t.Errorf("third, 7 months later: %+v, want not significant", cur.Reasons)
		}
	})
}

func TestOpenVulnerabilityIsIdempotent(t *testing.T) {
	now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		incidentStore(t, s)
		f := evident.VulnerabilityFinding{Key: "trivy:CVE-2026-0001:ca-issuing", Title: "CVE-2026-0001 in openssl", Severity: "critical",
			DiscoveredAt: now.Add(-time.Hour), Reporter: "importer:trivy", Systems: []string{"ca-issuing"}}
		v, created, err := s.OpenVulnerability(ctx, f, "importer:trivy")
		if err != nil || !created {
			t.Fatalf("first import: created %v, %v", created, err)
		}
		again, created, err := s.OpenVulnerability(ctx, f, "importer:trivy")
		if err != nil || created || again.ID != v.ID {
			t.Errorf("re-import: id %s created %v err %v; want the same %s, not created", again.ID, created, err, v.ID)
		}
		list, _ := s.Incidents(ctx, sqlstore.IncidentFilter{Kind: evident.KindVulnerability})
		if len(list) != 1 {
			t.Errorf("register holds %d vulnerabilities, want 1", len(list))
		}
		cs := v.Clocks(now)
		if len(cs) != 1 || cs[0].Name != evident.ClockVulnerability || !cs[0].Due.Equal(now.Add(47*time.Hour)) || cs[0].State != evident.ClockRunning {
			t.Errorf("clocks = %+v, want the 48 h handling clock from discovery", cs)
		}
		if _, _, err := s.OpenVulnerability(ctx, evident.VulnerabilityFinding{Title: "x", Severity: "high"}, "importer:trivy"); evident.ErrorCode(err) != evident.EINVALID {
			t.Errorf("finding without key: %v", err)
		}
	})
}

// The list status and tasks read: open incidents and incidents with a
// clock not met in time; a closed incident with everything met drops out.
func TestIncidentClocksList(t *testing.T) {
	c := &incClock{}
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		c.t = t0
		incidentStore(t, s)
		mk := func(title string) evident.Incident {
			inc, err := s.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: title, Reporter: "noc", AwareAt: t0}, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.ClassifyIncident(ctx, inc.ID, evident.Classification{Severity: "low", Category: "other"}, "", "alice"); err != nil {
				t.Fatal(err)
			}
			return inc
		}
		done, missed := mk("phishing mail, nobody clicked"), mk("OCSP outage")
		if _, err := s.ClassifyIncident(ctx, missed.ID, evident.Classification{Severity: "high", Category: "availability",
			Impact: evident.Impact{FullOutageMinutes: 90}}, "", "alice"); err != nil {
			t.Fatal(err)
		}
		c.t = t0.Add(time.Hour)
		s.AddIncidentStep(ctx, done.ID, evident.Step{Kind: "closure"}, "alice")
		s.AddIncidentStep(ctx, done.ID, evident.Step{Kind: "review"}, "alice")
		c.t = t0.Add(48 * time.Hour)
		list, err := s.IncidentClocks(ctx, c.t)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Incident.ID != missed.ID {
			t.Fatalf("incident clocks = %+v, want only the OCSP outage", list)
		}
		if failed := evident.Failed(list[0].Clocks); len(failed) != 3 {
			t.Errorf("failed clocks = %+v, want the three 24 h clocks missed", failed)
		}
		// As of an hour after awareness, before the review existed, the
		// closed incident still had its review running.
		past, _ := s.IncidentClocks(ctx, t0.Add(30*time.Minute))
		if len(past) != 2 {
			t.Errorf("as of 30 min: %d incidents, want 2 (both open then)", len(past))
		}
	})
}

// TestIncidentClocksFollowServiceQualification opens incidents in a
// program with a qualified time-stamp service and a non-qualified one:
// each incident gets its services' eIDAS clock, the qualified one from
// the estimated start, and keeps it when the program is edited later.
func TestIncidentClocksFollowServiceQualification(t *testing.T) {
	aware := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	now := aware.Add(2 * time.Hour)
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		incidentStore(t, s)
		put := func(svc evident.Service) {
			t.Helper()
			if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.PutObject(ctx, sqlstore.Services, svc.ID, svc, "alice") }); err != nil {
				t.Fatal(err)
			}
		}
		put(evident.Service{ID: "time-stamping", Name: "Qualified time-stamps", Type: evident.ServiceTimeStamps, Qualification: evident.Qualified})
		put(evident.Service{ID: "ra-portal", Name: "Registration portal", Type: evident.ServiceOther, Qualification: evident.NonQualified})
		open := func(services ...string) evident.Incident {
			t.Helper()
			inc, err := s.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: "outage", Reporter: "noc",
				AwareAt: aware, EstimatedStartAt: aware.Add(-6 * time.Hour), Services: services}, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if inc, err = s.Incident(ctx, inc.ID); err != nil {
				t.Fatal(err)
			}
			return inc
		}
		dues := func(inc evident.Incident) map[evident.ClockName]time.Time {
			out := map[evident.ClockName]time.Time{}
			for _, c := range inc.Clocks(now) {
				if c.Name == evident.ClockEIDAS || c.Name == evident.ClockEIDASNonQualified {
					out[c.Name] = c.Due
				}
			}
			return out
		}
		tsa := open("time-stamping")
		if got, want := dues(tsa), map[evident.ClockName]time.Time{evident.ClockEIDAS: aware.Add(18 * time.Hour)}; !cmp.Equal(got, want) {
			t.Errorf("qualified time-stamp incident started 6 h before awareness: eIDAS clocks %v, want due 18 h after awareness %v", got, want)
		}
		if !tsa.EstimatedStartAt.Equal(aware.Add(-6*time.Hour)) || tsa.Qualifications["time-stamping"] != evident.Qualified {
			t.Errorf("stored incident lost its estimated start or qualification: %v %v", tsa.EstimatedStartAt, tsa.Qualifications)
		}
		ra := open("ra-portal")
		if got, want := dues(ra), map[evident.ClockName]time.Time{evident.ClockEIDAS: aware.Add(24 * time.Hour)}; !cmp.Equal(got, want) {
			t.Errorf("non-qualified incident: eIDAS clocks %v, want due 24 h after awareness %v", got, want)
		}
		both := open("time-stamping", "ra-portal")
		want := map[evident.ClockName]time.Time{evident.ClockEIDAS: aware.Add(18 * time.Hour), evident.ClockEIDASNonQualified: aware.Add(24 * time.Hour)}
		if got := dues(both); !cmp.Equal(got, want) {
			t.Errorf("incident on both services: eIDAS clocks %v, want both %v", got, want)
		}
		// The program changes later: the recorded regime does not move.
		put(evident.Service{ID: "ra-portal", Name: "Registration portal", Type: evident.ServiceOther, Qualification: evident.Qualified})
		if again, err := s.Incident(ctx, ra.ID); err != nil || !cmp.Equal(dues(again), dues(ra)) {
			t.Errorf("after requalifying the service the open incident's clocks moved: %v %v", err, again.Clocks(now))
		}
		// Naming the services again takes the program as it is now.
		svcs := []string{"ra-portal"}
		upd, err := s.UpdateIncident(ctx, ra.ID, evident.IncidentUpdate{Services: &svcs}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if got := dues(upd); !got[evident.ClockEIDAS].Equal(aware.Add(18 * time.Hour)) {
			t.Errorf("services renamed after requalification: %v, want the qualified clock due 18 h after awareness", got)
		}
		late := aware.Add(time.Minute)
		if _, err := s.UpdateIncident(ctx, ra.ID, evident.IncidentUpdate{EstimatedStartAt: &late}, "alice"); evident.ErrorCode(err) != evident.EINVALID {
			t.Errorf("estimated start after awareness: %v; want EINVALID", err)
		}
	})
}
