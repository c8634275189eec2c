package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
	"github.com/evidenthq/evident/internal/ledger"
)

// incidentPage is an incident with its clocks and the forms to work it.
type incidentPage struct {
	incidentRow
	StepKinds []evident.StepKind
	NowField  string // the forms' default time, now in UTC
	Step      stepForm
	Classify  classifyForm
	Affected  affectedForm
	Notify    notifyForm
}

// incidentForms are the forms a refused submission shows again as
// submitted; the others are shown fresh from the stored incident.
type incidentForms struct {
	Classify *classifyForm
	Affected *affectedForm
	Notify   *notifyForm
	Step     *stepForm
}

// stepForm is the "add a timeline step" form.
type stepForm struct {
	Kind, When, Note string
	formErrors
}

// notifyForm is the "record a notification sent" form.
type notifyForm struct {
	Recipients []evident.Recipient
	Notices    []evident.NoticeKind
	To         []evident.Recipient // chosen
	Kind       string
	SentAt     string
	Note       string
	formErrors
}

// Sent reports whether r is among the chosen recipients, for the form.
func (f notifyForm) Sent(r evident.Recipient) bool { return slices.Contains(f.To, r) }

var (
	formRecipients = []evident.Recipient{evident.ToSupervisoryBody, evident.ToCSIRT, evident.ToCustomers, evident.ToDataProtection, evident.ToPublic, evident.ToOther}
	formNotices    = []evident.NoticeKind{evident.NoticeEarlyWarning, evident.NoticeNotification, evident.NoticeIntermediate, evident.NoticeProgress, evident.NoticeFinal}
	formSteps      = []evident.StepKind{evident.StepContainment, evident.StepEradication, evident.StepRecovery, evident.StepMitigation, evident.StepClosure, evident.StepReview}
)

// incident renders one incident's page, with a refused form shown again
// as it was submitted.
func (w *Web) incident(rw http.ResponseWriter, r *http.Request, status int, forms incidentForms) error {
	inc, err := w.cfg.Store.Incident(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	m, err := w.model(r.Context())
	if err != nil {
		return err
	}
	now := w.now(r.Context())
	nowField := now.Format("2006-01-02T15:04")
	data := incidentPage{incidentRow: rowOf(inc, now), StepKinds: formSteps, NowField: nowField, Step: stepForm{When: nowField},
		Classify: newClassifyForm(inc), Affected: newAffectedForm(m, inc),
		Notify: notifyForm{Kind: string(evident.NoticeNotification), SentAt: nowField}}
	if forms.Classify != nil {
		data.Classify = *forms.Classify
	}
	if forms.Affected != nil {
		data.Affected = *forms.Affected
	}
	if forms.Notify != nil {
		data.Notify = *forms.Notify
	}
	if forms.Step != nil {
		data.Step = *forms.Step
	}
	data.Notify.Recipients, data.Notify.Notices = formRecipients, formNotices
	w.render(rw, r, status, "incident.html", page{Title: inc.Title, Nav: "incidents", Data: data})
	return nil
}

// NotifyIncident records a notification sent (early warning, notification,
// final report...), which meets the clocks it answers. An attached report
// is stored as evidence about the incident through the ledger's one home
// of this write, as the CLI and the API do.
func (w *Web) NotifyIncident() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		f := notifyForm{}
		refuse := func(err error) error {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			f.refuse(err, "to", "kind", "sent_at", "note", "report")
			if f.Fields["report"] == "" && r.MultipartForm != nil && len(r.MultipartForm.File["report"]) > 0 {
				// A browser cannot be given a file back: say so.
				f.Error = strings.TrimSpace(f.Error + " Nothing was stored: choose the report file again.")
			}
			return w.incident(rw, r, api.Status(err), incidentForms{Notify: &f})
		}
		r.Body = http.MaxBytesReader(rw, r.Body, maxUpload)
		if err := r.ParseMultipartForm(32 << 20); err != nil && err != http.ErrNotMultipart {
			return refuse(evident.ErrorAt(evident.EINVALID, "report", "the form could not be read: %v", err))
		}
		for k, vs := range r.PostForm {
			for _, v := range vs {
				if err := evident.CheckText(k, v); err != nil {
					return refuse(err)
				}
			}
		}
		f.Kind, f.SentAt, f.Note = r.FormValue("kind"), r.FormValue("sent_at"), r.FormValue("note")
		for _, s := range r.Form["to"] {
			f.To = append(f.To, evident.Recipient(s))
		}
		n := evident.Notification{Kind: evident.NoticeKind(f.Kind), Note: strings.TrimSpace(f.Note)}
		if n.To, err = evident.ParseRecipients(strings.Join(r.Form["to"], ",")); err != nil {
			return refuse(evident.ErrorAt(evident.EINVALID, "to", "%s", evident.ErrorMessage(err)))
		}
		if n.Kind, err = evident.ParseNoticeKind(f.Kind); err != nil {
			return refuse(evident.ErrorAt(evident.EINVALID, "kind", "%s", evident.ErrorMessage(err)))
		}
		if n.SentAt, err = parseFormTime("sent_at", f.SentAt); err != nil {
			return refuse(err)
		}
		var report *ledger.SentReport
		if r.MultipartForm != nil && len(r.MultipartForm.File["report"]) > 0 {
			fh := r.MultipartForm.File["report"][0]
			file, err := fh.Open()
			if err != nil {
				return err
			}
			defer file.Close()
			report = &ledger.SentReport{Filename: fh.Filename, Content: file}
		}
		if _, err := w.cfg.Ledger.NotifyIncident(r.Context(), r.PathValue("id"), n, report, actor); err != nil {
			return refuse(err)
		}
		http.Redirect(rw, r, "/incidents/"+url.PathEscape(r.PathValue("id"))+"#clocks", http.StatusSeeOther)
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
		f := stepForm{Kind: r.PostFormValue("kind"), When: r.PostFormValue("at"), Note: r.PostFormValue("note")}
		st := evident.Step{Kind: evident.StepKind(f.Kind), Note: f.Note}
		if st.At, err = parseFormTime("at", f.When); err == nil {
			_, err = w.cfg.Store.AddIncidentStep(r.Context(), id, st, actor)
		}
		if err != nil {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			f.refuse(err, "kind", "at", "note")
			return w.incident(rw, r, api.Status(err), incidentForms{Step: &f})
		}
		http.Redirect(rw, r, "/incidents/"+url.PathEscape(id)+"#timeline", http.StatusSeeOther)
		return nil
	})
}
