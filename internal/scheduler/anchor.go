package scheduler

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// anchorLease is the work the anchoring lease covers: one replica asks
// the TSA at a time, so several replicas make one anchor per period.
const anchorLease = "scheduler.anchor"

// AnchorConfig tunes an Anchorer. Zero values take the defaults.
type AnchorConfig struct {
	Ledger *ledger.Ledger
	// TSA is where anchors are asked for, with the roots its answers are
	// checked against.
	TSA    ledger.TSA
	Logger *slog.Logger
	// Holder names this replica in the lease; default a random id.
	Holder string
	// Every is the time between checks; default 1 minute. The schedule
	// itself is the program's anchor_every.
	Every time.Duration
	// Lease is how long a claim lasts; default 3 checks.
	Lease time.Duration
	// MaxBackoff caps the wait between retries of a TSA that failed;
	// default the anchor grace (readiness.AnchorGrace) divided by 4, so
	// a TSA that is down for a moment is asked again well before the
	// anchor turns overdue.
	MaxBackoff time.Duration
	// Now is the clock; default the store's.
	Now func() time.Time
}

// Anchorer time-stamps the ledger's latest checkpoint whenever the
// program's anchoring schedule says one is due. The TSA is asked outside
// any write, so a slow or absent TSA never holds up evidence; a failure
// is retried with a growing wait, and an anchor that stays missing shows
// as an overdue task (readiness.TaskAnchor).
type Anchorer struct {
	cfg AnchorConfig
	st  *sqlstore.Store

	mu       sync.Mutex
	failures int
	retryAt  time.Time
}

// NewAnchorer returns an anchorer with cfg's defaults filled in.
func NewAnchorer(cfg AnchorConfig) *Anchorer {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Holder == "" {
		cfg.Holder = NewHolder()
	}
	if cfg.Every <= 0 {
		cfg.Every = time.Minute
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 3 * cfg.Every
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = readiness.AnchorGrace / 4
	}
	st := cfg.Ledger.Store()
	if cfg.Now == nil {
		cfg.Now = st.Now
	}
	return &Anchorer{cfg: cfg, st: st}
}

// StartAnchorer runs an anchorer until ctx ends or the returned stop
// function is called; stop waits for it to finish.
func StartAnchorer(ctx context.Context, cfg AnchorConfig) (stop func()) {
	a := NewAnchorer(cfg)
	return Go(ctx, func(ctx context.Context) {
		Leased{Store: a.st, Lease: anchorLease, Holder: a.cfg.Holder, Every: a.cfg.Every, Logger: a.cfg.Logger,
			Failed: "scheduled anchor failed", Did: "anchored the ledger"}.Run(ctx, func(ctx context.Context) (int, error) {
			made, err := a.Tick(ctx)
			if made {
				return 1, err
			}
			return 0, err
		})
	})
}

// Tick anchors the latest checkpoint if this replica holds the lease, the
// program's schedule says an anchor is due, and no retry wait is running.
// It reports whether it made an anchor; an error is the TSA's or the
// store's, after which the next try waits 1, 2, 4 ... minutes up to
// MaxBackoff.
func (a *Anchorer) Tick(ctx context.Context) (bool, error) {
	now := a.cfg.Now().UTC()
	a.mu.Lock()
	waiting := now.Before(a.retryAt)
	a.mu.Unlock()
	if waiting {
		return false, nil
	}
	held, err := a.st.Claim(ctx, anchorLease, a.cfg.Holder, a.cfg.Lease)
	if err != nil || !held {
		return false, err
	}
	due, ok, err := a.due(ctx, now)
	if err != nil || !ok || now.Before(due) {
		return false, err
	}
	if _, err := a.cfg.Ledger.Anchor(ctx, Actor, a.cfg.TSA); err != nil {
		a.mu.Lock()
		wait := min(time.Minute<<min(a.failures, 16), a.cfg.MaxBackoff)
		a.failures++
		a.retryAt = now.Add(wait)
		a.mu.Unlock()
		return false, err
	}
	a.mu.Lock()
	a.failures, a.retryAt = 0, time.Time{}
	a.mu.Unlock()
	return true, nil
}

// due reads the program's schedule and the newest anchor, and returns when
// the next anchor is due; ok is false when the program has no schedule.
func (a *Anchorer) due(ctx context.Context, now time.Time) (time.Time, bool, error) {
	var due time.Time
	var ok bool
	err := a.st.Read(ctx, func(tx *sqlstore.Tx) error {
		p, err := tx.Program(ctx)
		if err != nil {
			return err
		}
		as, err := tx.Anchors(ctx)
		if err != nil {
			return err
		}
		var last time.Time
		for _, an := range as {
			if an.CreatedAt.After(last) {
				last = an.CreatedAt
			}
		}
		due, ok = readiness.AnchorDue(p, last)
		return nil
	})
	return due, ok, err
}
