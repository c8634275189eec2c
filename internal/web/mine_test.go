package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestMyWorkListsTheLoginsTasks: the scan control is owned by the system
// administrators' role, held by Sofia, who names the login omar. Omar's
// My work lists the scan's window; Carla, whom no person names, is told
// how to be named and sees no task.
func TestMyWorkListsTheLoginsTasks(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		m := smallProgram()
		m.Controls[0].Owner = "system-administrator"
		m.Roles = []evident.Role{{ID: "system-administrator", Name: "System Administrator"}}
		m.People = []evident.Person{{ID: "sofia", Name: "Sofia Marin", Roles: []string{"system-administrator"}, User: "omar"}}
		putModel(t, st, m)

		omar := s.signIn(t, "omar", evident.RoleControlOwner, "vuln-scan")
		code, page := omar.get("/mine?due=400")
		if code != 200 || !strings.Contains(page, "<h1>My work</h1>") || !strings.Contains(page, `href="/controls/vuln-scan"`) ||
			!strings.Contains(page, "sofia, system-administrator") {
			t.Fatalf("omar's My work: %d; want the scan's task as Sofia's and her role's work\n%.1500s", code, page)
		}
		carla := s.signIn(t, "carla", evident.RoleComplianceManager)
		// The task list filtered by assignee is omar's work, by the same rule.
		code, page = carla.get("/tasks?due=400&assignee=omar")
		if code != 200 || !strings.Contains(page, `href="/controls/vuln-scan"`) || !strings.Contains(page, `<option value="omar" selected>`) {
			t.Errorf("tasks assigned to omar: %d; want the scan's task and omar selected\n%.1500s", code, page)
		}
		if _, page = carla.get("/tasks?due=400&assignee=carla"); strings.Contains(page, `href="/controls/vuln-scan"`) {
			t.Errorf("tasks assigned to carla list the scan, which is omar's")
		}
		code, page = carla.get("/mine?due=400")
		if code != 200 || !strings.Contains(page, "user: carla") || strings.Contains(page, `href="/controls/vuln-scan"`) {
			t.Fatalf("carla's My work: %d; want no task and how to name her login\n%.1500s", code, page)
		}
	})
}

// TestAnIncidentAssignedIsItsAssigneesWork: an incident's clocks become the
// work of the login it is assigned to, shown on their My work page; an
// assignee who is no user, or an assessor, is refused next to the field
// and nothing changes.
func TestAnIncidentAssignedIsItsAssigneesWork(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s, carla, loc := incidentSite(t, st)
		omar := s.signIn(t, "omar", evident.RoleControlOwner)
		s.addUser(t, evident.User{Name: "asa", Role: evident.RoleAssessor, PeriodFrom: testNow.AddDate(-1, 0, 0), PeriodTo: testNow})
		id := strings.TrimPrefix(loc, "/incidents/")
		for _, who := range []string{"nobody", "asa"} {
			form := url.Values{"csrf_token": {carla.csrf(loc)}, "assignee": {who}}
			code, page, _ := carla.post(loc+"/affected", form)
			if code == http.StatusSeeOther || !strings.Contains(page, `id="err-assignee"`) || !strings.Contains(page, `value="`+who+`"`) {
				t.Fatalf("assigning %s: %d; want a refusal next to the field, keeping what was typed", who, code)
			}
		}
		if inc := incidentOf(t, st, loc); inc.Assignee != "" {
			t.Fatalf("a refused assignee was stored: %q", inc.Assignee)
		}
		if _, page := omar.get("/mine?due=400"); strings.Contains(page, "incident/"+id) {
			t.Fatal("omar's My work shows the incident before it is his")
		}
		form := url.Values{"csrf_token": {carla.csrf(loc)}, "assignee": {"omar"}}
		if code, _, _ := carla.post(loc+"/affected", form); code != http.StatusSeeOther {
			t.Fatalf("assigning omar: %d", code)
		}
		if inc := incidentOf(t, st, loc); inc.Assignee != "omar" {
			t.Fatalf("assignee stored %q, want omar", inc.Assignee)
		}
		if _, page := omar.get("/mine?due=400"); !strings.Contains(page, "incident/"+id) || !strings.Contains(page, "user:omar") {
			t.Fatalf("omar's My work does not list the incident's clocks as his:\n%.3000s", page)
		}
	})
}

// TestTaskRequirementsAreLinks: the requirements a task serves are links
// to their catalog pages, and each link opens.
func TestTaskRequirementsAreLinks(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		putModel(t, st, smallProgram())
		carla := s.signIn(t, "carla", evident.RoleComplianceManager)
		code, page := carla.get("/tasks?due=400")
		links := regexp.MustCompile(`href="(/catalog/[^"]+)"`).FindAllStringSubmatch(page, -1)
		if code != 200 || len(links) == 0 {
			t.Fatalf("/tasks: %d with %d requirement links; want the scan's requirements as links\n%.1500s", code, len(links), page)
		}
		for _, l := range links {
			if code, _ := carla.get(html.UnescapeString(l[1])); code != 200 {
				t.Errorf("%s: %d, want the requirement's page", l[1], code)
			}
		}
	})
}

// TestIncidentTasksLinkTheIncident: a clock's task links the incident it
// runs for, so the task list has no dead end.
func TestIncidentTasksLinkTheIncident(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		_, carla, loc := incidentSite(t, st)
		_, page := carla.get("/tasks?due=400")
		if !strings.Contains(page, `<a href="`+loc+`">`) {
			t.Errorf("/tasks does not link the incident %s", loc)
		}
	})
}
