package web

import (
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// The list of controls filters by owner, evidence state, cadence and
// requirement clause, all in the URL, so a filtered list can be shared.
func TestControlsFilterInTheURL(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	m := smallProgram()
	m.Controls[0].Owner = "omar"
	m.Controls = append(m.Controls, evident.Control{ID: "clock-sync", Title: "Daily clock check", Owner: "sasha",
		Requirements: []evident.RequirementRef{{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.2-18"}},
		Cadence:      evident.Cadence{Kind: evident.CadencePeriodic, Every: 1, Unit: evident.UnitMonth}, Method: evident.VerificationMethod{Kind: evident.MethodAttestation}})
	putModel(t, st, m)
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	for _, c := range []struct {
		query     string
		want, not string
		lead      string
	}{
		{"", `id="control-vuln-scan"`, "", "2 controls"},
		{"?owner=sasha", `id="control-clock-sync"`, `id="control-vuln-scan"`, "1 of 2 controls"},
		{"?clause=7.8", `id="control-vuln-scan"`, `id="control-clock-sync"`, "1 of 2 controls"},
		{"?clause=7", `id="control-clock-sync"`, "", "2 controls"},
		{"?owner=nobody", "No control matches these filters", `id="control-`, "0 of 2 controls"},
	} {
		_, page := b.get("/controls" + c.query)
		if !strings.Contains(page, c.want) || c.not != "" && strings.Contains(page, c.not) || !strings.Contains(page, c.lead+":") {
			t.Errorf("/controls%s: want %q and %q, not %q", c.query, c.lead, c.want, c.not)
		}
	}
	if _, page := b.get("/controls?owner=sasha"); !strings.Contains(page, `<option selected>sasha</option>`) {
		t.Errorf("the filter bar does not show the owner chosen in the URL")
	}
}
