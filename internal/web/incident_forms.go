package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/api"
)

// formErrors holds a refused form's message next to the field the error
// names (evident.Error.Where), or above the form when it names none the
// form shows, so the user sees where to look and keeps what they typed.
type formErrors struct {
	Error  string            // a refusal that names no field of the form
	Fields map[string]string // field name -> message
}

// refuse files err under the field it names when fields holds it.
func (f *formErrors) refuse(err error, fields ...string) {
	msg := evident.ErrorMessage(err)
	var e *evident.Error
	if errors.As(err, &e) {
		// "services[2]" is the services list; "--to" is the to field.
		name, _, _ := strings.Cut(strings.TrimPrefix(e.Where, "--"), "[")
		if slices.Contains(fields, name) {
			if f.Fields == nil {
				f.Fields = map[string]string{}
			}
			// Next to its field the message needs no "where".
			f.Fields[name] = e.Message
			return
		}
	}
	f.Error = msg
}

// At returns the message for one field, for the template.
func (f formErrors) At(field string) string { return f.Fields[field] }

// impactField is one significance criterion of REQ-7.9.3-07 as a form
// field: a figure or a yes/no, named as evident.Impact names it in JSON
// so a refusal of Impact.Validate lands next to its input.
type impactField struct {
	Name, Label, Hint string
	Number            bool
	Value             string // a number as typed
	Checked           bool
}

// classifyForm is the classification form as shown or as submitted.
type classifyForm struct {
	Severity, Category, RootCause, Note string
	Declared                            bool
	Figures, Flags                      []impactField
	Severities                          []evident.Severity
	Categories                          []string
	formErrors
}

// classifyFields are the form's field names that are not impact figures.
var classifyFields = []string{"severity", "category", "root_cause", "note"}

// impactFields lays out the criteria with the incident's own thresholds
// (its rules snapshot) in the hints, so the form says what each bar is
// without a copy of the figures.
func impactFields(th evident.Thresholds, im evident.Impact) (figures, flags []impactField) {
	f := func(v float64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	i := func(v int64) string { return f(float64(v)) }
	figures = []impactField{
		{Name: "financial_loss_eur", Label: "Direct financial loss (EUR)", Value: f(im.FinancialLossEUR),
			Hint: fmt.Sprintf("significant above EUR %s or %s %% of annual turnover, whichever is lower", f(th.LossEUR), f(th.LossTurnoverPercent))},
		{Name: "annual_turnover_eur", Label: "Annual turnover (EUR)", Value: f(im.AnnualTurnoverEUR),
			Hint: "for the turnover share of the loss rule; empty if not known"},
		{Name: "full_outage_minutes", Label: "Longest full outage of the service (minutes)", Value: f(im.FullOutageMinutes),
			Hint: fmt.Sprintf("significant above %s minutes", f(th.FullOutageMinutes))},
		{Name: "weekly_unavailable_minutes", Label: "Unavailability in the worst calendar week (minutes)", Value: f(im.WeeklyUnavailableMinutes),
			Hint: fmt.Sprintf("significant above %s minutes", f(th.WeeklyUnavailableMin))},
		{Name: "users_total", Label: "Users and relying parties of the service in the EU", Value: i(im.UsersTotal),
			Hint: "contract customers plus the persons of business customers; for the percentage rules; empty if not known"},
		{Name: "users_limited_availability", Label: "Users who had limited availability", Value: i(im.UsersLimitedAvailability),
			Hint: fmt.Sprintf("significant above %s users or %s %% of users, whichever is lower", f(th.UsersCount), f(th.UsersPercent))},
		{Name: "users_compromised", Label: "Users whose data or service lost integrity, confidentiality or authenticity", Value: i(im.UsersCompromised),
			Hint: fmt.Sprintf("significant above %s users or %s %% of users, whichever is lower", f(th.CompromisedCount), f(th.CompromisedPercent))},
	}
	for k := range figures {
		figures[k].Number = true
	}
	flags = []impactField{
		{Name: "trade_secrets", Label: "Trade secrets were exfiltrated", Checked: im.TradeSecrets},
		{Name: "death", Label: "A person died", Checked: im.Death},
		{Name: "health_damage", Label: "A person's health was considerably damaged", Checked: im.HealthDamage},
		{Name: "malicious_access", Label: "Malicious unauthorised access that could cause severe disruption", Checked: im.MaliciousAccess},
		{Name: "restricted_area", Label: "A restricted physical area was compromised", Checked: im.RestrictedArea},
		{Name: "planned_maintenance", Label: "Planned maintenance or a scheduled outage (never significant)", Checked: im.PlannedMaintenance},
	}
	return figures, flags
}

// newClassifyForm is the form prefilled with the current classification,
// so a reclassification starts from what was last assessed.
func newClassifyForm(inc evident.Incident) classifyForm {
	c, _ := inc.Current()
	f := classifyForm{Severity: string(c.Severity), Category: c.Category, RootCause: inc.RootCause, Declared: c.Declared,
		Severities: []evident.Severity{evident.SeverityLow, evident.SeverityMedium, evident.SeverityHigh, evident.SeverityCritical},
		Categories: evident.Categories}
	f.Figures, f.Flags = impactFields(inc.Rules.Thresholds, c.Impact)
	return f
}

// readClassifyForm reads the submitted form into f (for showing it again)
// and into a classification; a figure that is not a number is refused
// naming its field.
func readClassifyForm(r *http.Request, f *classifyForm) (evident.Classification, error) {
	f.Severity, f.Category = r.PostFormValue("severity"), r.PostFormValue("category")
	f.RootCause, f.Note = r.PostFormValue("root_cause"), r.PostFormValue("note")
	f.Declared = r.PostFormValue("declared") != ""
	c := evident.Classification{Severity: evident.Severity(f.Severity), Category: f.Category, Declared: f.Declared, Note: strings.TrimSpace(f.Note)}
	im := &c.Impact
	floats := map[string]*float64{"financial_loss_eur": &im.FinancialLossEUR, "annual_turnover_eur": &im.AnnualTurnoverEUR,
		"full_outage_minutes": &im.FullOutageMinutes, "weekly_unavailable_minutes": &im.WeeklyUnavailableMinutes}
	ints := map[string]*int64{"users_total": &im.UsersTotal, "users_limited_availability": &im.UsersLimitedAvailability, "users_compromised": &im.UsersCompromised}
	var bad error
	for k := range f.Figures {
		fd := &f.Figures[k]
		fd.Value = strings.TrimSpace(r.PostFormValue(fd.Name))
		if fd.Value == "" {
			continue
		}
		var err error
		if p, ok := floats[fd.Name]; ok {
			*p, err = strconv.ParseFloat(fd.Value, 64)
		} else if p, ok := ints[fd.Name]; ok {
			*p, err = strconv.ParseInt(fd.Value, 10, 64)
		}
		if err != nil && bad == nil {
			bad = evident.ErrorAt(evident.EINVALID, fd.Name, "%q is not a number", fd.Value)
		}
	}
	flags := map[string]*bool{"trade_secrets": &im.TradeSecrets, "death": &im.Death, "health_damage": &im.HealthDamage,
		"malicious_access": &im.MaliciousAccess, "restricted_area": &im.RestrictedArea, "planned_maintenance": &im.PlannedMaintenance}
	for k := range f.Flags {
		fd := &f.Flags[k]
		fd.Checked = r.PostFormValue(fd.Name) != ""
		*flags[fd.Name] = fd.Checked
	}
	return c, bad
}

// fieldNames lists the fields a refusal may name on the classify form.
func (f classifyForm) fieldNames() []string {
	names := slices.Clone(classifyFields)
	for _, fd := range f.Figures {
		names = append(names, fd.Name)
	}
	return names
}

// ClassifyIncident classifies or reclassifies an incident from the
// significance form. Significance is computed by the store from the
// criteria; every classification is kept, so the page shows the history
// and the clocks of the new one at once.
func (w *Web) ClassifyIncident() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		inc, err := w.cfg.Store.Incident(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		f := newClassifyForm(inc)
		c, err := readClassifyForm(r, &f)
		if err == nil {
			_, err = w.cfg.Store.ClassifyIncident(r.Context(), inc.ID, c, f.RootCause, actor)
		}
		if err != nil {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			f.refuse(err, f.fieldNames()...)
			return w.incident(rw, r, api.Status(err), incidentForms{Classify: &f})
		}
		http.Redirect(rw, r, "/incidents/"+url.PathEscape(inc.ID)+"#clocks", http.StatusSeeOther)
		return nil
	})
}

