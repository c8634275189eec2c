package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// The assessment through the browser routes: the manager records an
// engagement tying asa to it; asa asks for evidence and raises a major
// finding; the manager answers and proposes closure with evidence; asa
// accepts. Each form redirects back to the engagement (post/redirect/get);
// a refused step shows its message beside the form with a 4xx.
func TestAssessmentFormsToClosure(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	m := smallProgram()
	m.Services = []evident.Service{{ID: "qcert", Name: "Qualified certificates"}}
	putModel(t, st, m)
	from, to := testNow.AddDate(-1, 0, 0).Format("2006-01-02"), testNow.AddDate(0, 0, 10).Format("2006-01-02")
	asa := s.signInUser(t, evident.User{Name: "asa", Role: evident.RoleAssessor, PeriodFrom: testNow.AddDate(-3, 0, 0), PeriodTo: testNow.AddDate(-2, 0, 0)})
	carla := s.signIn(t, "carla", evident.RoleComplianceManager)

	token := carla.csrf("/engagements")
	code, body, _ := carla.post("/engagements", url.Values{"csrf_token": {token}, "kind": {"surveillance"}, "cab": {"TrustCert"}, "lead": {"Asa"},
		"from": {from}, "to": {to}, "service": {"qcert"}, "assessors": {"nobody"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `no login &#34;nobody&#34;`) {
		t.Errorf("engagement naming an unknown login: %d\n%s", code, body)
	}
	code, _, loc := carla.post("/engagements", url.Values{"csrf_token": {token}, "kind": {"surveillance"}, "cab": {"TrustCert"}, "lead": {"Asa"},
		"from": {from}, "to": {to}, "service": {"qcert"}, "assessors": {"asa"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/engagements/") {
		t.Fatalf("record engagement: %d to %q", code, loc)
	}
	page := loc
	id := strings.TrimPrefix(loc, "/engagements/")
	if _, body := carla.get("/"); !strings.Contains(body, "10 days left") {
		t.Errorf("dashboard does not show the engagement's days left")
	}
	// The role change ended asa's session: she signs in again.
	asa = s.signInUser2(t, "asa")

	token = asa.csrf(page)
	if code, _, _ := asa.post(page+"/requests", url.Values{"csrf_token": {token}, "requirement": {"REQ-7.8-14"}, "text": {"Q3 scan report"}, "due": {to}}); code != http.StatusSeeOther {
		t.Fatalf("raise request: %d", code)
	}
	if code, _, _ := asa.post(page+"/findings", url.Values{"csrf_token": {token}, "ref": {"NC-1"}, "kind": {"major"}, "requirements": {"REQ-7.8-14"}, "text": {"RA hosts not scanned"}}); code != http.StatusSeeOther {
		t.Fatalf("raise finding: %d", code)
	}
	v, err := st.EngagementView(context.Background(), id)
	if err != nil || len(v.Requests) != 1 || len(v.Findings) != 1 {
		t.Fatalf("engagement after the assessor's forms: %+v %v", v, err)
	}
	rq, fd := v.Requests[0], v.Findings[0]
	if code, body, _ := carla.post(page+"/findings", url.Values{"csrf_token": {carla.csrf(page)}, "kind": {"minor"}, "requirements": {"REQ-7.8-14"}, "text": {"x"}}); code != http.StatusForbidden {
		t.Errorf("the manager raising a finding: %d %s", code, body)
	}

	token = carla.csrf(page)
	if code, _, _ := carla.post("/requests/"+rq.ID+"/steps", url.Values{"csrf_token": {token}, "engagement": {id}, "kind": {"answer"}, "text": {"In the scan folder"}}); code != http.StatusSeeOther {
		t.Fatalf("answer: %d", code)
	}
	code, body, _ = carla.post("/findings/"+fd.ID+"/steps", url.Values{"csrf_token": {token}, "engagement": {id}, "kind": {"close"}, "evidence": {"e-1"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "root cause") {
		t.Errorf("closing a major NC without its root cause: %d", code)
	}
	evID := s.uploadOne(t, carla)
	for _, f := range []url.Values{
		{"kind": {"update"}, "root_cause": {"inventory missed the RA"}, "corrective_action": {"add the RA hosts"}, "due": {to}},
		{"kind": {"close"}, "evidence": {evID}},
	} {
		f.Set("csrf_token", token)
		f.Set("engagement", id)
		if code, body, _ := carla.post("/findings/"+fd.ID+"/steps", f); code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", f.Get("kind"), code, body)
		}
	}
	token = asa.csrf(page)
	for path, kind := range map[string]string{"/requests/" + rq.ID + "/steps": "accept", "/findings/" + fd.ID + "/steps": "accept"} {
		if code, body, _ := asa.post(path, url.Values{"csrf_token": {token}, "engagement": {id}, "kind": {kind}}); code != http.StatusSeeOther {
			t.Fatalf("asa %s %s: %d %s", kind, path, code, body)
		}
	}
	_, body = asa.get(page)
	for _, want := range []string{"TrustCert", "NC-1", `class="st st-closed"`, `class="st st-accepted"`, "inventory missed the RA", evID} {
		if !strings.Contains(body, want) {
			t.Errorf("engagement page does not show %q", want)
		}
	}
}

// signInUser2 signs an existing user in again in a fresh browser.
func (s *site) signInUser2(t *testing.T, name string) *browser {
	t.Helper()
	b := s.browser(t)
	token := b.csrf("/login")
	code, _, loc := b.post("/login", url.Values{"csrf_token": {token}, "name": {name}, "password": {testPassword}, "next": {"/"},
		"code": {s.enrolIfRequired(t, name)}})
	if code != http.StatusSeeOther || loc != "/" {
		t.Fatalf("sign in again as %s: %d to %q", name, code, loc)
	}
	return b
}

// uploadOne uploads one file as b and returns the new record's id.
func (s *site) uploadOne(t *testing.T, b *browser) string {
	t.Helper()
	code, body, _ := b.upload(map[string]string{"csrf_token": b.csrf("/evidence/new"), "control": "vuln-scan", "period": "2026-Q4"}, map[string]string{"ra-scope.txt": "RA hosts added"})
	if code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", code, body)
	}
	es, err := s.st.ListEvidence(context.Background(), sqlstore.EvidenceFilter{Newest: true, Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("uploaded record: %v", err)
	}
	return es[0].ID
}

// seedEngagement records an engagement by cab over [from, to) with no
// assessor tied to it, for the crawls; the service and manager it needs
// are made the first time.
func (s *site) seedEngagement(t *testing.T, cab string, from, to time.Time) evident.Engagement {
	t.Helper()
	ctx := context.Background()
	if _, err := s.st.User(ctx, "eng-mgr"); err != nil {
		s.addUser(t, evident.User{Name: "eng-mgr", Role: evident.RoleComplianceManager})
		err := s.st.Write(ctx, func(tx *sqlstore.Tx) error {
			return tx.PutObject(ctx, sqlstore.Services, "eng-svc", evident.Service{ID: "eng-svc", Name: "Engagement service"}, "eng-mgr")
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	e, err := s.st.AddEngagement(ctx, evident.Engagement{Kind: evident.EngagementSurveillance, CAB: cab, Lead: "Lead", From: from, To: to,
		Services: []string{"eng-svc"}, Actor: "eng-mgr"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
