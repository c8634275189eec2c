package main

import (
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/server"
)

// enableOIDC switches on sign-in through an OpenID Connect provider when
// EVIDENT_OIDC_ISSUER is set, with EVIDENT_OIDC_CLIENT_ID,
// EVIDENT_OIDC_CLIENT_SECRET and EVIDENT_OIDC_REDIRECT_URL (this server's
// /auth/oidc/callback as the provider knows it). Users are linked with
// `evident user add NAME --role ROLE --oidc-subject "ISSUER SUBJECT"`.
// Call it before serving: the routes are mounted when serving starts.
func (a *app) enableOIDC(srv *server.Server) error {
	issuer := a.getenv("EVIDENT_OIDC_ISSUER")
	if issuer == "" {
		return nil
	}
	return srv.Auth().EnableOIDC(a.ctx, auth.OIDCConfig{
		Issuer:       issuer,
		ClientID:     a.getenv("EVIDENT_OIDC_CLIENT_ID"),
		ClientSecret: a.getenv("EVIDENT_OIDC_CLIENT_SECRET"),
		RedirectURL:  a.getenv("EVIDENT_OIDC_REDIRECT_URL"),
	})
}
