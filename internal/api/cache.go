package api

import (
	"context"
	"sync"
	"time"

	"github.com/evidenthq/evident/internal/sqlstore"
)

// memo keeps one computed value (the program model, the readiness input)
// until the ledger grows or it gets older than ttl. The ledger is the
// right key because every change to the program and every piece of
// evidence appends to it (the audit trail is complete by design), so a
// value computed at ledger size n is exact until size n+1. The ttl bounds
// how stale time-dependent values (what is due "now") may get.
//
// One caller computes while the others wait for its result, so a burst of
// requests after a write costs one computation, not fifty.
type memo[T any] struct {
	ttl  time.Duration
	now  func() time.Time
	mu   sync.Mutex // held while computing
	size int64
	at   time.Time
	val  T
	ok   bool
}

func (m *memo[T]) get(ctx context.Context, st *sqlstore.Store, compute func(ctx context.Context) (T, error)) (T, error) {
	var size int64
	if err := st.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		size, err = tx.LedgerSize(ctx)
		return err
	}); err != nil {
		var zero T
		return zero, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.ok && m.size == size && (m.ttl == 0 || now.Sub(m.at) < m.ttl) {
		return m.val, nil
	}
	v, err := compute(ctx)
	if err != nil {
		return v, err
	}
	m.val, m.size, m.at, m.ok = v, size, now, true
	return v, nil
}
