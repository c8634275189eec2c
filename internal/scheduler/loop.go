package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/evidenthq/evident/internal/sqlstore"
)

// NewHolder returns a random name for this replica in a lease, so two
// replicas never take each other's claim for their own.
func NewHolder() string {
	var b [8]byte
	rand.Read(b[:])
	return "replica-" + hex.EncodeToString(b[:])
}

// Go runs fn in a goroutine until ctx ends or the returned stop function
// is called; stop waits for fn to return, so the caller can close the
// store after it.
func Go(ctx context.Context, fn func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		fn(ctx)
	}()
	return func() { cancel(); wg.Wait() }
}

// Leased is the loop every background job of `serve` runs: tick at once
// and then every Every until ctx ends, log a failed tick and a tick that
// did something, and release the job's lease on the way out so another
// replica takes over at once. The tick itself claims the lease, so only
// one replica works at a time.
type Leased struct {
	Store  *sqlstore.Store
	Lease  string // the lease's name
	Holder string // this replica
	Every  time.Duration
	Logger *slog.Logger
	// Failed and Did are the log messages of a failed tick and of a tick
	// that did n things.
	Failed, Did string
}

// Run ticks until ctx ends.
func (l Leased) Run(ctx context.Context, tick func(context.Context) (int, error)) {
	t := time.NewTicker(l.Every)
	defer t.Stop()
	defer l.Store.Release(context.WithoutCancel(ctx), l.Lease, l.Holder)
	for {
		if n, err := tick(ctx); err != nil && ctx.Err() == nil {
			l.Logger.Error(l.Failed, "err", err)
		} else if n > 0 {
			l.Logger.Info(l.Did, "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
