package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// The assessment pages: the engagements, and one engagement with its
// requests and findings and the forms of each side. Every form posts to
// a route that calls the store's one home for the step, then redirects
// back to the engagement (post/redirect/get); a refused step renders the
// page again with the error beside the form, and a 4xx status.

type engagementsPage struct {
	Engagements []evident.Engagement
	Now         time.Time
	Kinds       []evident.EngagementKind
	Services    []evident.Service
	Error       string
}

// Engagements lists the engagements the reader may see, with the days
// left, and a form for a manager to record one.
func (w *Web) Engagements() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		return w.engagements(rw, r, http.StatusOK, "")
	})
}

func (w *Web) engagements(rw http.ResponseWriter, r *http.Request, status int, msg string) error {
	es, err := w.cfg.Store.Engagements(r.Context())
	if err != nil {
		return err
	}
	m, err := w.model(r.Context())
	if err != nil {
		return err
	}
	data := engagementsPage{Engagements: es, Now: w.cfg.Store.Now(), Kinds: evident.EngagementKinds, Services: m.Services, Error: msg}
	w.render(rw, r, status, "engagements.html", page{Title: "Engagements", Nav: "engagements", Data: data})
	return nil
}

// AddEngagement records an engagement from the form.
func (w *Web) AddEngagement() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		e := evident.Engagement{Kind: evident.EngagementKind(r.PostFormValue("kind")), CAB: r.PostFormValue("cab"), Lead: r.PostFormValue("lead"),
			Services: r.PostForm["service"], Assessors: splitNames(r.PostFormValue("assessors")), Actor: actor}
		if e.From, err = parseFormDay("from", r.PostFormValue("from")); err == nil {
			if e.To, err = parseFormDay("to", r.PostFormValue("to")); err == nil {
				e, err = w.cfg.Store.AddEngagement(r.Context(), e)
			}
		}
		if err != nil {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			return w.engagements(rw, r, api.Status(err), evident.ErrorMessage(err))
		}
		http.Redirect(rw, r, "/engagements/"+e.ID, http.StatusSeeOther)
		return nil
	})
}

// engagementPage is one engagement with its requests and findings.
type engagementPage struct {
	sqlstore.EngagementView
	Now time.Time
	// Assessor and Manager say which side's forms the reader gets.
	Assessor, Manager bool
	// Error is a refused step's message, shown beside the form named Form.
	Error, Form string
	Kinds       []evident.FindingKind
}

// Engagement shows one engagement.
func (w *Web) Engagement() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		return w.engagement(rw, r, r.PathValue("id"), http.StatusOK, "", "")
	})
}

func (w *Web) engagement(rw http.ResponseWriter, r *http.Request, id string, status int, form, msg string) error {
	v, err := w.cfg.Store.EngagementView(r.Context(), id)
	if err != nil {
		return err
	}
	p, _ := auth.FromContext(r.Context())
	data := engagementPage{EngagementView: v, Now: w.cfg.Store.Now(), Form: form, Error: msg,
		Kinds:    []evident.FindingKind{evident.FindingMajor, evident.FindingMinor, evident.FindingObservation},
		Assessor: p.User.Role == evident.RoleAssessor && v.Engagement.HasAssessor(p.User.Name),
		Manager:  p.User.Role == evident.RoleAdmin || p.User.Role == evident.RoleComplianceManager}
	w.render(rw, r, status, "engagement.html", page{Title: "Engagement " + v.Engagement.CAB, Nav: "engagements", Data: data})
	return nil
}

// step runs one write for the engagement page: on success it redirects
// back to the engagement's page at anchor, on a refusal it renders the
// page with the message beside form.
func (w *Web) step(rw http.ResponseWriter, r *http.Request, engagement, form string, do func(actor string) (anchor string, err error)) error {
	actor, err := w.actor(r)
	if err != nil {
		return err
	}
	anchor, err := do(actor)
	if err != nil {
		if evident.ErrorCode(err) == evident.EINTERNAL || engagement == "" {
			return err
		}
		return w.engagement(rw, r, engagement, api.Status(err), form, evident.ErrorMessage(err))
	}
	http.Redirect(rw, r, "/engagements/"+engagement+"#"+anchor, http.StatusSeeOther)
	return nil
}

