package auth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/evidenthq/evident"
)

// CSRF token transport: a hidden form field for HTML forms, a header for
// scripts calling the API with the session cookie.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

// MaxFormBytes bounds a browser's multipart form body; a handler may
// bound it further. The CSRF check reads only the fields before the first
// file (multipartToken), never the files.
const MaxFormBytes = 1 << 30

// state is what the middleware learns about a request and later helpers
// (CSRFToken) need.
type state struct {
	csrfKey   string                    // the csrf cookie's random value
	sessionID string                    // the session cookie's value; "" when anonymous
	check     func(*http.Request) error // the CSRF check of an unsafe request, run once
	once      sync.Once
	csrfErr   error
}

// checked runs the CSRF check once, on the request as the caller has it
// (a handler's copy may already hold the parsed form), and returns its
// outcome.
func (st *state) checked(r *http.Request) error {
	st.once.Do(func() {
		if st.check == nil {
			st.csrfErr = evident.Errorf(evident.EFORBIDDEN, "a form must be submitted with POST")
			return
		}
		st.csrfErr = st.check(r)
	})
	return st.csrfErr
}

// Middleware authenticates every request and guards every state-changing
// one. It sits in front of both the API and the web UI:
//
//   - a bearer token or a session cookie becomes the request's Principal;
//   - a cross-origin unsafe request (per Sec-Fetch-Site/Origin) is refused;
//   - an unsafe request without a bearer token must carry the CSRF token
//     of its session (form field or header), which a page from another
//     site cannot read.
//
// Authorisation is per route: see Require and RequirePage.
func (a *Auth) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.origin.Check(r); err != nil {
			a.deny(w, r, evident.Errorf(evident.EFORBIDDEN, "cross-origin request refused"))
			return
		}
		p, sessionID, ok, err := a.authenticate(r)
		if err != nil {
			a.deny(w, r, err)
			return
		}
		st := &state{sessionID: sessionID}
		if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
			st.csrfKey = c.Value
		}
		bearer := ok && p.Token != nil
		if !bearer && !safeMethod(r.Method) {
			// A signed-in browser is refused here. An anonymous request
			// goes on: routes needing a principal answer 401, and the one
			// anonymous form that matters, sign-in, checks the token
			// itself (CheckCSRF), so no one is signed in to an account of
			// an attacker's choosing. Only then is an anonymous body read:
			// a stranger's upload must not be parsed before the 401.
			st.check = func(r *http.Request) error { return a.checkCSRF(w, r, st) }
			if ok {
				if err := st.checked(r); err != nil {
					a.deny(w, r, err)
					return
				}
			}
		}
		if st.csrfKey == "" && !bearer {
			st.csrfKey = newSecret()
			http.SetCookie(w, a.cookie(csrfCookie, st.csrfKey, 0))
		}
		ctx := context.WithValue(r.Context(), stateKey, st)
		if ok {
			ctx = WithPrincipal(ctx, p)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// csrfFor derives the token of a (csrf cookie, session) pair. Binding it
// to the session means a token seen before sign-in is useless after, and
// one from another user's session is useless in this one.
func csrfFor(key, sessionID string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("evident csrf v1\x00"))
	m.Write([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CSRFToken returns the token every form of this request's page must
// carry in the hidden field CSRFField (or scripts in the CSRFHeader
// header). It is "" outside the middleware.
func CSRFToken(r *http.Request) string {
	st, ok := r.Context().Value(stateKey).(*state)
	if !ok || st.csrfKey == "" {
		return ""
	}
	return csrfFor(st.csrfKey, st.sessionID)
}

// CheckCSRF returns the CSRF check's outcome for an anonymous unsafe
// request (signed-in ones never reach a handler without a valid token).
// Public forms call it; Login does.
func CheckCSRF(r *http.Request) error {
	st, ok := r.Context().Value(stateKey).(*state)
	if !ok {
		return evident.Errorf(evident.EFORBIDDEN, "missing CSRF token: reload the page and submit the form again")
	}
	if safeMethod(r.Method) {
		return evident.Errorf(evident.EFORBIDDEN, "a form must be submitted with POST")
	}
	return st.checked(r)
}

func (a *Auth) checkCSRF(w http.ResponseWriter, r *http.Request, st *state) error {
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = formToken(w, r)
	}
	if st.csrfKey == "" || got == "" {
		return evident.Errorf(evident.EFORBIDDEN, "missing CSRF token: reload the page and submit the form again")
	}
	if !hmac.Equal([]byte(got), []byte(csrfFor(st.csrfKey, st.sessionID))) {
		return evident.Errorf(evident.EFORBIDDEN, "invalid CSRF token: reload the page and submit the form again")
	}
	return nil
}

// formToken reads the token from an HTML form body. The parsed form stays
// on the request, so the handler reads its fields (and files) as usual.
func formToken(w http.ResponseWriter, r *http.Request) string {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			return ""
		}
		return r.PostForm.Get(CSRFField)
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
		return multipartToken(r)
	}
	return ""
}

// maxTokenScan is how far into a multipart body the CSRF field is looked
// for. Forms put it first (a hidden input at the top), before any file.
const maxTokenScan = 64 << 10

// multipartToken finds the CSRF field among the fields before the first
// file, then puts back every byte it read, so the handler streams the
// whole body from its start. Parsing the form here instead would spill
// each large file to a temporary file before the handler could refuse it.
func multipartToken(r *http.Request) string {
	_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body := r.Body
	var seen bytes.Buffer
	defer func() {
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(&seen, body), body}
	}()
	mr := multipart.NewReader(io.TeeReader(io.LimitReader(body, maxTokenScan), &seen), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil || part.FileName() != "" {
			return ""
		}
		if part.FormName() == CSRFField {
			tok, _ := io.ReadAll(io.LimitReader(part, 256))
			return string(tok)
		}
	}
}

// Require wraps an API handler: anonymous requests get 401, principals
// without perm 403, as JSON error bodies.
func (a *Auth) Require(perm Permission, next http.Handler) http.Handler {
	if perm == Public {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		if !ok {
			a.deny(w, r, evident.Errorf(evident.EUNAUTHORIZED, "sign in or send an API token (Authorization: Bearer %s...)", TokenPrefix))
			return
		}
		if !p.Can(perm) {
			a.deny(w, r, evident.Errorf(evident.EFORBIDDEN, "%s may not do this (needs %s)", p.describe(), perm))
			return
		}
		if p.MustEnrolMFA && !enrolmentPath(r.URL.Path) {
			a.deny(w, r, evident.Errorf(evident.EFORBIDDEN, "the role %s signs in with a second factor: set it up at %s first", p.User.Role, AccountPath))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// enrolmentPath reports whether a session that must enrol a second
// factor may use path: its own page, enrolment, and sign-out.
func enrolmentPath(path string) bool {
	return path == AccountPath || strings.HasPrefix(path, AccountPath+"/") || path == "/logout"
}

// RequirePage wraps a browser page: an anonymous reader is sent to the
// sign-in page (which brings them back), a principal without perm gets
// 403.
func (a *Auth) RequirePage(perm Permission, next http.Handler) http.Handler {
	if perm == Public {
		return next
	}
	api := a.Require(perm, next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		if !ok && safeMethod(r.Method) {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if ok && p.MustEnrolMFA && safeMethod(r.Method) && !enrolmentPath(r.URL.Path) {
			http.Redirect(w, r, AccountPath, http.StatusSeeOther)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// writeRefusal writes the API's JSON error body to API clients and plain
// text to browsers.
func writeRefusal(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n"))
}
