package api

import (
	"net/http"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// approvalRoutes are the management body's inbox and decisions. Every one
// needs the Approve permission: what waits for approval is the approvers'
// work list, and only their own login or token decides (docs/approvals.md).
func (a *API) approvalRoutes() []Route {
	if a.cfg.Ledger == nil {
		return nil
	}
	return []Route{
		{Method: "GET", Path: "/api/v1/approvals", Perm: auth.Approve, Tag: "approvals",
			Summary: "what the management body approves, with the SHA-256 an approval would bind and its state; pending by default",
			Query:   []Param{{"state", "pending (default), approved, rejected or all"}, {"kind", "policy, acceptance, exception, deviation, treatment or soa"}},
			Handler: a.Approvals()},
		{Method: "POST", Path: "/api/v1/approvals", Perm: auth.Approve, Tag: "approvals", Body: "application/json", Status: 201,
			Summary: "approve or reject as the caller's login: body {\"subject\": \"policy/cps@3.1\", \"verb\": \"approve\"|\"reject\", \"comment\": TEXT, \"sha256\": HEX}; sha256, when given, must be the object's current digest",
			Handler: a.Approve()},
	}
}

// Approvals lists the approvals inbox.
func (a *API) Approvals() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		f := sqlstore.ApprovalFilter{State: evident.ApprovalPending}
		switch s := q.Get("state"); s {
		case "", evident.ApprovalPending:
		case "all":
			f.State = ""
		case evident.ApprovalApproved, evident.ApprovalRejected:
			f.State = s
		default:
			return evident.ErrorAt(evident.EINVALID, "state", "%q: want pending, approved, rejected or all", s)
		}
		if k := q.Get("kind"); k != "" {
			kind, err := evident.ApprovalKindOf(k + "/x")
			if err != nil {
				return evident.ErrorAt(evident.EINVALID, "kind", "%q: want policy, acceptance, exception, deviation, treatment or soa", k)
			}
			f.Kind = kind
		}
		items, err := a.cfg.Store.Approvals(r.Context(), f, a.cfg.Store.Now().UTC().Truncate(time.Microsecond))
		if err != nil {
			return err
		}
		if items == nil {
			items = []sqlstore.ApprovalItem{}
		}
		return writeJSON(w, http.StatusOK, List[sqlstore.ApprovalItem]{Items: items})
	})
}

// approvalBody is the body of an approval decision.
type approvalBody struct {
	Subject string          `json:"subject"`
	Verb    evident.ActVerb `json:"verb"`
	Comment string          `json:"comment"`
	SHA256  string          `json:"sha256"`
}

// Approve records the caller's decision. A token acts for its user's
// login: acts are made by logins, and the store checks that login holds
// the approver role.
func (a *API) Approve() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		var b approvalBody
		if err := decodeJSON(r, &b); err != nil {
			return err
		}
		if b.Verb == "" {
			b.Verb = evident.ActApprove
		}
		act, err := a.cfg.Ledger.Approve(r.Context(), sqlstore.ApprovalInput{Subject: b.Subject, Verb: b.Verb,
			Approver: p.User.Name, Comment: b.Comment, SHA256: b.SHA256})
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, act)
	})
}
