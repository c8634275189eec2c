package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/pack"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

func TestExportedPackVerifiesAndAssessorIsHeldToPeriod(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	addControl(t, st, "vuln-scan")
	carla := s.signIn(t, "carla", evident.RoleComplianceManager)
	carla.upload(map[string]string{"csrf_token": carla.csrf("/evidence/new"), "control": "vuln-scan", "period": "2026-Q4"}, map[string]string{"scan.xml": "<nmaprun/>"})
	if n := evidenceCount(t, st); n != 1 {
		t.Fatalf("%d records before export, want 1", n)
	}
	form := url.Values{"csrf_token": {carla.csrf("/packs")}, "from": {"2026-01-01"}, "to": {"2026-12-01"}}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/packs", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := carla.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	zip, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" || !strings.Contains(resp.Header.Get("Content-Disposition"), "evidence-pack-20260101-20261201.zip") {
		t.Fatalf("export: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	rep, err := pack.Verify(context.Background(), bytes.NewReader(zip), int64(len(zip)), pack.VerifyOptions{Limits: pack.DefaultLimits})
	if err != nil || !rep.OK {
		t.Fatalf("the downloaded pack does not verify: %v %+v", err, rep)
	}
	// The assessor's period is the year to testNow; a pack reaching past
	// it is refused on the form, before anything is built.
	asa := s.signIn(t, "asa", evident.RoleAssessor)
	_, page := asa.get("/packs")
	if !strings.Contains(page, `value="2025-11-27"`) {
		t.Errorf("the assessor's form does not default to their period")
	}
	code, body, _ := asa.post("/packs", url.Values{"csrf_token": {asa.csrf("/packs")}, "from": {"2026-01-01"}, "to": {"2027-01-01"}})
	if code != http.StatusForbidden || !strings.Contains(body, `id="pack-error"`) {
		t.Errorf("assessor exporting beyond their period: %d; want 403 on the form", code)
	}
	owner := s.signIn(t, "omar", evident.RoleControlOwner, "vuln-scan")
	if code, _ := owner.get("/packs"); code != http.StatusForbidden {
		t.Errorf("control owner GET /packs: %d, want 403", code)
	}
	if _, page := owner.get("/"); strings.Contains(page, `href="/packs"`) {
		t.Errorf("the control owner's navigation offers packs they may not export")
	}
}
