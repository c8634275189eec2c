package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

var (
	periodScore  = regexp.MustCompile(`id="period-score">([0-9.]+)<`)
	periodCounts = regexp.MustCompile(`<ul id="period-counts"[^>]*>(.*?)</ul>`)
)

// periodFigures reads the dashboard's readiness over the period: the
// score and the count of requirements in each state.
func periodFigures(t *testing.T, page string) string {
	t.Helper()
	s, c := periodScore.FindStringSubmatch(page), periodCounts.FindStringSubmatch(page)
	if s == nil || c == nil {
		t.Fatalf("the dashboard shows no readiness over the period:\n%s", page)
	}
	return s[1] + " " + c[1]
}

// The dashboard's readiness over the last twelve months is kept between
// requests, but a write shows at once: the page read right after an
// upload counts it, on every replica, and is what a fresh computation
// gives.
func TestDashboardShowsTheUploadJustMade(t *testing.T) {
	t.Parallel()
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		addPortScan(t, st)
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		_, page := b.get("/")
		before := periodFigures(t, page)
		if _, again := b.get("/"); periodFigures(t, again) != before {
			t.Fatalf("two reads with nothing written between show different figures")
		}

		token := b.csrf("/evidence/new?control=port-scan")
		code, body, _ := b.upload(map[string]string{"csrf_token": token, "control": "port-scan", "system": "web@2.1", "period": "2026-11-27T09:00:00Z"},
			map[string]string{"baseline.xml": nmapFixture(t, "baseline.xml")})
		if code != http.StatusSeeOther {
			t.Fatalf("upload: %d\n%s", code, body)
		}
		_, page = b.get("/")
		after := periodFigures(t, page)
		if after == before {
			t.Errorf("the dashboard after a passing scan still shows %s", before)
		}

		// What the page shows is what the one period function gives now.
		fresh, err := s.w.computePeriod(context.Background(), testNow, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%.1f", fresh.Score.Score)
		for state, n := range fresh.Score.Counts {
			if !strings.Contains(after, fmt.Sprintf(`data-state="%s"><span class="sw f-%s"></span>%s <b>%d</b>`, state, state, state, n)) {
				want += fmt.Sprintf(" %s %d", state, n)
			}
		}
		if !strings.HasPrefix(after, want+" ") {
			t.Errorf("the dashboard shows %s, the period function gives %s", after, want)
		}

		// Another replica over the same store reads the kept result and
		// shows the same figures.
		other := newSite(t, st)
		ob := other.signIn(t, "dora", evident.RoleComplianceManager)
		_, page = b.get("/")
		mine := periodFigures(t, page)
		_, page = ob.get("/")
		if theirs := periodFigures(t, page); theirs != mine {
			t.Errorf("another replica shows %s, this one %s", theirs, mine)
		}
		var kept int
		err = st.Read(context.Background(), func(tx *sqlstore.Tx) error {
			size, err := tx.LedgerSize(context.Background())
			if err != nil {
				return err
			}
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM result_cache WHERE tree_size = ?`, size).Scan(&kept)
		})
		if err != nil || kept != 1 {
			t.Errorf("results kept at the current ledger size: %d (%v), want the one period", kept, err)
		}
	})
}
