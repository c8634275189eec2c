package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// On first run nobody can sign in: the sign-in page says how to start,
// and the one-time link serve prints makes the first administrator once.
func TestFirstRunSetupMakesTheFirstAdministratorOnce(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		ctx := context.Background()
		b := s.browser(t)
		if _, page := b.get("/login"); !strings.Contains(page, `id="first-run"`) {
			t.Errorf("the sign-in page of a store with no user does not explain first-run setup")
		}
		token, err := s.w.SetupToken(ctx)
		if err != nil || len(token) < 32 {
			t.Fatalf("setup token with no user: %q, %v", token, err)
		}
		if code, _ := b.get("/setup?token=" + strings.Repeat("0", len(token))); code != http.StatusNotFound {
			t.Errorf("setup with a wrong token: %d, want 404", code)
		}
		csrf := b.csrf("/setup?token=" + token)
		form := url.Values{"csrf_token": {csrf}, "token": {token}, "name": {"ana"}, "password": {"a long enough secret"}, "password2": {"another secret"}}
		if code, body, _ := b.post("/setup", form); code != http.StatusBadRequest || !strings.Contains(body, "differ") {
			t.Errorf("setup with two different passwords: %d, want 400 saying they differ", code)
		}
		form.Set("password2", "a long enough secret")
		code, _, loc := b.post("/setup", form)
		if code != http.StatusSeeOther || loc != "/login?setup=ana" {
			t.Fatalf("setup: %d to %q, want 303 to the sign-in page", code, loc)
		}
		if u, err := st.User(ctx, "ana"); err != nil || u.Role != evident.RoleAdmin {
			t.Errorf("first user after setup: %+v, %v; want ana, admin", u, err)
		}
		form.Set("name", "mallory")
		if code, _, _ := b.post("/setup", form); code != http.StatusNotFound {
			t.Errorf("the setup link used a second time: %d, want 404", code)
		}
		if token, err := s.w.SetupToken(ctx); token != "" || err != nil {
			t.Errorf("setup token once a user exists: %q, %v; want none", token, err)
		}
		if err := st.CreateFirstUser(ctx, evident.User{Name: "eve", Role: evident.RoleAdmin}, "", "eve"); evident.ErrorCode(err) != evident.ECONFLICT {
			t.Errorf("a second first user: %v, want ECONFLICT", err)
		}
		if _, page := b.get("/login?setup=ana"); strings.Contains(page, `id="first-run"`) || !strings.Contains(page, `id="setup-done"`) {
			t.Errorf("after setup the sign-in page still explains first run, or does not confirm the administrator")
		}
	})
}

// A program with no control yet shows how to start, not empty lists that
// read as "nothing overdue".
func TestEmptyProgramShowsAGuide(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	if _, page := b.get("/"); !strings.Contains(page, `id="getting-started"`) || !strings.Contains(page, "evident apply -f") {
		t.Errorf("the dashboard of an empty program does not guide the start")
	}
}
