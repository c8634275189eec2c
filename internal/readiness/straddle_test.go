package readiness

import (
	"context"
	"testing"

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
