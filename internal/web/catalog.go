package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// reqRow is one requirement of the index with its place in the chain:
// applicability, the controls that meet it, and its status.
type reqRow struct {
	evident.Statement
	Status string // a readiness status key, e.g. "verified", "not-addressed"
}

type clauseGroup struct {
	catalog.Clause
	Rows []reqRow
}

type catalogPage struct {
	Version  string
	Versions []catalog.Version
	Types    []evident.RequirementType
	Statuses []series
	Query    string
	Clause   string
	Type     string
	Status   string
	Count    int
	Groups   []clauseGroup
}

// requirementTypes are the types one can filter the index by.
var requirementTypes = []evident.RequirementType{evident.Shall, evident.Should, evident.May, evident.Conditional, evident.Proportion, evident.Choice}

// Catalog is the requirement index: the requirements of the program's
// version by clause, each with its applicability, the controls that meet
// it and its status, filtered by clause, type, status or free text.
func (w *Web) Catalog() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		pr, err := w.state(r.Context(), time.Time{})
		if err != nil {
			return err
		}
		version := q.Get("version")
		if version == "" {
			version = pr.In.Model.Program.Version
		}
		body, err := pr.content("catalog.html?"+r.URL.RawQuery, func() (template.HTML, error) {
			data, err := w.catalogOf(pr, q, version)
			if err != nil {
				return "", err
			}
			return w.renderContent("catalog.html", data)
		})
		if err != nil {
			return err
		}
		w.render(rw, r, http.StatusOK, "catalog.html", page{Title: "Requirements EN 319 401 V" + version, Nav: "requirements", Program: pr.In.Model.Program.Name, Body: body.html, kept: body})
		return nil
	})
}

// catalogOf is the requirement index of version filtered by q, with each
// requirement's status in the state pr. It is kept with the state
// (program.content), so it reads nothing else.
func (w *Web) catalogOf(pr *program, q url.Values, version string) (catalogPage, error) {
	m := pr.In.Model
	query := catalog.Query{Version: version, Clause: q.Get("clause"), Type: evident.RequirementType(q.Get("type"))}
	if version == m.Program.Version {
		query.Overlays = w.cfg.Catalog.ProgramOverlays(m.Program, m.Services)
	}
	reqs, err := w.cfg.Catalog.Filter(query)
	if err != nil {
		return catalogPage{}, err
	}
	status := q.Get("status")
	if status != "" && !slices.ContainsFunc(statusSeries, func(s series) bool { return s.Key == status }) {
		return catalogPage{}, evident.ErrorAt(evident.EINVALID, "status", "unknown status %q", status)
	}
	rows := pr.statusRows(reqs)
	clauses, err := w.cfg.Catalog.Clauses(version)
	if err != nil {
		return catalogPage{}, err
	}
	search := strings.ToLower(strings.TrimSpace(q.Get("q")))
	byClause := map[string][]reqRow{}
	data := catalogPage{Version: version, Versions: w.cfg.Catalog.Versions(), Types: requirementTypes, Statuses: statusSeries,
		Query: q.Get("q"), Clause: q.Get("clause"), Type: q.Get("type"), Status: status}
	for _, row := range rows {
		req := row.Requirement
		if search != "" && !strings.Contains(strings.ToLower(string(req.ID)+" "+req.Text+" "+req.ClauseTitle+" "+strings.Join(row.Controls, " ")), search) {
			continue
		}
		if status != "" && row.Status != status {
			continue
		}
		byClause[req.Clause] = append(byClause[req.Clause], row)
		data.Count++
	}
	for _, c := range clauses {
		if rs := byClause[c.Number]; len(rs) > 0 {
			data.Groups = append(data.Groups, clauseGroup{Clause: c, Rows: rs})
		}
	}
	return data, nil
}

type requirementPage struct {
	reqRow
	Controls []controlLink
	Evidence []evident.Evidence // the latest records of its controls
	InForce  bool               // the requirement is of the program's version
	Program  string
	// Gaps are the open gaps that concern the requirement: while any is
	// open it is not verified, and the page says why.
	Gaps []readiness.Gap
	// Law is the chain from each act's article that adapted the
	// requirement, for the services it covers, to the controls carrying
	// it and their latest evidence (LatestOf).
	Law      []readiness.ChainLink
	LatestOf map[string]*evident.Evidence
}

// controlLink is a control meeting a requirement, with its currency.
type controlLink struct {
	evident.Control
	Freshness evident.Freshness
}

// Requirement shows one requirement with its figures and its chain: its
// applicability and the controls that meet it.
func (w *Web) Requirement() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		pr, err := w.state(r.Context(), time.Time{})
		if err != nil {
			return err
		}
		m := pr.In.Model
		version := r.URL.Query().Get("version")
		if version == "" {
			version = m.Program.Version
		}
		req, err := w.cfg.Catalog.Resolve(r.PathValue("id"), version)
		if err != nil {
			return err
		}
		if req.Version == m.Program.Version {
			// The program's overlays may adapt the requirement's text.
			if adapted, err := w.cfg.Catalog.Lookup(req.Ref(), w.cfg.Catalog.ProgramOverlays(m.Program, m.Services)...); err == nil {
				req = adapted
			}
		}
		rows := pr.statusRows([]evident.Requirement{req})
		data := requirementPage{reqRow: rows[0], InForce: req.Version == m.Program.Version, Program: m.Program.Version}
		fresh := map[string]evident.Freshness{}
		for _, cs := range pr.Report.Controls {
			fresh[cs.ID] = cs.Freshness
		}
		for _, g := range pr.Report.Gaps {
			if slices.Contains(g.Requirements, req.Ref().String()) {
				data.Gaps = append(data.Gaps, g)
			}
		}
		if data.InForce {
			law, err := w.cfg.Catalog.LegalChain(m.Program, m.Services, req.Ref())
			if err != nil {
				return err
			}
			data.Law = readiness.Chain(m, law, req.Ref())
		}
		data.LatestOf = map[string]*evident.Evidence{}
		for _, c := range m.ControlsFor(req.Ref()) {
			data.Controls = append(data.Controls, controlLink{Control: c, Freshness: fresh[c.ID]})
			if w.cfg.Ledger == nil {
				continue
			}
			es, err := w.cfg.Store.ListEvidence(r.Context(), sqlstore.EvidenceFilter{Control: c.ID, Newest: true, Limit: 3})
			if err != nil {
				return err
			}
			if len(es) > 0 {
				data.LatestOf[c.ID] = &es[0]
			}
			data.Evidence = append(data.Evidence, es...)
		}
		w.render(rw, r, http.StatusOK, "requirement.html", page{Title: string(req.ID), Nav: "requirements", Data: data})
		return nil
	})
}
