package server

import "net/http"

// webRoutes mounts the browser UI. The web package keeps its routes as a
// table (web.Routes) so this list, the authorisation matrix and the tests
// all walk the same routes.
func (s *Server) webRoutes(mux *http.ServeMux) {
	for _, r := range s.web.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
}
