package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// between returns the part of page from the first start to the next end
// after it, "" when start is absent.
func between(page, start, end string) string {
	i := strings.Index(page, start)
	if i < 0 {
		return ""
	}
	j := strings.Index(page[i:], end)
	if j < 0 {
		return page[i:]
	}
	return page[i : i+j]
}

// The dashboard, the list of controls, the requirement index, the task
// list and the list of evidence keep their content with the shared state
// they are drawn from, so a page is rendered once rather than per
// request. A write still shows at once on
// each of them, a filter never gets another filter's page, and a
// person's work is never someone else's.
func TestListPagesShowTheUploadJustMade(t *testing.T) {
	t.Parallel()
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		addPortScan(t, st)
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		row := func(path string) string {
			t.Helper()
			code, page := b.get(path)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d\n%s", path, code, page)
			}
			return between(page, `<tr id="control-port-scan">`, "</tr>")
		}
		status := func(path string) string {
			t.Helper()
			_, page := b.get(path)
			badge := between(between(page, `data-id="REQ-7.8-14"`, "</tr>"), `class="st st-`, "</span>")
			return strings.TrimPrefix(badge, `class="st st-`)
		}
		task := func() bool {
			t.Helper()
			_, page := b.get("/tasks?due=60")
			return strings.Contains(page, "Quarterly port scan")
		}

		evidence := func(path string) bool {
			t.Helper()
			code, page := b.get(path)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d\n%s", path, code, page)
			}
			return strings.Contains(page, "baseline.xml")
		}
		ledger := func() string {
			t.Helper()
			_, page := b.get("/")
			return between(page, "<h2>Ledger</h2>", "(")
		}
		// Each page is read twice, so the second read is the kept one.
		var ledgerBefore string
		for range 2 {
			if l := ledger(); ledgerBefore != "" && l != ledgerBefore {
				t.Fatalf("two reads of the dashboard with nothing written show %q and %q", ledgerBefore, l)
			} else {
				ledgerBefore = l
			}
			if r := row("/controls"); !strings.Contains(r, "st-none") {
				t.Fatalf("before any evidence the port scan's row is %q", r)
			}
			if r := row("/controls?state=none"); r == "" {
				t.Fatalf("the list filtered on no evidence leaves out the port scan")
			}
			if r := row("/controls?state=current"); r != "" {
				t.Fatalf("the list filtered on current evidence shows %q", r)
			}
			if s := status("/catalog?q=REQ-7.8-14"); s != `planned">planned` {
				t.Fatalf("before any evidence REQ-7.8-14 is %q", s)
			}
			if !task() {
				t.Fatalf("the task list within 60 days leaves out the due port scan")
			}
			if evidence("/evidence") || evidence("/evidence?verdict=pass") {
				t.Fatalf("the list of evidence shows a scan before its upload")
			}
		}

		b.uploadPassingScan(t)

		if r := row("/controls"); !strings.Contains(r, "st-current") || !strings.Contains(r, `class="f-satisfied current"`) {
			t.Errorf("after a passing scan the port scan's row is %q", r)
		}
		if r := row("/controls?state=none"); r != "" {
			t.Errorf("after a passing scan the list filtered on no evidence still shows %q", r)
		}
		if r := row("/controls?state=current"); r == "" {
			t.Errorf("after a passing scan the list filtered on current evidence leaves out the port scan")
		}
		if s := status("/catalog?q=REQ-7.8-14"); s == `planned">planned` || s == "" {
			t.Errorf("after a passing scan REQ-7.8-14 is %q", s)
		}
		if task() {
			t.Errorf("after a passing scan the task list still has the port scan")
		}
		if !evidence("/evidence") || !evidence("/evidence?verdict=pass") {
			t.Errorf("after an upload the list of evidence leaves it out")
		}
		if evidence("/evidence?verdict=fail") {
			t.Errorf("the list of failing evidence shows a passing scan")
		}
		if l := ledger(); l == ledgerBefore || !strings.Contains(l, "checkpoint") {
			t.Errorf("after an upload the dashboard's ledger reads %q, as before", l)
		}

		// An engagement added after the dashboard was read is on the next
		// read: what the dashboard reads besides readiness is kept with
		// the state, and the state goes with the ledger's growth.
		_, page := b.get("/")
		if strings.Contains(page, "Kept Audit CAB") {
			t.Fatalf("the dashboard shows an engagement before it is added")
		}
		s.seedEngagement(t, "Kept Audit CAB", testNow.AddDate(0, -1, 0), testNow.AddDate(0, 1, 0))
		if _, page := b.get("/"); !strings.Contains(page, "Kept Audit CAB") {
			t.Errorf("the dashboard after an engagement was added leaves it out")
		}

		// My work is the signed-in person's, on the same state.
		d := s.signIn(t, "dora", evident.RoleComplianceManager)
		for _, c := range []struct {
			b     *browser
			login string
		}{{b, "carla"}, {d, "dora"}, {b, "carla"}} {
			_, page := c.b.get("/mine")
			if got := between(page, `<p id="mine-of"`, "</p>"); !strings.Contains(got, "<code>"+c.login+"</code>") {
				t.Errorf("%s's work names another login: %q", c.login, got)
			}
		}
	})
}

// Kept content is rendered once for every reader of a state (renderContent
// gives it the page's data alone), so nothing of a request may be in its
// template: no session, CSRF token, form key or clock. Such a field would
// render empty, or worse, one reader's for all.
func TestKeptPagesReadNothingOfTheRequest(t *testing.T) {
	perRequest := regexp.MustCompile(`\$\.(Now|CSRF|User|Role|Can|Program|Title)\b|\{\{\s*(\.Now|\.CSRF|\.User|\.Role)\b|\bidem\b|csrf_token`)
	for _, name := range []string{"controls.html", "catalog.html", "tasks.html", "evidence_list.html", "dashboard.html"} {
		b, err := files.ReadFile("templates/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if m := perRequest.FindString(string(b)); m != "" {
			t.Errorf("%s, whose content is kept with the state, reads %q of the request", name, m)
		}
	}
}
