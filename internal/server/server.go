// Package server mounts the API and the web UI on one HTTP server and runs
// it until its context ends, then shuts down gracefully so in-flight writes
// finish and are acknowledged.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/metrics"
	"github.com/evidenthq/evident/internal/pack"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/web"
)

// Config is what the server needs; cmd/evident builds it.
type Config struct {
	Store   *sqlstore.Store
	Catalog *catalog.Catalog
	// Ledger stores evidence; without it the evidence API is not served.
	Ledger *ledger.Ledger
	// Pack is what the API exports evidence packs from; without it the
	// pack export route is not served.
	Pack   *pack.Source
	Logger *slog.Logger
	// Auth tunes sign-in and sessions; its Store and Logger are filled
	// from the fields above. Every layer reads the store's clock.
	Auth auth.Config
	// Metrics, when set, times every route and is served at /metrics.
	Metrics *metrics.Metrics
}

// Server is the HTTP front of Evident.
type Server struct {
	cfg    Config
	api    *api.API
	web    *web.Web
	auth   *auth.Auth
	routes []RouteInfo // what Handler mounted, for tests and docs
}

// New builds a server from cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// Authentication comes first: the web UI's sign-in page and forms
	// use it.
	ac := cfg.Auth
	ac.Store, ac.Logger = cfg.Store, cfg.Logger
	// A server runs the same reads for every request (its API token,
	// the ledger's size): each is parsed once per connection.
	cfg.Store.KeepStatements()
	a := auth.New(ac)
	// One set of kept figures for the API and the pages: the dashboard
	// and GET /api/v1/readiness show one judgement, computed once.
	figures := readiness.NewFigures(cfg.Store, cfg.Catalog)
	w, err := web.New(web.Config{Store: cfg.Store, Catalog: cfg.Catalog, Ledger: cfg.Ledger, Pack: cfg.Pack, Auth: a, Logger: cfg.Logger, Figures: figures})
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, api: api.New(api.Config{Store: cfg.Store, Catalog: cfg.Catalog, Ledger: cfg.Ledger, Pack: cfg.Pack, Logger: cfg.Logger, Figures: figures}), web: w, auth: a}, nil
}

// Auth returns the server's authentication, for the web UI's sign-in
// page and forms.
func (s *Server) Auth() *auth.Auth { return s.auth }

// SetupToken returns a one-time token for the first-run setup page
// (/setup?token=...) when the store has no user, and "" otherwise; serve
// prints the link on its console.
func (s *Server) SetupToken(ctx context.Context) (string, error) { return s.web.SetupToken(ctx) }

// Serve listens on addr and serves until ctx ends. ready, if not nil, is
// called with the bound address once the listener is open (port 0 picks a
// free port, which tests use).
func (s *Server) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Give in-flight requests time to finish; evidence uploads are the
	// slow ones and they must be acknowledged or rolled back, not cut.
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
