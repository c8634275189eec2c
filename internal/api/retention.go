package api

import (
	"net/http"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
)

// retentionRoutes are the retention plan, its application and legal holds.
// They call the same ledger methods as `evident retention plan|apply|hold|
// release|holds`, so the rule that decides what is kept is written once.
func (a *API) retentionRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/retention", Perm: auth.ManageRetention, Tag: "retention",
			Summary: "the retention plan now: every evidence file kept (and why), due, or deleted by retention", Handler: a.RetentionPlan()},
		{Method: "POST", Path: "/api/v1/retention/apply", Perm: auth.ApplyRetention, Tag: "retention",
			Summary: "delete the evidence files whose retention ended and no hold keeps, each with a signed retention.delete record", Handler: a.ApplyRetention()},
		{Method: "GET", Path: "/api/v1/retention/holds", Perm: auth.ManageRetention, Tag: "retention", List: true,
			Summary: "legal holds, standing and released", Handler: a.Holds()},
		{Method: "POST", Path: "/api/v1/retention/holds", Perm: auth.ManageRetention, Tag: "retention", Body: "application/json", Status: 201,
			Summary: "place a legal hold on one piece of evidence or on an incident's evidence (evidence or incident, reason)", Handler: a.PlaceHold()},
		{Method: "POST", Path: "/api/v1/retention/holds/{id}/release", Perm: auth.ManageRetention, Tag: "retention", Body: "application/json",
			Summary: "release a legal hold (reason)", Handler: a.ReleaseHold()},
	}
}

// RetentionPlan shows what retention would delete now, without acting.
func (a *API) RetentionPlan() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		plan, err := a.cfg.Ledger.Retention(r.Context(), p.Actor(), false)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, plan)
	})
}

// ApplyRetention deletes what the plan says is due and returns what it did.
func (a *API) ApplyRetention() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		plan, err := a.cfg.Ledger.Retention(r.Context(), p.Actor(), true)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, plan)
	})
}

// Holds lists the legal holds.
func (a *API) Holds() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		pg, err := parsePage(r)
		if err != nil {
			return err
		}
		hs, err := a.cfg.Store.Holds(r.Context())
		if err != nil {
			return err
		}
		list, err := pageOf(hs, pg, func(h evident.Hold) string { return h.ID })
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list)
	})
}

// PlaceHold records a legal hold; the server sets its id, time and who
// placed it.
func (a *API) PlaceHold() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var h evident.Hold
		if err := decodeJSON(r, &h); err != nil {
			return err
		}
		if h.ID != "" || !h.Placed.IsZero() || h.PlacedBy != "" || !h.Released.IsZero() {
			return evident.ErrorAt(evident.EINVALID, "body", "id, placed, placed_by and released are set by the server")
		}
		h.PlacedBy = p.Actor()
		h, err = a.cfg.Ledger.PlaceHold(r.Context(), h)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, h)
	})
}

// ReleaseHold ends a legal hold with the reason given.
func (a *API) ReleaseHold() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var body struct {
			Reason string `json:"reason"`
		}
		if err := decodeJSON(r, &body); err != nil {
			return err
		}
		h, err := a.cfg.Ledger.ReleaseHold(r.Context(), r.PathValue("id"), p.Actor(), body.Reason)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, h)
	})
}
