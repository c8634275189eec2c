package web

import (
	"net/http"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
)

// Home sends the browser to the catalog until the dashboard lands.
func (w *Web) Home() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "/catalog", http.StatusSeeOther)
	})
}

type clauseGroup struct {
	catalog.Clause
	Requirements []evident.Requirement
}

type catalogPage struct {
	Version  string
	Versions []catalog.Version
	Query    string
	Clause   string
	Count    int
	Groups   []clauseGroup
}

// Catalog browses the catalog by clause, with a search over ids and text.
func (w *Web) Catalog() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		version := q.Get("version")
		if version == "" {
			version = w.programVersion(r)
		}
		reqs, err := w.cfg.Catalog.Filter(catalog.Query{Version: version, Clause: q.Get("clause")})
		if err != nil {
			w.render(rw, r, http.StatusBadRequest, "error.html", page{Title: "Bad request", Data: err.Error()})
			return
		}
		clauses, _ := w.cfg.Catalog.Clauses(version)
		search := strings.ToLower(strings.TrimSpace(q.Get("q")))
		byClause := map[string][]evident.Requirement{}
		n := 0
		for _, req := range reqs {
			if search != "" && !strings.Contains(strings.ToLower(string(req.ID)+" "+req.Text+" "+req.ClauseTitle), search) {
				continue
			}
			byClause[req.Clause] = append(byClause[req.Clause], req)
			n++
		}
		data := catalogPage{Version: version, Versions: w.cfg.Catalog.Versions(), Query: q.Get("q"), Clause: q.Get("clause"), Count: n}
		for _, c := range clauses {
			if rs := byClause[c.Number]; len(rs) > 0 {
				data.Groups = append(data.Groups, clauseGroup{Clause: c, Requirements: rs})
			}
		}
		w.render(rw, r, http.StatusOK, "catalog.html", page{Title: "Catalog EN 319 401 V" + version, Data: data})
	})
}

// Requirement shows one requirement with its figures.
func (w *Web) Requirement() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		version := r.URL.Query().Get("version")
		if version == "" {
			version = w.programVersion(r)
		}
		req, err := w.cfg.Catalog.Resolve(r.PathValue("id"), version)
		if err != nil {
			status := http.StatusBadRequest
			if evident.ErrorCode(err) == evident.ENOTFOUND {
				status = http.StatusNotFound
			}
			w.render(rw, r, status, "error.html", page{Title: "Not found", Data: err.Error()})
			return
		}
		w.render(rw, r, http.StatusOK, "requirement.html", page{Title: string(req.ID), Data: req})
	})
}

func (w *Web) programVersion(r *http.Request) string {
	if p, err := w.cfg.Store.Program(r.Context()); err == nil {
		return p.Version
	}
	return w.cfg.Catalog.Latest()
}
