package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/evidenthq/evident"
)

// policyRow is a policy with its current version and review state.
type policyRow struct {
	evident.Policy
	Current    evident.PolicyVersion
	HasCurrent bool
	// Approval is the act approving the current version's document, nil
	// when none does; Claimed is the approval date the program file
	// claims, shown as a claim only.
	Approval  *evident.Act
	Claimed   time.Time
	ReviewDue time.Time
	Overdue   bool
	Missing   []evident.ContentItem
}

func policyRowOf(p evident.Policy, acts evident.Approvals, now time.Time) policyRow {
	row := policyRow{Policy: p, ReviewDue: p.ReviewDue(), Missing: p.MissingContent()}
	row.Current, row.HasCurrent = p.Current()
	row.Claimed = row.Current.Approved()
	if a, ok := p.ApprovedVersion(acts); ok {
		row.Approval = &a
	}
	row.Overdue = !row.ReviewDue.IsZero() && row.ReviewDue.Before(now)
	return row
}

// Policies lists the policy stack: each policy's current version, when it
// was approved, when its review is due, and required content it lacks.
func (w *Web) Policies() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		m, err := w.model(r.Context())
		if err != nil {
			return err
		}
		acts, err := w.cfg.Store.ApprovalActs(r.Context(), m, time.Time{})
		if err != nil {
			return err
		}
		var rows []policyRow
		for _, p := range m.Policies {
			rows = append(rows, policyRowOf(p, acts, w.cfg.Store.Now()))
		}
		w.render(rw, r, http.StatusOK, "policies.html", page{Title: "Policies", Nav: "policies", Data: rows})
		return nil
	})
}

type policyPage struct {
	policyRow
	Versions []evident.PolicyVersion // newest first
	Treats   []evident.Treatment
	People   map[string]string // person id -> name, for approvers
}

// Policy shows one policy with every version: its content hash, approvals,
// publication and communication to staff and third parties.
func (w *Web) Policy() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		m, err := w.model(r.Context())
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		p := m.PolicyByID(id)
		if p == nil {
			return evident.Errorf(evident.ENOTFOUND, "no policy %q", id)
		}
		acts, err := w.cfg.Store.ApprovalActs(r.Context(), m, time.Time{})
		if err != nil {
			return err
		}
		data := policyPage{policyRow: policyRowOf(*p, acts, w.cfg.Store.Now()), People: map[string]string{}}
		data.Versions = slices.Clone(p.Versions)
		slices.Reverse(data.Versions)
		for _, t := range m.Treatments {
			if slices.Contains(t.Policies, id) {
				data.Treats = append(data.Treats, t)
			}
		}
		for _, person := range m.People {
			data.People[person.ID] = person.Name
		}
		w.render(rw, r, http.StatusOK, "policy.html", page{Title: p.Title, Nav: "policies", Data: data})
		return nil
	})
}
