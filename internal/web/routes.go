package web

import "net/http"

// Route is one browser route. The server mounts them all behind its
// authentication; the table is data so the server can list, describe and
// test every route (the authorisation matrix walks it).
type Route struct {
	Pattern string // http.ServeMux pattern with method, e.g. "GET /audit"
	Handler http.Handler
	Public  bool // reachable without signing in (login page, assets)
}

// Routes returns every browser route.
func (w *Web) Routes() []Route {
	return []Route{
		{Pattern: "GET /static/", Handler: w.Static(), Public: true},
		{Pattern: "GET /{$}", Handler: w.Dashboard()},
		{Pattern: "GET /catalog", Handler: w.Catalog()},
		{Pattern: "GET /catalog/{id}", Handler: w.Requirement()},
		{Pattern: "GET /audit", Handler: w.Audit()},
		{Pattern: "GET /scope", Handler: w.Scope()},
		{Pattern: "GET /risks", Handler: w.Risks()},
		{Pattern: "GET /policies", Handler: w.Policies()},
		{Pattern: "GET /policies/{id}", Handler: w.Policy()},
		{Pattern: "GET /controls", Handler: w.Controls()},
		{Pattern: "GET /controls/{id}", Handler: w.Control()},
	}
}
