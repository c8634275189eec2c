package web

import (
	"context"
	"encoding/json"
	"fmt"
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

		b.uploadPassingScan(t)
		_, page = b.get("/")
		after := periodFigures(t, page)
		if after == before {
			t.Errorf("the dashboard after a passing scan still shows %s", before)
		}

		// What the page shows is what the one period function gives now.
		size, err := st.LedgerSize(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		fresh, _, err := s.w.computePeriod(context.Background(), size, testNow, false, time.Time{}, time.Time{})
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

// A kept dashboard figure is derived from the records: verify's check
// (CheckCachedResults) passes while the row is what the records give and
// names the row once someone edits it in the database, for the plain
// dashboard and for a query over another range at a past instant.
func TestEditedCachedResultIsNamed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		s := newSite(t, st)
		addPortScan(t, st)
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		b.get("/")
		b.get("/?from=2026-01-01&to=2026-07-01&at=2026-11-20T00:00:00Z")
		var kept int
		if err := st.Read(ctx, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM result_cache`).Scan(&kept)
		}); err != nil || kept != 2 {
			t.Fatalf("results kept: %d (%v), want the two queries", kept, err)
		}
		problems, err := CheckCachedResults(ctx, st, s.w.cfg.Catalog)
		if err != nil || len(problems) != 0 {
			t.Fatalf("CheckCachedResults on rows the dashboard kept = %q, %v; want none", problems, err)
		}

		// Raise the kept score of the past query, as an edit in the database would.
		if err := st.Write(ctx, func(tx *sqlstore.Tx) error {
			var key, body string
			if err := tx.QueryRow(ctx, `SELECT cache_key, body FROM result_cache WHERE cache_key LIKE '%at=2026-11-20%'`).Scan(&key, &body); err != nil {
				return err
			}
			var v periodView
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				return err
			}
			v.Score.Score += 10
			edited, err := json.Marshal(v)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE result_cache SET body = ? WHERE cache_key = ?`, string(edited), key)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		problems, err = CheckCachedResults(ctx, st, s.w.cfg.Catalog)
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) != 1 || !strings.Contains(problems[0], "result_cache row") || !strings.Contains(problems[0], "at=2026-11-20") {
			t.Fatalf("after the edit CheckCachedResults = %q; want the edited row named", problems)
		}
	})
}

// Keys are read back exactly as the dashboard writes them, a key of the
// format before builds were named reads as another build's, and no other
// key passes for a dashboard result.
func TestPeriodKeyRoundTrip(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	build, from, to, ok := parsePeriodKey(PeriodKey("2026-01-01", "2026-07-01T00:00:00Z", "", now))
	if !ok || build != buildID() || !from.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("round trip = %q %v %v %v", build, from, to, ok)
	}
	if _, from, to, ok := parsePeriodKey(PeriodKey("", "", "", now)); !ok || !from.IsZero() || !to.IsZero() {
		t.Errorf("empty range = %v %v %v; want zero times", from, to, ok)
	}
	if build, _, _, ok := parsePeriodKey(periodKeyPrefix + "from= to= at= day=2026-12-01"); !ok || build == buildID() {
		t.Errorf("a key without a build = %q, %v; want another build's", build, ok)
	}
	for _, k := range []string{"", "web.dashboard.period", "other from= to= at= day=", periodKeyPrefix + "from=yesterday to= at= day=x", periodKeyPrefix + "build=x"} {
		if _, _, _, ok := parsePeriodKey(k); ok {
			t.Errorf("parsePeriodKey(%q) accepted", k)
		}
	}
}
