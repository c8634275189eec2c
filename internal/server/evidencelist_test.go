package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Evidence lists write each record's JSON once and copy it after: the
// answer is byte for byte what encoding the decoded records gives, the
// first time and every time after, in ledger order and for one control.
func TestEvidenceListsAnswerTheRecordsAsDecoded(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, e *env) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("control", "vuln-scan")
		mw.WriteField("period", "2026-Q1")
		for _, name := range []string{"scan-a.xml", "scan <b>&.xml"} {
			w, _ := mw.CreateFormFile("file", name)
			w.Write([]byte("<nmaprun/> " + name))
		}
		mw.Close()
		if code, body := e.do(t, "cm", "POST", "/api/v1/evidence", &buf, mw.FormDataContentType()); code != 201 {
			t.Fatalf("upload: %d %s", code, body)
		}
		for target, f := range map[string]sqlstore.EvidenceFilter{
			"/api/v1/evidence?limit=1":           {Limit: 1},
			"/api/v1/evidence":                   {},
			"/api/v1/evidence?control=vuln-scan": {Control: "vuln-scan"},
		} {
			evs, err := e.store.ListEvidence(context.Background(), f)
			if f.Control != "" {
				// A control's evidence is paged in the order of the periods covered.
				evs, _, err = e.store.ControlEvidencePage(context.Background(), f.Control, time.Time{}, time.Time{}, "", 51)
			}
			if err != nil || len(evs) == 0 {
				t.Fatalf("%d records listed by the store: %v", len(evs), err)
			}
			var want bytes.Buffer
			json.NewEncoder(&want).Encode(struct {
				Items []evident.Evidence `json:"items"`
			}{evs})
			for i := range 2 {
				code, got := e.do(t, "assessor", "GET", target, nil, "")
				if code != 200 {
					t.Fatalf("GET %s: %d %s", target, code, got)
				}
				if f.Limit == 1 {
					var page struct {
						Items      []json.RawMessage `json:"items"`
						NextCursor string            `json:"next_cursor"`
					}
					if json.Unmarshal(got, &page); len(page.Items) != 1 || page.NextCursor == "" {
						t.Errorf("GET %s: %d items, cursor %q; want one and a cursor", target, len(page.Items), page.NextCursor)
					}
					continue
				}
				if !bytes.Equal(got, want.Bytes()) {
					t.Errorf("GET %s (request %d):\n%s\nwant the decoded records:\n%s", target, i+1, got, want.Bytes())
				}
			}
		}
	})
}
