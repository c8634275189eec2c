package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/examples/qtsp"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/demo"
)

// demoUser is a login the demo prints.
type demoUser = demo.User

// prepareDemo fills a fresh temporary data directory with the example
// program and a year of generated history, and points the app at it. It
// returns the directory (for removal, even on error) and the logins.
func (a *app) prepareDemo(logger *slog.Logger) (string, []demoUser, error) {
	if a.db != "" || a.blobs != "" {
		return "", nil, evident.Errorf(evident.EINVALID, "serve --demo keeps its own temporary store; drop --db and --blobs")
	}
	dir, err := demo.TempDir()
	if err != nil {
		return "", nil, evident.Errorf(evident.EINTERNAL, "create the demo data directory: %v", err)
	}
	a.data = dir
	started := time.Now()
	// The history is written with the store's clock moving through the
	// year, so records carry the receipt times a year of use gives them.
	real := a.now
	clock := &demo.Clock{}
	a.now = clock.Now
	defer func() { a.now = real }()
	clock.T = real().UTC().AddDate(-1, 0, 0).Truncate(24 * time.Hour)
	if _, _, err := a.initialise("Example Trust Services", "3.2.1", []string{"eidas-ia-2025"}); err != nil {
		return dir, nil, err
	}
	l, st, err := a.openLedger()
	if err != nil {
		return dir, nil, err
	}
	defer st.Close()
	cat, err := catalog.Load()
	if err != nil {
		return dir, nil, err
	}
	users, err := demo.Generate(a.ctx, demo.Options{Store: st, Ledger: l, Catalog: cat, Clock: clock, Program: qtsp.Files, End: real()})
	if err != nil {
		return dir, nil, fmt.Errorf("generate the demo history: %w", err)
	}
	size, _ := l.Size(a.ctx)
	logger.Info("demo ready", "data", dir, "ledger_records", size, "took", time.Since(started).Round(time.Millisecond))
	return dir, users, nil
}

// printDemoUsers prints one login per role, in a fixed layout the browser
// tests read.
func printDemoUsers(a *app, users []demoUser) {
	fmt.Fprintln(a.stdout, "Demo logins (this run only; the data is deleted on exit):")
	for _, u := range users {
		fmt.Fprintf(a.stdout, "  %-20s user %-6s password %s\n", u.Role, u.Name, u.Password)
	}
	fmt.Fprintln(a.stdout, "Demo ready: sign in as carla (compliance manager) to see everything.")
}
