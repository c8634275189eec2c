package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/auth"
)

// First run: a store with no user has no one to sign in. serve asks for a
// setup token (SetupToken) and prints a link holding it on its console,
// where only whoever started the server reads it. The link opens a form
// that makes the first administrator; it works once, and not at all once
// any user exists (made here or by `evident user add`).

// setup holds the digest of the pending setup token, if any.
type setup struct {
	mu     sync.Mutex
	digest []byte
}

// SetupToken returns a fresh one-time token for the first-run setup link
// when the store has no user, and "" when it has one.
func (w *Web) SetupToken(ctx context.Context) (string, error) {
	has, err := w.cfg.Store.HasUsers(ctx)
	if err != nil || has {
		return "", err
	}
	var b [24]byte
	rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	d := sha256.Sum256([]byte(token))
	w.setup.mu.Lock()
	w.setup.digest = d[:]
	w.setup.mu.Unlock()
	return token, nil
}

// checkSetup refuses a setup request without the pending token.
func (w *Web) checkSetup(token string) error {
	d := sha256.Sum256([]byte(token))
	w.setup.mu.Lock()
	defer w.setup.mu.Unlock()
	if w.setup.digest == nil || subtle.ConstantTimeCompare(d[:], w.setup.digest) != 1 {
		return evident.Errorf(evident.ENOTFOUND, "no first-run setup is pending at this link; sign in, or ask whoever runs the server for a new link")
	}
	return nil
}

type setupPage struct {
	Token, Name, Error string
}

// SetupForm shows the form that makes the first administrator.
func (w *Web) SetupForm() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		token := r.URL.Query().Get("token")
		if err := w.checkSetup(token); err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "setup.html", page{Title: "Set up Evident", Data: setupPage{Token: token}})
		return nil
	})
}

// Setup makes the first administrator from the form, spends the token and
// sends them to sign in (where an administrator enrols a second factor).
func (w *Web) Setup() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		data := setupPage{Token: r.PostFormValue("token"), Name: strings.TrimSpace(r.PostFormValue("name"))}
		if err := w.checkSetup(data.Token); err != nil {
			return err
		}
		fail := func(err error) error {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			data.Error = evident.ErrorMessage(err)
			w.render(rw, r, api.Status(err), "setup.html", page{Title: "Set up Evident", Data: data})
			return nil
		}
		pw := r.PostFormValue("password")
		if pw != r.PostFormValue("password2") {
			return fail(evident.ErrorAt(evident.EINVALID, "password", "the two passwords differ"))
		}
		hash, err := auth.HashPassword(pw)
		if err != nil {
			return fail(err)
		}
		u := evident.User{Name: data.Name, Role: evident.RoleAdmin}
		if err := w.cfg.Store.CreateFirstUser(r.Context(), u, hash, data.Name); err != nil {
			return fail(err)
		}
		w.setup.mu.Lock()
		w.setup.digest = nil
		w.setup.mu.Unlock()
		http.Redirect(rw, r, "/login?setup="+url.QueryEscape(data.Name), http.StatusSeeOther)
		return nil
	})
}
