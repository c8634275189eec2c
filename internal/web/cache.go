package web

import (
	"context"
	"time"

	"github.com/evidenthq/evident/internal/kept"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// stateTTL bounds how old the shared readiness may be: what is due "now"
// moves with the clock even when nothing is written.
const stateTTL = 15 * time.Second

// stateCache keeps the program's readiness "now" that the dashboard, the
// requirement index and the task list share. It is exact until the ledger
// grows: every change to the program and every piece of evidence appends
// to the ledger, so a report computed at ledger size n holds until size
// n+1.
type stateCache struct{ kept.Flight[*program] }

// periodTTL bounds how old the dashboard's readiness over a period may be
// when nothing has been written. A window turns due, overdue or missed
// with the clock alone, and such states are judged at read time, never
// kept for long: the same bound as the shared state "now". Readers never
// wait for a recomputation that only time asked for (flight hands them
// the last figure while one reader computes the next), so over a million
// records the cost is one computation per ttl, not a slower page.
const periodTTL = stateTTL

// get returns the cached state, computing it when the ledger has grown or
// the state is older than stateTTL.
func (c *stateCache) get(ctx context.Context, st *sqlstore.Store, now time.Time, compute func(context.Context) (*program, error)) (*program, error) {
	size, err := st.LedgerSize(ctx)
	if err != nil {
		return nil, err
	}
	return c.getAt(ctx, size, now, compute)
}

// getAt is get for a ledger of size leaves, read by the caller with what
// else it reads.
func (c *stateCache) getAt(ctx context.Context, size int64, now time.Time, compute func(context.Context) (*program, error)) (*program, error) {
	v, _, err := c.Flight.Get(ctx, size, now, stateTTL, func(ctx context.Context) (*program, time.Time, error) {
		v, err := compute(ctx)
		return v, now, err
	})
	return v, err
}
