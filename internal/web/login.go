package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/auth"
)

type loginPage struct {
	Next  string
	Name  string
	Error string
	// NoUsers says no one can sign in yet: the page explains first-run
	// setup instead of leaving a form nobody can use.
	NoUsers bool
	// SetUp names the administrator first-run setup just made.
	SetUp string
}

// LoginForm shows the sign-in form. next is where to go afterwards.
func (w *Web) LoginForm() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		data := loginPage{Next: localPath(r.URL.Query().Get("next")), SetUp: r.URL.Query().Get("setup")}
		has, err := w.cfg.Store.HasUsers(r.Context())
		if err != nil {
			return err
		}
		data.NoUsers = !has
		if data.SetUp != "" {
			data.Name = data.SetUp
		}
		w.render(rw, r, http.StatusOK, "login.html", page{Title: "Sign in", Nav: "login", Data: data})
		return nil
	})
}

// Login checks the form's name and password through auth (rate-limited,
// audited) and, on success, sends the browser where it was going.
func (w *Web) Login() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		data := loginPage{Next: localPath(r.PostFormValue("next")), Name: r.PostFormValue("name")}
		_, err := w.cfg.Auth.Login(rw, r, data.Name, r.PostFormValue("password"), r.PostFormValue("code"))
		if err == nil {
			http.Redirect(rw, r, data.Next, http.StatusSeeOther)
			return nil
		}
		status := api.Status(err)
		var rl *auth.RateLimitError
		if errors.As(err, &rl) {
			status = http.StatusTooManyRequests
			rw.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter/time.Second)))
		}
		if status == 0 || status == http.StatusInternalServerError {
			return err
		}
		data.Error = evident.ErrorMessage(err)
		w.render(rw, r, status, "login.html", page{Title: "Sign in", Nav: "login", Data: data})
		return nil
	})
}

// Logout ends the session and returns to the sign-in page.
func (w *Web) Logout() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		if err := w.cfg.Auth.Logout(rw, r); err != nil {
			return err
		}
		http.Redirect(rw, r, "/login", http.StatusSeeOther)
		return nil
	})
}

// localPath keeps a redirect target on this site: an absolute path, never
// a URL to elsewhere. Browsers drop tabs and newlines from a Location and
// read a backslash as a slash, so "/\t/evil.example" and "/\\evil.example"
// would leave the site as surely as "//evil.example": any control
// character, any backslash and a leading "//" send the reader home.
func localPath(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') ||
		strings.ContainsFunc(s, unicode.IsControl) {
		return "/"
	}
	if u, err := url.Parse(s); err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return s
}
