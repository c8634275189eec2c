package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

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

// controlsPage is the list of controls with the filters of the URL
// (owner, evidence state, cadence, requirement clause), so a filtered
// list can be bookmarked and shared.
type controlsPage struct {
	Rows                          []controlRow
	Total                         int
	Owner, State, Cadence, Clause string
	Owners, States, Cadences      []string
}

func (p controlsPage) matches(c evident.Control, f evident.Freshness) bool {
	if p.Owner != "" && c.Owner != p.Owner || p.State != "" && string(f.State) != p.State ||
		p.Cadence != "" && fmt.Sprint(c.Cadence) != p.Cadence {
		return false
	}
	if p.Clause == "" {
		return true
	}
	for _, ref := range c.Requirements {
		if cl := clauseOf(string(ref.ID)); cl == p.Clause || strings.HasPrefix(cl, p.Clause+".") {
			return true
		}
	}
	return false
}

// clauseOf is the clause a requirement id names: "7.8" for REQ-7.8-14.
func clauseOf(id string) string {
	_, rest, _ := strings.Cut(id, "-")
	if i := strings.LastIndex(rest, "-"); i >= 0 {
		return rest[:i]
	}
	return rest
}

// addOption adds v to a filter's sorted options once.
func addOption(opts []string, v string) []string {
	if v == "" || slices.Contains(opts, v) {
		return opts
	}
	opts = append(opts, v)
	slices.Sort(opts)
	return opts
}

// Controls lists how the program meets its requirements: each control with
// its owner, verification method, cadence, the requirements it covers, its
// evidence currency and a strip of its recent windows' states.
func (w *Web) Controls() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		pr, err := w.history(r.Context())
		if err != nil {
			return err
		}
		q := r.URL.Query()
		body, err := pr.content("controls.html?"+r.URL.RawQuery, func() (template.HTML, error) {
			return w.renderContent("controls.html", controlsOf(pr, q))
		})
		if err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "controls.html", page{Title: "Controls", Nav: "controls", Program: pr.In.Model.Program.Name, Body: body.html, kept: body})
		return nil
	})
}

// controlsOf is the list of controls filtered by q, each strip judged at
// the instant the state was computed for, like the currency beside it:
// the list is kept with the state (program.content), so nothing in it
// may read the clock.
func controlsOf(pr *program, q url.Values) controlsPage {
	now := pr.In.At
	fresh := map[string]evident.Freshness{}
	for _, cs := range pr.Report.Controls {
		fresh[cs.ID] = cs.Freshness
	}
	data := controlsPage{Owner: q.Get("owner"), State: q.Get("state"), Cadence: q.Get("cadence"), Clause: q.Get("clause"),
		Total: len(pr.In.Model.Controls)}
	for _, c := range pr.In.Model.Controls {
		f := fresh[c.ID]
		data.Owners = addOption(data.Owners, c.Owner)
		data.States = addOption(data.States, string(f.State))
		data.Cadences = addOption(data.Cadences, fmt.Sprint(c.Cadence))
		if !data.matches(c, f) {
			continue
		}
		ci := pr.In.Controls[c.ID]
		st := periodStripW(ci, stripFromN(c, ci.Schedule.Anchor, now, listWindows), now, 160, 16)
		data.Rows = append(data.Rows, controlRow{Control: c, Freshness: f, Strip: st})
	}
	return data
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
	// EvidenceNames names the strip's evidence by file and day received.
	EvidenceNames map[string]string
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
		var ids []string
		for _, cell := range data.Strip.Cells {
			ids = append(ids, cell.Evidence...)
		}
		if data.EvidenceNames, err = w.cfg.Store.EvidenceNames(ctx, ids); err != nil {
			return err
		}
		for _, cs := range pr.Report.Controls {
			if cs.ID == id {
				data.Status = cs
			}
		}
		for _, ref := range c.Requirements {
			req, err := w.cfg.Catalog.Lookup(ref, w.cfg.Catalog.ProgramOverlays(m.Program, m.Services)...)
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
