package server

import "net/http"

// webRoutes mounts the browser pages. The web package keeps its routes as
// a table (web.Routes), each with the permission it needs; every page is
// mounted with s.page so it sits behind authentication and appears in the
// route list the authorisation matrix test walks. The CSRF check of the
// middleware in front of every route covers the pages' forms.
func (s *Server) webRoutes(mux *http.ServeMux) {
	for _, rt := range s.web.Routes() {
		s.page(mux, rt.Pattern, rt.Perm, rt.Handler)
	}
}
