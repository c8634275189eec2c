package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/pack"
	"github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/server"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// The assessor assesses the first half of 2026.
var (
	periodFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	periodTo   = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
)

// Users, one per role, by the short names the matrix uses.
var users = []struct {
	short string
	user  evident.User
}{
	{"admin", evident.User{Name: "ada", Role: evident.RoleAdmin}},
	{"cm", evident.User{Name: "cora", Role: evident.RoleComplianceManager}},
	{"owner", evident.User{Name: "otto", Role: evident.RoleControlOwner, Controls: []string{"time-sync"}}},
	{"approver", evident.User{Name: "mia", Role: evident.RoleApprover}},
	{"assessor", evident.User{Name: "abe", Role: evident.RoleAssessor, PeriodFrom: periodFrom, PeriodTo: periodTo}},
}

// env is a server on a fresh store with one user and one API token per
// role and a program with two controls.
type env struct {
	srv    *server.Server
	h      http.Handler
	store  *sqlstore.Store
	now    time.Time
	tokens map[string]string // short role name -> API token
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, func(now func() time.Time) *sqlstore.Store { return storetest.SQLite(t, now) })
}

// newEnvOn is newEnv on the store open returns, for tests run on both
// dialects (storetest.Each).
func newEnvOn(t *testing.T, open func(now func() time.Time) *sqlstore.Store) *env {
	t.Helper()
	e := &env{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), tokens: map[string]string{}}
	clock := func() time.Time { return e.now }
	e.store = open(clock)
	ctx := context.Background()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := cat.Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SyncCatalog(ctx, reqs); err != nil {
		t.Fatal(err)
	}
	prog := evident.Program{Name: "Test TSP", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "root"}
	if err := e.store.CreateProgram(ctx, prog); err != nil {
		t.Fatal(err)
	}
	ref := func(id string) evident.RequirementRef {
		r, err := evident.ParseRequirementRef(id, evident.EN319401, "3.2.1")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	m := &evident.Model{Program: prog, Controls: []evident.Control{
		{ID: "time-sync", Title: "Daily clock synchronisation check", Requirements: []evident.RequirementRef{ref("REQ-7.10-06")}},
		{ID: "vuln-scan", Title: "Quarterly vulnerability scan", Requirements: []evident.RequirementRef{ref("REQ-7.8-14")}},
	}}
	if _, err := program.Apply(ctx, e.store, m, "root"); err != nil {
		t.Fatalf("apply test program: %v", err)
	}
	for _, u := range users {
		if err := e.store.CreateUser(ctx, u.user, "", "root"); err != nil {
			t.Fatal(err)
		}
		plain, hash := auth.NewToken()
		if _, err := e.store.CreateToken(ctx, sqlstore.APIToken{User: u.user.Name, Name: "test"}, hash, "root"); err != nil {
			t.Fatal(err)
		}
		e.tokens[u.short] = plain
	}
	lt := ledgertest.Open(t, e.store, "evident.test", "")
	l := lt.Ledger
	// As `evident serve` does: a small upload is acknowledged before its
	// file exists, so every read below also covers blobs without one.
	l.DeferSmallBlobs()
	e.srv, err = server.New(server.Config{Store: e.store, Catalog: cat, Ledger: l,
		Pack: &pack.Source{Ledger: l, Signer: lt.Signer, Key: lt.Key, Catalog: cat}})
	if err != nil {
		t.Fatal(err)
	}
	e.h = e.srv.Handler()
	return e
}

// do sends a request as role ("" for anonymous) and returns the status
// and body.
func (e *env) do(t *testing.T, role, method, target string, body io.Reader, contentType string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func (e *env) getJSON(t *testing.T, role, target string, v any) {
	t.Helper()
	code, body := e.do(t, role, "GET", target, nil, "")
	if code != 200 {
		t.Fatalf("GET %s as %s: %d %s", target, role, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", target, err, body)
	}
}

// samplePath fills a route pattern's wildcards with a sample value.
func samplePath(path string) string {
	var segs []string
	for _, s := range strings.Split(path, "/") {
		switch {
		case s == "{$}":
			s = ""
		case strings.HasPrefix(s, "{"):
			s = "x"
		}
		segs = append(segs, s)
	}
	return strings.Join(segs, "/")
}

func TestOpenAPIDescribesExactlyTheMountedRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	e.getJSON(t, "", "/api/openapi.json", &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	described := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			described[strings.ToUpper(method)+" "+path] = true
		}
	}
	mounted := map[string]bool{}
	for _, r := range e.srv.Routes() {
		if r.API {
			mounted[r.Pattern] = true
		}
	}
	if len(mounted) < 20 {
		t.Fatalf("only %d API routes mounted", len(mounted))
	}
	for p := range mounted {
		if !described[p] {
			t.Errorf("route %s is mounted but not in the OpenAPI document", p)
		}
	}
	mux := e.srv.Mux()
	for p := range described {
		if !mounted[p] {
			t.Errorf("the OpenAPI document describes %s, which is not mounted", p)
		}
		// The mux itself, not only our list, must route the described
		// operation to exactly that pattern.
		method, path, _ := strings.Cut(p, " ")
		_, pattern := mux.Handler(httptest.NewRequest(method, samplePath(path), nil))
		if pattern != p {
			t.Errorf("%s %s is routed to %q, want %q", method, samplePath(path), pattern, p)
		}
	}
}

