package server

import "net/http"

// Handler returns every route of the server. Each route is listed here, so
// this file is the map of the HTTP surface: API routes under /api, browser
// routes at the root.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)

	mux.Handle("GET /api/v1/catalog", s.api.Catalog())
	mux.Handle("GET /api/v1/catalog/{id}", s.api.Requirement())

	s.webRoutes(mux)
	return mux
}

// healthz answers 200 when the database answers, so a load balancer takes
// a replica out when its store is gone.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if _, err := s.cfg.Store.SchemaVersion(r.Context()); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}
