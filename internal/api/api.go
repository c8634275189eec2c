// Package api is Evident's JSON API under /api/v1: handlers return errors,
// and one function maps error codes to HTTP status and a JSON body with a
// stable code, so clients can match on the code rather than the message.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/pack"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Config is what the API needs.
type Config struct {
	Store   *sqlstore.Store
	Catalog *catalog.Catalog
	// Ledger stores evidence; without it the evidence routes are not
	// mounted.
	Ledger *ledger.Ledger
	// Pack is what evidence packs are exported from (it carries the
	// signing key); without it pack export is not mounted.
	Pack   *pack.Source
	Logger *slog.Logger
	Now    func() time.Time
}

// API holds the API's dependencies; its methods return the route handlers.
type API struct {
	cfg Config
}

// New returns the API.
func New(cfg Config) *API { return &API{cfg: cfg} }

// handlerFunc is an API handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (a *API) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// statusOf is the one table from error codes to HTTP status.
var statusOf = map[string]int{
	evident.EINVALID:      http.StatusBadRequest,
	evident.ENOTFOUND:     http.StatusNotFound,
	evident.ECONFLICT:     http.StatusConflict,
	evident.EUNAUTHORIZED: http.StatusUnauthorized,
	evident.EFORBIDDEN:    http.StatusForbidden,
	evident.EFAILED:       http.StatusUnprocessableEntity,
	evident.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorBody is the JSON body of every API error.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := evident.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	var rl *auth.RateLimitError
	if errors.As(err, &rl) {
		status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter/time.Second)))
	}
	var body ErrorBody
	body.Error.Code = code
	body.Error.Message = evident.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		// Internal detail goes to the operator's log, not to the client.
		a.cfg.Logger.Error("api error", "method", r.Method, "path", r.URL.Path, "err", err)
		body.Error.Message = "internal error"
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
