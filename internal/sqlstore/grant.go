package sqlstore

import (
	"context"
	"time"
)

// Grant is what a reader may see of the records: an assessor's audit
// period [From, To). It travels in the request's context, put there once
// by the authentication middleware, so that the store's read queries, not
// each page or handler, narrow what the web, the API and the pack show. A
// context without a grant reads everything.
//
// The grant narrows records a reader lists or opens by id: evidence by
// its effective time, incidents by their awareness, changes by when they
// took effect. Figures computed "as of" an instant (readiness, tasks)
// read history up to that instant; the caller picks an instant inside the
// grant (Grant.Last).
type Grant struct {
	From, To time.Time
}

type grantKey struct{}

// WithGrant returns ctx narrowed to g for every store read made with it.
func WithGrant(ctx context.Context, g Grant) context.Context {
	return context.WithValue(ctx, grantKey{}, g)
}

// GrantOf returns the grant ctx carries; ok is false when it reads
// everything.
func GrantOf(ctx context.Context) (g Grant, ok bool) {
	g, ok = ctx.Value(grantKey{}).(Grant)
	return g, ok
}

// Contains reports whether instant t falls in [From, To).
func (g Grant) Contains(t time.Time) bool {
	return !t.Before(g.From) && t.Before(g.To)
}

// Overlaps reports whether a span [from, end) falls partly in the grant.
// An instant (end equal to from) overlaps when the grant contains it; a
// span ending exactly at From, or starting exactly at To, does not.
func (g Grant) Overlaps(from, end time.Time) bool {
	if !end.After(from) {
		return g.Contains(from)
	}
	return from.Before(g.To) && end.After(g.From)
}

// Clamp narrows a query's [from, to) (zero: open) to the grant.
func (g Grant) Clamp(from, to time.Time) (time.Time, time.Time) {
	if !g.To.After(g.From) {
		// An empty grant (an assessor given no period) sees nothing;
		// a zero bound would read as open.
		nothing := time.Unix(1, 0).UTC()
		return nothing, nothing
	}
	if from.IsZero() || from.Before(g.From) {
		from = g.From
	}
	if to.IsZero() || to.After(g.To) {
		to = g.To
	}
	return from, to
}

// Last returns the instant a reader with the grant sees as "now": now
// itself while the grant lasts, its last instant once it has ended, and
// its first before it begins.
func (g Grant) Last(now time.Time) time.Time {
	switch {
	case !now.Before(g.To):
		return g.To.Add(-time.Microsecond)
	case now.Before(g.From):
		return g.From
	}
	return now
}