// matrix is the authorisation policy as a user sees it: who may call each
// API route. "public" needs no credentials; otherwise the roles allowed,
// everyone else being refused (401 anonymous, 403 signed in).
var matrix = map[string]string{
	"GET /api/openapi.json":                        "public",
	"GET /api/v1/me":                               "admin cm owner approver assessor",
	"GET /api/v1/users":                            "admin",
	"POST /api/v1/users":                           "admin",
	"GET /api/v1/users/{name}":                     "admin",
	"PUT /api/v1/users/{name}/role":                "admin",
	"GET /api/v1/tokens":                           "admin cm owner approver assessor",
	"POST /api/v1/tokens":                          "admin cm owner approver assessor",
	"DELETE /api/v1/tokens/{id}":                   "admin cm owner approver assessor",
	"GET /api/v1/catalog":                          "admin cm owner approver assessor",
	"GET /api/v1/catalog/{id}":                     "admin cm owner approver assessor",
	"GET /api/v1/log":                              "admin cm owner approver assessor",
	"GET /api/v1/program":                          "admin cm owner approver assessor",
	"GET /api/v1/evidence":                         "admin cm owner approver assessor",
	"GET /api/v1/evidence/{id}":                    "admin cm owner approver assessor",
	"GET /api/v1/evidence/{id}/proof":              "admin cm owner approver assessor",
	"GET /api/v1/evidence/{id}/content":            "admin cm owner approver assessor",
	"POST /api/v1/evidence":                        "admin cm owner",
	"GET /api/v1/reviews":                          "admin cm owner approver assessor",
	"POST /api/v1/evidence/{id}/accept":            "admin cm owner",
	"POST /api/v1/evidence/{id}/reject":            "admin cm owner",
	"POST /api/v1/imports":                         "admin cm owner",
	"GET /api/v1/checkpoint":                       "admin cm owner approver assessor",
	"GET /api/v1/gaps":                             "admin cm owner approver assessor",
	"GET /api/v1/incidents":                        "admin cm owner approver assessor",
	"GET /api/v1/incidents/clocks":                 "admin cm owner approver assessor",
	"GET /api/v1/incidents/{id}":                   "admin cm owner approver assessor",
	"POST /api/v1/incidents":                       "admin cm owner",
	"PATCH /api/v1/incidents/{id}":                 "admin cm owner",
	"POST /api/v1/incidents/{id}/notifications":    "admin cm owner",
	"GET /api/v1/calendar.ics":                     "admin cm owner approver",
	"POST /api/v1/incidents/{id}/classification":   "admin cm owner",
	"POST /api/v1/incidents/{id}/steps":            "admin cm owner",
	"POST /api/v1/changes":                         "admin cm owner",
	"GET /api/v1/changes":                          "admin cm owner approver assessor",
	"POST /api/v1/revocations":                     "admin cm owner",
	"GET /api/v1/revocations":                      "admin cm owner approver assessor",
	"POST /api/v1/issuance-stops":                  "admin cm owner",
	"GET /api/v1/issuance-stops":                   "admin cm owner approver assessor",
	"GET /api/v1/retention":                        "admin cm",
	"POST /api/v1/retention/apply":                 "admin",
	"GET /api/v1/retention/holds":                  "admin cm",
	"POST /api/v1/retention/holds":                 "admin cm",
	"POST /api/v1/retention/holds/{id}/release":    "admin cm",
	"GET /api/v1/status":                           "admin cm owner approver assessor",
	"GET /api/v1/readiness":                        "admin cm owner approver assessor",
	"GET /api/v1/tasks":                            "admin cm owner approver assessor",
	"POST /api/v1/packs":                           "admin cm assessor",
	"POST /api/v1/packs/verify":                    "admin cm owner approver assessor",
	"POST /api/v1/verify":                          "admin cm assessor",
	"GET /api/v1/me/notifications":                 "admin cm owner approver assessor",
	"PUT /api/v1/me/notifications":                 "admin cm owner approver assessor",
	"GET /api/v1/notify/deliveries":                "admin",
	"GET /api/v1/notify/endpoints":                 "admin",
	"POST /api/v1/notify/endpoints":                "admin",
	"GET /api/v1/notify/endpoints/{id}/deliveries": "admin",
	"POST /api/v1/notify/endpoints/{id}/enable":    "admin",
	"GET /api/v1/approvals":                        "approver",
	"POST /api/v1/approvals":                       "approver",
	"GET /api/v1/engagements":                      "admin cm owner approver assessor",
	"GET /api/v1/engagements/{id}":                 "admin cm owner approver assessor",
	"POST /api/v1/engagements":                     "admin cm",
	"POST /api/v1/engagements/{id}/requests":       "admin cm assessor",
	"POST /api/v1/engagements/{id}/findings":       "admin cm assessor",
	"POST /api/v1/requests/{id}/steps":             "admin cm assessor",
	"POST /api/v1/findings/{id}/steps":             "admin cm assessor",
}

func init() {
	for _, k := range []string{"services", "systems", "zones", "suppliers", "roles", "people", "risks", "treatments", "acceptances", "controls", "policies", "soa"} {
		matrix["GET /api/v1/program/"+k] = "admin cm owner approver assessor"
		matrix["GET /api/v1/program/"+k+"/{id}"] = "admin cm owner approver assessor"
	}
}

// pageMatrix pins who may use the browser forms that change an incident
// or add evidence, so a change of their permission in the web UI's table
// is a decision this test makes visible rather than a side effect.
var pageMatrix = map[string]string{
	"POST /incidents":                     "admin cm owner",
	"POST /incidents/{id}/steps":          "admin cm owner",
	"POST /incidents/{id}/classification": "admin cm owner",
	"POST /incidents/{id}/affected":       "admin cm owner",
	"POST /incidents/{id}/notifications":  "admin cm owner",
	"GET /evidence/new":                   "admin cm owner",
	"POST /evidence":                      "admin cm owner",
	"POST /engagements":                   "admin cm",
	"POST /engagements/{id}/requests":     "admin cm assessor",
	"POST /engagements/{id}/findings":     "admin cm assessor",
	"POST /requests/{id}/steps":           "admin cm assessor",
	"POST /findings/{id}/steps":           "admin cm assessor",
}

func TestAuthorisationMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seen := map[string]bool{}
	for _, r := range e.srv.Routes() {
		method, path, _ := strings.Cut(r.Pattern, " ")
		target := samplePath(path)
		var allowed map[string]bool
		if r.API {
			want, ok := matrix[r.Pattern]
			if !ok {
				t.Errorf("route %s is not in the matrix: decide who may call it", r.Pattern)
				continue
			}
			seen[r.Pattern] = true
			allowed = map[string]bool{}
			for _, f := range strings.Fields(want) {
				allowed[f] = true
			}
			if want == "public" && r.Perm != auth.Public {
				t.Errorf("%s: matrix says public, route needs %s", r.Pattern, r.Perm)
			}
		} else {
			// Browser pages: the web UI's own table names the permission.
			allowed = map[string]bool{}
			for _, u := range users {
				if r.Perm.Allows(u.user.Role) {
					allowed[u.short] = true
				}
			}
			if r.Perm == auth.Public {
				allowed["public"] = true
			}
			if want, ok := pageMatrix[r.Pattern]; ok {
				seen[r.Pattern] = true
				var got []string
				for _, u := range users {
					if allowed[u.short] {
						got = append(got, u.short)
					}
				}
				if strings.Join(got, " ") != want {
					t.Errorf("browser route %s allows %q, the matrix says %q", r.Pattern, strings.Join(got, " "), want)
				}
			}
		}
		if method == "POST" && (path == "/api/v1/evidence" || path == "/api/v1/imports") {
			target += "?control=time-sync"
		}
		reqBody := `{}`
		if r.Pattern == "POST /api/v1/packs" {
			reqBody = `{"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"}`
		}
		for _, role := range []string{"", "admin", "cm", "owner", "approver", "assessor"} {
			code, body := e.do(t, role, method, target, strings.NewReader(reqBody), "application/json")
			denied := code == http.StatusUnauthorized || code == http.StatusForbidden || (!r.API && code == http.StatusSeeOther && role == "")
			switch {
			case allowed["public"]:
				// A public form (sign-in) refuses bad credentials or a
				// missing CSRF token itself; the auth tests cover it.
				if method == "GET" && denied {
					t.Errorf("%s as %q: got %d, want a public route to answer", r.Pattern, role, code)
				}
			case role == "":
				wantCode := http.StatusUnauthorized
				if !r.API && method == "GET" {
					wantCode = http.StatusSeeOther // to the sign-in page
				}
				if code != wantCode {
					t.Errorf("%s anonymous: got %d, want %d", r.Pattern, code, wantCode)
				}
			case allowed[role] && denied:
				t.Errorf("%s as %s: got %d %s, want allowed", r.Pattern, role, code, body)
			case !allowed[role] && code != http.StatusForbidden:
				t.Errorf("%s as %s: got %d %s, want 403", r.Pattern, role, code, body)
			}
		}
	}
	for p := range pageMatrix {
		if !seen[p] {
			t.Errorf("matrix lists %s, which is not mounted", p)
		}
	}
	for p := range matrix {
		if !seen[p] {
			t.Errorf("matrix lists %s, which is not mounted", p)
		}
	}
}

// upload posts a raw evidence body as role with query metadata.
func (e *env) upload(t *testing.T, role string, q url.Values, content string) (int, []byte) {
	t.Helper()
	return e.do(t, role, "POST", "/api/v1/evidence?"+q.Encode(), strings.NewReader(content), "text/plain")
}

func (e *env) evidenceCount(t *testing.T) int {
	t.Helper()
	evs, err := e.store.ListEvidence(context.Background(), sqlstore.EvidenceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

func TestControlOwnerWritesEvidenceOnlyForOwnControls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code, body := e.upload(t, "owner", url.Values{"control": {"vuln-scan"}}, "scan report")
	if code != 403 || !bytes.Contains(body, []byte("vuln-scan")) {
		t.Errorf("owner uploading for another's control: %d %s, want 403 naming it", code, body)
	}
	code, body = e.upload(t, "owner", url.Values{"control": {"time-sync,vuln-scan"}}, "both")
	if code != 403 {
		t.Errorf("owner uploading for own and another's control: %d %s, want 403", code, body)
	}
	if n := e.evidenceCount(t); n != 0 {
		t.Fatalf("%d records stored after refusals", n)
	}
	code, body = e.upload(t, "owner", url.Values{"control": {"time-sync"}, "effective": {"2026-02-28T23:00:00Z"}}, "offset 0.2 ms")
	if code != 201 {
		t.Fatalf("owner uploading for own control: %d %s", code, body)
	}
	var out struct{ Items []evident.Evidence }
	json.Unmarshal(body, &out)
	if len(out.Items) != 1 || out.Items[0].Actor != "token:otto/test" || out.Items[0].Controls[0] != "time-sync" {
		t.Errorf("stored %+v", out.Items)
	}
}

// TestSupersedingNeedsWriteOnTheSupersededControls keeps a control owner
// from replacing another control's evidence by naming their own control
// on the correction.
func TestSupersedingNeedsWriteOnTheSupersededControls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code, body := e.upload(t, "cm", url.Values{"control": {"vuln-scan"}, "period": {"2026-Q1"}}, "scan report")
	if code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	var scan struct{ Items []evident.Evidence }
	json.Unmarshal(body, &scan)
	code, body = e.upload(t, "owner", url.Values{"control": {"time-sync"}, "supersedes": {scan.Items[0].ID}}, "not a scan")
	if code != 403 || !bytes.Contains(body, []byte("vuln-scan")) || !bytes.Contains(body, []byte("supersedes")) {
		t.Errorf("owner superseding another control's evidence: %d %s, want 403 naming the field and the control", code, body)
	}
	if n := e.evidenceCount(t); n != 1 {
		t.Errorf("%d records after the refusal, want 1", n)
	}
	code, body = e.upload(t, "owner", url.Values{"control": {"time-sync"}, "supersedes": {"no-such-record"}}, "x")
	if code != 422 || !bytes.Contains(body, []byte("supersedes")) {
		t.Errorf("superseding an unknown record: %d %s, want 422 naming the field", code, body)
	}
	// Their own control's record they may correct.
	code, body = e.upload(t, "owner", url.Values{"control": {"time-sync"}, "period": {"2026-02"}}, "offset 9 ms")
	if code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	var own struct{ Items []evident.Evidence }
	json.Unmarshal(body, &own)
	code, body = e.upload(t, "owner", url.Values{"control": {"time-sync"}, "period": {"2026-02"}, "supersedes": {own.Items[0].ID}}, "offset 0.9 ms")
	if code != 201 {
		t.Errorf("owner correcting their own record: %d %s, want 201", code, body)
	}
	// A compliance manager writes for every control, so may correct any.
	code, body = e.upload(t, "cm", url.Values{"control": {"vuln-scan"}, "supersedes": {scan.Items[0].ID}}, "rescan")
	if code != 201 {
		t.Errorf("compliance manager correcting: %d %s, want 201", code, body)
	}
}

func TestBadUploadMetadataIsRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		q     url.Values
		code  int
		field string
	}{
		{url.Values{"control": {"time-sync"}, "period": {"2026-Q5"}}, 400, "period"},
		{url.Values{"control": {"time-sync"}, "effective": {"yesterday"}}, 400, "effective"},
		{url.Values{"control": {"time-sync"}, "system": {"ca-issuing"}}, 400, "system"},
		{url.Values{"control": {"time-sync"}, "period": {"2026-Q1"}, "effective": {"2026-01-01"}}, 400, "not both"},
		{url.Values{"control": {"no-such-control"}}, 422, "no-such-control"},
	} {
		code, body := e.upload(t, "cm", tc.q, "x")
		if code != tc.code || !bytes.Contains(body, []byte(tc.field)) {
			t.Errorf("upload %v: %d %s, want %d naming %s", tc.q, code, body, tc.code, tc.field)
		}
	}
	if n := e.evidenceCount(t); n != 0 {
		t.Errorf("%d records stored from bad uploads", n)
	}
}

func TestMultipartUploadStoresEveryFileInOneBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("control", "vuln-scan")
	mw.WriteField("period", "2026-Q1")
	for _, f := range []struct{ name, body string }{{"scan-a.xml", "<nmaprun/>"}, {"../../etc/scan-b.xml", "<nmaprun/> b"}} {
		w, _ := mw.CreateFormFile("file", f.name)
		w.Write([]byte(f.body))
	}
	mw.Close()
	code, body := e.do(t, "cm", "POST", "/api/v1/evidence", &buf, mw.FormDataContentType())
	if code != 201 {
		t.Fatalf("multipart upload: %d %s", code, body)
	}
	var out struct{ Items []evident.Evidence }
	json.Unmarshal(body, &out)
	if len(out.Items) != 2 {
		t.Fatalf("stored %d records, want 2", len(out.Items))
	}
	if out.Items[1].Filename != "scan-b.xml" {
		t.Errorf("file name %q kept a path", out.Items[1].Filename)
	}
	if !out.Items[0].Effective.From.Equal(periodFrom) {
		t.Errorf("effective = %v, want the first quarter", out.Items[0].Effective)
	}
	// The content comes back byte for byte, as an attachment.
	req := httptest.NewRequest("GET", "/api/v1/evidence/"+out.Items[0].ID+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens["assessor"])
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.String() != "<nmaprun/>" || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") ||
		rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Content-Security-Policy") != "sandbox" {
		t.Errorf("content: %d %q %q", rec.Code, rec.Body.String(), rec.Header().Get("Content-Disposition"))
	}
	code, proof := e.do(t, "assessor", "GET", "/api/v1/evidence/"+out.Items[0].ID+"/proof", nil, "")
	if code != 200 || !bytes.Contains(proof, []byte("evident.test")) {
		t.Errorf("proof: %d %s", code, proof)
	}
}

