package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/metrics"
	"github.com/evidenthq/evident/internal/pack"
	"github.com/evidenthq/evident/internal/scheduler"
	"github.com/evidenthq/evident/internal/server"
)

// jobs is how a replica runs its background jobs: the name it holds
// their leases under and how often they run.
type jobs struct {
	holder string
	every  time.Duration
}

// jobsConfig reads --jobs-every: empty is the jobs' own default (a
// minute); anything else must be a duration of a second or more, as a
// job that runs more often would spend its time claiming its lease.
func jobsConfig(every string) (jobs, error) {
	j := jobs{holder: scheduler.NewHolder(), every: time.Minute}
	if every == "" {
		return j, nil
	}
	d, err := time.ParseDuration(every)
	if err != nil || d < time.Second {
		return j, evident.ErrorAt(evident.EINVALID, "jobs-every", "%q is not a duration of 1s or more, such as 1m or 30s", every)
	}
	j.every = d
	return j, nil
}

func cmdServe(a *app, args []string) error {
	flags := a.flags("serve")
	addr := flags.String("addr", "127.0.0.1:8319", "address to listen on")
	demo := flags.Bool("demo", false, "start with a temporary data directory holding the example program and a year of generated history")
	insecure := flags.Bool("insecure-cookies", false, "send session cookies without the Secure flag, for plain HTTP on an address other than localhost")
	publicURL := flags.String("public-url", a.getenv("EVIDENT_PUBLIC_URL"), "the `URL` browsers reach the server at, e.g. https://evident.example.org; passkeys are bound to it (EVIDENT_PUBLIC_URL; default: each request's own origin)")
	anchorTSA := flags.String("anchor-tsa", a.getenv("EVIDENT_ANCHOR_TSA"), "RFC 3161 TSA `URL` that time-stamps the ledger on the program's anchor_every schedule (EVIDENT_ANCHOR_TSA)")
	rootsPath := flags.String("tsa-roots", "", "PEM `file` of the anchoring TSA's root certificates (default DATA/tsa-roots.pem)")
	jobsEvery := flags.String("jobs-every", a.getenv("EVIDENT_JOBS_EVERY"), "how often the background jobs (missed periods, notifications, anchoring) run, as a Go `duration`; each replica holds a job's lease for three runs, so one that dies hands its jobs over within that (EVIDENT_JOBS_EVERY; default 1m)")
	if _, err := a.parse(flags, args); err != nil {
		return err
	}
	jobs, err := jobsConfig(*jobsEvery)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(a.stderr, nil))
	var demoUsers []demoUser
	if *demo {
		dir, users, err := a.prepareDemo(logger)
		if dir != "" {
			// The demo is a throwaway: nothing in it outlives the process.
			defer os.RemoveAll(dir)
		}
		if err != nil {
			return err
		}
		demoUsers = users
	} else if a.db == "" {
		// A new user's first command must work: with no data directory
		// (and no external database) serve initialises one.
		if _, err := os.Stat(a.dsn()); errors.Is(err, os.ErrNotExist) {
			p, recovery, err := a.initialise("", "", nil)
			if err != nil {
				return err
			}
			logger.Info("initialised a new program", "data", a.data, "name", p.Name, "version", p.Version)
			// Shown once, on the terminal rather than in the log.
			fmt.Fprintf(a.stderr, "Recovery key, shown only this once; print it and store it apart (evident key recover):\n%s\n", recovery)
		}
	}
	cfg, closeStore, err := a.serverConfig(logger)
	if err != nil {
		return err
	}
	defer closeStore()
	// The scheduler records missed periods in the ledger while the server
	// runs; it stops (and releases its lease) before the store closes.
	logger.Info("background jobs run under leases shared with any other replica", "holder", jobs.holder, "every", jobs.every.String())
	stopScheduler := scheduler.Start(a.ctx, scheduler.Config{Store: cfg.Store, Logger: logger, Now: a.now, Holder: jobs.holder, Every: jobs.every})
	defer stopScheduler()
	stopAnchorer, err := a.startAnchoring(cfg, logger, *anchorTSA, *rootsPath, jobs)
	if err != nil {
		return err
	}
	defer stopAnchorer()
	// Witnesses see every new checkpoint (EVIDENT_WITNESSES), so a store
	// rolled back after they saw it cannot go unnoticed.
	stopWitnessing, err := a.startWitnessing(cfg.Ledger, logger)
	if err != nil {
		return err
	}
	defer stopWitnessing()
	cfg.Auth = auth.Config{InsecureCookies: *insecure, PublicURL: strings.TrimSuffix(*publicURL, "/")}
	// The notifier sends clock warnings, tasks and verdicts by e-mail and
	// webhook; like the scheduler it stops before the store closes.
	stopNotifier, err := a.startNotifier(cfg, logger, jobs)
	if err != nil {
		return err
	}
	defer stopNotifier()
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	if err := a.enableOIDC(srv); err != nil {
		return err
	}
	// With no user yet, nobody could sign in: a one-time link on the
	// console lets whoever started the server make the first administrator.
	setupToken, err := srv.SetupToken(a.ctx)
	if err != nil {
		return err
	}
	err = srv.Serve(a.ctx, *addr, func(ad net.Addr) {
		fmt.Fprintf(a.stdout, "Evident is listening on http://%s/\n", ad)
		if len(demoUsers) > 0 {
			printDemoUsers(a, demoUsers)
		}
		if setupToken != "" {
			fmt.Fprintf(a.stdout, "No user yet. Open this one-time link to create the first administrator:\n  http://%s/setup?token=%s\n", ad, setupToken)
		}
	})
	if err != nil {
		return evident.Errorf(evident.EINVALID, "serve: %v", err)
	}
	logger.Info("stopped")
	return nil
}

