package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// A page that does not exist, or that the reader's role may not open,
// answers inside the layout: the navigation stays, and the page says what
// to do. API clients keep their plain answers.
func TestErrorPagesInTheLayout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct {
		role, path string
		code       int
		says       string
	}{
		{"cm", "/no-such-page", http.StatusNotFound, "there is no page at /no-such-page"},
		{"owner", "/approvals", http.StatusForbidden, "needs the approve permission"},
	} {
		code, body := e.do(t, c.role, "GET", c.path, nil, "")
		page := string(body)
		if code != c.code || !strings.Contains(page, c.says) || !strings.Contains(page, `<nav aria-label="Main"`) || !strings.Contains(strings.ToLower(page), `href="/">go to the dashboard`) {
			t.Errorf("GET %s as %s: %d; want %d in the layout with the navigation, saying %q and linking the dashboard:\n%s", c.path, c.role, code, c.code, c.says, page)
		}
	}
	if code, body := e.do(t, "cm", "GET", "/api/v1/no-such-thing", nil, ""); code != http.StatusNotFound || strings.Contains(string(body), "<html") {
		t.Errorf("unknown API path: %d %s; want a plain 404", code, body)
	}
}
