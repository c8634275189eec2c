// Package scheduler is the background work inside `evident serve`: every
// tick it recomputes each control's periods and records, once, each period
// that was missed, as a ledger record an assessor can see in the audit
// trail. Several replicas may run against one PostgreSQL: each tick is
// claimed with a lease, so one replica does the work at a time, and the
// period outcome's primary key makes a record that slipped through twice
// (a lease that expired mid-tick) roll back instead of duplicating.
package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Actor is who the scheduler's ledger records name.
const Actor = "system:scheduler"

// leaseName is the work the lease covers.
const leaseName = "scheduler.periods"

// Config tunes a scheduler. Zero values take the defaults.
type Config struct {
	Store  *sqlstore.Store
	Logger *slog.Logger
	// Holder names this replica in the lease; default a random id.
	Holder string
	// Every is the time between ticks; default 1 minute.
	Every time.Duration
	// Lease is how long a claim lasts; default 3 ticks, so a replica that
	// dies hands over within a few minutes.
	Lease time.Duration
	// Lookback bounds how far back missed periods are looked for; default
	// 90 days, enough to catch up after a long outage without rereading
	// years of history every tick.
	Lookback time.Duration
	// Now is the clock; default the store's.
	Now func() time.Time
}

// Scheduler records missed periods.
type Scheduler struct {
	cfg Config
}

// New returns a scheduler with cfg's defaults filled in.
func New(cfg Config) *Scheduler {
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
	if cfg.Lookback <= 0 {
		cfg.Lookback = 90 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = cfg.Store.Now
	}
	return &Scheduler{cfg: cfg}
}

// Start runs the scheduler in a goroutine until ctx ends or the returned
// stop function is called; stop waits for the goroutine to exit, so the
// caller can close the store after it.
func Start(ctx context.Context, cfg Config) (stop func()) {
	return Go(ctx, New(cfg).Run)
}

// Run ticks until ctx ends, releasing the lease on the way out so another
// replica takes over at once.
func (s *Scheduler) Run(ctx context.Context) {
	Leased{Store: s.cfg.Store, Lease: leaseName, Holder: s.cfg.Holder, Every: s.cfg.Every, Logger: s.cfg.Logger,
		Failed: "scheduler tick", Did: "recorded missed periods"}.Run(ctx, s.Tick)
}

// Tick does one pass if this replica holds the lease: it recomputes every
// control's periods over the lookback and records each missed one not
// recorded yet. It returns how many it recorded.
func (s *Scheduler) Tick(ctx context.Context) (int, error) {
	held, err := s.cfg.Store.Claim(ctx, leaseName, s.cfg.Holder, s.cfg.Lease)
	if err != nil || !held {
		return 0, err
	}
	at := s.cfg.Now().UTC()
	from := at.Add(-s.cfg.Lookback)
	in, err := readiness.Load(ctx, s.cfg.Store, nil, at, from)
	if err != nil {
		return 0, err
	}
	done, err := s.recorded(ctx, from)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range in.Model.Controls {
		ci := in.Controls[c.ID]
		for _, p := range ci.Schedule.Evaluate(ci.History, from, at, at) {
			if p.State != evident.PeriodMissed || done[key(c.ID, p.Start)] {
				continue
			}
			wrote, err := s.cfg.Store.RecordOutcome(ctx, c.ID, p, Actor)
			if err != nil {
				return n, err
			}
			if wrote {
				n++
			}
		}
	}
	return n, nil
}

// recorded returns the periods already recorded, so a tick writes only
// what is new.
func (s *Scheduler) recorded(ctx context.Context, since time.Time) (map[string]bool, error) {
	done := map[string]bool{}
	err := s.cfg.Store.Read(ctx, func(tx *sqlstore.Tx) error {
		os, err := tx.Outcomes(ctx, since)
		for _, o := range os {
			done[key(o.Control, o.Start)] = true
		}
		return err
	})
	return done, err
}

func key(control string, start time.Time) string { return control + "@" + evident.UTC(start) }
