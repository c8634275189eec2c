package web

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// incidentSite is a site with a program of one service and two systems,
// a compliance manager signed in, and one incident they opened at 04:00,
// six hours before the test clock's now.
func incidentSite(t *testing.T, st *sqlstore.Store) (*site, *browser, string) {
	t.Helper()
	s := newSite(t, st)
	putModel(t, st, &evident.Model{
		Services: []evident.Service{{ID: "qes", Name: "Qualified e-signatures", Type: evident.ServiceType("qes")}},
		Systems: []evident.System{{ID: "ca-issuing", Name: "Issuing CA", Kind: evident.SystemTrustworthy},
			{ID: "ra-portal", Name: "RA portal", Kind: evident.SystemTrustworthy}}})
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	code, _, loc := b.post("/incidents", url.Values{"csrf_token": {b.csrf("/incidents")}, "kind": {"incident"}, "title": {"HSM outage"}, "aware_at": {"2026-11-27T04:00"}})
	if code != http.StatusSeeOther {
		t.Fatalf("open incident: %d", code)
	}
	return s, b, loc
}

// incidentOf reads the incident a page URL names from the store.
func incidentOf(t *testing.T, st *sqlstore.Store, loc string) evident.Incident {
	t.Helper()
	inc, err := st.Incident(context.Background(), strings.TrimPrefix(loc, "/incidents/"))
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// classify posts the classification form with the given fields.
func classify(b *browser, loc string, fields url.Values) (int, string, string) {
	b.t.Helper()
	fields.Set("csrf_token", b.csrf(loc))
	return b.post(loc+"/classification", fields)
}

func TestClassifyAndReclassifyChangeTheClocksAtOnce(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		_, b, loc := incidentSite(t, st)
		_, page := b.get(loc)
		if !strings.Contains(page, `action="`+loc+`/classification"`) || !strings.Contains(page, "until classified") {
			t.Fatalf("an unclassified incident's page does not offer the classification form with provisional clocks:\n%s", page)
		}
		// Five minutes down: under every bar, so not significant, and the
		// provisional regulatory clocks go away.
		code, _, to := classify(b, loc, url.Values{"severity": {"low"}, "category": {"availability"}, "full_outage_minutes": {"5"}, "note": {"brief blip"}})
		if code != http.StatusSeeOther || to != loc+"#clocks" {
			t.Fatalf("classify: %d to %q", code, to)
		}
		_, page = b.get(loc)
		if strings.Contains(page, `id="clock-eidas-notification"`) || !strings.Contains(page, "not significant") {
			t.Errorf("after a classification under every bar the eIDAS clock is still shown:\n%s", page)
		}
		// 45 minutes of full outage: over the 20-minute bar, significant;
		// the 24-hour clock is back, no longer provisional, counting down.
		code, _, _ = classify(b, loc, url.Values{"severity": {"high"}, "category": {"availability"}, "full_outage_minutes": {"45"}, "root_cause": {"HSM firmware"}})
		if code != http.StatusSeeOther {
			t.Fatalf("reclassify: %d", code)
		}
		_, page = b.get(loc)
		eidas := regexp.MustCompile(`(?s)<tr id="clock-eidas-notification" data-state="running">.*?</tr>`).FindString(page)
		if eidas == "" || strings.Contains(eidas, "until classified") || !strings.Contains(eidas, `datetime="2026-11-28T04:00:00Z"`) || !strings.Contains(eidas, "18h 00m left") {
			t.Errorf("after reclassifying as significant the eIDAS clock does not count down to 2026-11-28 04:00:\n%s", eidas)
		}
		if !strings.Contains(page, "service fully unavailable for 45 minutes, more than 20") {
			t.Errorf("the page does not say which criterion made it significant")
		}
		hist := regexp.MustCompile(`(?s)<h3 id="classification-history">.*?</table>`).FindString(page)
		if strings.Count(hist, "<tr><td>") != 2 || !strings.Contains(hist, "brief blip") {
			t.Errorf("the classification history does not show both classifications:\n%s", hist)
		}
		if !strings.Contains(page, `name="full_outage_minutes" type="number" min="0" step="any" inputmode="decimal" value="45"`) || !strings.Contains(page, ">Reclassify</button>") {
			t.Errorf("the reclassification form does not start from the current figures")
		}
		inc := incidentOf(t, st, loc)
		if len(inc.Classifications) != 2 || inc.RootCause != "HSM firmware" || inc.Classifications[1].Actor != "carla" {
			t.Errorf("stored: %d classifications, root cause %q; want 2 by carla with the root cause", len(inc.Classifications), inc.RootCause)
		}
	})
}

