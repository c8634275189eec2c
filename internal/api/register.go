package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// registerRoutes are the gaps report, the incident register and changes.
func (a *API) registerRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/gaps", Perm: auth.Read, Tag: "readiness", List: true, Summary: "what the program is missing, as `evident gaps` reports it", Handler: a.Gaps()},
		{Method: "GET", Path: "/api/v1/incidents", Perm: auth.Read, Tag: "incidents", List: true, Summary: "the incident register, most recent awareness first",
			Query: []Param{{"open", "true: only open incidents"}, {"kind", "incident or vulnerability"}}, Handler: a.Incidents()},
		{Method: "GET", Path: "/api/v1/incidents/clocks", Perm: auth.Read, Tag: "incidents", List: true, Summary: "incidents with a running, missed or late clock, most urgent first", Handler: a.IncidentClocks()},
		{Method: "GET", Path: "/api/v1/incidents/{id}", Perm: auth.Read, Tag: "incidents", Summary: "one incident with its clocks now", Handler: a.Incident()},
		{Method: "POST", Path: "/api/v1/incidents", Perm: auth.Operate, Tag: "incidents", Body: "application/json", Status: 201, Summary: "open an incident or vulnerability; its clocks start at aware_at", Handler: a.OpenIncident()},
		{Method: "PATCH", Path: "/api/v1/incidents/{id}", Perm: auth.Operate, Tag: "incidents", Body: "application/json", Summary: "update an incident's description, scope or root cause", Handler: a.UpdateIncident()},
		{Method: "POST", Path: "/api/v1/incidents/{id}/classification", Perm: auth.Operate, Tag: "incidents", Body: "application/json",
			Summary: "classify (or reclassify) an incident: severity, category, impact; significance is computed from the REQ-7.9.3-07 criteria and every classification is kept", Handler: a.ClassifyIncident()},
		{Method: "POST", Path: "/api/v1/incidents/{id}/steps", Perm: auth.Operate, Tag: "incidents", Body: "application/json", Status: 201,
			Summary: "record a timeline step: containment, eradication, recovery, mitigation, closure or review", Handler: a.IncidentStep()},
		{Method: "GET", Path: "/api/v1/changes", Perm: auth.Read, Tag: "changes", List: true, Summary: "recorded changes, in the order they took effect", Handler: a.Changes()},
		{Method: "POST", Path: "/api/v1/changes", Perm: auth.Operate, Tag: "changes", Body: "application/json", Status: 201, Summary: "record a change to a system, service or supplier; a significant one opens review tasks", Handler: a.AddChange()},
	}
}

// Gaps reports what the program is missing now.
func (a *API) Gaps() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		gaps, err := a.gaps.get(r.Context(), a.cfg.Store, func(ctx context.Context) ([]readiness.Gap, error) {
			// The same input as the status report, so a risk treated by a
			// failing control is a gap here as it is there.
			in, err := a.loadReadiness(ctx, a.cfg.Store.Now().UTC().Truncate(time.Microsecond), time.Time{})
			if err != nil {
				return nil, err
			}
			return readiness.Gaps(in), nil
		})
		if err != nil {
			return err
		}
		// Gaps have no id of their own; their position in the (stable)
		// report is the key.
		type numbered struct {
			n int
			g readiness.Gap
		}
		ns := make([]numbered, len(gaps))
		for i, g := range gaps {
			ns[i] = numbered{i, g}
		}
		list, err := pageOf(ns, pg, func(x numbered) string { return strconv.Itoa(x.n) })
		if err != nil {
			return err
		}
		out := List[readiness.Gap]{Items: make([]readiness.Gap, len(list.Items)), NextCursor: list.NextCursor}
		for i, x := range list.Items {
			out.Items[i] = x.g
		}
		return writeJSON(w, http.StatusOK, out)
	})
}

// incidentView is an incident with its clocks as of the request.
type incidentView struct {
	evident.Incident
	Clocks []evident.Clock `json:"clocks"`
}

// Incidents lists the register.
func (a *API) Incidents() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		f := sqlstore.IncidentFilter{OpenOnly: q.Get("open") == "true", Kind: evident.IncidentKind(q.Get("kind"))}
		incs, err := a.cfg.Store.Incidents(r.Context(), f)
		if err != nil {
			return err
		}
		list, err := pageOf(incs, pg, func(i evident.Incident) string { return i.ID })
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list)
	})
}

