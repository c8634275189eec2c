// Package kept holds figures computed from the store, such as readiness
// over a million records, that several readers ask for at once: each is
// computed once per ledger size and kept until the ledger grows or, for
// what moves with the clock alone, until it is a few seconds old.
//
// It knows nothing of what it keeps. The ledger's size is the key because
// every write appends to it: a figure computed at size n holds until n+1.
package kept

import (
	"context"
	"sync"
	"time"
)

// Flight holds one value computed from the ledger at a size and judged at
// an instant, and runs at most one computation of it at a time.
//
// A reader that finds the ledger larger than the value's size waits for
// the computation under way (or starts it): a page read after a write
// shows the write, and a hundred readers arriving after it cost one
// computation, not a hundred. A reader that finds the value merely older
// than its ttl, with nothing written since, is given it while one reader
// computes the next: what changes with time alone moves on at the next
// request, and nobody waits for it.
//
// The zero Flight is empty and ready to use.
type Flight[T any] struct {
	mu   sync.Mutex
	val  T
	ok   bool
	size int64
	at   time.Time
	busy chan struct{} // closed when the computation under way ends; nil when none
}

// Get returns the value for a ledger of size leaves at instant now,
// computing it with compute (which returns the value and the instant it
// judged) when the held one does not hold: the ledger has grown, or the
// value was judged ttl or more away from now. The instant returned is the
// one the value was judged at.
func (f *Flight[T]) Get(ctx context.Context, size int64, now time.Time, ttl time.Duration, compute func(context.Context) (T, time.Time, error)) (T, time.Time, error) {
	for {
		f.mu.Lock()
		fresh := f.ok && f.size == size && Within(now, f.at, ttl)
		if fresh || (f.ok && f.size == size && f.busy != nil) {
			v, at := f.val, f.at
			f.mu.Unlock()
			return v, at, nil
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
			return v, at, err
		}
		wait := f.busy
		f.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			var zero T
			return zero, time.Time{}, ctx.Err()
		}
	}
}

// Within reports whether a value judged at at may stand for instant now:
// less than ttl apart, either way (another replica may have judged a
// moment later than this one's clock reads).
func Within(now, at time.Time, ttl time.Duration) bool {
	d := now.Sub(at)
	return d < ttl && d > -ttl
}

// Keyed holds one Flight per key, for figures that readers ask for with a
// query of their choosing (a range, an instant). It holds at most MaxKeys
// keys: past that it starts afresh, since readers choose keys freely and
// a few (the default query) are asked for far more than any other.
//
// The zero Keyed is empty and ready to use.
type Keyed[T any] struct {
	mu    sync.Mutex
	byKey map[string]*Flight[T]
}

// MaxKeys is how many keys a Keyed holds at once.
const MaxKeys = 64

// Of returns the flight of key, made empty when there is none.
func (k *Keyed[T]) Of(key string) *Flight[T] {
	k.mu.Lock()
	defer k.mu.Unlock()
	if f, ok := k.byKey[key]; ok {
		return f
	}
	if k.byKey == nil || len(k.byKey) >= MaxKeys {
		k.byKey = map[string]*Flight[T]{}
	}
	f := &Flight[T]{}
	k.byKey[key] = f
	return f
}
