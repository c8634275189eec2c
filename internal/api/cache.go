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
//
// With stale set, a value up to that old is answered at once even when it
// is out of date, while one goroutine computes the new one: for reports
// that take a second over a million records and say the instant they are
// as of (status and tasks "now"), a reader gets the last report instead
// of queueing behind the next.
type memo[T any] struct {
	ttl   time.Duration
	stale time.Duration
	now   func() time.Time
	mu    sync.Mutex // held while computing in the foreground
	size  int64
	at    time.Time
	val   T
	ok    bool

	bg         sync.Mutex // guards refreshing
	refreshing bool
}

func (m *memo[T]) get(ctx context.Context, st *sqlstore.Store, compute func(ctx context.Context) (T, error)) (T, error) {
	size, err := st.LedgerSize(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.ok && m.size == size && (m.ttl == 0 || now.Sub(m.at) < m.ttl) {
		return m.val, nil
	}
	if m.ok && m.stale > 0 && now.Sub(m.at) < m.stale {
		m.refresh(size, compute)
		return m.val, nil
	}
	v, err := compute(ctx)
	if err != nil {
		return v, err
	}
	m.val, m.size, m.at, m.ok = v, size, now, true
	return v, nil
}

// refresh computes the value for ledger size in the background, once at
// a time. The goroutine ends when the computation does, within a minute.
func (m *memo[T]) refresh(size int64, compute func(ctx context.Context) (T, error)) {
	m.bg.Lock()
	defer m.bg.Unlock()
	if m.refreshing {
		return
	}
	m.refreshing = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		start := m.now()
		v, err := compute(ctx)
		m.mu.Lock()
		if err == nil && !start.Before(m.at) {
			m.val, m.size, m.at = v, size, start
		}
		m.mu.Unlock()
		m.bg.Lock()
		m.refreshing = false
		m.bg.Unlock()
	}()
}
