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
// n+1. A write is followed by one computation that concurrent readers
// wait for, so a page read after an upload shows the upload.
type stateCache struct {
	mu   sync.Mutex
	size int64
	at   time.Time
	val  *program
}

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
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.val != nil && c.size == size && now.Sub(c.at) < stateTTL && !now.Before(c.at) {
		return c.val, nil
	}
	v, err := compute(ctx)
	if err != nil {
		return nil, err
	}
	c.val, c.size, c.at = v, size, now
	return v, nil
}
