package server_test

import (
	"bytes"
	"crypto/tls"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestBadBytesInJSONAreRefusedNamingTheField sends NUL and control
// characters in JSON text: PostgreSQL cannot store a NUL and SQLite
// would keep it, so both refuse it at the boundary with 400 naming the
// field, and nothing is stored.
func TestBadBytesInJSONAreRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			e := newEnvOn(t, func(now func() time.Time) *sqlstore.Store {
				if name == "sqlite" {
					return storetest.SQLite(t, now)
				}
				return storetest.Postgres(t, now)
			})
			for _, tc := range []struct{ body, field string }{
				{`{"kind":"incident","title":"HSM\u0000 outage","aware_at":"2026-03-01T08:00:00Z"}`, "body.title"},
				{`{"kind":"incident","title":"HSM outage \u001b[2J","aware_at":"2026-03-01T08:00:00Z"}`, "body.title"},
				{`{"kind":"incident","title":"HSM outage","summary":"ok\u0000","aware_at":"2026-03-01T08:00:00Z"}`, "body.summary"},
				{`{"kind":"incident","title":"HSM outage","systems":["a\u0000"],"aware_at":"2026-03-01T08:00:00Z"}`, "body.systems[0]"},
			} {
				code, body := e.do(t, "cm", "POST", "/api/v1/incidents", strings.NewReader(tc.body), "application/json")
				if code != http.StatusBadRequest || !bytes.Contains(body, []byte(tc.field)) {
					t.Errorf("POST %s: %d %s, want 400 naming %s", tc.body, code, body, tc.field)
				}
			}
			var list struct{ Items []any }
			e.getJSON(t, "cm", "/api/v1/incidents", &list)
			if len(list.Items) != 0 {
				t.Errorf("%d incidents stored after refusals", len(list.Items))
			}
			// Line breaks and tabs are text.
			code, body := e.do(t, "cm", "POST", "/api/v1/incidents", strings.NewReader(`{"kind":"incident","title":"HSM outage","summary":"line one\nline two\ttabbed","aware_at":"2026-03-01T08:00:00Z"}`), "application/json")
			if code != http.StatusCreated {
				t.Errorf("summary with line breaks: %d %s, want 201", code, body)
			}
		})
	}
}

