package auth

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// OIDCConfig enables sign-in through an OpenID Connect provider (the
// authorisation code flow with PKCE, state and nonce). Users are not
// created on first sign-in: an admin links an account to a user with
// `evident user add NAME --role R --oidc-subject "ISSUER SUBJECT"`, so the
// identity provider proves who someone is and Evident alone decides what
// they may do.
type OIDCConfig struct {
	Issuer       string // the provider's issuer URL
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's callback as the provider knows it:
	// https://evident.example/auth/oidc/callback.
	RedirectURL string
}

// OIDC paths; the server mounts them when OIDC is configured.
const (
	OIDCLoginPath    = "/auth/oidc/login"
	OIDCCallbackPath = "/auth/oidc/callback"
	oidcFlowCookie   = "evident_oidc"
	oidcFlowTTL      = 10 * time.Minute
)

type oidcClient struct {
	issuer   string
	verifier *oidc.IDTokenVerifier
	oauth    oauth2.Config
}

// EnableOIDC discovers the provider and turns OIDC sign-in on. It talks to
// the provider, so it fails at start-up, not at the first sign-in, when
// the issuer is wrong or unreachable.
func (a *Auth) EnableOIDC(ctx context.Context, cfg OIDCConfig) error {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return evident.Errorf(evident.EINVALID, "OIDC needs an issuer, a client id and a redirect URL")
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return evident.Errorf(evident.EINVALID, "OIDC issuer %s: %v", cfg.Issuer, err)
	}
	a.oidc = &oidcClient{
		issuer:   cfg.Issuer,
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: a.cfg.Store.Now}),
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
	}
	return nil
}

// OIDCEnabled reports whether OIDC sign-in is configured.
func (a *Auth) OIDCEnabled() bool { return a.oidc != nil }

// OIDCLogin starts the flow: it remembers state, nonce and the PKCE
// verifier in a short-lived HttpOnly cookie and sends the browser to the
// provider.
func (a *Auth) OIDCLogin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state, nonce, pkce := newSecret(), newSecret(), oauth2.GenerateVerifier()
		next := r.URL.Query().Get("next")
		if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
			next = "/" // only local redirects after sign-in
		}
		v := url.Values{"state": {state}, "nonce": {nonce}, "pkce": {pkce}, "next": {next}}
		http.SetCookie(w, a.cookie(oidcFlowCookie, v.Encode(), int(oidcFlowTTL/time.Second)))
		u := a.oidc.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(pkce))
		http.Redirect(w, r, u, http.StatusFound)
	})
}

// OIDCCallback finishes the flow: it checks state, exchanges the code
// with the PKCE verifier, verifies the ID token (signature, issuer,
// audience, expiry, nonce), finds the linked user and starts a session.
func (a *Auth) OIDCCallback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next, err := a.oidcCallback(w, r)
		http.SetCookie(w, a.cookie(oidcFlowCookie, "", -1))
		if err != nil {
			a.deny(w, r, err)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
}

func (a *Auth) oidcCallback(w http.ResponseWriter, r *http.Request) (string, error) {
	ctx := r.Context()
	refused := evident.Errorf(evident.EUNAUTHORIZED, "sign-in through the identity provider failed: start again")
	c, err := r.Cookie(oidcFlowCookie)
	if err != nil {
		return "", refused
	}
	flow, err := url.ParseQuery(c.Value)
	if err != nil {
		return "", refused
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return "", evident.Errorf(evident.EUNAUTHORIZED, "the identity provider refused: %s", e)
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(flow.Get("state"))) != 1 || flow.Get("state") == "" {
		return "", refused
	}
	tok, err := a.oidc.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(flow.Get("pkce")))
	if err != nil {
		a.cfg.Logger.Warn("oidc code exchange", "err", err)
		return "", refused
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return "", refused
	}
	idt, err := a.oidc.verifier.Verify(ctx, raw)
	if err != nil {
		a.cfg.Logger.Warn("oidc id token", "err", err)
		return "", refused
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Get("nonce"))) != 1 {
		return "", refused
	}
	subject := idt.Issuer + " " + idt.Subject
	u, err := a.cfg.Store.UserByOIDC(ctx, subject)
	if evident.ErrorCode(err) == evident.ENOTFOUND || (err == nil && u.Disabled) {
		ev := sqlstore.AuthEvent{User: subject, Method: "oidc", IP: clientAddr(r), Reason: "no enabled user is linked to this identity"}
		if err := a.cfg.Store.RecordAuthEvent(ctx, "auth.login.refused", "system:auth", ev); err != nil {
			return "", err
		}
		return "", evident.Errorf(evident.EFORBIDDEN, "your identity %q is not linked to an Evident user: ask an admin", subject)
	}
	if err != nil {
		return "", err
	}
	if err := a.startSession(ctx, w, r, u, "oidc", nil); err != nil {
		return "", err
	}
	return flow.Get("next"), nil
}
