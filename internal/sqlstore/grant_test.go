package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestGrantIsHalfOpenInEveryEvidenceRead reads evidence on both sides of
// an assessor's period [2025-01-01, 2026-01-01): a period ending exactly
// at its start, an instant exactly at its end and a period starting
// there are outside it, by id, in lists and in a control's pages alike;
// an instant exactly at its start is inside.
func TestGrantIsHalfOpenInEveryEvidenceRead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, ticking(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), func(t *testing.T, s *sqlstore.Store) {
		putControls(t, s, "c1")
		from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		span := func(f, t time.Time) evident.Effective { return evident.Effective{From: f, To: t} }
		all := map[string]evident.Effective{
			"ends-at-start":   span(from.AddDate(0, -1, 0), from),
			"instant-start":   {From: from},
			"inside":          span(from.AddDate(0, 6, 0), from.AddDate(0, 9, 0)),
			"instant-end":     {From: to},
			"starts-at-end":   span(to, to.AddDate(0, 3, 0)),
			"straddles-start": span(from.AddDate(0, -1, 0), from.Add(time.Hour)),
		}
		want := map[string]bool{"instant-start": true, "inside": true, "straddles-start": true}
		stored := map[string]evident.Evidence{}
		for name, eff := range all {
			stored[name] = insert(t, s, evident.Evidence{Filename: name, Effective: eff, Controls: []string{"c1"}})
		}
		ctx := sqlstore.WithGrant(context.Background(), sqlstore.Grant{From: from, To: to})
		for name, e := range stored {
			_, err := s.Evidence(ctx, e.ID)
			if got := err == nil; got != want[name] {
				t.Errorf("%s by id: readable %v (%v), want %v", name, got, err, want[name])
			}
			if err != nil && evident.ErrorCode(err) != evident.ENOTFOUND {
				t.Errorf("%s by id: %v, want not found", name, err)
			}
		}
		check := func(what string, evs []evident.Evidence) {
			got := map[string]bool{}
			for _, e := range evs {
				got[e.Filename] = true
			}
			for name := range all {
				if got[name] != want[name] {
					t.Errorf("%s: %s listed %v, want %v", what, name, got[name], want[name])
				}
			}
		}
		list, err := s.ListEvidence(ctx, sqlstore.EvidenceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		check("list", list)
		list, err = s.ListEvidence(ctx, sqlstore.EvidenceFilter{Control: "c1"})
		if err != nil {
			t.Fatal(err)
		}
		check("control list", list)
		// A wider filter than the grant is narrowed, not honoured.
		list, err = s.ListEvidence(ctx, sqlstore.EvidenceFilter{From: from.AddDate(-5, 0, 0), To: to.AddDate(5, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		check("wide list", list)
		page, _, err := s.ControlEvidencePage(ctx, "c1", time.Time{}, time.Time{}, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		check("control page", page)
		// Without a grant every record is there.
		list, err = s.ListEvidence(context.Background(), sqlstore.EvidenceFilter{Control: "c1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(all) {
			t.Errorf("without a grant: %d records, want %d", len(list), len(all))
		}
	})
}

// TestGrantNarrowsIncidentsAndChanges keeps an assessor to incidents they
// became aware of, and changes that took effect, in their period.
func TestGrantNarrowsIncidentsAndChanges(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, s *sqlstore.Store) {
		incidentStore(t, s)
		bg := context.Background()
		from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		ids := map[string]string{}
		for name, at := range map[string]time.Time{"before": from.Add(-time.Second), "start": from, "end": to} {
			inc, err := s.OpenIncident(bg, evident.Incident{Kind: evident.KindIncident, Title: name, Summary: name, Reporter: "rita", AwareAt: at}, "rita")
			if err != nil {
				t.Fatal(err)
			}
			ids[name] = inc.ID
		}
		ctx := sqlstore.WithGrant(bg, sqlstore.Grant{From: from, To: to})
		list, err := s.Incidents(ctx, sqlstore.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Title != "start" {
			t.Errorf("incidents in the grant: %+v, want only the one at its start", list)
		}
		clocks, err := s.IncidentClocks(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range clocks {
			if c.Incident.Title != "start" {
				t.Errorf("incident clocks show %q, outside the grant", c.Incident.Title)
			}
		}
		for name, id := range ids {
			_, err := s.Incident(ctx, id)
			if (err == nil) != (name == "start") {
				t.Errorf("incident %s by id: %v", name, err)
			}
		}
		changes, err := s.Changes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 0 {
			t.Errorf("changes in the grant: %+v, want none", changes)
		}
	})
}
