package main

import (
	"log/slog"
	"os"

	"github.com/evidenthq/evident"
)

// demoName is the example program's name in the demo.
const demoName = "Example QTSP"

// prepareDemo fills a fresh temporary data directory with the example
// program and its generated history, and points the app at it. It returns
// the directory (for removal, even on error) and the login line to print.
func (a *app) prepareDemo(logger *slog.Logger) (dir, login string, err error) {
	if a.db != "" {
		return "", "", evident.Errorf(evident.EINVALID, "serve --demo keeps its own temporary SQLite store; drop --db")
	}
	dir, err = os.MkdirTemp("", "evident-demo-")
	if err != nil {
		return "", "", evident.Errorf(evident.EINTERNAL, "create the demo data directory: %v", err)
	}
	a.data = dir
	p, err := a.initialise(demoName, "", nil)
	if err != nil {
		return dir, "", err
	}
	logger.Info("demo data directory", "data", dir, "program", p.Name, "version", p.Version)
	return dir, "", nil
}
