package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/scheduler"
	"github.com/evidenthq/evident/internal/server"
)

func cmdServe(a *app, args []string) error {
	fs := a.flags("serve")
	addr := fs.String("addr", "127.0.0.1:8319", "address to listen on")
	demo := fs.Bool("demo", false, "start with a temporary data directory holding an example program and a year of generated history")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(a.stderr, nil))
	var login string
	if *demo {
		dir, l, err := a.prepareDemo(logger)
		if dir != "" {
			// The demo is a throwaway: nothing in it outlives the process.
			defer os.RemoveAll(dir)
		}
		if err != nil {
			return err
		}
		login = l
	} else if a.db == "" {
		// A new user's first command must work: with no data directory
		// (and no external database) serve initialises one.
		if _, err := os.Stat(a.dsn()); errors.Is(err, os.ErrNotExist) {
			p, err := a.initialise("", "", nil)
			if err != nil {
				return err
			}
			logger.Info("initialised a new program", "data", a.data, "name", p.Name, "version", p.Version)
		}
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	cat, err := catalog.Load()
	if err != nil {
		return err
	}
	if err := syncCatalog(a, st, cat); err != nil {
		return err
	}
	if _, err := st.Program(a.ctx); err != nil {
		return err
	}
	// The scheduler records missed periods; it stops before the store closes.
	defer scheduler.Start(a.ctx, scheduler.Config{Store: st, Logger: logger})()
	srv, err := server.New(server.Config{Store: st, Catalog: cat, Logger: logger, Now: a.now})
	if err != nil {
		return err
	}
	err = srv.Serve(a.ctx, *addr, func(ad net.Addr) {
		fmt.Fprintf(a.stdout, "Evident is listening on http://%s/\n", ad)
		if login != "" {
			fmt.Fprintf(a.stdout, "Demo login: %s\n", login)
		}
	})
	if err != nil {
		return evident.Errorf(evident.EINVALID, "serve: %v", err)
	}
	logger.Info("stopped")
	return nil
}
