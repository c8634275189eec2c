package web

import (
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestRequirementPageShowsTheLawChain opens REQ-7.8-14 in a program with
// a qualified time-stamp service and a non-qualified one: the page names
// 2025/1929's adaptation with its article and quarterly figure, for the
// qualified service, carried by the control on the TSA's system and not by
// the control of the non-qualified service.
func TestRequirementPageShowsTheLawChain(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		m := smallProgram()
		m.Services = []evident.Service{
			{ID: "qtsa", Name: "Qualified time-stamps", Type: evident.ServiceTimeStamps, Qualification: evident.Qualified},
			{ID: "ts", Name: "Time-stamps", Type: evident.ServiceTimeStamps, Qualification: evident.NonQualified},
		}
		m.Systems = append(m.Systems, evident.System{ID: "tsa-host", Name: "TSA", Kind: evident.SystemTrustworthy, Zone: "ca-core", Services: []string{"qtsa"}})
		q := m.Controls[0]
		q.ID, q.Title, q.Systems = "scan-tsa", "Quarterly scan of the TSA", []string{"tsa-host"}
		n := m.Controls[0]
		n.ID, n.Title, n.Services = "scan-ts", "Scan of the plain time-stamps", []string{"ts"}
		m.Controls = []evident.Control{q, n}
		m.Treatments = nil
		putModel(t, st, m)
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		code, page := b.get("/catalog/REQ-7.8-14")
		if code != 200 {
			t.Fatalf("GET /catalog/REQ-7.8-14: %d", code)
		}
		i := strings.Index(page, `id="law"`)
		if i < 0 {
			t.Fatalf("the requirement page has no legal chain")
		}
		law := page[i:]
		law = law[:strings.Index(law, "</table>")]
		var row string
		for _, r := range strings.Split(law, "<tr>") {
			if strings.Contains(r, "2025/1929") {
				row = r
			}
		}
		if row == "" {
			t.Fatalf("no row for Implementing Regulation (EU) 2025/1929 in the chain:\n%s", law)
		}
		for _, want := range []string{"Annex", "EN319401@3.1.1:REQ-7.8-14", "at least once per quarter", "qtsa", `href="/controls/scan-tsa"`, "no evidence"} {
			if !strings.Contains(row, want) {
				t.Errorf("2025/1929's row should show %q:\n%s", want, row)
			}
		}
		if strings.Contains(row, "scan-ts\"") || strings.Contains(row, ">ts<") {
			t.Errorf("2025/1929 covers qualified services only, yet its row names the non-qualified service's control:\n%s", row)
		}
	})
}