// serverConfig opens what the server serves: the store with the catalog
// synced, the ledger (read-only without a readable signing key) and the
// pack source. The returned function closes the store.
func (a *app) serverConfig(logger *slog.Logger) (server.Config, func(), error) {
	m := metrics.New()
	a.wrapBlobs = m.Blobs
	l, st, err := a.openLedger()
	if err != nil {
		return server.Config{}, nil, err
	}
	fail := func(err error) (server.Config, func(), error) { st.Close(); return server.Config{}, nil, err }
	// A single upload is durable with one flush; the server settles the
	// files as it goes (see ledger.DeferSmallBlobs).
	l.DeferSmallBlobs()
	cat, err := catalog.Load()
	if err != nil {
		return fail(err)
	}
	if err := syncCatalog(a, st, cat); err != nil {
		return fail(err)
	}
	if _, err := st.Program(a.ctx); err != nil {
		return fail(err)
	}
	m.Watch(st, st.Now, logger)
	cfg := server.Config{Store: st, Catalog: cat, Ledger: l, Logger: logger, Metrics: m}
	signer, _, err := a.ledgerKeys()
	if err != nil {
		return fail(err)
	}
	if signer != nil {
		pub, err := os.ReadFile(filepath.Join(a.data, verifierFile))
		if err != nil {
			return fail(err)
		}
		src := &pack.Source{Ledger: l, Signer: signer, Key: strings.TrimSpace(string(pub)), Catalog: cat}
		if src.TSARoots, err = os.ReadFile(filepath.Join(a.data, tsaRootsFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fail(err)
		}
		cfg.Pack = src
	}
	return cfg, func() {
		// Deferred blobs get their files on a clean stop, so the next
		// command finds nothing to settle. The context may be
		// cancelled by the stop itself: this one is not.
		if err := l.Settle(context.WithoutCancel(a.ctx)); err != nil {
			logger.Error("write deferred evidence blobs", "err", err)
		}
		st.Close()
	}, nil
}

// startAnchoring runs the scheduled anchoring of the ledger when serve is
// given a TSA: the program's anchor_every says when, the TSA's answers are
// checked against its roots. Without a TSA nothing is asked, and a program
// that has a schedule is told at start that its anchors will show as
// overdue tasks.
func (a *app) startAnchoring(cfg server.Config, logger *slog.Logger, url, rootsPath string, j jobs) (func(), error) {
	p, err := cfg.Store.Program(a.ctx)
	if err != nil {
		return nil, err
	}
	if url == "" {
		if p.AnchorEvery.Amount > 0 {
			logger.Warn("the program asks for an anchor every " + p.AnchorEvery.String() + " but serve has no --anchor-tsa: anchors will be missed and show as overdue tasks")
		}
		return func() {}, nil
	}
	if cfg.Pack == nil {
		return nil, evident.ErrorAt(evident.EINVALID, "--anchor-tsa", "anchoring signs a checkpoint, and this data directory has no readable ledger signing key")
	}
	roots, path, err := a.tsaRoots(rootsPath)
	if err != nil {
		return nil, err
	}
	if roots == nil {
		return nil, evident.ErrorAt(evident.EINVALID, "--tsa-roots", "--anchor-tsa needs the TSA's root certificates, so its answers can be checked")
	}
	if err := a.keepTSARoots(path); err != nil {
		return nil, err
	}
	if p.AnchorEvery.Amount <= 0 {
		logger.Warn("--anchor-tsa is set but the program has no anchor_every: nothing will be anchored until program.yaml says how often")
	}
	return scheduler.StartAnchorer(a.ctx, scheduler.AnchorConfig{Ledger: cfg.Ledger, TSA: ledger.TSA{URL: url, Roots: roots}, Logger: logger, Now: a.now,
		Holder: j.holder, Every: j.every}), nil
}