// choice is one entry of a list to choose from, checked when chosen.
type choice struct {
	ID, Name string
	Checked  bool
}

// affectedForm chooses the affected services and systems from the
// program's lists, and says whether customers and personal data are
// affected (the customers' clock starts with the first).
type affectedForm struct {
	Services, Systems               []choice
	CustomersAffected, PersonalData bool
	// Assignee is the login working the incident: its clocks are that
	// login's work ("My work").
	Assignee string
	formErrors
}

// newAffectedForm lists the program's services and systems with the
// incident's ticked; chosen overrides them with a submission.
func newAffectedForm(m *evident.Model, inc evident.Incident) affectedForm {
	f := affectedForm{CustomersAffected: inc.CustomersAffected, PersonalData: inc.PersonalData, Assignee: inc.Assignee}
	for _, s := range m.Services {
		f.Services = append(f.Services, choice{ID: s.ID, Name: s.Name, Checked: slices.Contains(inc.Services, s.ID)})
	}
	for _, s := range m.Systems {
		f.Systems = append(f.Systems, choice{ID: s.ID, Name: s.Name, Checked: slices.Contains(inc.Systems, s.ID)})
	}
	return f
}

// SetAffected records which services and systems an incident affects,
// chosen from the program's lists, and whether customers and personal
// data are affected.
func (w *Web) SetAffected() http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		actor, err := w.actor(r)
		if err != nil {
			return err
		}
		if err := r.ParseForm(); err != nil {
			return evident.ErrorAt(evident.EINVALID, "form", "%v", err)
		}
		services, systems := r.PostForm["service"], r.PostForm["system"]
		if services == nil {
			services = []string{}
		}
		if systems == nil {
			systems = []string{}
		}
		customers, personal := r.PostFormValue("customers_affected") != "", r.PostFormValue("personal_data") != ""
		assignee := strings.TrimSpace(r.PostFormValue("assignee"))
		u := evident.IncidentUpdate{Services: &services, Systems: &systems, CustomersAffected: &customers, PersonalData: &personal, Assignee: &assignee}
		inc, err := w.cfg.Store.UpdateIncident(r.Context(), r.PathValue("id"), u, actor)
		if err != nil {
			if evident.ErrorCode(err) == evident.EINTERNAL {
				return err
			}
			m, merr := w.model(r.Context())
			if merr != nil {
				return merr
			}
			// Show the choices as submitted, not as stored.
			f := newAffectedForm(m, evident.Incident{Services: services, Systems: systems, CustomersAffected: customers, PersonalData: personal, Assignee: assignee})
			f.refuse(err, "services", "systems", "assignee")
			return w.incident(rw, r, api.Status(err), incidentForms{Affected: &f})
		}
		http.Redirect(rw, r, "/incidents/"+url.PathEscape(inc.ID)+"#clocks", http.StatusSeeOther)
		return nil
	})
}
