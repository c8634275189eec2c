package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// signInUser returns a browser signed in as u, created with testPassword.
func (s *site) signInUser(t *testing.T, u evident.User) *browser {
	t.Helper()
	s.addUser(t, u)
	b := s.browser(t)
	token := b.csrf("/login")
	code, _, loc := b.post("/login", url.Values{"csrf_token": {token}, "name": {u.Name}, "password": {testPassword}, "next": {"/"}})
	if code != http.StatusSeeOther || loc != "/" {
		t.Fatalf("sign in as %s: %d to %q", u.Name, code, loc)
	}
	return b
}

// TestAssessorCrawlShowsNothingOutsideTheirPeriod fetches every page of
// the web UI as an assessor given 2025 while the store holds records of
// 2024, 2025 and 2026, and of the boundary itself: no page may show a
// record, title or id from outside [2025-01-01, 2026-01-01), and a page
// of such a record is not found.
func TestAssessorCrawlShowsNothingOutsideTheirPeriod(t *testing.T) {
	t.Parallel()
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		putModel(t, st, smallProgram())
		ctx := context.Background()
		from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

		// Evidence: inside, after, and a period ending exactly at the
		// assessor's start (half-open: not theirs).
		carla := s.signIn(t, "carla", evident.RoleComplianceManager)
		token := carla.csrf("/evidence/new")
		for name, period := range map[string]string{
			"inside-2025.xml":   "2025-Q3",
			"outside-2026.xml":  "2026-Q3",
			"outside-edge.xml":  "2024-12-01T00:00:00Z/2025-01-01T00:00:00Z",
			"outside-after.xml": "2026-01-01",
		} {
			code, body, _ := carla.upload(map[string]string{"csrf_token": token, "control": "vuln-scan", "period": period}, map[string]string{name: name})
			if code != http.StatusSeeOther {
				t.Fatalf("upload %s: %d %s", name, code, body)
			}
		}
		es, err := st.ListEvidence(ctx, sqlstore.EvidenceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var hidden, shown []string // markers that must not / must appear
		var pages []string
		for _, e := range es {
			pages = append(pages, "/evidence/"+e.ID, "/evidence/"+e.ID+"/content")
			if strings.HasPrefix(e.Filename, "outside") {
				hidden = append(hidden, e.Filename, e.ID)
			} else {
				shown = append(shown, e.Filename)
			}
		}

		incident := func(title string, aware time.Time) {
			inc, err := st.OpenIncident(ctx, evident.Incident{Kind: evident.KindIncident, Title: title, Summary: title,
				Reporter: "rita", AwareAt: aware, Systems: []string{"ca-issuing"}}, "rita")
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, "/incidents/"+inc.ID)
			if strings.HasPrefix(title, "Outside") {
				hidden = append(hidden, inc.ID)
			}
		}
		incident("Inside incident of June 2025", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
		incident("Outside incident of 2026", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
		incident("Outside incident at the end", to)
		incident("Outside incident of 2024", from.Add(-time.Second))
		hidden = append(hidden, "Outside incident")
		shown = append(shown, "Inside incident of June 2025")

		change := func(summary string, at time.Time) {
			c, _, err := st.AddChange(ctx, evident.Change{System: "ca-issuing", Version: "5", Summary: summary, Significant: true, At: at, Actor: "carla"})
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(summary, "Outside") {
				hidden = append(hidden, c.ID)
			}
		}
		change("Inside change of May 2025", time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC))
		change("Outside change of 2026", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
		hidden = append(hidden, "Outside change")
		shown = append(shown, "Inside change of May 2025")

		inside := s.seedEngagement(t, "Inside CAB of 2025", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC))
		outside := s.seedEngagement(t, "Outside CAB of 2026", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
		hidden = append(hidden, "Outside CAB", outside.ID)
		shown = append(shown, "Inside CAB of 2025")
		pages = append(pages, "/engagements/"+outside.ID)

		abe := s.signInUser(t, evident.User{Name: "abe", Role: evident.RoleAssessor, PeriodFrom: from, PeriodTo: to})
		fill := map[string]string{"/catalog/{id}": "/catalog/REQ-7.8-14", "/controls/{id}": "/controls/vuln-scan", "/policies/{id}": "/policies/tc",
			"/engagements/{id}": "/engagements/" + inside.ID}
		for _, r := range s.w.Routes() {
			method, path, _ := strings.Cut(r.Pattern, " ")
			if method != "GET" || !r.Perm.Allows(evident.RoleAssessor) || strings.HasPrefix(path, "/static/") {
				continue
			}
			switch {
			case fill[path] != "":
				pages = append(pages, fill[path])
			case path == "/{$}":
				pages = append(pages, "/")
			case path == "/incidents":
				pages = append(pages, path, path+"?open=1")
			case !strings.Contains(path, "{"):
				pages = append(pages, path)
			case !strings.HasPrefix(path, "/evidence/") && !strings.HasPrefix(path, "/incidents/"):
				t.Errorf("page %s takes an id the crawl does not fill: add one", path)
			}
		}
		var seen strings.Builder
		for _, p := range pages {
			code, body := abe.get(p)
			if code != http.StatusOK && code != http.StatusNotFound {
				t.Errorf("assessor GET %s: %d", p, code)
			}
			for _, h := range hidden {
				// A not-found page may repeat the id its reader typed.
				if strings.Contains(body, h) && !(code == http.StatusNotFound && strings.Contains(p, h)) {
					t.Errorf("assessor GET %s (%d) shows %q, outside their period", p, code, h)
				}
			}
			seen.WriteString(body)
		}
		for _, m := range shown {
			if !strings.Contains(seen.String(), m) {
				t.Errorf("no page shows %q, inside the assessor's period: the crawl does not reach the records", m)
			}
		}
	})
}