// TestJSONBodiesAreStrict refuses what encoding/json would let through:
// a key given twice (a reviewer reads one value, the server another),
// data after the value, and a body over the limit, which is 413 rather
// than a puzzling "unexpected EOF".
func TestJSONBodiesAreStrict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		body  string
		code  int
		field string
	}{
		{`{"kind":"incident","title":"a","title":"b","aware_at":"2026-03-01T08:00:00Z"}`, 400, "body.title"},
		{`{"kind":"incident","title":"a","aware_at":"2026-03-01T08:00:00Z"} {"kind":"incident"}`, 400, "after its JSON value"},
		{`{"kind":"incident","title":"a","aware_at":"2026-03-01T08:00:00Z"}garbage`, 400, "body"},
		{`{"kind":"incident","title":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "larger than"},
	} {
		code, body := e.do(t, "cm", "POST", "/api/v1/incidents", strings.NewReader(tc.body), "application/json")
		if code != tc.code || !bytes.Contains(body, []byte(tc.field)) {
			t.Errorf("POST %.80s: %d %.200s, want %d naming %q", tc.body, code, body, tc.code, tc.field)
		}
	}
}

// TestAPIAnswersAreNotCachedAndTLSIsPinned checks the headers: no cache
// may keep an API answer, and a response over TLS asks browsers to keep
// to HTTPS.
func TestAPIAnswersAreNotCachedAndTLSIsPinned(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, target := range []string{"/api/v1/me", "/api/v1/evidence", "/api/v1/evidence/nope"} {
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens["cm"])
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s (%d): Cache-Control %q, want no-store", target, rec.Code, got)
		}
		if got := rec.Header().Get("Strict-Transport-Security"); got != "" {
			t.Errorf("GET %s over plain HTTP sends HSTS %q", target, got)
		}
	}
	req := httptest.NewRequest("GET", "/login", nil)
	req.TLS = &tls.ConnectionState{}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if got := rec.Header().Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("GET /login over TLS: Strict-Transport-Security %q, want max-age", got)
	}
}

// TestUploadedNamesAreCheckedAndStoredAsBaseNames refuses a file name
// holding NUL or a terminal escape, naming it, and keeps only the last
// element of a name with directories.
func TestUploadedNamesAreCheckedAndStoredAsBaseNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, q := range []url.Values{
		{"control": {"time-sync"}, "filename": {"scan\x00.xml"}},
		{"control": {"time-sync"}, "filename": {"scan\x1b[2J.xml"}},
		{"control": {"time-sync\x00"}},
	} {
		code, body := e.upload(t, "cm", q, "x")
		if code != http.StatusBadRequest || !bytes.Contains(body, []byte("NUL")) && !bytes.Contains(body, []byte("control character")) {
			t.Errorf("upload %q: %d %s, want 400 naming the bad byte", q.Encode(), code, body)
		}
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("control", "time-sync")
	fw, _ := mw.CreateFormFile("file", "scan\x1b[31m.xml")
	fw.Write([]byte("x"))
	mw.Close()
	if code, out := e.do(t, "cm", "POST", "/api/v1/evidence", &body, mw.FormDataContentType()); code != http.StatusBadRequest || !bytes.Contains(out, []byte("file")) {
		t.Errorf("multipart file name with an escape: %d %s, want 400 naming the file", code, out)
	}
	if n := e.evidenceCount(t); n != 0 {
		t.Fatalf("%d records stored after refusals", n)
	}
	for _, name := range []string{`..\..\windows\evil.txt`, "../../etc/evil.txt"} {
		code, out := e.upload(t, "cm", url.Values{"control": {"time-sync"}, "filename": {name}}, "x")
		if code != http.StatusCreated || !bytes.Contains(out, []byte(`"filename":"evil.txt"`)) {
			t.Errorf("upload named %q: %d %s, want it stored as evil.txt", name, code, out)
		}
	}
}

// TestAPIUploadLeavesNoTemporaryFiles posts multipart uploads with parts
// over the 32 MiB net/http keeps in memory, refused and accepted, with
// the system temp directory pointed at an empty one: it stays empty
// whatever the answer.
func TestAPIUploadLeavesNoTemporaryFiles(t *testing.T) {
	e := newEnv(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	big := bytes.Repeat([]byte{0x5a}, 40<<20)
	form := func(fields map[string]string) (*bytes.Buffer, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", "image.bin")
		fw.Write(big)
		mw.Close()
		return &body, mw.FormDataContentType()
	}
	for _, tc := range []struct {
		role   string
		fields map[string]string
		want   int
	}{
		{"owner", map[string]string{"control": "vuln-scan"}, http.StatusForbidden},
		{"cm", map[string]string{"control": "vuln-scan", "period": "2026-Q5"}, http.StatusBadRequest},
		{"cm", map[string]string{"control": "no-such-control"}, http.StatusUnprocessableEntity},
		{"cm", map[string]string{"control": "vuln-scan"}, http.StatusCreated},
	} {
		body, ct := form(tc.fields)
		code, out := e.do(t, tc.role, "POST", "/api/v1/evidence", body, ct)
		if code != tc.want {
			t.Errorf("upload %v as %s: %d %.200s, want %d", tc.fields, tc.role, code, out, tc.want)
		}
		entries, err := os.ReadDir(tmp)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) > 0 {
			t.Errorf("upload %v as %s (%d) left %d files in the temp directory", tc.fields, tc.role, code, len(entries))
		}
	}
	if n := e.evidenceCount(t); n != 1 {
		t.Errorf("%d records, want the one accepted upload", n)
	}
}
