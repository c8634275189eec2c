package readiness

import (
	"context"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestPeriodStartingInsideAWindowSeesTheWholeWindow: a quarterly scan that
// needs three records a quarter has two in early April and one in May.
// Readiness over May and June, asked in December, judges the second
// quarter by all three, as readiness over the whole quarter does (and as
// the pack, which reads the window whole, does): a period that begins
// inside a window must not see only the part of it after its start.
func TestPeriodStartingInsideAWindowSeesTheWholeWindow(t *testing.T) {
	clk := &testClock{}
	clk.set("2026-01-01")
	storetest.Each(t, clk.now, func(t *testing.T, s *sqlstore.Store) {
		reqs := exampleStore(t, s, func(m *evident.Model) {
			for i := range m.Controls {
				if m.Controls[i].ID == "vuln-scan-quarterly" {
					m.Controls[i].EvidencePerPeriod = 3
				}
			}
		})
		for _, eff := range []string{"2026-04-02", "2026-04-03", "2026-05-20"} {
			clk.set(eff)
			pass(t, s, "vuln-scan-quarterly", eff)
		}
		at := day("2026-12-01")
		clk.set("2026-12-01")
		q2 := func(from, to string) evident.Currency {
			t.Helper()
			in, err := Load(context.Background(), s, reqs, at, day(from))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range Status(in, day(from), day(to)).Controls {
				if c.ID == "vuln-scan-quarterly" {
					return c.OverRange
				}
			}
			t.Fatal("no vuln-scan-quarterly in the report")
			return ""
		}
		whole, part := q2("2026-04-01", "2026-07-01"), q2("2026-05-01", "2026-07-01")
		if whole != evident.CurrencyCurrent || part != whole {
			t.Fatalf("the second quarter over April to June is %q, over May and June %q; want both current", whole, part)
		}
	})
}

// TestIncidentClockIsTheProcedureOwnersWork: with no one named for an
// incident, its running clock is the work of whoever owns the control that
// meets the requirement the deadline comes from.
func TestIncidentClockIsTheProcedureOwnersWork(t *testing.T) {
	r := evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.9.3-01"}
	m := &evident.Model{Controls: []evident.Control{
		{ID: "zz-other", Owner: "security-officer", Requirements: []evident.RequirementRef{{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}}},
		{ID: "incident-procedure", Owner: "incident-manager", Requirements: []evident.RequirementRef{r}},
	}}
	in := Input{At: day("2026-03-02"), Model: m, Controls: map[string]ControlInput{}, Incidents: []IncidentClocks{{ID: "i1", Title: "OCSP down",
		Clocks: []evident.Clock{{Title: "eIDAS notification", State: evident.ClockRunning, Start: day("2026-03-01"), Due: day("2026-03-03"),
			Basis: []string{"eIDAS Art. 19a(1)(b)", r.String()}}}}}}
	var got []Task
	for _, tk := range Tasks(in, time.Time{}) {
		if tk.Kind == TaskIncident {
			got = append(got, tk)
		}
	}
	if len(got) != 1 || got[0].Owner != "incident-manager" {
		t.Fatalf("incident tasks %+v: want one owned by the incident procedure's owner", got)
	}
}
