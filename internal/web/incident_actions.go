package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/ledger"
)

// incidentPage is an incident with its clocks and the forms to work it.
type incidentPage struct {
	incidentRow
	Error      string
	Recipients []evident.Recipient
	Notices    []evident.NoticeKind
	StepKinds  []evident.StepKind
	NowField   string // the forms' default time, now in UTC
}

var (
	formRecipients = []evident.Recipient{evident.ToSupervisoryBody, evident.ToCSIRT, evident.ToCustomers, evident.ToDataProtection, evident.ToPublic, evident.ToOther}
	formNotices    = []evident.NoticeKind{evident.NoticeEarlyWarning, evident.NoticeNotification, evident.NoticeIntermediate, evident.NoticeProgress, evident.NoticeFinal}
	formSteps      = []evident.StepKind{evident.StepContainment, evident.StepEradication, evident.StepRecovery, evident.StepMitigation, evident.StepClosure, evident.StepReview}
)

// incident renders one incident's page with an optional form error.
func (w *Web) incident(rw http.ResponseWriter, r *http.Request, status int, errMsg string) error {
	inc, err := w.cfg.Store.Incident(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	now := w.now(r.Context())
	data := incidentPage{incidentRow: rowOf(inc, now), Error: errMsg, Recipients: formRecipients, Notices: formNotices,
		StepKinds: formSteps, NowField: now.Format("2006-01-02T15:04")}
	w.render(rw, r, status, "incident.html", page{Title: inc.Title, Nav: "incidents", Data: data})
	return nil
}

// formError shows a refused form on the incident's page; internal errors
// go to the error page.
func (w *Web) formError(rw http.ResponseWriter, r *http.Request, err error) error {
	if evident.ErrorCode(err) == evident.EINTERNAL {
		return err
	}
	return w.incident(rw, r, api.Status(err), evident.ErrorMessage(err))
}

// NotifyIncident records a notification sent (early warning, notification,
// final report...), which meets the clocks it answers. An attached report
// is stored as evidence about the incident in the same transaction.
func (w *Web) NotifyIncident() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		if err := r.ParseMultipartForm(32 << 20); err != nil && err != http.ErrNotMultipart {
			return w.formError(rw, r, evident.Errorf(evident.EINVALID, "the form could not be read: %v", err))
		}
		id := r.PathValue("id")
		n := evident.Notification{Kind: evident.NoticeKind(r.FormValue("kind")), Note: strings.TrimSpace(r.FormValue("note"))}
		to, err := evident.ParseRecipients(strings.Join(r.Form["to"], ","))
		if err != nil {
			return w.formError(rw, r, err)
		}
		n.To = to
		if n.SentAt, err = parseFormTime("sent_at", r.FormValue("sent_at")); err != nil {
			return w.formError(rw, r, err)
		}
		var report *evident.Evidence
		if r.MultipartForm != nil && len(r.MultipartForm.File["report"]) > 0 {
			fh := r.MultipartForm.File["report"][0]
			f, err := fh.Open()
			if err != nil {
				return err
			}
			defer f.Close()
			// The register files the report about the incident itself.
			in := ledger.EvidenceInput{Actor: actor, Filename: fh.Filename}
			ev, err := w.cfg.Ledger.Prepare(r.Context(), in, f)
			if err != nil {
				return w.formError(rw, r, err)
			}
			report = &ev
		}
		if _, err := w.cfg.Store.NotifyIncident(r.Context(), id, n, report, actor); err != nil {
			return w.formError(rw, r, err)
		}
		if report != nil {
			// The report's record must be under a signed checkpoint
			// before anyone asks for its proof.
			if _, err := w.cfg.Ledger.Checkpoint(r.Context()); err != nil {
				return err
			}
		}
		http.Redirect(rw, r, "/incidents/"+url.PathEscape(id)+"#clocks", http.StatusSeeOther)
		return nil
	})
}

// AddIncidentStep records a timeline step; closure closes the incident.
func (w *Web) AddIncidentStep() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		st := evident.Step{Kind: evident.StepKind(r.PostFormValue("kind")), Note: r.PostFormValue("note")}
		if st.At, err = parseFormTime("at", r.PostFormValue("at")); err != nil {
			return w.formError(rw, r, err)
		}
		if _, err := w.cfg.Store.AddIncidentStep(r.Context(), id, st, actor); err != nil {
			return w.formError(rw, r, err)
		}
		http.Redirect(rw, r, "/incidents/"+url.PathEscape(id)+"#timeline", http.StatusSeeOther)
		return nil
	})
}
