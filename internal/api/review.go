package api

import (
	"encoding/json"
	"net/http"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// reviewRoutes are the review inbox and the decisions on submissions.
// Who may decide (a compliance manager or the control's named reviewer,
// never the submitter) is the store's rule; a refusal is 403 naming it.
func (a *API) reviewRoutes() []Route {
	if a.cfg.Ledger == nil {
		return nil
	}
	decide := "body {\"reason\": TEXT, \"systems\": [NAME], \"control\": ID}: reason is required to reject; systems default to the evidence's, or the control's scope"
	return []Route{
		{Method: "GET", Path: "/api/v1/reviews", Perm: auth.Read, Tag: "reviews", Summary: "submissions for controls verified by a person, newest first, with their acts (an assessor sees their period)",
			Query: []Param{{"control", "only this control"}, {"state", "pending (default), accepted, rejected or all"},
				{"window", "only submissions effective in this period: 2026-Q3, 2026-07 or FROM/TO"}, {"mine", "true: only what the caller may decide"}},
			Handler: a.Reviews()},
		{Method: "POST", Path: "/api/v1/evidence/{id}/accept", Perm: auth.WriteEvidence, Tag: "reviews", Body: "application/json",
			Summary: "accept a submission as the caller's login: " + decide, Handler: a.Decide(evident.ActAccept)},
		{Method: "POST", Path: "/api/v1/evidence/{id}/reject", Perm: auth.WriteEvidence, Tag: "reviews", Body: "application/json",
			Summary: "reject a submission as the caller's login, with a reason: " + decide, Handler: a.Decide(evident.ActReject)},
	}
}

// Reviews lists submissions for the review inbox.
func (a *API) Reviews() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		f := sqlstore.ReviewFilter{Control: q.Get("control"), State: evident.ReviewPending}
		switch s := q.Get("state"); s {
		case "", string(evident.ReviewPending):
		case "all":
			f.State = ""
		case string(evident.ReviewAccepted), string(evident.ReviewRejected):
			f.State = evident.ReviewState(s)
		default:
			return evident.ErrorAt(evident.EINVALID, "state", "%q: want pending, accepted, rejected or all", s)
		}
		if s := q.Get("window"); s != "" {
			win, err := evident.ParseEffectivePeriod(s)
			if err != nil {
				return evident.ErrorAt(evident.EINVALID, "window", "%s", evident.ErrorMessage(err))
			}
			f.From, f.To = win.From, win.To
		}
		// An assessor sees the submissions of their period only.
		if g, ok := sqlstore.GrantOf(r.Context()); ok {
			f.From, f.To = g.Clamp(f.From, f.To)
		}
		if q.Get("mine") == "true" {
			f.For = p.User.Name
		}
		subs, err := a.cfg.Store.Submissions(r.Context(), f)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, List[sqlstore.Submission]{Items: subs})
	})
}

// decision is the body of an accept or reject request.
type decision struct {
	Reason  string   `json:"reason"`
	Systems []string `json:"systems"`
	Control string   `json:"control"`
}

// Decide records the caller's acceptance or rejection of a submission.
// A token acts for its user's login: acts are made by logins.
func (a *API) Decide(verb evident.ActVerb) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var d decision
		if r.ContentLength != 0 {
			if err := decodeJSON(r, &d); err != nil {
				return err
			}
		}
		act, err := a.cfg.Ledger.Review(r.Context(), sqlstore.ReviewInput{Evidence: r.PathValue("id"), Verb: verb,
			Reviewer: p.User.Name, Reason: d.Reason, Systems: d.Systems, Control: d.Control})
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, act)
	})
}

// submission reads the "submission" field of an evidence upload: the
// method's content as JSON (docs/review.md), completed with what the
// server states (the attesting login, the current policy version).
func (a *API) submission(r *http.Request, raw string, in ledger.EvidenceInput) ([]byte, error) {
	var s evident.Submission
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return nil, evident.ErrorAt(evident.EINVALID, "submission", "not a submission object: %v", err)
	}
	m, err := a.programModel(r.Context())
	if err != nil {
		return nil, err
	}
	m.Complete(&s, in.Actor)
	return json.Marshal(s)
}