// TestEveryRoleCrawlsEveryPage signs in once per role and fetches every
// page the browser routes serve: a page the role may read answers 200
// (404 for an id it does not know), any other answers 403, and none fails.
// Together with the assessor crawl above and the API's authorisation
// matrix, every page is checked for every role.
func TestEveryRoleCrawlsEveryPage(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	putModel(t, st, smallProgram())
	carla := s.signIn(t, "carla", evident.RoleComplianceManager)
	_, _, inc := carla.post("/incidents", url.Values{"csrf_token": {carla.csrf("/incidents")}, "kind": {"incident"},
		"title": {"HSM outage"}, "aware_at": {"2026-11-27T04:00"}})
	carla.upload(map[string]string{"csrf_token": carla.csrf("/evidence/new"), "control": "vuln-scan", "period": "2026-Q4"}, map[string]string{"scan.txt": "x"})
	es, err := st.ListEvidence(context.Background(), sqlstore.EvidenceFilter{})
	if err != nil || len(es) == 0 || !strings.HasPrefix(inc, "/incidents/") {
		t.Fatalf("fixtures: %d evidence (%v), incident %q", len(es), err, inc)
	}
	fill := map[string]string{"/catalog/{id}": "/catalog/REQ-7.8-14", "/controls/{id}": "/controls/vuln-scan", "/policies/{id}": "/policies/tc",
		"/evidence/{id}": "/evidence/" + es[0].ID, "/evidence/{id}/content": "/evidence/" + es[0].ID + "/content", "/incidents/{id}": inc, "/{$}": "/",
		"/engagements/{id}": "/engagements/" + s.seedEngagement(t, "Crawl CAB", testNow.AddDate(-1, 0, 0), testNow).ID}
	refused := 0
	for _, role := range evident.UserRoles {
		var owns []string
		if role == evident.RoleControlOwner {
			owns = []string{"vuln-scan"}
		}
		b := s.signIn(t, "crawl-"+string(role), role, owns...)
		for _, r := range s.w.Routes() {
			method, path, _ := strings.Cut(r.Pattern, " ")
			if method != "GET" || strings.HasPrefix(path, "/static/") {
				continue
			}
			page := path
			if fill[path] != "" {
				page = fill[path]
			} else if strings.Contains(path, "{") {
				t.Errorf("page %s takes an id the crawl does not fill: add one", path)
				continue
			}
			code, _ := b.get(page)
			if code == http.StatusForbidden {
				refused++
			}
			switch {
			case r.Perm.Allows(role) && code != http.StatusOK && code != http.StatusNotFound:
				t.Errorf("%s GET %s: %d, want 200", role, page, code)
			case !r.Perm.Allows(role) && code != http.StatusForbidden:
				t.Errorf("%s GET %s: %d, want 403", role, page, code)
			}
		}
	}
	if refused == 0 {
		t.Errorf("no page refused any role: the crawl checks no boundary")
	}
}
