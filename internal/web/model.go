package web

import (
	"context"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// model reads the whole program, shared by the requests made while the
// ledger keeps its size: every change to the program appends to the
// ledger, so a model read at size n is exact until n+1. Reading and
// decoding hundreds of objects was most of a list page's cost at 500
// controls. Pages treat the model as read-only, as the API does.
func (w *Web) model(ctx context.Context) (*evident.Model, error) {
	m, _, err := w.sizedModel(ctx)
	return m, err
}

// sizedModel is model with the ledger size it was read at.
func (w *Web) sizedModel(ctx context.Context) (*evident.Model, int64, error) {
	size, err := w.cfg.Store.LedgerSize(ctx)
	if err != nil {
		return nil, 0, err
	}
	now := w.cfg.Store.Now()
	m, _, err := w.models.Get(ctx, size, now, stateTTL, func(ctx context.Context) (*evident.Model, time.Time, error) {
		m, err := w.cfg.Store.Model(ctx)
		return m, now, err
	})
	return m, size, err
}

// ledgerTTL is how long pages drawn from the ledger alone are kept when
// it does not grow: nothing in them moves with the clock, so the bound is
// only there so that nothing is kept for ever.
const ledgerTTL = time.Hour

// ledgerContents returns the pages' content kept for the ledger at size
// leaves, shared by every reader who reads it whole (a reader with a
// grant is given a fresh one, which keeps nothing for anyone else). Every
// record, verdict, review and deletion appends to the ledger, so a page
// drawn from the ledger alone at size n is exact until n+1.
func (w *Web) ledgerContents(ctx context.Context, size int64) (*contents, error) {
	if _, narrowed := sqlstore.GrantOf(ctx); narrowed {
		return &contents{}, nil
	}
	now := w.cfg.Store.Now()
	c, _, err := w.ledgerPages.Get(ctx, size, now, ledgerTTL, func(context.Context) (*contents, time.Time, error) {
		return &contents{}, now, nil
	})
	return c, err
}