func TestClassifyRefusalShowsTheFieldAndKeepsTheInput(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		_, b, loc := incidentSite(t, st)
		for _, tc := range []struct {
			name   string
			fields url.Values
			field  string // the field the message is next to
			kept   string // what the re-rendered form still holds
		}{
			{"not a number", url.Values{"severity": {"high"}, "category": {"breach"}, "financial_loss_eur": {"lots"}, "note": {"typed before"}},
				"financial_loss_eur", `value="typed before"`},
			{"more compromised than users", url.Values{"severity": {"high"}, "category": {"breach"}, "users_total": {"10"}, "users_compromised": {"50"}, "death": {"on"}},
				"users_total", `value="50"`},
			{"no severity", url.Values{"category": {"breach"}, "trade_secrets": {"on"}},
				"severity", `id="cls-trade_secrets" name="trade_secrets" value="on" checked`},
			{"unknown category", url.Values{"severity": {"low"}, "category": {"gremlins"}, "weekly_unavailable_minutes": {"70"}},
				"category", `value="70"`},
		} {
			code, page, _ := classify(b, loc, tc.fields)
			if code != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", tc.name, code)
				continue
			}
			msg := regexp.MustCompile(`<p class="error" id="err-` + tc.field + `">[^<]+</p>`).FindString(page)
			if msg == "" || !strings.Contains(page, `aria-describedby="err-`+tc.field+`"`) {
				t.Errorf("%s: no message next to %s:\n%s", tc.name, tc.field, page)
			}
			if !strings.Contains(page, tc.kept) {
				t.Errorf("%s: the form lost what was typed (%s)", tc.name, tc.kept)
			}
		}
		if inc := incidentOf(t, st, loc); len(inc.Classifications) != 0 {
			t.Errorf("refused forms stored %d classifications", len(inc.Classifications))
		}
	})
}

func TestAffectedServicesAndSystemsAreChosenFromTheProgram(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		_, b, loc := incidentSite(t, st)
		_, page := b.get(loc)
		for _, want := range []string{`name="service" value="qes"`, `name="system" value="ca-issuing"`, `name="system" value="ra-portal"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the affected form does not offer %s", want)
			}
		}
		form := url.Values{"csrf_token": {b.csrf(loc)}, "service": {"qes"}, "system": {"ca-issuing"}, "customers_affected": {"on"}}
		if code, _, _ := b.post(loc+"/affected", form); code != http.StatusSeeOther {
			t.Fatalf("affected: %d", code)
		}
		_, page = b.get(loc)
		if !strings.Contains(page, `id="clock-customer-notification" data-state="running"`) || !strings.Contains(page, `id="sys-ca-issuing" name="system" value="ca-issuing" checked`) {
			t.Errorf("customers affected does not start their clock, or the choice is not shown:\n%s", page)
		}
		inc := incidentOf(t, st, loc)
		if strings.Join(inc.Services, ",") != "qes" || strings.Join(inc.Systems, ",") != "ca-issuing" || !inc.CustomersAffected {
			t.Errorf("stored services %v systems %v customers %v", inc.Services, inc.Systems, inc.CustomersAffected)
		}
		form.Set("system", "mainframe")
		form.Add("system", "ra-portal")
		code, page, _ := b.post(loc+"/affected", form)
		if code != http.StatusBadRequest || !strings.Contains(page, `<p class="error" id="err-systems">no system &#34;mainframe&#34; in the program</p>`) ||
			!strings.Contains(page, `id="sys-ra-portal" name="system" value="ra-portal" checked`) {
			t.Errorf("a system outside the program: %d; want 400 next to the systems, with the choices kept:\n%s", code, page)
		}
		if inc := incidentOf(t, st, loc); strings.Join(inc.Systems, ",") != "ca-issuing" {
			t.Errorf("a refused choice changed the systems to %v", inc.Systems)
		}
	})
}

// postNotification posts the notification form as multipart, with a report file
// when report is not empty.
func postNotification(b *browser, loc string, fields url.Values, report string) (int, string, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", b.csrf(loc))
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if report != "" {
		fw, _ := mw.CreateFormFile("report", "early-warning.pdf")
		fw.Write([]byte(report))
	}
	mw.Close()
	return b.do(loc+"/notifications", mw.FormDataContentType(), &body)
}

