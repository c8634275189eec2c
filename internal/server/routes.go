package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
)

// RouteInfo is one mounted route and the permission in front of it. The
// server keeps the list so the authorisation matrix and OpenAPI tests
// walk exactly what is mounted.
type RouteInfo struct {
	Pattern string // http.ServeMux pattern, "GET /api/v1/catalog"
	Perm    auth.Permission
	API     bool // under /api: JSON errors; otherwise a browser page
}

// Handler returns every route of the server behind the authentication
// middleware. API routes come from the API's route table; browser routes
// from webRoutes (webroutes.go).
func (s *Server) Handler() http.Handler {
	h := s.auth.Middleware(s.Mux())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			// Over TLS, tell browsers never to use plain HTTP here again.
			// Behind a TLS-terminating proxy the proxy sends it
			// (docs/security.md).
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// Mux returns the routes without the middleware, so tests can ask which
// pattern a request matches (ServeMux.Handler).
func (s *Server) Mux() *http.ServeMux {
	mux := http.NewServeMux()
	s.routes = nil
	s.route(mux, "GET /healthz", auth.Public, false, http.HandlerFunc(s.healthz))
	s.route(mux, "GET /readyz", auth.Public, false, http.HandlerFunc(s.readyz))
	if s.cfg.Metrics != nil {
		s.route(mux, "GET /metrics", auth.Public, false, s.cfg.Metrics.Handler())
	}
	for _, rt := range s.api.Routes() {
		s.route(mux, rt.Pattern(), rt.Perm, true, rt.Handler)
	}
	if s.auth.OIDCEnabled() {
		s.route(mux, "GET "+auth.OIDCLoginPath, auth.Public, false, s.auth.OIDCLogin())
		s.route(mux, "GET "+auth.OIDCCallbackPath, auth.Public, false, s.auth.OIDCCallback())
	}
	s.webRoutes(mux)
	// Any other path gets the 404 page in the layout (plain under /api/).
	// It serves no content, so it is not in the route list the
	// authorisation matrix walks.
	mux.Handle("GET /", s.web.NotFound())
	return mux
}

// route mounts h at pattern behind perm and records it. API routes answer
// refusals as JSON; pages send anonymous readers to the sign-in page.
func (s *Server) route(mux *http.ServeMux, pattern string, perm auth.Permission, api bool, h http.Handler) {
	if s.cfg.Metrics != nil {
		h = s.cfg.Metrics.Route(pattern, h)
	}
	if api {
		h = s.auth.Require(perm, h)
	} else {
		h = s.auth.RequirePage(perm, h)
	}
	mux.Handle(pattern, h)
	s.routes = append(s.routes, RouteInfo{Pattern: pattern, Perm: perm, API: api})
}

// page mounts a browser route; webroutes.go uses it for every page so
// the page is behind authentication and in the route list.
func (s *Server) page(mux *http.ServeMux, pattern string, perm auth.Permission, h http.Handler) {
	if perm == auth.Public {
		s.route(mux, pattern, perm, false, h)
		return
	}
	// A signed-in reader without the permission gets the 403 page in the
	// layout, with the navigation and what to do, not a line of text.
	guarded := s.auth.RequirePage(perm, h)
	s.routes = append(s.routes, RouteInfo{Pattern: pattern, Perm: perm})
	mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := auth.FromContext(r.Context()); ok && r.Method == http.MethodGet && !p.MustEnrolMFA && !p.Can(perm) {
			s.web.Refuse(w, r, evident.Errorf(evident.EFORBIDDEN, "%s (%s) may not open this page: it needs the %s permission", p.Actor(), p.User.Role, perm))
			return
		}
		guarded.ServeHTTP(w, r)
	}))
}

// Routes returns the routes mounted by the last call to Handler or Mux.
func (s *Server) Routes() []RouteInfo { return slices.Clone(s.routes) }

// healthz answers 200 while the process serves requests: a liveness
// probe restarts a replica that stops answering, not one whose database
// is away (restarting would not bring the database back).
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 when the database and the blob store both answer,
// so a load balancer sends no request to a replica that could not store
// or serve evidence. The body names what is unreachable, not why: the
// route is public.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	var down []string
	if _, err := s.cfg.Store.SchemaVersion(ctx); err != nil {
		s.cfg.Logger.Warn("readyz: database", "err", err)
		down = append(down, "database unavailable")
	}
	if s.cfg.Ledger != nil {
		if err := s.cfg.Ledger.Blobs().Ping(ctx); err != nil {
			s.cfg.Logger.Warn("readyz: blob store", "err", err)
			down = append(down, "blob store unavailable")
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(down) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(strings.Join(down, "\n") + "\n"))
		return
	}
	w.Write([]byte("ready\n"))
}
