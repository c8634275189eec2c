package api

import (
	"net/http"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// assessmentRoutes are the engagements, their requests for evidence and
// their findings. Each write decodes its body and calls the store's one
// home for the step, which decides whether the caller's login may make it.
// A token acts as its user's login: every step is an act of that person.
func (a *API) assessmentRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/engagements", Perm: auth.Read, Tag: "assessment", List: true, Summary: "engagements the caller may see, newest period first", Handler: a.Engagements()},
		{Method: "POST", Path: "/api/v1/engagements", Perm: auth.ManageProgram, Tag: "assessment", Body: "application/json", Status: 201,
			Summary: "record an engagement; its assessors' grants become its period", Handler: a.AddEngagement()},
		{Method: "GET", Path: "/api/v1/engagements/{id}", Perm: auth.Read, Tag: "assessment", Summary: "one engagement with its requests and findings", Handler: a.Engagement()},
		{Method: "POST", Path: "/api/v1/engagements/{id}/requests", Perm: auth.Assess, Tag: "assessment", Body: "application/json", Status: 201,
			Summary: "an assessor of the engagement asks for evidence against a requirement, control or period", Handler: a.AddRequest()},
		{Method: "POST", Path: "/api/v1/requests/{id}/steps", Perm: auth.Assess, Tag: "assessment", Body: "application/json", Status: 201,
			Summary: "answer (manager), comment, accept or reopen (assessor) a request", Handler: a.RequestStep()},
		{Method: "POST", Path: "/api/v1/engagements/{id}/findings", Perm: auth.Assess, Tag: "assessment", Body: "application/json", Status: 201,
			Summary: "an assessor of the engagement raises a nonconformity or observation", Handler: a.AddFinding()},
		{Method: "POST", Path: "/api/v1/findings/{id}/steps", Perm: auth.Assess, Tag: "assessment", Body: "application/json", Status: 201,
			Summary: "update the plan or propose closure with evidence (manager), accept or reopen the closure (assessor)", Handler: a.FindingStep()},
	}
}

// Engagements lists the engagements the caller may see.
func (a *API) Engagements() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		es, err := a.cfg.Store.Engagements(r.Context())
		if err != nil {
			return err
		}
		list, err := pageOf(es, pg, func(e evident.Engagement) string { return e.ID })
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list)
	})
}

// Engagement returns one engagement with its requests and findings.
func (a *API) Engagement() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		v, err := a.cfg.Store.EngagementView(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, v)
	})
}

// AddEngagement records an engagement from a JSON evident.Engagement.
func (a *API) AddEngagement() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var e evident.Engagement
		if err := decodeJSON(r, &e); err != nil {
			return err
		}
		if e.ID != "" || !e.RecordedAt.IsZero() || e.Actor != "" {
			return evident.ErrorAt(evident.EINVALID, "body", "id, recorded_at and actor are set by the server")
		}
		e.Actor = p.User.Name
		if e, err = a.cfg.Store.AddEngagement(r.Context(), e); err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, e)
	})
}

// AddRequest raises a request for evidence from a JSON evident.Request
// (requirement, control, from, to, text, due).
func (a *API) AddRequest() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var q evident.Request
		if err := decodeJSON(r, &q); err != nil {
			return err
		}
		if q.ID != "" || q.RaisedBy != "" || len(q.Steps) > 0 {
			return evident.ErrorAt(evident.EINVALID, "body", "id, raised_by and steps are set by the server")
		}
		q.Engagement, q.RaisedBy = r.PathValue("id"), p.User.Name
		if q, err = a.cfg.Store.AddRequest(r.Context(), q); err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, q)
	})
}

// stepRequest is a step's JSON body: its kind, a comment, evidence ids
// and, for a finding, the plan fields.
type stepRequest struct {
	Kind             string   `json:"kind"`
	Text             string   `json:"text"`
	Evidence         []string `json:"evidence"`
	RootCause        string   `json:"root_cause"`
	CorrectiveAction string   `json:"corrective_action"`
	Due              string   `json:"due"`
}

// RequestStep makes one step on a request.
func (a *API) RequestStep() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var s stepRequest
		if err := decodeJSON(r, &s); err != nil {
			return err
		}
		q, err := a.cfg.Store.RequestStep(r.Context(), r.PathValue("id"), evident.AssessmentStep{Kind: s.Kind, Actor: p.User.Name, Text: s.Text, Evidence: s.Evidence})
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, q)
	})
}

// AddFinding raises a finding from a JSON evident.Finding (ref, kind,
// requirements, text, due).
func (a *API) AddFinding() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var f evident.Finding
		if err := decodeJSON(r, &f); err != nil {
			return err
		}
		if f.ID != "" || f.RaisedBy != "" || len(f.Steps) > 0 || len(f.ClosureEvidence) > 0 {
			return evident.ErrorAt(evident.EINVALID, "body", "id, raised_by, steps and closure_evidence are set by the server")
		}
		f.Engagement, f.RaisedBy = r.PathValue("id"), p.User.Name
		if f, err = a.cfg.Store.AddFinding(r.Context(), f); err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, f)
	})
}

// FindingStep makes one step on a finding.
func (a *API) FindingStep() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var s stepRequest
		if err := decodeJSON(r, &s); err != nil {
			return err
		}
		plan := sqlstore.FindingPlan{RootCause: s.RootCause, CorrectiveAction: s.CorrectiveAction}
		if s.Due != "" {
			if plan.Due, err = evident.ParseTime(s.Due); err != nil {
				return evident.ErrorAt(evident.EINVALID, "due", "%q: want an RFC 3339 time", s.Due)
			}
		}
		f, err := a.cfg.Store.FindingStep(r.Context(), r.PathValue("id"), evident.AssessmentStep{Kind: s.Kind, Actor: p.User.Name, Text: s.Text, Evidence: s.Evidence}, plan)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, f)
	})
}
