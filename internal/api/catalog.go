package api

import (
	"fmt"
	"net/http"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Catalog lists requirements: ?version=3.2.1&clause=7.8&type=shall&overlay=...
// The version defaults to the program's version in force.
func (a *API) Catalog() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		version, overlays, err := a.programVersion(r, q.Get("version"))
		if err != nil {
			return err
		}
		if o := q["overlay"]; len(o) > 0 {
			overlays = o
		}
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		cq := catalog.Query{Version: version, Clause: q.Get("clause"), Type: evident.RequirementType(q.Get("type")), Overlays: overlays}
		key := fmt.Sprintf("%q %q %q %q %d %q", cq.Version, cq.Clause, cq.Type, cq.Overlays, pg.limit, pg.after)
		return a.catalogPages.serve(w, nil, key, func() (any, error) {
			reqs, err := a.cfg.Catalog.Filter(cq)
			if err != nil {
				return nil, err
			}
			list, err := pageOf(reqs, pg, func(r evident.Requirement) string { return string(r.ID) })
			if err != nil {
				return nil, err
			}
			return catalogList{Version: version, Count: len(reqs), List: list}, nil
		})
	})
}

// catalogList is a page of requirements with the version they are of and
// how many match in all.
type catalogList struct {
	Version string `json:"version"`
	Count   int    `json:"count"`
	List[evident.Requirement]
}

// Requirement returns one requirement by bare id (resolved against the
// program's version, or ?version=) or by full reference. A requirement of
// the program's version comes adapted by the program's overlays, with its
// legal chain: each act's article that adapted it, for which services,
// the controls carrying it and each control's latest evidence.
func (a *API) Requirement() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		version, overlays, err := a.programVersion(r, r.URL.Query().Get("version"))
		if err != nil {
			return err
		}
		req, err := a.cfg.Catalog.Resolve(r.PathValue("id"), version)
		if err != nil {
			return err
		}
		view := requirementView{Requirement: req}
		p, err := a.cfg.Store.Program(r.Context())
		if err != nil || p.Version != req.Version {
			return writeJSON(w, http.StatusOK, view)
		}
		m, err := a.cfg.Store.Model(r.Context())
		if err != nil {
			return err
		}
		if overlays == nil {
			overlays = a.cfg.Catalog.ProgramOverlays(p, m.Services)
		}
		if view.Requirement, err = a.cfg.Catalog.Lookup(req.Ref(), overlays...); err != nil {
			return err
		}
		law, err := a.cfg.Catalog.LegalChain(p, m.Services, req.Ref())
		if err != nil {
			return err
		}
		view.Law = readiness.Chain(m, law, req.Ref())
		for _, c := range m.ControlsFor(req.Ref()) {
			rc := requirementControl{ID: c.ID, Title: c.Title}
			es, err := a.cfg.Store.ListEvidence(r.Context(), sqlstore.EvidenceFilter{Control: c.ID, Newest: true, Limit: 1})
			if err != nil {
				return err
			}
			if len(es) > 0 {
				rc.Latest = &es[0]
			}
			view.Controls = append(view.Controls, rc)
		}
		return writeJSON(w, http.StatusOK, view)
	})
}

// requirementView is a requirement with its chain, in the program's
// version: "article -> adapted requirement -> controls -> evidence".
type requirementView struct {
	evident.Requirement
	Law      []readiness.ChainLink `json:"law,omitempty"`
	Controls []requirementControl  `json:"controls,omitempty"`
}

// requirementControl is a control meeting the requirement with its latest
// evidence record, nil when it has none.
type requirementControl struct {
	ID     string            `json:"id"`
	Title  string            `json:"title"`
	Latest *evident.Evidence `json:"latest_evidence,omitempty"`
}

// programVersion returns the version asked for, or the program's.
func (a *API) programVersion(r *http.Request, asked string) (string, []string, error) {
	p, err := a.cfg.Store.Program(r.Context())
	if err != nil && evident.ErrorCode(err) != evident.ENOTFOUND {
		return "", nil, err
	}
	if asked != "" {
		return asked, nil, nil
	}
	if p.Version != "" {
		// The overlays follow from the services alone: reading the whole
		// program (every control) was most of a catalog request's time.
		services, err := a.cfg.Store.Services(r.Context())
		if err != nil {
			return "", nil, err
		}
		return p.Version, a.cfg.Catalog.ProgramOverlays(p, services), nil
	}
	return a.cfg.Catalog.Latest(), nil, nil
}