// AddRequest raises a request for evidence from the assessor's form.
func (w *Web) AddRequest() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		return w.step(rw, r, id, "request", func(actor string) (string, error) {
			q := evident.Request{Engagement: id, Control: strings.TrimSpace(r.PostFormValue("control")), Text: r.PostFormValue("text"), RaisedBy: actor}
			if s := strings.TrimSpace(r.PostFormValue("requirement")); s != "" {
				ref, err := w.requirementRef(r, s)
				if err != nil {
					return "", err
				}
				q.Requirement = &ref
			}
			var err error
			if q.Due, err = parseFormDay("due", r.PostFormValue("due")); err != nil {
				return "", err
			}
			q, err = w.cfg.Store.AddRequest(r.Context(), q)
			return "request-" + q.ID, err
		})
	})
}

// RequestStep answers, comments on, accepts or reopens a request.
func (w *Web) RequestStep() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		engagement := r.PostFormValue("engagement")
		return w.step(rw, r, engagement, "request-"+id, func(actor string) (string, error) {
			s := evident.AssessmentStep{Kind: r.PostFormValue("kind"), Actor: actor, Text: r.PostFormValue("text"), Evidence: splitNames(r.PostFormValue("evidence"))}
			q, err := w.cfg.Store.RequestStep(r.Context(), id, s)
			if err == nil && q.Engagement != engagement {
				return "", evident.Errorf(evident.EINVALID, "request %s is not in engagement %s", id, engagement)
			}
			return "request-" + id, err
		})
	})
}

// AddFinding raises a finding from the assessor's form.
func (w *Web) AddFinding() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		return w.step(rw, r, id, "finding", func(actor string) (string, error) {
			f := evident.Finding{Engagement: id, Ref: strings.TrimSpace(r.PostFormValue("ref")), Kind: evident.FindingKind(r.PostFormValue("kind")),
				Text: r.PostFormValue("text"), RaisedBy: actor}
			for _, s := range splitNames(r.PostFormValue("requirements")) {
				ref, err := w.requirementRef(r, s)
				if err != nil {
					return "", err
				}
				f.Requirements = append(f.Requirements, ref)
			}
			f, err := w.cfg.Store.AddFinding(r.Context(), f)
			return "finding-" + f.ID, err
		})
	})
}

// FindingStep updates a finding's plan, proposes its closure, or accepts
// or reopens the closure.
func (w *Web) FindingStep() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		engagement := r.PostFormValue("engagement")
		return w.step(rw, r, engagement, "finding-"+id, func(actor string) (string, error) {
			s := evident.AssessmentStep{Kind: r.PostFormValue("kind"), Actor: actor, Text: r.PostFormValue("text"), Evidence: splitNames(r.PostFormValue("evidence"))}
			plan := sqlstore.FindingPlan{RootCause: r.PostFormValue("root_cause"), CorrectiveAction: r.PostFormValue("corrective_action")}
			if d := r.PostFormValue("due"); d != "" {
				var err error
				if plan.Due, err = parseFormDay("due", d); err != nil {
					return "", err
				}
			}
			f, err := w.cfg.Store.FindingStep(r.Context(), id, s, plan)
			if err == nil && f.Engagement != engagement {
				return "", evident.Errorf(evident.EINVALID, "finding %s is not in engagement %s", id, engagement)
			}
			return "finding-" + id, err
		})
	})
}

// requirementRef reads a requirement as typed in a form: a bare id takes
// the program's version.
func (w *Web) requirementRef(r *http.Request, s string) (evident.RequirementRef, error) {
	m, err := w.model(r.Context())
	if err != nil {
		return evident.RequirementRef{}, err
	}
	ref, err := evident.ParseRequirementRef(s, m.Program.Standard, m.Program.Version)
	if err == nil {
		_, _, _, err = ref.ID.Parts()
	}
	if err != nil {
		return ref, evident.ErrorAt(evident.EINVALID, "requirement", "%s", err.(*evident.Error).Message)
	}
	return ref, nil
}

// parseFormDay reads a date field (2027-03-01), or a time as the other
// forms take it.
func parseFormDay(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, evident.ErrorAt(evident.EINVALID, field, "give a date such as 2027-03-01")
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.UTC); err == nil {
		return t, nil
	}
	return parseFormTime(field, s)
}
