package api

import (
	"net/http"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
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
		reqs, err := a.cfg.Catalog.Filter(catalog.Query{Version: version, Clause: q.Get("clause"), Type: evident.RequirementType(q.Get("type")), Overlays: overlays})
		if err != nil {
			return err
		}
		list, err := pageOf(reqs, pg, func(r evident.Requirement) string { return string(r.ID) })
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, catalogList{Version: version, Count: len(reqs), List: list})
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
// program's version, or ?version=) or by full reference.
func (a *API) Requirement() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		version, _, err := a.programVersion(r, r.URL.Query().Get("version"))
		if err != nil {
			return err
		}
		req, err := a.cfg.Catalog.Resolve(r.PathValue("id"), version)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, req)
	})
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
		m, err := a.cfg.Store.Model(r.Context())
		if err != nil {
			return "", nil, err
		}
		return p.Version, a.cfg.Catalog.ProgramOverlays(p, m.Services), nil
	}
	return a.cfg.Catalog.Latest(), nil, nil
}
