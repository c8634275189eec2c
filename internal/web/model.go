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
	var size int64
	err := w.cfg.Store.Read(ctx, func(tx *sqlstore.Tx) error {
		var err error
		size, err = tx.LedgerSize(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := w.cfg.Store.Now()
	return w.models.get(ctx, size, now, stateTTL, func(ctx context.Context) (*evident.Model, time.Time, error) {
		m, err := w.cfg.Store.Model(ctx)
		return m, now, err
	})
}
