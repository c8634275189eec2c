package web

import (
	"context"

	"github.com/evidenthq/evident"
)

// model reads the whole program. Pages over the program read it once per
// request: it is small (hundreds of objects) next to the evidence.
func (w *Web) model(ctx context.Context) (*evident.Model, error) {
	return w.cfg.Store.Model(ctx)
}
