package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

func TestOpenIncidentStartsItsClocks(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	b := s.signIn(t, "omar", evident.RoleControlOwner)
	token := b.csrf("/incidents")
	form := url.Values{"csrf_token": {token}, "kind": {"incident"}, "title": {"RA portal down"}, "aware_at": {"2026-11-27T04:00"}}
	code, _, loc := b.post("/incidents", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/incidents/") {
		t.Fatalf("open incident: %d to %q", code, loc)
	}
	_, page := b.get(loc)
	// Aware at 04:00, now 10:00: the 24-hour eIDAS clock has 18 hours left.
	if !strings.Contains(page, `id="clock-eidas-notification" data-state="running"`) || !strings.Contains(page, `datetime="2026-11-28T04:00:00Z"`) || !strings.Contains(page, "18h 00m left") {
		t.Errorf("incident page does not show the eIDAS clock running to 2026-11-28 04:00 with 18 h left:\n%s", page)
	}
	form.Set("aware_at", "2026-11-28T04:00")
	code, body, _ := b.post("/incidents", form)
	if code != http.StatusBadRequest || !strings.Contains(body, "in the future") {
		t.Errorf("incident aware in the future: %d; want 400 saying so", code)
	}
	assessor := s.signIn(t, "asa", evident.RoleAssessor)
	if _, page := assessor.get("/incidents"); strings.Contains(page, `action="/incidents"`) {
		t.Errorf("the assessor is offered the form to open an incident")
	}
	code, _, _ = assessor.post("/incidents", url.Values{"csrf_token": {assessor.csrf("/incidents")}, "kind": {"incident"}, "title": {"x"}, "aware_at": {"2026-11-27T04:00"}})
	if code != http.StatusForbidden {
		t.Errorf("assessor POST /incidents: %d, want 403", code)
	}
}

func TestSignificantChangeOpensWork(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	putModel(t, st, &evident.Model{Systems: []evident.System{{ID: "ca-issuing", Name: "Issuing CA", Kind: evident.SystemTrustworthy, Version: "4.2"}}})
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	form := url.Values{"csrf_token": {b.csrf("/changes")}, "system": {"ca-issuing"}, "version": {"5.0"}, "summary": {"new major release"}, "at": {"2026-11-26T09:00"}, "significant": {"on"}}
	code, _, loc := b.post("/changes", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/changes?recorded=") {
		t.Fatalf("significant change: %d to %q; want 303 to the changes page", code, loc)
	}
	if _, page := b.get(loc); !strings.Contains(page, `id="change-added"`) || !strings.Contains(page, "REQ-7.8-18") {
		t.Errorf("after recording a significant change the page does not list the pen test it opened (REQ-7.8-18):\n%s", page)
	}
	form.Set("version", "")
	code, page, _ := b.post("/changes", form)
	if code != http.StatusBadRequest || !strings.Contains(page, "version") {
		t.Errorf("change without a version: %d; want 400 naming the field", code)
	}
	_, page = b.get("/tasks")
	if !strings.Contains(page, "change/") {
		t.Errorf("the tasks page does not list the work the change opened")
	}
}

