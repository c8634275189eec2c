package readiness

import (
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
)

// TestActFigureIsAFloorNamingTheAct runs a program with a qualified
// time-stamp service: the acts covering it (2025/1929 and 2025/2530)
// apply without being switched on, and a termination plan reviewed every
// three years is a gap citing 2025/2530 Art. 3(4), whose two-year figure
// V3.2.1 does not have.
func TestActFigureIsAFloorNamingTheAct(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	m := cleanModel()
	m.Services = append(m.Services, evident.Service{ID: "qtsa", Name: "Qualified time-stamps", Type: evident.ServiceTimeStamps, Qualification: evident.Qualified})
	term := evident.RequirementRef{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.12-02"}
	c := m.Controls[0]
	c.ID, c.Requirements, c.Cadence = "termination-plan-review", []evident.RequirementRef{term}, evident.Cadence{Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitYear}
	m.Controls = append(m.Controls, c)
	find := func(reqs []evident.Requirement) (Gap, bool) {
		for _, g := range Gaps(inputAt(m, reqs, gapNow)) {
			if g.Kind == CadenceBelowStandard && g.ID == c.ID {
				return g, true
			}
		}
		return Gap{}, false
	}
	plain, err := cat.Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := find(plain); ok {
		t.Fatalf("without the act the standard sets no interval for the termination plan, yet: %s", g)
	}
	overlays := cat.ProgramOverlays(m.Program, m.Services)
	if !strings.Contains(strings.Join(overlays, ","), "eidas-2025-2530") || !strings.Contains(strings.Join(overlays, ","), "eidas-2025-1929") {
		t.Fatalf("overlays for a qualified time-stamp service: %v; want 2025/1929 and 2025/2530", overlays)
	}
	adapted, err := cat.Requirements("3.2.1", overlays...)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := find(adapted)
	if !ok || !strings.Contains(g.Detail, "Implementing Regulation (EU) 2025/2530 Art. 3(4)") {
		t.Errorf("termination plan reviewed every 3 years under 2025/2530: gap %+v (found %v); want one naming the act and article", g, ok)
	}
}