func TestAssessorSeesOnlyTheirPeriod(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := url.Values{"control": {"time-sync"}, "period": {"2026-02"}}
	if code, body := e.upload(t, "cm", in, "february"); code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	e.now = time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC)
	code, body := e.upload(t, "cm", url.Values{"control": {"time-sync"}, "period": {"2026-08"}}, "august")
	if code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	var after struct{ Items []evident.Evidence }
	json.Unmarshal(body, &after)

	var list struct{ Items []evident.Evidence }
	e.getJSON(t, "assessor", "/api/v1/evidence", &list)
	if len(list.Items) != 1 || list.Items[0].Filename != "" && list.Items[0].Effective.From.Month() != time.February {
		t.Errorf("assessor's evidence list: %+v, want only February's", list.Items)
	}
	e.getJSON(t, "cm", "/api/v1/evidence", &list)
	if len(list.Items) != 2 {
		t.Errorf("compliance manager sees %d records, want 2", len(list.Items))
	}
	if code, _ := e.do(t, "assessor", "GET", "/api/v1/evidence/"+after.Items[0].ID, nil, ""); code != 404 {
		t.Errorf("assessor reading August's record: %d, want 404", code)
	}
	// Periods are half-open: December 2025 ends exactly where the
	// assessor's period begins and is not theirs.
	code, body = e.upload(t, "cm", url.Values{"control": {"time-sync"}, "period": {"2025-12"}}, "december")
	if code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	var edge struct{ Items []evident.Evidence }
	json.Unmarshal(body, &edge)
	for _, path := range []string{"", "/proof", "/content"} {
		if code, _ := e.do(t, "assessor", "GET", "/api/v1/evidence/"+edge.Items[0].ID+path, nil, ""); code != 404 {
			t.Errorf("assessor reading December 2025's record%s: %d, want 404", path, code)
		}
	}
	e.getJSON(t, "assessor", "/api/v1/evidence?control=time-sync", &list)
	if len(list.Items) != 1 {
		t.Errorf("assessor's evidence of time-sync: %d records, want only February's", len(list.Items))
	}
	var log struct {
		Items []struct {
			Kind string
			At   time.Time
		}
	}
	e.getJSON(t, "assessor", "/api/v1/log?limit=500", &log)
	if len(log.Items) == 0 {
		t.Fatal("assessor sees an empty audit trail")
	}
	for _, it := range log.Items {
		if !it.At.Before(periodTo) {
			t.Errorf("assessor sees a %s record of %v, after their period", it.Kind, it.At)
		}
	}
}

