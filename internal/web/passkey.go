package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/auth"
)

// Passkey ceremonies are the web UI's only JSON exchanges: the browser's
// WebAuthn API needs script, which fetches the options and posts the
// device's answer. Everything else about passkeys (the list, removal) is
// plain HTML forms.

// maxPasskeyRequest bounds a ceremony's request body: an answer is a few
// kilobytes.
const maxPasskeyRequest = 64 << 10

// passkeyRequest is what the page's script posts with a device's answer.
type passkeyRequest struct {
	Label      string          `json:"label"`
	Next       string          `json:"next"`
	Credential json.RawMessage `json:"credential"`
}

// passkeyJSON handles one ceremony request, answering JSON: the result,
// or {"error": ...} with the status of the error.
func (w *Web) passkeyJSON(h func(rw http.ResponseWriter, r *http.Request, req passkeyRequest) (any, error)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		out, err := func() (any, error) {
			var req passkeyRequest
			if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
				return nil, evident.Errorf(evident.EINVALID, "send the request as application/json")
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, maxPasskeyRequest+1))
			if err != nil {
				return nil, err
			}
			if len(body) > maxPasskeyRequest {
				return nil, evident.Errorf(evident.EINVALID, "the request is larger than %d bytes", maxPasskeyRequest)
			}
			if len(body) > 0 {
				if err := json.Unmarshal(body, &req); err != nil {
					return nil, evident.ErrorAt(evident.EINVALID, "body", "not JSON: %v", err)
				}
			}
			return h(rw, r, req)
		}()
		rw.Header().Set("Content-Type", "application/json")
		rw.Header().Set("Cache-Control", "no-store")
		if err != nil {
			status := api.Status(err)
			var rl *auth.RateLimitError
			if errors.As(err, &rl) {
				status = http.StatusTooManyRequests
				rw.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter/time.Second)))
			}
			msg := evident.ErrorMessage(err)
			if status == 0 || status == http.StatusInternalServerError {
				w.cfg.Logger.Error("passkey request", "path", r.URL.Path, "err", err)
				status, msg = http.StatusInternalServerError, "internal error: see the server log"
			}
			rw.WriteHeader(status)
			json.NewEncoder(rw).Encode(map[string]string{"error": msg})
			return
		}
		if raw, ok := out.(json.RawMessage); ok {
			rw.Write(raw)
			return
		}
		json.NewEncoder(rw).Encode(out)
	})
}

// PasskeyOptions starts adding a passkey to the signed-in user's account.
func (w *Web) PasskeyOptions() http.Handler {
	return w.passkeyJSON(func(rw http.ResponseWriter, r *http.Request, _ passkeyRequest) (any, error) {
		p, err := principal(r)
		if err != nil {
			return nil, err
		}
		return w.cfg.Auth.BeginPasskeyRegistration(rw, r, p.User.Name)
	})
}

// AddPasskey registers the device's answer as a passkey of the signed-in
// user; the page then reloads the account page.
func (w *Web) AddPasskey() http.Handler {
	return w.passkeyJSON(func(rw http.ResponseWriter, r *http.Request, req passkeyRequest) (any, error) {
		p, err := principal(r)
		if err != nil {
			return nil, err
		}
		k, err := w.cfg.Auth.FinishPasskeyRegistration(rw, r, p.User.Name, req.Label, req.Credential)
		if err != nil {
			return nil, err
		}
		return map[string]string{"id": k.ID, "next": auth.AccountPath}, nil
	})
}

// RemovePasskey removes one of the signed-in user's passkeys.
func (w *Web) RemovePasskey() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		if err := w.cfg.Store.RemovePasskey(r.Context(), p.User.Name, r.PostFormValue("id"), p.User.Name); err != nil {
			return err
		}
		http.Redirect(rw, r, auth.AccountPath, http.StatusSeeOther)
		return nil
	})
}

// PasskeyLoginOptions starts a passkey sign-in.
func (w *Web) PasskeyLoginOptions() http.Handler {
	return w.passkeyJSON(func(rw http.ResponseWriter, r *http.Request, _ passkeyRequest) (any, error) {
		return w.cfg.Auth.BeginPasskeyLogin(rw, r)
	})
}

// PasskeyLogin signs in with the device's answer and tells the page
// where to go.
func (w *Web) PasskeyLogin() http.Handler {
	return w.passkeyJSON(func(rw http.ResponseWriter, r *http.Request, req passkeyRequest) (any, error) {
		if _, err := w.cfg.Auth.PasskeyLogin(rw, r, req.Credential); err != nil {
			return nil, err
		}
		return map[string]string{"next": localPath(req.Next)}, nil
	})
}
