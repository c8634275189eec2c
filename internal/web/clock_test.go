package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestPagesAfterTheClockMovesOn makes its fixtures at testNow and then
// moves the one clock 1, 30 and 400 days on: sessions expire, windows turn
// from due to missed and incident clocks run out exactly as a user coming
// back later would see, whatever today's date is.
func TestPagesAfterTheClockMovesOn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		days    int
		quarter string // state of the 2026-Q4 window of the quarterly control
		eidas   string // state of the incident's 24-hour eIDAS clock
	}{
		{1, "due", "missed"},
		{30, "due", "missed"},
		{400, "missed", "missed"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d days", tc.days), func(t *testing.T) {
			t.Parallel()
			clock := storetest.NewClock(testNow)
			st := storetest.SQLite(t, clock.Now)
			s := newSite(t, st)
			addControl(t, st, "vuln-scan")
			b := s.signIn(t, "carla", evident.RoleComplianceManager)
			_, _, inc := b.post("/incidents", url.Values{"csrf_token": {b.csrf("/incidents")}, "kind": {"incident"},
				"title": {"HSM outage"}, "aware_at": {"2026-11-27T04:00"}})
			if !strings.HasPrefix(inc, "/incidents/") {
				t.Fatalf("open incident: redirected to %q", inc)
			}
			const q4 = `id="period-2026-10-01" data-state="`
			if _, page := b.get("/controls/vuln-scan"); !strings.Contains(page, q4+`due"`) {
				t.Fatalf("at the fixtures' instant the open quarter should be due")
			}
			if _, page := b.get(inc); !strings.Contains(page, `id="clock-eidas-notification" data-state="running"`) {
				t.Fatalf("at the fixtures' instant the eIDAS clock should be running")
			}

			clock.Move(time.Duration(tc.days) * 24 * time.Hour)
			if code, _ := b.get("/"); code != http.StatusSeeOther {
				t.Errorf("a 12-hour session used %d days later: %d, want 303 to sign in again", tc.days, code)
			}
			b = s.signIn(t, "carla2", evident.RoleComplianceManager)
			if code, _ := b.get("/"); code != http.StatusOK {
				t.Errorf("a session started after the move: GET / %d, want 200", code)
			}
			if _, page := b.get("/controls/vuln-scan"); !strings.Contains(page, q4+tc.quarter+`"`) {
				t.Errorf("%d days on, the 2026-Q4 window should be %s", tc.days, tc.quarter)
			}
			if _, page := b.get(inc); !strings.Contains(page, `id="clock-eidas-notification" data-state="`+tc.eidas+`"`) {
				t.Errorf("%d days on, the eIDAS clock should be %s", tc.days, tc.eidas)
			}
		})
	}
}