// IncidentClocks lists the incidents whose clocks need attention.
func (a *API) IncidentClocks() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		ics, err := a.cfg.Store.IncidentClocks(r.Context(), a.cfg.Store.Now().UTC())
		if err != nil {
			return err
		}
		list, err := pageOf(ics, pg, func(i evident.IncidentClocks) string { return i.Incident.ID })
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list)
	})
}

// Incident shows one incident with its clocks.
func (a *API) Incident() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		inc, err := a.cfg.Store.Incident(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, incidentView{inc, inc.Clocks(a.cfg.Store.Now().UTC())})
	})
}

// OpenIncident opens an incident from a JSON body with the fields of an
// incident (kind, title, summary, reporter, detected_at, aware_at,
// estimated_start_at, services, systems, personal_data,
// customers_affected). Qualifications are read from the program, not
// taken from the body.
func (a *API) OpenIncident() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var inc evident.Incident
		if err := decodeJSON(r, &inc); err != nil {
			return err
		}
		if inc.Reporter == "" {
			inc.Reporter = p.Actor()
		}
		inc, err = a.cfg.Store.OpenIncident(r.Context(), inc, p.Actor())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, incidentView{inc, inc.Clocks(a.cfg.Store.Now().UTC())})
	})
}

// UpdateIncident changes the fields given in the JSON body.
func (a *API) UpdateIncident() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var u evident.IncidentUpdate
		if err := decodeJSON(r, &u); err != nil {
			return err
		}
		inc, err := a.cfg.Store.UpdateIncident(r.Context(), r.PathValue("id"), u, p.Actor())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, incidentView{inc, inc.Clocks(a.cfg.Store.Now().UTC())})
	})
}

// changeResult is a recorded change and the tasks it opened.
type changeResult struct {
	Change evident.Change       `json:"change"`
	Tasks  []evident.ChangeTask `json:"tasks"`
}

// AddChange records a change from a JSON body (system, service or
// supplier; version; significant; summary; at).
func (a *API) AddChange() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var c evident.Change
		if err := decodeJSON(r, &c); err != nil {
			return err
		}
		if c.ID != "" || !c.RecordedAt.IsZero() || c.Actor != "" {
			return evident.ErrorAt(evident.EINVALID, "body", "id, recorded_at and actor are set by the server")
		}
		c.Actor = p.Actor()
		c, tasks, err := a.cfg.Store.AddChange(r.Context(), c)
		if err != nil {
			return err
		}
		if tasks == nil {
			tasks = []evident.ChangeTask{}
		}
		return writeJSON(w, http.StatusCreated, changeResult{c, tasks})
	})
}

// Changes lists recorded changes.
func (a *API) Changes() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		cs, err := a.cfg.Store.Changes(r.Context())
		if err != nil {
			return err
		}
		list, err := pageOf(cs, pg, func(c evident.Change) string { return c.ID })
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list)
	})
}

// classifyRequest is a classification and, optionally, the root cause.
type classifyRequest struct {
	evident.Classification
	RootCause string `json:"root_cause"`
}

// ClassifyIncident records a classification.
func (a *API) ClassifyIncident() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var q classifyRequest
		if err := decodeJSON(r, &q); err != nil {
			return err
		}
		if q.Actor != "" || q.Ledger != 0 || len(q.Reasons) > 0 {
			return evident.ErrorAt(evident.EINVALID, "body", "actor, ledger_index and reasons are set by the server")
		}
		inc, err := a.cfg.Store.ClassifyIncident(r.Context(), r.PathValue("id"), q.Classification, q.RootCause, p.Actor())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, incidentView{inc, inc.Clocks(a.cfg.Store.Now().UTC())})
	})
}

// IncidentStep records a timeline step.
func (a *API) IncidentStep() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var st evident.Step
		if err := decodeJSON(r, &st); err != nil {
			return err
		}
		if st.ID != "" || st.Actor != "" || st.Ledger != 0 || !st.RecordedAt.IsZero() {
			return evident.ErrorAt(evident.EINVALID, "body", "id, actor, recorded_at and ledger_index are set by the server")
		}
		if _, err := evident.ParseStepKind(string(st.Kind)); err != nil {
			return evident.ErrorAt(evident.EINVALID, "kind", "%s", evident.ErrorMessage(err))
		}
		st, err = a.cfg.Store.AddIncidentStep(r.Context(), r.PathValue("id"), st, p.Actor())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, st)
	})
}
