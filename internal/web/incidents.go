package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// incidentRow is a register entry with its clocks as of now.
type incidentRow struct {
	evident.Incident
	Clocks []evident.Clock
	Next   *evident.Clock // the running clock due first, for the list
}

func rowOf(inc evident.Incident, now time.Time) incidentRow {
	row := incidentRow{Incident: inc, Clocks: inc.Clocks(now)}
	for i, c := range row.Clocks {
		if c.State == evident.ClockRunning && (row.Next == nil || c.Due.Before(row.Next.Due)) {
			row.Next = &row.Clocks[i]
		}
	}
	return row
}

type incidentsPage struct {
	Rows     []incidentRow
	OpenOnly bool
	Form     incidentForm
}

// Incidents lists the register, most recent first, each with the clock
// due first counting down.
func (w *Web) Incidents() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		return w.incidents(rw, r, http.StatusOK, incidentForm{})
	})
}

func (w *Web) incidents(rw http.ResponseWriter, r *http.Request, status int, form incidentForm) error {
	openOnly := r.URL.Query().Get("open") == "1"
	list, err := w.cfg.Store.Incidents(r.Context(), sqlstore.IncidentFilter{OpenOnly: openOnly})
	if err != nil {
		return err
	}
	now := w.now(r.Context())
	data := incidentsPage{OpenOnly: openOnly, Form: form}
	for _, inc := range list {
		data.Rows = append(data.Rows, rowOf(inc, now))
	}
	if data.Form.AwareAt == "" {
		data.Form.AwareAt = now.Format("2006-01-02T15:04")
	}
	w.render(rw, r, status, "incidents.html", page{Title: "Incidents", Nav: "incidents", Data: data})
	return nil
}

// Incident shows one incident: its clocks with live countdowns, the
// classification history, the timeline and the notifications sent.
func (w *Web) Incident() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		return w.incident(rw, r, http.StatusOK, incidentForms{})
	})
}

// incidentForm is the "open an incident" form as submitted.
type incidentForm struct {
	Kind, Title, Summary, AwareAt, EstimatedStart, Services, Systems string
	Error                                                            string
}

// OpenIncident opens an incident (or vulnerability) from the form. Its
// clocks start at the awareness time given, in UTC.
func (w *Web) OpenIncident() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		f := incidentForm{Kind: r.PostFormValue("kind"), Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"),
			AwareAt: r.PostFormValue("aware_at"), EstimatedStart: r.PostFormValue("estimated_start_at"),
			Services: r.PostFormValue("services"), Systems: r.PostFormValue("systems")}
		inc := evident.Incident{Kind: evident.IncidentKind(f.Kind), Title: f.Title, Summary: f.Summary, Reporter: actor,
			Services: splitNames(f.Services), Systems: splitNames(f.Systems)}
		inc.AwareAt, err = parseFormTime("aware_at", f.AwareAt)
		if err == nil && strings.TrimSpace(f.EstimatedStart) != "" {
			inc.EstimatedStartAt, err = parseFormTime("estimated_start_at", f.EstimatedStart)
		}
		if err == nil {
			inc, err = w.cfg.Store.OpenIncident(r.Context(), inc, actor)
		}
		if err != nil {
			if code := evident.ErrorCode(err); code == evident.EINTERNAL {
				return err
			}
			f.Error = evident.ErrorMessage(err)
			return w.incidents(rw, r, api.Status(err), f)
		}
		http.Redirect(rw, r, "/incidents/"+url.PathEscape(inc.ID), http.StatusSeeOther)
		return nil
	})
}

// parseFormTime reads a datetime-local field (or RFC 3339) as UTC.
func parseFormTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, evident.ErrorAt(evident.EINVALID, field, "%q is not a UTC time such as 2026-11-27T09:30", s)
}

// splitNames reads a comma- or space-separated list of ids.
func splitNames(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
}
