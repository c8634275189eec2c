package web

import (
	"net/http"
	"time"

	"github.com/evidenthq/evident"
)

// supplierRow is a supplier with its review state worked out.
type supplierRow struct {
	evident.Supplier
	NextReview time.Time
	Overdue    bool
}

type scopePage struct {
	Model     *evident.Model
	Suppliers []supplierRow
}

// Scope shows what the program covers: services, systems, network zones
// with their allowed flows, suppliers with their review dates, and the
// trusted roles.
func (w *Web) Scope() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		m, err := w.model(r.Context())
		if err != nil {
			return err
		}
		now := w.cfg.Store.Now()
		data := scopePage{Model: m}
		for _, s := range m.Suppliers {
			next := s.NextReview()
			data.Suppliers = append(data.Suppliers, supplierRow{Supplier: s, NextReview: next, Overdue: !next.IsZero() && next.Before(now)})
		}
		w.render(rw, r, http.StatusOK, "scope.html", page{Title: "Scope", Nav: "scope", Data: data})
		return nil
	})
}
