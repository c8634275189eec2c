package web

import (
	"net/http"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// dashboard is what the front page shows: where the program stands.
type dashboard struct {
	Program      evident.Program
	Requirements int
	LedgerSize   int64
}

// Dashboard is the front page: readiness by clause, what is overdue and
// due this week, running incident clocks, stale evidence and the last
// checkpoint.
func (w *Web) Dashboard() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		var d dashboard
		err := w.cfg.Store.Read(r.Context(), func(tx *sqlstore.Tx) error {
			var err error
			if d.Program, err = tx.Program(r.Context()); err != nil {
				return err
			}
			d.LedgerSize, err = tx.LedgerSize(r.Context())
			return err
		})
		if err != nil {
			return err
		}
		reqs, err := w.cfg.Catalog.Requirements(d.Program.Version, d.Program.Overlays...)
		if err != nil {
			return err
		}
		d.Requirements = len(reqs)
		w.render(rw, r, http.StatusOK, "dashboard.html", page{Title: "Dashboard", Nav: "dashboard", Data: d})
		return nil
	})
}