func TestNotificationMeetsItsClockAndKeepsTheReport(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	_, _, loc := b.post("/incidents", url.Values{"csrf_token": {b.csrf("/incidents")}, "kind": {"incident"}, "title": {"HSM outage"}, "aware_at": {"2026-11-27T04:00"}})
	token := b.csrf(loc)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", token)
	mw.WriteField("to", "supervisory-body")
	mw.WriteField("to", "csirt")
	mw.WriteField("kind", "notification")
	mw.WriteField("sent_at", "2026-11-27T09:30")
	fw, _ := mw.CreateFormFile("report", "notification.pdf")
	fw.Write([]byte("%PDF-1.7 notification to the supervisory body"))
	mw.Close()
	code, page, _ := b.do(loc+"/notifications", mw.FormDataContentType(), &body)
	if code != http.StatusSeeOther {
		t.Fatalf("notify: %d\n%s", code, page)
	}
	_, page = b.get(loc)
	if !strings.Contains(page, `id="clock-eidas-notification" data-state="met"`) {
		t.Errorf("the eIDAS clock is not met after the notification at 09:30:\n%s", page)
	}
	es, _ := st.ListEvidence(context.Background(), sqlstore.EvidenceFilter{})
	if len(es) != 1 || es[0].Filename != "notification.pdf" || len(es[0].About) != 1 || !strings.Contains(page, "/evidence/"+es[0].ID) {
		t.Errorf("the report is not stored as evidence linked from the incident: %+v", es)
	}
	code, page, _ = b.post(loc+"/steps", url.Values{"csrf_token": {token}, "kind": {"recovery"}, "at": {"2026-11-28T09:00"}, "note": {"typed before"}})
	if code != http.StatusBadRequest || !regexp.MustCompile(`<p class="error" id="err-step-at">[^<]*in the future`).MatchString(page) ||
		!strings.Contains(page, `<option value="recovery" selected>`) || !strings.Contains(page, `value="typed before"`) {
		t.Errorf("a step in the future: %d; want 400 next to the time, with the step as typed", code)
	}
	code, _, _ = b.post(loc+"/steps", url.Values{"csrf_token": {token}, "kind": {"containment"}, "at": {"2026-11-27T06:00"}, "note": {"HSM partition failed over"}})
	if _, page = b.get(loc); code != http.StatusSeeOther || !strings.Contains(page, "HSM partition failed over") {
		t.Errorf("containment step: %d, not on the timeline", code)
	}
}

// TestIncidentPageShowsBothEIDASClocks opens, through the form, an
// incident on a qualified and a non-qualified service that began 6 hours
// before anyone knew: the page shows the estimated start and both eIDAS
// clocks, the qualified one due 18 hours after awareness.
func TestIncidentPageShowsBothEIDASClocks(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	putModel(t, st, &evident.Model{Services: []evident.Service{
		{ID: "tsa", Name: "Qualified time-stamps", Type: evident.ServiceTimeStamps, Qualification: evident.Qualified},
		{ID: "ra", Name: "Registration portal", Type: evident.ServiceOther, Qualification: evident.NonQualified}}})
	b := s.signIn(t, "omar", evident.RoleControlOwner)
	form := url.Values{"csrf_token": {b.csrf("/incidents")}, "kind": {"incident"}, "title": {"TSA clock drift"},
		"aware_at": {"2026-11-27T04:00"}, "estimated_start_at": {"2026-11-26T22:00"}, "services": {"tsa, ra"}}
	code, _, loc := b.post("/incidents", form)
	if code != http.StatusSeeOther {
		t.Fatalf("open incident: %d", code)
	}
	_, page := b.get(loc)
	q := regexp.MustCompile(`(?s)<tr id="clock-eidas-notification" data-state="running">.*?</tr>`).FindString(page)
	nq := regexp.MustCompile(`(?s)<tr id="clock-eidas-notification-non-qualified" data-state="running">.*?</tr>`).FindString(page)
	if !strings.Contains(q, "Art. 24(2)(fb)") || !strings.Contains(q, "2026-11-27 22:00") {
		t.Errorf("qualified eIDAS clock not due 2026-11-27 22:00 under Art. 24(2)(fb):\n%s", q)
	}
	if !strings.Contains(nq, "Art. 19a(1)(b)") || !strings.Contains(nq, "2026-11-28 04:00") {
		t.Errorf("non-qualified eIDAS clock not due 2026-11-28 04:00 under Art. 19a(1)(b):\n%s", nq)
	}
	if !strings.Contains(page, `id="estimated-start"`) {
		t.Errorf("incident page does not show the estimated start")
	}
	form.Set("estimated_start_at", "2026-11-27T05:00")
	if code, body, _ := b.post("/incidents", form); code != http.StatusBadRequest || !strings.Contains(body, "after awareness") {
		t.Errorf("estimated start after awareness: %d; want 400 saying so", code)
	}
}
