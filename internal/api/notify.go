package api

import (
	"bytes"
	"io"
	"net/http"
	"path"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/ical"
	"github.com/evidenthq/evident/internal/ledger"
)

// notifyRoutes record incident notifications (with the report sent as
// evidence) and serve the task calendar.
func (a *API) notifyRoutes() []Route {
	rs := []Route{{Method: "GET", Path: "/api/v1/calendar.ics", Produces: "text/calendar", Perm: auth.Read, Tag: "readiness",
		Summary: "the tasks as an iCalendar feed, as `evident calendar` writes it", Query: []Param{{"due", "include work due within this span; default 90d"}},
		Handler: a.Calendar()}}
	if a.cfg.Ledger != nil {
		rs = append(rs, Route{Method: "POST", Path: "/api/v1/incidents/{id}/notifications", Perm: auth.Operate, Tag: "incidents", Status: 201, Body: "application/octet-stream",
			Summary: "record a notification sent (meets its clock); the body, if any, is the report sent, kept as evidence in the same transaction",
			Query: []Param{{"to", "recipients, comma-separated: supervisory-body, csirt, customers, public, data-protection-authority, other"},
				{"kind", "early-warning, notification, intermediate-report, progress-report or final-report; default notification"},
				{"at", "when it was sent (RFC 3339); default now"}, {"note", "e.g. the authority's reference"}, {"filename", "the report's file name"}},
			Handler: a.Notify()})
	}
	return rs
}

// Calendar writes the task calendar of now.
func (a *API) Calendar() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		if _, to := p.Period(); !to.IsZero() {
			return evident.Errorf(evident.EFORBIDDEN, "the calendar of coming work is not part of an assessment")
		}
		due := r.URL.Query().Get("due")
		if due == "" {
			due = "90d"
		}
		v, _, err := a.sharedView(r, time.Time{})
		if err != nil {
			return err
		}
		tasks, err := v.tasksDue(due)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := ical.Write(&buf, v.in.Model.Program.Name+" compliance", v.in.At, ical.Events(v.in, tasks)); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		_, err = w.Write(buf.Bytes())
		return err
	})
}

// Notify records a notification, with the report as evidence when the
// body holds one, through ledger.NotifyIncident, the one home of this
// write.
func (a *API) Notify() http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := principal(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		n := evident.Notification{Note: q.Get("note")}
		if n.To, err = evident.ParseRecipients(q.Get("to")); err != nil {
			return evident.ErrorAt(evident.EINVALID, "to", "%s", evident.ErrorMessage(err))
		}
		kind := q.Get("kind")
		if kind == "" {
			kind = "notification"
		}
		if n.Kind, err = evident.ParseNoticeKind(kind); err != nil {
			return evident.ErrorAt(evident.EINVALID, "kind", "%s", evident.ErrorMessage(err))
		}
		if n.SentAt, err = queryTime(q, "at"); err != nil {
			return err
		}
		if n.SentAt.IsZero() {
			n.SentAt = a.cfg.Store.Now().UTC()
		}
		inc, err := a.cfg.Store.Incident(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		body := http.MaxBytesReader(w, r.Body, MaxUpload)
		var first [1]byte
		var report *ledger.SentReport
		if k, _ := io.ReadFull(body, first[:]); k > 0 {
			name := q.Get("filename")
			if name == "" {
				name = "report"
			}
			report = &ledger.SentReport{Filename: path.Base(name), Content: io.MultiReader(bytes.NewReader(first[:]), body)}
		}
		if _, err := a.cfg.Ledger.NotifyIncident(r.Context(), inc.ID, n, report, p.Actor()); err != nil {
			return err
		}
		inc, err = a.cfg.Store.Incident(r.Context(), inc.ID)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, incidentView{inc, inc.Clocks(a.cfg.Store.Now().UTC())})
	})
}
