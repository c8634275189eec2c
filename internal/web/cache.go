package web

import (
	"context"
	"sync"
	"time"

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
type stateCache struct{ flight[*program] }

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
	var size int64
	err := st.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		size, err = tx.LedgerSize(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return c.getAt(ctx, size, now, compute)
}

// getAt is get for a ledger of size leaves, read by the caller with what
// else it reads.
func (c *stateCache) getAt(ctx context.Context, size int64, now time.Time, compute func(context.Context) (*program, error)) (*program, error) {
	return c.flight.get(ctx, size, now, stateTTL, func(ctx context.Context) (*program, time.Time, error) {
		v, err := compute(ctx)
		return v, now, err
	})
}

// flight holds one value computed from the ledger at a size and judged at
// an instant, and runs at most one computation of it at a time.
//
// A reader that finds the ledger larger than the value's size waits for
// the computation under way (or starts it): a page read after a write
// shows the write, and a hundred readers arriving after it cost one
// computation, not a hundred. A reader that finds the value merely older
// than its ttl, with nothing written since, is given it while one reader
// computes the next: what changes with time alone moves on at the next
// request, and nobody waits for it.
type flight[T any] struct {
	mu   sync.Mutex
	val  T
	ok   bool
	size int64
	at   time.Time
	busy chan struct{} // closed when the computation under way ends; nil when none
}

// get returns the value for a ledger of size leaves at instant now,
// computing it with compute (which returns the value and the instant it
// judged) when the held one does not hold: the ledger has grown, or the
// value was judged ttl or more away from now.
func (f *flight[T]) get(ctx context.Context, size int64, now time.Time, ttl time.Duration, compute func(context.Context) (T, time.Time, error)) (T, error) {
	for {
		f.mu.Lock()
		fresh := f.ok && f.size == size && within(now, f.at, ttl)
		if fresh || (f.ok && f.size == size && f.busy != nil) {
			v := f.val
			f.mu.Unlock()
			return v, nil
		}
		if f.busy == nil {
			done := make(chan struct{})
			f.busy = done
			f.mu.Unlock()
			v, at, err := compute(ctx)
			f.mu.Lock()
			if err == nil && (!f.ok || size > f.size || (size == f.size && at.After(f.at))) {
				f.val, f.ok, f.size, f.at = v, true, size, at
			}
			f.busy = nil
			close(done)
			f.mu.Unlock()
			return v, err
		}
		wait := f.busy
		f.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
}

// within reports whether a value judged at at may stand for instant now:
// less than ttl apart, either way (another replica may have judged a
// moment later than this one's clock reads).
func within(now, at time.Time, ttl time.Duration) bool {
	d := now.Sub(at)
	return d < ttl && d > -ttl
}
