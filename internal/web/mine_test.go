package web

import (
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
		code, page = carla.get("/mine?due=400")
		if code != 200 || !strings.Contains(page, "user: carla") || strings.Contains(page, `href="/controls/vuln-scan"`) {
			t.Fatalf("carla's My work: %d; want no task and how to name her login\n%.1500s", code, page)
		}
	})
}
