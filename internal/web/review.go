package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// reviewPage is the review inbox: submissions awaiting the signed-in
// login's decision (or all, filtered), each with its history and forms.
type reviewPage struct {
	Submissions []reviewRow
	Controls    []evident.Control
	Control     string
	Window      string
	State       string
	Mine        bool
	Error       string
	Decided     string // the act just recorded
	States      []string
}

// reviewRow is one submission with what the method asks for.
type reviewRow struct {
	sqlstore.Submission
	Rule string
}

// Reviews renders the inbox. By default it lists what awaits the signed-in
// login; ?state=all&mine=false shows every submission with its history.
func (w *Web) Reviews() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		return w.reviews(rw, r, http.StatusOK, "")
	})
}

func (w *Web) reviews(rw http.ResponseWriter, r *http.Request, status int, errMsg string) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	data := reviewPage{Control: q.Get("control"), Window: q.Get("window"), State: q.Get("state"), Mine: q.Get("mine") != "false",
		Error: errMsg, Decided: q.Get("decided"), States: []string{"pending", "accepted", "rejected", "all"}}
	f := sqlstore.ReviewFilter{Control: data.Control}
	switch data.State {
	case "", string(evident.ReviewPending):
		data.State, f.State = string(evident.ReviewPending), evident.ReviewPending
	case string(evident.ReviewAccepted), string(evident.ReviewRejected):
		f.State = evident.ReviewState(data.State)
	case "all":
	default:
		return evident.ErrorAt(evident.EINVALID, "state", "%q: want pending, accepted, rejected or all", data.State)
	}
	if data.Window != "" {
		win, err := evident.ParseEffectivePeriod(data.Window)
		if err != nil {
			return evident.ErrorAt(evident.EINVALID, "window", "%s", evident.ErrorMessage(err))
		}
		f.From, f.To = win.From, win.To
	}
	if pf, pt := p.Period(); !pf.IsZero() {
		f.From, f.To = maxT(f.From, pf), minT(f.To, pt)
	}
	if data.Mine {
		f.For = p.User.Name
	}
	subs, err := w.cfg.Store.Submissions(r.Context(), f)
	if err != nil {
		return err
	}
	m, err := w.cfg.Store.Model(r.Context())
	if err != nil {
		return err
	}
	for _, c := range m.Controls {
		if c.NeedsReview() {
			data.Controls = append(data.Controls, c)
		}
	}
	for _, s := range subs {
		row := reviewRow{Submission: s}
		if c := m.ControlByID(s.Control); c != nil {
			row.Rule = evident.SubmissionRule(*c)
		}
		data.Submissions = append(data.Submissions, row)
	}
	w.render(rw, r, status, "reviews.html", page{Title: "Reviews", Nav: "reviews", Data: data})
	return nil
}

// Decide records the signed-in login's acceptance or rejection. A refusal
// (the submitter reviewing, a role that may not, missing content) shows
// the inbox again with the reason and the status of the refusal.
func (w *Web) Decide() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		verb := evident.ActVerb(r.PostFormValue("verb"))
		in := sqlstore.ReviewInput{Evidence: r.PathValue("id"), Verb: verb, Reviewer: p.User.Name,
			Reason: strings.TrimSpace(r.PostFormValue("reason")), Control: r.PostFormValue("control")}
		if s := strings.TrimSpace(r.PostFormValue("systems")); s != "" {
			for _, x := range strings.Split(s, ",") {
				if x = strings.TrimSpace(x); x != "" {
					in.Systems = append(in.Systems, x)
				}
			}
		}
		act, err := w.cfg.Ledger.Review(r.Context(), in)
		if err != nil {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			return w.reviews(rw, r, api.Status(err), evident.ErrorMessage(err))
		}
		http.Redirect(rw, r, "/reviews?decided="+url.QueryEscape(act.ID), http.StatusSeeOther)
		return nil
	})
}

// maxT and minT narrow a range to an assessor's period; a zero bound is
// open-ended.
func maxT(a, b time.Time) time.Time {
	if a.IsZero() || b.After(a) {
		return b
	}
	return a
}

func minT(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// submission reads the submission fields of the upload form (the method's
// content for a control verified by a person) and returns the evidence
// detail, nil when the form gives none.
func (w *Web) submission(r *http.Request, vals url.Values, control string, systems []evident.SystemVersion, actor string) ([]byte, error) {
	f := evident.SubmissionFields{Population: strings.TrimSpace(vals.Get("population")), Seed: strings.TrimSpace(vals.Get("seed")),
		Statement: strings.TrimSpace(vals.Get("statement")), Report: strings.TrimSpace(vals.Get("report")),
		Policy: vals.Get("policy"), PolicySHA256: vals.Get("policy_sha256"), Outcome: strings.TrimSpace(vals.Get("outcome")),
		Scenario: strings.TrimSpace(vals.Get("scenario")), Participants: lines(vals.Get("participants")), FollowUps: lines(vals.Get("follow_ups"))}
	if s := strings.TrimSpace(vals.Get("population_size")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, evident.ErrorAt(evident.EINVALID, "population_size", "%q: want a count", s)
		}
		f.PopulationSize = n
	}
	if s := strings.TrimSpace(vals.Get("date")); s != "" {
		t, err := evident.ParseTime(s)
		if err != nil {
			return nil, evident.ErrorAt(evident.EINVALID, "date", "%s", evident.ErrorMessage(err))
		}
		f.Date = t
	}
	var err error
	if f.PopulationItems, err = formItems(vals, "population_file"); err != nil {
		return nil, err
	}
	if f.Sample, err = formItems(vals, "sample_file"); err != nil {
		return nil, err
	}
	m, err := w.model(r.Context())
	if err != nil {
		return nil, err
	}
	c := m.ControlByID(control)
	if c == nil || f.IsZero() {
		return nil, nil
	}
	var names []string
	for _, sv := range systems {
		names = append(names, sv.Name)
	}
	sub := m.Submission(*c, f, names, actor)
	if sub == nil {
		return nil, nil
	}
	return json.Marshal(sub)
}

// formItems reads an uploaded list of items (lines, CSV or a JSON array).
func formItems(vals url.Values, field string) ([]string, error) {
	b := vals.Get(field)
	if b == "" {
		return nil, nil
	}
	return evident.ParseItems([]byte(b), field)
}

// lines splits a text area into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
