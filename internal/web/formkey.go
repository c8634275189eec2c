package web

import (
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/http"
	"net/url"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
)

// Every form carries an idempotency key (the hidden field "idem", or
// "?idem=" in the action of a multipart form, whose body is streamed), a
// fresh random value each time the page renders. A second submission with
// the same key (a reload of the result, a double click, a retry after a
// lost response) does not write again: it is sent where the first one
// went. Forms without a key, like API clients, are served as they come.

// formKeyField is the form field, and query parameter, holding the key.
const formKeyField = "idem"

// newFormKey returns a fresh key for one rendering of a form.
func newFormKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// formKey returns the submitted key, "" when the form carries none.
func formKey(r *http.Request) (string, error) {
	key := r.URL.Query().Get(formKeyField)
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		if v := r.PostForm.Get(formKeyField); v != "" {
			key = v
		}
	}
	if key == "" {
		return "", nil
	}
	if b, err := hex.DecodeString(key); err != nil || len(b) != 16 {
		return "", evident.ErrorAt(evident.EINVALID, formKeyField, "the form's key is malformed; reload the form")
	}
	return key, nil
}

// once runs h at most once per form key: the first submission claims the
// key, and a later one is redirected where the first went. A submission
// that fails releases the key so the corrected form can be sent again.
func (w *Web) once(rw http.ResponseWriter, r *http.Request, h handlerFunc) error {
	key, err := formKey(r)
	if err != nil {
		return err
	}
	p, signedIn := auth.FromContext(r.Context())
	if key == "" || !signedIn {
		return h(rw, r)
	}
	ctx := r.Context()
	claimed, location, err := w.cfg.Store.ClaimFormKey(ctx, key, p.Actor())
	if err != nil {
		return err
	}
	if !claimed {
		if location == "" {
			return evident.Errorf(evident.ECONFLICT, "this form is still being submitted; open the page again in a moment")
		}
		http.Redirect(rw, r, location, http.StatusSeeOther)
		return nil
	}
	rec := &statusRecorder{ResponseWriter: rw}
	err = h(rec, r)
	if err != nil || rec.status >= 400 {
		if rerr := w.cfg.Store.ReleaseFormKey(ctx, key); rerr != nil {
			w.cfg.Logger.Error("release form key", "err", rerr)
		}
		return err
	}
	location = rec.Header().Get("Location")
	if rec.status < 300 || rec.status >= 400 || location == "" {
		location = sameOriginPath(r.Referer(), r.Host)
	}
	return w.cfg.Store.SetFormKey(ctx, key, location)
}

// sameOriginPath returns the path and query of ref when it is on this
// host, and "/" otherwise: a repeated submission never leaves the site.
func sameOriginPath(ref, host string) string {
	u, err := url.Parse(ref)
	if err != nil || u.Host != host || u.Path == "" || u.Path[0] != '/' {
		return "/"
	}
	return (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String()
}

// statusRecorder notes the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