func TestNotifyWithReportLinksItAndRefusalKeepsTheForm(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		_, b, loc := incidentSite(t, st)
		code, page, _ := postNotification(b, loc, url.Values{"kind": {"early-warning"}, "sent_at": {"2026-11-27T08:00"}, "note": {"ref CSIRT-2026-117"}}, "%PDF-1.7 early warning")
		if code != http.StatusBadRequest || !strings.Contains(page, `<p class="error" id="err-to">`) || !strings.Contains(page, `value="ref CSIRT-2026-117"`) ||
			!strings.Contains(page, `<option value="early-warning" selected>`) || !strings.Contains(page, "choose the report file again") {
			t.Errorf("a notification to nobody: %d; want 400 next to the recipients, the note and kind kept, and the file asked for again:\n%s", code, page)
		}
		code, page, _ = postNotification(b, loc, url.Values{"to": {"csirt"}, "sent_at": {"2026-11-27T08:00"}, "note": {"ref\x00117"}}, "%PDF-1.7 early warning")
		if code != http.StatusBadRequest || !strings.Contains(page, `<p class="error" id="err-note">`) {
			t.Errorf("a NUL in the note: %d; want 400 next to the note", code)
		}
		if n := evidenceCount(t, st); n != 0 {
			t.Fatalf("refused notifications stored %d records", n)
		}
		code, _, _ = postNotification(b, loc, url.Values{"to": {"csirt"}, "kind": {"early-warning"}, "sent_at": {"2026-11-27T08:00"}}, "%PDF-1.7 early warning")
		if code != http.StatusSeeOther {
			t.Fatalf("notify: %d", code)
		}
		_, page = b.get(loc)
		if !strings.Contains(page, `id="clock-nis2-early-warning" data-state="met"`) {
			t.Errorf("the NIS2 early warning clock is not met by the early warning sent at 08:00")
		}
		es, err := st.ListEvidence(context.Background(), sqlstore.EvidenceFilter{})
		if err != nil || len(es) != 1 {
			t.Fatalf("evidence: %v, %d records; want the report", err, len(es))
		}
		var reqs []string
		for _, r := range es[0].Requirements {
			reqs = append(reqs, string(r.ID))
		}
		if !strings.Contains(page, `href="/evidence/`+es[0].ID+`"`) || strings.Join(reqs, " ") != "REQ-7.9.3-01 REQ-7.9.2-02" || es[0].Filename != "early-warning.pdf" {
			t.Errorf("the report %s (%s, requirements %v) is not linked from the incident and to the notification requirements", es[0].ID, es[0].Filename, reqs)
		}
	})
}

func TestIncidentFormsNeedOperate(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s, _, loc := incidentSite(t, st)
		for _, role := range []evident.UserRole{evident.RoleApprover, evident.RoleAssessor} {
			b := s.signIn(t, "x-"+string(role), role)
			code, page := b.get(loc)
			if code != http.StatusOK {
				t.Fatalf("%s reading the incident: %d", role, code)
			}
			for _, action := range []string{"/classification", "/affected", "/notifications", "/steps"} {
				if strings.Contains(page, `action="`+loc+action+`"`) {
					t.Errorf("%s is offered the %s form", role, action)
				}
			}
			token := b.csrf(loc)
			for path, form := range map[string]url.Values{
				"/classification": {"severity": {"critical"}, "category": {"breach"}, "death": {"on"}},
				"/affected":       {"service": {"qes"}},
			} {
				form.Set("csrf_token", token)
				if code, _, _ := b.post(loc+path, form); code != http.StatusForbidden {
					t.Errorf("%s POST %s: %d, want 403", role, path, code)
				}
			}
			if code, _, _ := postNotification(b, loc, url.Values{"to": {"csirt"}, "sent_at": {"2026-11-27T08:00"}}, "report"); code != http.StatusForbidden {
				t.Errorf("%s POST notifications: %d, want 403", role, code)
			}
		}
		inc := incidentOf(t, st, loc)
		if len(inc.Classifications) != 0 || len(inc.Services) != 0 || len(inc.Notifications) != 0 || evidenceCount(t, st) != 0 {
			t.Errorf("refused roles changed the incident: %+v", inc)
		}
	})
}

// FuzzClassifyForm feeds the classification form's parser any figure and
// flag: it never panics, keeps every figure as typed for the form shown
// again, and refuses only with an invalid-input error naming a figure.
func FuzzClassifyForm(f *testing.F) {
	f.Add("500000", "12", "users", "on", "high")
	f.Add("-1", "1e309", "NaN", "", "")
	f.Add(" 7 ", "0x10", "9223372036854775808", "yes", "critical")
	f.Fuzz(func(t *testing.T, loss, outage, users, flag, severity string) {
		form := url.Values{"financial_loss_eur": {loss}, "full_outage_minutes": {outage}, "users_total": {users}, "death": {flag}, "severity": {severity}}
		r, err := http.NewRequest("POST", "/incidents/x/classification", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		cf := newClassifyForm(evident.Incident{})
		c, err := readClassifyForm(r, &cf)
		if err != nil {
			var e *evident.Error
			if !errors.As(err, &e) || e.Code != evident.EINVALID || !slices.Contains([]string{"financial_loss_eur", "full_outage_minutes", "users_total"}, e.Where) {
				t.Fatalf("refusal %v names no figure", err)
			}
		}
		got := map[string]string{}
		for _, fd := range cf.Figures {
			got[fd.Name] = fd.Value
		}
		if got["financial_loss_eur"] != strings.TrimSpace(r.PostFormValue("financial_loss_eur")) || got["users_total"] != strings.TrimSpace(r.PostFormValue("users_total")) {
			t.Fatalf("the form lost what was typed: %v", got)
		}
		if c.Impact.Death != (r.PostFormValue("death") != "") || cf.Severity != r.PostFormValue("severity") {
			t.Fatalf("flag or severity not carried: death %v, severity %q", c.Impact.Death, cf.Severity)
		}
	})
}