func TestTokenIsShownOnceAndStoredHashed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code, body := e.do(t, "owner", "POST", "/api/v1/tokens", strings.NewReader(`{"name":"ci-nmap"}`), "application/json")
	if code != 201 {
		t.Fatalf("create token: %d %s", code, body)
	}
	var created struct {
		ID, Token string
	}
	json.Unmarshal(body, &created)
	if !strings.HasPrefix(created.Token, auth.TokenPrefix) {
		t.Fatalf("no token in the creation response: %s", body)
	}
	// The new token works...
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+created.Token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"token:otto/ci-nmap"`) {
		t.Errorf("me with the new token: %d %s", rec.Code, rec.Body.String())
	}
	// ...is never shown again...
	_, list := e.do(t, "owner", "GET", "/api/v1/tokens", nil, "")
	if bytes.Contains(list, []byte(created.Token)) || bytes.Contains(list, []byte(created.Token[len(auth.TokenPrefix):])) {
		t.Errorf("token list shows the token: %s", list)
	}
	// ...and the store holds only its SHA-256, nowhere the token itself.
	var stored []byte
	e.store.Read(context.Background(), func(tx *sqlstore.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT hash FROM api_tokens WHERE id = ?`, created.ID).Scan(&stored)
	})
	if !bytes.Equal(stored, auth.HashSecret(created.Token)) {
		t.Errorf("stored %x, want the SHA-256 of the token", stored)
	}
	var leaks int
	e.store.Read(context.Background(), func(tx *sqlstore.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM ledger_leaves WHERE data LIKE ?`, "%"+created.Token[len(auth.TokenPrefix):]+"%").Scan(&leaks)
	})
	if leaks != 0 {
		t.Errorf("the token appears in %d ledger records", leaks)
	}
	// Revoked, it stops working at once.
	if code, body := e.do(t, "owner", "DELETE", "/api/v1/tokens/"+created.ID, nil, ""); code != 200 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Errorf("revoked token: got %d, want 401", rec.Code)
	}
	// Another user's token cannot be revoked by a non-admin.
	if code, _ := e.do(t, "cm", "DELETE", "/api/v1/tokens/"+created.ID, nil, ""); code != 404 {
		t.Errorf("revoking another's token: got %d, want 404", code)
	}
}

func TestRoleChangeThroughAPITakesEffectAndIsAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code, body := e.do(t, "admin", "PUT", "/api/v1/users/otto/role", strings.NewReader(`{"role":"assessor","period_from":"2026-01-01T00:00:00Z","period_to":"2026-04-01T00:00:00Z"}`), "application/json")
	if code != 200 {
		t.Fatalf("role change: %d %s", code, body)
	}
	if code, _ := e.upload(t, "owner", url.Values{"control": {"time-sync"}}, "x"); code != 403 {
		t.Errorf("former owner uploading: %d, want 403", code)
	}
	var log struct {
		Items []struct{ Kind, ID, Actor string }
	}
	e.getJSON(t, "admin", "/api/v1/log?kind=user.role", &log)
	if len(log.Items) != 1 || log.Items[0].ID != "otto" || log.Items[0].Actor != "token:ada/test" {
		t.Errorf("audit trail of the role change: %+v", log.Items)
	}
	code, body = e.do(t, "admin", "PUT", "/api/v1/users/otto/role", strings.NewReader(`{"role":"superuser"}`), "application/json")
	if code != 400 || !bytes.Contains(body, []byte("superuser")) {
		t.Errorf("unknown role: %d %s", code, body)
	}
}

// pageThrough reads target and the pages its next_cursor leads to, at
// most pages of them, as the compliance manager, and returns every item.
func pageThrough[T any](t *testing.T, e *env, target string, pages int) []T {
	t.Helper()
	var all []T
	next := ""
	for range pages {
		var pg struct {
			Items      []T
			NextCursor string `json:"next_cursor"`
		}
		u := target
		if next != "" {
			u += "&cursor=" + url.QueryEscape(next)
		}
		e.getJSON(t, "cm", u, &pg)
		all = append(all, pg.Items...)
		if next = pg.NextCursor; next == "" {
			break
		}
	}
	return all
}

func TestListsPageWithOpaqueCursors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ids []string
	for _, r := range pageThrough[evident.Requirement](t, e, "/api/v1/catalog?limit=40", 100) {
		ids = append(ids, string(r.ID))
	}
	var all struct{ Count int }
	e.getJSON(t, "cm", "/api/v1/catalog?limit=1", &all)
	if len(ids) != all.Count || all.Count < 100 {
		t.Errorf("paged through %d requirements, catalog has %d", len(ids), all.Count)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("%s on two pages", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"limit=0", "limit=501", "cursor=bm9wZQ"} {
		code, body := e.do(t, "cm", "GET", "/api/v1/catalog?"+bad, nil, "")
		if code != 400 {
			t.Errorf("?%s: %d %s, want 400", bad, code, body)
		}
	}
}

func TestSessionRequestsNeedCSRFTokenOnAPIWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ts := httptest.NewServer(e.h)
	defer ts.Close()
	hash, _ := auth.HashPassword("a long enough password")
	if err := e.store.SetPassword(context.Background(), "cora", hash, "root"); err != nil {
		t.Fatal(err)
	}
	// Sign in through the auth package as the web UI's form does.
	a := auth.New(auth.Config{Store: e.store, InsecureCookies: true})
	signin := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			io.WriteString(w, auth.CSRFToken(r))
			return
		}
		if _, err := a.Login(w, r, "cora", "a long enough password", ""); err != nil {
			http.Error(w, err.Error(), 401)
		}
	}))
	rec := httptest.NewRecorder()
	signin.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
	csrfCookie, tok := rec.Result().Cookies()[0], rec.Body.String()
	req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{auth.CSRFField: {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(csrfCookie)
	rec = httptest.NewRecorder()
	signin.ServeHTTP(rec, req)
	var session *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == auth.SessionCookie {
			session = c
		}
	}
	if session == nil {
		t.Fatalf("sign-in failed: %d %s", rec.Code, rec.Body.String())
	}
	// The session's token, as a page of the web UI would embed it.
	req = httptest.NewRequest("GET", "/login", nil)
	req.AddCookie(csrfCookie)
	req.AddCookie(session)
	rec = httptest.NewRecorder()
	signin.ServeHTTP(rec, req)
	sessionTok := rec.Body.String()

	post := func(token string) int {
		req := httptest.NewRequest("POST", "/api/v1/tokens", strings.NewReader(`{"name":"from-browser-`+token[:4]+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(csrfCookie)
		req.AddCookie(session)
		if token != "none" {
			req.Header.Set(auth.CSRFHeader, token)
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post("none"); code != 403 {
		t.Errorf("session POST without CSRF token: %d, want 403", code)
	}
	if code := post(tok); code != 403 {
		t.Errorf("session POST with the pre-sign-in token: %d, want 403", code)
	}
	if code := post(sessionTok); code != 201 {
		t.Errorf("session POST with the session's token: %d, want 201", code)
	}
}

func TestAssessorStatusAndPackStayInTheirPeriod(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if code, body := e.upload(t, "cm", url.Values{"control": {"time-sync"}, "period": {"2026-02"}}, "february"); code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	for _, tc := range []struct {
		method, target, body string
		want                 int
	}{
		{"GET", "/api/v1/status?at=2026-08-01T00:00:00Z", "", 403},
		{"GET", "/api/v1/status?at=2026-03-01T00:00:00Z", "", 200},
		{"GET", "/api/v1/status?from=2025-12-01&to=2026-03-01", "", 403},
		{"GET", "/api/v1/tasks?at=2025-06-01T00:00:00Z", "", 403},
		{"POST", "/api/v1/packs", `{"from":"2025-01-01T00:00:00Z","to":"2026-07-01T00:00:00Z"}`, 403},
		{"POST", "/api/v1/packs", `{"from":"2026-01-01T00:00:00Z","to":"2026-07-02T00:00:00Z"}`, 403},
		{"POST", "/api/v1/packs", `{"from":"2026-01-01T00:00:00Z","to":"2026-07-01T00:00:00Z"}`, 200},
	} {
		code, body := e.do(t, "assessor", tc.method, tc.target, strings.NewReader(tc.body), "application/json")
		if code != tc.want {
			t.Errorf("assessor %s %s %s: %d %.200s, want %d", tc.method, tc.target, tc.body, code, body, tc.want)
		}
	}
	// After the period the assessor's default view is its last instant.
	e.now = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var st struct{ At time.Time }
	e.getJSON(t, "assessor", "/api/v1/status", &st)
	if !st.At.Before(periodTo) || st.At.Before(periodTo.Add(-time.Second)) {
		t.Errorf("assessor status after the period is as of %v, want just before %v", st.At, periodTo)
	}
}

func TestExportedPackVerifies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if code, body := e.upload(t, "cm", url.Values{"control": {"time-sync"}, "period": {"2026-02"}}, "february"); code != 201 {
		t.Fatalf("upload: %d %s", code, body)
	}
	code, zip := e.do(t, "cm", "POST", "/api/v1/packs", strings.NewReader(`{"from":"2026-01-01T00:00:00Z","to":"2026-04-01T00:00:00Z"}`), "application/json")
	if code != 200 || !bytes.HasPrefix(zip, []byte("PK")) {
		t.Fatalf("export: %d %.200s", code, zip)
	}
	var rep struct {
		OK       bool
		Evidence int
		Problems []struct{ Message string }
	}
	code, body := e.do(t, "assessor", "POST", "/api/v1/packs/verify", bytes.NewReader(zip), "application/zip")
	if code != 200 || json.Unmarshal(body, &rep) != nil || !rep.OK || rep.Evidence != 1 {
		t.Errorf("verify: %d %s", code, body)
	}
	// One flipped byte in the middle of the zip is a failed verification.
	bad := bytes.Clone(zip)
	bad[len(bad)/2] ^= 0xff
	code, body = e.do(t, "assessor", "POST", "/api/v1/packs/verify", bytes.NewReader(bad), "application/zip")
	json.Unmarshal(body, &rep)
	if code == 200 && rep.OK {
		t.Errorf("a damaged pack verified: %s", body)
	}
	var whole struct{ OK bool }
	e.getJSONPost(t, "admin", "/api/v1/verify", &whole)
	if !whole.OK {
		t.Errorf("whole-store verify failed on a clean store")
	}
}

func (e *env) getJSONPost(t *testing.T, role, target string, v any) {
	t.Helper()
	code, body := e.do(t, role, "POST", target, nil, "")
	if code != 200 || json.Unmarshal(body, v) != nil {
		t.Fatalf("POST %s as %s: %d %s", target, role, code, body)
	}
}

func TestProgramListsSeeEachWriteAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var before struct{ Items []evident.Control }
	e.getJSON(t, "cm", "/api/v1/program/controls", &before)
	// Asked again (the page kept from the first answer), and a page at a
	// time: each page is its own.
	var again struct{ Items []evident.Control }
	e.getJSON(t, "cm", "/api/v1/program/controls", &again)
	if len(again.Items) != len(before.Items) {
		t.Fatalf("the same list asked twice: %d then %d controls", len(before.Items), len(again.Items))
	}
	var paged []string
	for _, c := range pageThrough[evident.Control](t, e, "/api/v1/program/controls?limit=1", len(before.Items)+1) {
		paged = append(paged, c.ID)
	}
	if len(paged) != len(before.Items) || len(paged) < 2 || paged[0] == paged[1] {
		t.Errorf("paged one at a time: %v; want each of the %d controls once", paged, len(before.Items))
	}
	m, err := e.store.Model(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m.Controls = append(m.Controls, evident.Control{ID: "zz-new", Title: "A new control", Requirements: m.Controls[0].Requirements})
	if _, err := program.Apply(context.Background(), e.store, m, "root"); err != nil {
		t.Fatal(err)
	}
	var after struct{ Items []evident.Control }
	e.getJSON(t, "cm", "/api/v1/program/controls", &after)
	if len(before.Items) != 2 || len(after.Items) != 3 || after.Items[2].ID != "zz-new" {
		t.Errorf("controls before %d, after %d: the list did not see the apply", len(before.Items), len(after.Items))
	}
	if code, _ := e.do(t, "cm", "GET", "/api/v1/program/controls/zz-new", nil, ""); code != 200 {
		t.Errorf("show the new control: %d", code)
	}
}

func TestControlEvidencePagesByPeriodCovered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Uploaded out of order: the list follows the periods, not arrival.
	for _, m := range []string{"2026-02", "2025-11", "2026-01", "2025-12", "2026-03"} {
		if code, body := e.upload(t, "cm", url.Values{"control": {"time-sync"}, "period": {m}}, "report "+m); code != 201 {
			t.Fatalf("upload %s: %d %s", m, code, body)
		}
	}
	e.upload(t, "cm", url.Values{"control": {"vuln-scan"}, "period": {"2026-01"}}, "other control")
	page := func(role string) []string {
		var months []string
		next := ""
		for i := 0; i < 10; i++ {
			var pg struct {
				Items      []evident.Evidence
				NextCursor string `json:"next_cursor"`
			}
			target := "/api/v1/evidence?control=time-sync&limit=2"
			if next != "" {
				target += "&cursor=" + url.QueryEscape(next)
			}
			e.getJSON(t, role, target, &pg)
			for _, ev := range pg.Items {
				months = append(months, ev.Effective.From.Format("2006-01"))
			}
			if next = pg.NextCursor; next == "" {
				break
			}
		}
		return months
	}
	if got := strings.Join(page("cm"), " "); got != "2025-11 2025-12 2026-01 2026-02 2026-03" {
		t.Errorf("compliance manager's pages: %s", got)
	}
	if got := strings.Join(page("assessor"), " "); got != "2026-01 2026-02 2026-03" {
		t.Errorf("assessor's pages: %s, want only their period", got)
	}
}

func TestImportJudgesToolOutputForOwnControlOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	chrony := "Reference ID    : C0A80001 (ntp.example)\nStratum         : 2\nRef time (UTC)  : Tue Feb 10 09:00:00 2026\nSystem time     : 0.000012000 seconds fast of NTP time\nLast offset     : +0.000010000 seconds\nRMS offset      : 0.000020000 seconds\nFrequency       : 1.000 ppm slow\nResidual freq   : +0.001 ppm\nSkew            : 0.010 ppm\nRoot delay      : 0.001000000 seconds\nRoot dispersion : 0.000500000 seconds\nUpdate interval : 64.0 seconds\nLeap status     : Normal\n"
	code, body := e.do(t, "owner", "POST", "/api/v1/imports?control=vuln-scan&format=chrony", strings.NewReader(chrony), "text/plain")
	if code != 403 {
		t.Errorf("owner importing for another's control: %d %s", code, body)
	}
	code, body = e.do(t, "owner", "POST", "/api/v1/imports?control=time-sync&format=chrony&filename=tracking.txt", strings.NewReader(chrony), "text/plain")
	if code != 201 {
		t.Fatalf("import: %d %s", code, body)
	}
	var out struct {
		Format  string
		Raw     evident.Evidence
		Derived evident.Evidence
	}
	json.Unmarshal(body, &out)
	if out.Format != "chrony" || out.Raw.ID == "" || out.Derived.ID == "" || out.Derived.Actor != "token:otto/test" {
		t.Errorf("import outcome: %s", body)
	}
	code, body = e.do(t, "owner", "POST", "/api/v1/imports?control=time-sync&format=nmap", strings.NewReader(chrony), "text/plain")
	if code != 400 {
		t.Errorf("chrony output named nmap: %d %s, want 400", code, body)
	}
}

func TestIncidentLifecycleOverTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code, body := e.do(t, "cm", "POST", "/api/v1/incidents", strings.NewReader(`{"kind":"incident","title":"<script>alert(1)</script> HSM outage","aware_at":"2026-03-01T08:00:00Z","detected_at":"2026-03-01T07:30:00Z"}`), "application/json")
	if code != 201 {
		t.Fatalf("open: %d %s", code, body)
	}
	var inc struct {
		ID     string
		Title  string
		Clocks []struct{ Name, State string }
	}
	json.Unmarshal(body, &inc)
	if inc.ID == "" || len(inc.Clocks) == 0 {
		t.Fatalf("opened incident: %s", body)
	}
	if code, body := e.do(t, "approver", "POST", "/api/v1/incidents/"+inc.ID+"/steps", strings.NewReader(`{"kind":"containment","at":"2026-03-01T09:00:00Z"}`), "application/json"); code != 403 {
		t.Errorf("approver adding a step: %d %s", code, body)
	}
	if code, body := e.do(t, "owner", "POST", "/api/v1/incidents/"+inc.ID+"/steps", strings.NewReader(`{"kind":"containment","at":"2026-03-01T09:00:00Z","note":"isolated"}`), "application/json"); code != 201 {
		t.Errorf("containment step: %d %s", code, body)
	}
	if code, body := e.do(t, "owner", "POST", "/api/v1/incidents/"+inc.ID+"/steps", strings.NewReader(`{"kind":"lunch","at":"2026-03-01T09:00:00Z"}`), "application/json"); code != 400 || !bytes.Contains(body, []byte("kind")) {
		t.Errorf("unknown step kind: %d %s", code, body)
	}
	if code, body := e.do(t, "cm", "POST", "/api/v1/incidents/"+inc.ID+"/classification", strings.NewReader(`{"severity":"high","category":"availability","root_cause":"firmware"}`), "application/json"); code != 200 {
		t.Errorf("classify: %d %s", code, body)
	}
	var shown struct {
		Title           string
		RootCause       string `json:"root_cause"`
		Classifications []struct{ Severity string }
		Steps           []struct{ Kind, Actor string }
	}
	e.getJSON(t, "assessor", "/api/v1/incidents/"+inc.ID, &shown)
	if len(shown.Steps) != 1 || shown.Steps[0].Actor != "token:otto/test" || len(shown.Classifications) != 1 || shown.RootCause != "firmware" {
		t.Errorf("incident as shown: %+v", shown)
	}
	code, body = e.do(t, "cm", "POST", "/api/v1/incidents/"+inc.ID+"/notifications?to=supervisory-body&kind=notification&at=2026-03-01T11:00:00Z&filename=notice.pdf", strings.NewReader("%PDF-1.4 notice"), "application/pdf")
	if code != 201 {
		t.Fatalf("notify: %d %s", code, body)
	}
	var notified struct {
		Notifications []struct {
			EvidenceID string `json:"evidence_id"`
		}
		Clocks []struct{ Name, State string }
	}
	json.Unmarshal(body, &notified)
	if len(notified.Notifications) != 1 || notified.Notifications[0].EvidenceID == "" {
		t.Fatalf("notification without its report as evidence: %s", body)
	}
	if code, _ := e.do(t, "cm", "GET", "/api/v1/evidence/"+notified.Notifications[0].EvidenceID+"/content", nil, ""); code != 200 {
		t.Errorf("the report sent is not retrievable: %d", code)
	}
	if code, body := e.do(t, "cm", "POST", "/api/v1/incidents/"+inc.ID+"/notifications?to=the-press", nil, ""); code != 400 || !bytes.Contains(body, []byte("to")) {
		t.Errorf("unknown recipient: %d %s", code, body)
	}
	// The incident (aware 2026-03-01) is inside the assessor's period; one
	// from after it is not theirs to see.
	e.now = time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC)
	code, body = e.do(t, "cm", "POST", "/api/v1/incidents", strings.NewReader(`{"kind":"incident","title":"later","aware_at":"2026-08-01T08:00:00Z","detected_at":"2026-08-01T07:30:00Z"}`), "application/json")
	if code != 201 {
		t.Fatalf("open later incident: %d %s", code, body)
	}
	var later struct{ ID string }
	json.Unmarshal(body, &later)
	var seen struct{ Items []struct{ ID string } }
	e.getJSON(t, "assessor", "/api/v1/incidents", &seen)
	if len(seen.Items) != 1 || seen.Items[0].ID != inc.ID {
		t.Errorf("assessor's incident list: %+v, want only the one in their period", seen.Items)
	}
	if code, _ := e.do(t, "assessor", "GET", "/api/v1/incidents/"+later.ID, nil, ""); code != 404 {
		t.Errorf("assessor reading an incident after their period: %d, want 404", code)
	}
	// JSON is data: the title comes back as written, and it is the
	// browser pages' job to escape it.
	if shown.Title != "<script>alert(1)</script> HSM outage" {
		t.Errorf("title changed on the way: %q", shown.Title)
	}
}
