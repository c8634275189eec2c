package server

import (
	"net/http"

	"github.com/evidenthq/evident/internal/auth"
)

// webRoutes mounts the browser pages. This file belongs to the web UI:
// change it freely. Mount every page with s.page so it sits behind
// authentication and appears in the route list the authorisation matrix
// test walks. Pages that change state need a permission stronger than
// auth.Read (auth.WriteEvidence for an upload form, say); the CSRF check
// in front of every route already covers their forms.
func (s *Server) webRoutes(mux *http.ServeMux) {
	for _, rt := range s.web.Routes() {
		perm := auth.Read
		if rt.Public {
			perm = auth.Public
		}
		s.page(mux, rt.Pattern, perm, rt.Handler)
	}
}
