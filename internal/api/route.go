package api

import (
	"net/http"
	"strings"

	"github.com/evidenthq/evident/internal/auth"
)

// Route is one API route as data: the server mounts it behind the
// permission it names, the OpenAPI document describes it, and the
// authorisation matrix test walks it, so all three always agree.
type Route struct {
	Method  string // GET, POST, ...
	Path    string // /api/v1/..., with {name} path parameters
	Perm    auth.Permission
	Summary string
	Tag     string
	Query   []Param // documented query parameters (not limit/cursor)
	Body    string  // request media type, "" for none
	List    bool    // paginated with ?limit=&cursor= and next_cursor
	Status  int     // success status; 0 means 200
	// Produces is the success response's media type; "" means JSON.
	Produces string
	Handler  http.Handler
}

// Param is a documented query parameter.
type Param struct {
	Name, Description string
}

// Pattern is the http.ServeMux pattern of the route.
func (rt Route) Pattern() string { return rt.Method + " " + rt.Path }

// PathParams are the {names} in the path, in order.
func (rt Route) PathParams() []string {
	var out []string
	for _, seg := range strings.Split(rt.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(seg, "{"), "}"))
		}
	}
	return out
}

// Routes is every API route. Add a route here and it is mounted,
// documented and tested; there is no other list.
func (a *API) Routes() []Route {
	rs := []Route{
		{Method: "GET", Path: "/api/openapi.json", Perm: auth.Public, Tag: "meta", Summary: "this document", Handler: a.OpenAPIHandler()},
		{Method: "GET", Path: "/api/v1/me", Perm: auth.Self, Tag: "users", Summary: "the signed-in user or token owner, with role, controls and period", Handler: a.Me()},
		{Method: "GET", Path: "/api/v1/users", Perm: auth.ManageUsers, Tag: "users", List: true, Summary: "list users", Handler: a.Users()},
		{Method: "POST", Path: "/api/v1/users", Perm: auth.ManageUsers, Tag: "users", Body: "application/json", Status: 201, Summary: "add a user with a role (and password)", Handler: a.CreateUser()},
		{Method: "GET", Path: "/api/v1/users/{name}", Perm: auth.ManageUsers, Tag: "users", Summary: "show a user", Handler: a.User()},
		{Method: "PUT", Path: "/api/v1/users/{name}/role", Perm: auth.ManageUsers, Tag: "users", Body: "application/json", Summary: "change a user's role, controls or assessment period; ends their sessions", Handler: a.SetRole()},
		{Method: "GET", Path: "/api/v1/tokens", Perm: auth.Self, Tag: "users", List: true, Summary: "list your API tokens (never the token values)", Handler: a.Tokens()},
		{Method: "POST", Path: "/api/v1/tokens", Perm: auth.Self, Tag: "users", Body: "application/json", Status: 201, Summary: "create an API token; the token is in this response only", Handler: a.CreateToken()},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", Perm: auth.Self, Tag: "users", Summary: "revoke an API token (yours, or anyone's as admin)", Handler: a.RevokeToken()},

		{Method: "GET", Path: "/api/v1/catalog", Perm: auth.Read, Tag: "catalog", List: true, Summary: "list requirements of a catalog version",
			Query:   []Param{{"version", "catalog version, default the program's"}, {"clause", "clause prefix, e.g. 7.8"}, {"type", "shall, should, may, conditional, proportionality, choice"}, {"overlay", "overlay name (repeatable)"}},
			Handler: a.Catalog()},
		{Method: "GET", Path: "/api/v1/catalog/{id}", Perm: auth.Read, Tag: "catalog", Summary: "one requirement by bare id or full reference",
			Query: []Param{{"version", "catalog version, default the program's"}}, Handler: a.Requirement()},

		{Method: "GET", Path: "/api/v1/log", Perm: auth.Read, Tag: "ledger", List: true, Summary: "the audit trail, newest first (an assessor sees their period)",
			Query: []Param{{"kind", "only records of this kind, e.g. user.role"}}, Handler: a.Log()},
		{Method: "GET", Path: "/api/v1/program", Perm: auth.Read, Tag: "program", Summary: "the program: name, standard version and overlays", Handler: a.Program()},
	}
	rs = append(rs, a.programRoutes()...)
	rs = append(rs, a.evidenceRoutes()...)
	rs = append(rs, a.importRoutes()...)
	rs = append(rs, a.registerRoutes()...)
	rs = append(rs, a.revocationRoutes()...)
	rs = append(rs, a.retentionRoutes()...)
	rs = append(rs, a.readinessRoutes()...)
	rs = append(rs, a.packRoutes()...)
	rs = append(rs, a.notifyRoutes()...)
	rs = append(rs, a.reviewRoutes()...)
	rs = append(rs, a.notificationRoutes()...)
	rs = append(rs, a.approvalRoutes()...)
	rs = append(rs, a.assessmentRoutes()...)
	return rs
}
