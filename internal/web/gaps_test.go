package web

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// The gaps page lists the status report's gaps with the requirements each
// keeps unverified; the dashboard counts the same list; the risk page
// shows a treating control that fails, and the gap it makes.
func TestGapsPageDashboardCountAndRiskPage(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		m := smallProgram()
		m.Controls[0].Deviations = []evident.Deviation{{Requirement: m.Controls[0].Requirements[0], Justification: "one host only",
			Approval: &evident.Approval{By: "mira", At: testNow.AddDate(0, -1, 0)}}}
		putModel(t, st, m)
		ctx := context.Background()
		// An earlier scan output, then a failing verdict: the latest
		// evidence of the control fails.
		raw := evident.Evidence{Kind: evident.RawEvidence, Digest: evident.Digest{3}, MediaType: "text/plain", Actor: "collector:test",
			Effective: evident.Effective{From: testNow.Add(-72 * time.Hour)}, Controls: []string{"vuln-scan"}}
		evs := []evident.Evidence{raw}
		if err := st.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, evs) }); err != nil {
			t.Fatal(err)
		}
		fail := evident.Evidence{Kind: evident.DerivedEvidence, Digest: evident.Digest{4}, MediaType: "application/json", Actor: "collector:test",
			Effective: evident.Effective{From: testNow.Add(-48 * time.Hour)}, Controls: []string{"vuln-scan"}, Verdict: evident.VerdictFail, DerivedFrom: []string{evs[0].ID}}
		if err := st.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, []evident.Evidence{fail}) }); err != nil {
			t.Fatal(err)
		}
		b := s.signIn(t, "carla", evident.RoleComplianceManager)

		code, page := b.get("/gaps")
		if code != 200 {
			t.Fatalf("GET /gaps: %d", code)
		}
		if !strings.Contains(page, "policy-content-missing") || !strings.Contains(page, `href="/policies/tc"`) || !strings.Contains(page, "EN319401@3.2.1:REQ-6.2-02") {
			t.Errorf("the gaps page should list the T&C's missing content, link the policy and name REQ-6.2-02")
		}
		if !strings.Contains(page, "risk-control-failing") || !strings.Contains(page, "vuln-scan (failing)") {
			t.Errorf("the gaps page should list r2 as treated by a failing control")
		}
		rows := strings.Count(page, `<tr><td><span class="st st-overdue">`)
		_, dash := b.get("/")
		count := regexp.MustCompile(`id="gaps">(\d+) open gaps`).FindStringSubmatch(dash)
		if count == nil {
			t.Fatalf("the dashboard shows no gaps count")
		}
		if n, _ := strconv.Atoi(count[1]); n != rows || n == 0 {
			t.Errorf("dashboard counts %d gaps, the gaps page lists %d", n, rows)
		}
		_, one := b.get("/gaps?kind=risk-control-failing")
		if strings.Count(one, `<tr><td><span class="st st-overdue">`) != 1 {
			t.Errorf("filtering by kind should leave the one risk-control-failing gap")
		}

		_, req := b.get("/catalog/REQ-6.2-02")
		if !strings.Contains(req, "Open gaps") || !strings.Contains(req, "policy-content-missing") {
			t.Errorf("the REQ-6.2-02 page should list the T&C gap that keeps it unverified")
		}

		_, ctl := b.get("/controls/vuln-scan")
		if !strings.Contains(ctl, "one host only") || !strings.Contains(ctl, "not an approval act") {
			t.Errorf("the control page should show its deviation and that its approval is no act")
		}

		_, risks := b.get("/risks")
		row := risks[strings.Index(risks, `id="risk-r2"`):]
		row = row[:strings.Index(row, "</tr>")]
		if !strings.Contains(row, `<span class="st st-failing">failing</span>`) || !strings.Contains(row, "risk-control-failing") {
			t.Errorf("the risk page should show r2's failing control and its gap:\n%s", row)
		}
	})
}

// TestRisksByScoreAndResidualMap: the register lists the highest residual
// score first unless asked for the register's order, and the residual map
// places a treated risk by its residual rating and filters by it.
func TestRisksByScoreAndResidualMap(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		m := smallProgram()
		m.Risks[0].ResidualLikelihood, m.Risks[0].ResidualImpact = 1, 1 // r1: inherent 10, residual 1
		putModel(t, st, m)
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		order := func(page string) string {
			var ids []string
			for _, m := range regexp.MustCompile(`id="risk-(r\d)"`).FindAllStringSubmatch(page, -1) {
				ids = append(ids, m[1])
			}
			return strings.Join(ids, " ")
		}
		if _, page := b.get("/risks"); order(page) != "r2 r3 r1" {
			t.Errorf("default order %q, want the highest residual score first: r2 r3 r1", order(page))
		}
		if _, page := b.get("/risks?sort=register"); order(page) != "r1 r2 r3" {
			t.Errorf("register order %q, want r1 r2 r3", order(page))
		}
		_, page := b.get("/risks?likelihood=1&impact=1&map=residual")
		if order(page) != "r1" || !strings.Contains(page, `href="/risks?likelihood=1&amp;impact=1&amp;map=residual#register"`) {
			t.Errorf("residual square 1 x 1 lists %q, want r1 and its square linked", order(page))
		}
		if _, page := b.get("/risks?likelihood=1&impact=1"); order(page) != "" {
			t.Errorf("inherent square 1 x 1 lists %q, want nothing", order(page))
		}
		if code, _ := b.get("/risks?map=future"); code != http.StatusBadRequest {
			t.Errorf("map=future: %d, want 400", code)
		}
	})
}
