// Package api is Evident's JSON API under /api/v1: handlers return errors,
// and one function maps error codes to HTTP status and a JSON body with a
// stable code, so clients can match on the code rather than the message.
package api

import (
	"context"
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
	"github.com/evidenthq/evident/internal/readiness"
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
	// Figures keeps readiness over a period, shared with the web pages
	// of the same server; New makes one for the API alone when nil.
	Figures *readiness.Figures
	// The clock is the store's (Store.Now), the one clock of every layer.
}

// API holds the API's dependencies; its methods return the route handlers.
type API struct {
	cfg Config
	// Computed values shared by requests; see memo for why they are exact.
	model *memo[*evident.Model]
	gaps  *memo[[]readiness.Gap]
	ready *memo[*readyView]
	// records is the JSON of evidence records already listed.
	records recordJSON
	// catalogPages and modelPages are the JSON of the catalog's and the
	// program's list pages already sent.
	catalogPages, modelPages pages
}

// New returns the API.
func New(cfg Config) *API {
	if cfg.Figures == nil {
		cfg.Figures = readiness.NewFigures(cfg.Store, cfg.Catalog)
	}
	return &API{
		cfg:   cfg,
		model: &memo[*evident.Model]{now: cfg.Store.Now},
		// Gaps compare review dates with today, readiness with this
		// instant: both are recomputed at least this often.
		gaps:  &memo[[]readiness.Gap]{now: cfg.Store.Now, ttl: time.Minute},
		ready: &memo[*readyView]{now: cfg.Store.Now, ttl: 15 * time.Second, stale: time.Minute},
	}
}

// programModel returns the program as of the last write. Handlers share
// it and must not change it.
func (a *API) programModel(ctx context.Context) (*evident.Model, error) {
	return a.model.get(ctx, a.cfg.Store, a.cfg.Store.Model)
}

// handlerFunc is an API handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (a *API) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Answers are per user and often confidential: no cache, shared
		// or private, may keep them.
		w.Header().Set("Cache-Control", "no-store")
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// statusOf is the one table from error codes to HTTP status, for the API
// and the web pages alike (see Status).
var statusOf = map[string]int{
	evident.EINVALID:      http.StatusBadRequest,
	evident.ENOTFOUND:     http.StatusNotFound,
	evident.ECONFLICT:     http.StatusConflict,
	evident.EUNAUTHORIZED: http.StatusUnauthorized,
	evident.EFORBIDDEN:    http.StatusForbidden,
	evident.EFAILED:       http.StatusUnprocessableEntity,
	evident.EINTERNAL:     http.StatusInternalServerError,
	evident.EREFUSED:      http.StatusUnprocessableEntity,
}

// Status returns the HTTP status for err from the one table: unknown
// failures are 500, because only errors raised on purpose blame the input.
func Status(err error) int {
	// A body over its limit is the client's fault like any bad input,
	// but one a client must not retry as is.
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return http.StatusRequestEntityTooLarge
	}
	if status, ok := statusOf[evident.ErrorCode(err)]; ok {
		return status
	}
	return http.StatusInternalServerError
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
	status := Status(err)
	var rl *auth.RateLimitError
	if errors.As(err, &rl) {
		status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter/time.Second)))
	}
	var body ErrorBody
	body.Error.Code = code
	body.Error.Message = evident.ErrorMessage(err)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		body.Error.Code = evident.EINVALID
		body.Error.Message = "request body is larger than " + strconv.FormatInt(tooBig.Limit, 10) + " bytes"
	}
	if status == http.StatusInternalServerError {
		// Internal detail goes to the operator's log, not to the client.
		a.cfg.Logger.Error("api error", "method", r.Method, "path", r.URL.Path, "err", err)
		body.Error.Message = "internal error"
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	// Compact: lists of a thousand records are read by programs, and jq
	// or the browser indent for people.
	return json.NewEncoder(w).Encode(v)
}

// writeEncoded writes JSON encoded before, as writeJSON would have
// written it with status 200: for figures kept with their encoding.
func writeEncoded(w http.ResponseWriter, body []byte) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err := w.Write(body)
	return err
}
