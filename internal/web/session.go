package web

import (
	"net/http"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
)

// session fills the signed-in user and the CSRF token of the request into
// the page, so the layout can show who is signed in and every form can
// carry its token.
func (w *Web) session(r *http.Request, p *page) {
	p.CSRF = auth.CSRFToken(r)
	if pr, ok := auth.FromContext(r.Context()); ok {
		p.User = pr.User.Name
		p.Role = string(pr.User.Role)
		p.principal = pr
		p.signedIn = true
	}
}

// principal is who the request acts as; EUNAUTHORIZED when anonymous.
func principal(r *http.Request) (auth.Principal, error) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return p, evident.Errorf(evident.EUNAUTHORIZED, "sign in to make changes")
	}
	return p, nil
}

// actor is who the request acts as, recorded with every write.
func (w *Web) actor(r *http.Request) (string, error) {
	p, err := principal(r)
	if err != nil {
		return "", err
	}
	return p.Actor(), nil
}

// canWriteEvidence refuses evidence for a control the user may not feed:
// a control owner writes only for their own controls, an assessor never.
func (w *Web) canWriteEvidence(r *http.Request, control string) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	return p.CheckEvidenceControls([]string{control})
}

// can reports whether the signed-in user holds perm, so pages offer only
// the actions the server would accept. A session that must enrol a
// second factor is offered nothing: the server would send it back.
func (p page) Can(perm string) bool {
	return p.signedIn && !p.principal.MustEnrolMFA && p.principal.Can(auth.Permission(perm))
}
