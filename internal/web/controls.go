package web

import (
	"net/http"
	"slices"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// listWindows is how many past windows each control's strip shows in the
// list of controls.
const listWindows = 7

// controlRow is a control in the list with its currency and recent windows.
type controlRow struct {
	evident.Control
	Freshness evident.Freshness
	Strip     strip
}

// Controls lists how the program meets its requirements: each control with
// its owner, verification method, cadence, the requirements it covers, its
// evidence currency and a strip of its recent windows' states.
func (w *Web) Controls() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		now := w.now(r.Context())
		pr, err := w.history(r.Context())
		if err != nil {
			return err
		}
		fresh := map[string]evident.Freshness{}
		for _, cs := range pr.Report.Controls {
			fresh[cs.ID] = cs.Freshness
		}
		var rows []controlRow
		for _, c := range pr.In.Model.Controls {
			ci := pr.In.Controls[c.ID]
			st := periodStripW(ci, stripFromN(c, ci.Schedule.Anchor, now, listWindows), now, 160, 16)
			rows = append(rows, controlRow{Control: c, Freshness: fresh[c.ID], Strip: st})
		}
		w.render(rw, r, http.StatusOK, "controls.html", page{Title: "Controls", Nav: "controls", Data: rows})
		return nil
	})
}

type controlPage struct {
	evident.Control
	Requirements []evident.Requirement
	Treats       []evident.Treatment
	Status       readiness.ControlStatus
	Strip        strip
	Evidence     []evident.Evidence // the latest records
	Added        string             // files just stored by the upload form
	ChangeTitles map[string]string  // change id -> what changed, for "stale after"
}

// Control shows one control: narrative, requirements, scope, the
// verification method with its acceptance criteria and performer, its
// evidence currency, a strip of its recent periods with each window's
// state, and its latest evidence.
func (w *Web) Control() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		m, err := w.model(ctx)
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		c := m.ControlByID(id)
		if c == nil {
			return evident.Errorf(evident.ENOTFOUND, "no control %q", id)
		}
		now := w.now(ctx)
		pr, err := w.history(ctx)
		if err != nil {
			return err
		}
		data := controlPage{Control: *c, Added: r.URL.Query().Get("added")}
		if data.ChangeTitles, err = w.changeTitles(ctx); err != nil {
			return err
		}
		ci := pr.In.Controls[id]
		data.Strip = periodStrip(ci, stripFrom(*c, ci.Schedule.Anchor, now), now)
		for _, cs := range pr.Report.Controls {
			if cs.ID == id {
				data.Status = cs
			}
		}
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
		if w.cfg.Ledger != nil {
			data.Evidence, err = w.cfg.Store.ListEvidence(ctx, sqlstore.EvidenceFilter{Control: id, Newest: true, Limit: 10})
			if err != nil {
				return err
			}
		}
		w.render(rw, r, http.StatusOK, "control.html", page{Title: c.Title, Nav: "controls", Data: data})
		return nil
	})
}
