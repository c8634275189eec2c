package api

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// FuzzDecodeJSON feeds request bodies to the decoder every JSON handler
// uses, into the types handlers decode. It must never panic, and what it
// accepts must be one valid JSON value without NUL or duplicate keys.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"kind":"incident","title":"HSM outage","aware_at":"2026-03-01T08:00:00Z"}`,
		`{"kind":"containment","at":"2026-03-01T09:00:00Z","note":"a\nb"}`,
		`{"role":"assessor","period_from":"2026-01-01T00:00:00Z","period_to":"2026-04-01T00:00:00Z"}`,
		`{"a":1,"a":2}`, `{"a":"\u0000"}`, `{} {}`, `[1,[2,{"b":null}]]`, `"\ud800"`, `{"a":`, ``,
	} {
		f.Add([]byte(s))
	}
	targets := []func() any{
		func() any { return new(evident.Incident) },
		func() any { return new(evident.Step) },
		func() any { return new(evident.Change) },
		func() any { return new(map[string]any) },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range targets {
			r := httptest.NewRequest("POST", "/api/v1/x", bytes.NewReader(body))
			err := decodeJSON(r, target())
			if err == nil {
				if !json.Valid(body) {
					t.Fatalf("accepted invalid JSON %q", body)
				}
				if bytes.Contains(body, []byte(`\u0000`)) {
					t.Fatalf("accepted a NUL in %q", body)
				}
			} else if c := evident.ErrorCode(err); c != evident.EINVALID {
				t.Fatalf("refusal of %q is %s, want invalid: %v", body, c, err)
			}
		}
	})
}

// FuzzEvidenceMultipart posts fuzzed multipart bodies to the evidence
// upload: it must never panic or answer 500, and must never leave a file
// in the system temp directory.
func FuzzEvidenceMultipart(f *testing.F) {
	const boundary = "fuzzboundary"
	form := func(build func(mw *multipart.Writer)) []byte {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.SetBoundary(boundary)
		build(mw)
		mw.Close()
		return b.Bytes()
	}
	f.Add(form(func(mw *multipart.Writer) {
		mw.WriteField("control", "c1")
		fw, _ := mw.CreateFormFile("file", "scan.xml")
		fw.Write([]byte("<scan/>"))
	}))
	f.Add(form(func(mw *multipart.Writer) {
		fw, _ := mw.CreateFormFile("file", `..\..\a.txt`)
		fw.Write([]byte("x"))
		mw.WriteField("control", "c1")
	}))
	f.Add(form(func(mw *multipart.Writer) { mw.WriteField("control", "c1\x00") }))
	f.Add([]byte("--fuzzboundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\x1b.txt\"\r\n\r\nx\r\n--fuzzboundary--\r\n"))
	f.Add([]byte("--fuzzboundary\r\n\r\n"))

	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	st := storetest.SQLite(f, func() time.Time { return now })
	ctx := context.Background()
	if err := st.CreateProgram(ctx, evident.Program{Name: "Fuzz", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "root"}); err != nil {
		f.Fatal(err)
	}
	err := st.Write(ctx, func(tx *sqlstore.Tx) error {
		return tx.PutObject(ctx, sqlstore.Controls, "c1", evident.Control{ID: "c1", Title: "c1"}, "root")
	})
	if err != nil {
		f.Fatal(err)
	}
	a := New(Config{Store: st, Ledger: ledgertest.Open(f, st, "evident.fuzz", "").Ledger})
	h := a.EvidenceAdd()
	p := auth.Principal{User: evident.User{Name: "cora", Role: evident.RoleComplianceManager}}
	tmp := f.TempDir()
	f.Setenv("TMPDIR", tmp)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/evidence", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
		}
		if rec.Code == http.StatusCreated && strings.Contains(rec.Body.String(), `\u0000`) {
			t.Fatalf("%q: stored a NUL: %s", body, rec.Body)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Fatalf("%q left %d files in the temp directory", body, len(left))
		}
	})
}
