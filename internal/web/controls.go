package web

import (
	"net/http"
	"slices"

	"github.com/evidenthq/evident"
)

// Controls lists how the program meets its requirements: each control with
// its owner, verification method, cadence and the requirements it covers.
func (w *Web) Controls() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		m, err := w.model(r.Context())
		if err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "controls.html", page{Title: "Controls", Nav: "controls", Data: m.Controls})
		return nil
	})
}

type controlPage struct {
	evident.Control
	Requirements []evident.Requirement
	Treats       []evident.Treatment
}

// Control shows one control: narrative, requirements, scope, the
// verification method with its acceptance criteria and performer.
func (w *Web) Control() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		m, err := w.model(r.Context())
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		c := m.ControlByID(id)
		if c == nil {
			return evident.Errorf(evident.ENOTFOUND, "no control %q", id)
		}
		data := controlPage{Control: *c}
		for _, ref := range c.Requirements {
			req, err := w.cfg.Catalog.Lookup(ref, m.Program.Overlays...)
			if err != nil {
				req = evident.Requirement{Standard: ref.Standard, Version: ref.Version, ID: ref.ID}
			}
			data.Requirements = append(data.Requirements, req)
		}
		for _, t := range m.Treatments {
			if slices.Contains(t.Controls, id) {
				data.Treats = append(data.Treats, t)
			}
		}
		w.render(rw, r, http.StatusOK, "control.html", page{Title: c.Title, Nav: "controls", Data: data})
		return nil
	})
}
