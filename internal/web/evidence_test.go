package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// addControl stores a quarterly control meeting REQ-7.8-14.
func addControl(t *testing.T, st *sqlstore.Store, id string) {
	t.Helper()
	c := evident.Control{ID: id, Title: "Quarterly vulnerability scan", Owner: "omar",
		Requirements: []evident.RequirementRef{{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}},
		Method:       evident.VerificationMethod{Kind: evident.MethodAttestation},
		Cadence:      evident.Cadence{Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitMonth}}
	ctx := context.Background()
	// As evident apply writes it: the row and the program.apply leaf that
	// carries the object, which pack verify replays the program from.
	err := st.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.PutObject(ctx, sqlstore.Controls, id, c, "test"); err != nil {
			return err
		}
		step := map[string]any{"op": "add", "section": string(sqlstore.Controls), "id": id, "object": c}
		_, err := tx.Audit(ctx, "program.apply", "program", "test", map[string]any{"added": 1, "steps": []any{step}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// upload posts the upload form with files (name -> content).
func (b *browser) upload(fields map[string]string, files map[string]string) (int, string, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, content := range files {
		fw, _ := mw.CreateFormFile("files", name)
		fw.Write([]byte(content))
	}
	mw.Close()
	return b.do("/evidence", mw.FormDataContentType(), &body)
}

func evidenceCount(t *testing.T, st *sqlstore.Store) int {
	t.Helper()
	es, err := st.ListEvidence(context.Background(), sqlstore.EvidenceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestUploadStoresEveryFileWithDigestAndProof(t *testing.T) {
	t.Parallel()
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		addControl(t, st, "vuln-scan")
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		token := b.csrf("/evidence/new?control=vuln-scan")
		files := map[string]string{"scan-q3.xml": "<nmaprun/>", "report.txt": "no open ports beyond the allowed set"}
		code, body, loc := b.upload(map[string]string{"csrf_token": token, "control": "vuln-scan", "period": "2026-Q3"}, files)
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/controls/vuln-scan?added=2") {
			t.Fatalf("upload: %d to %q\n%s", code, loc, body)
		}
		es, err := st.ListEvidence(context.Background(), sqlstore.EvidenceFilter{Control: "vuln-scan"})
		if err != nil || len(es) != 2 {
			t.Fatalf("stored %d records for vuln-scan (%v), want 2", len(es), err)
		}
		for _, e := range es {
			sum := sha256.Sum256([]byte(files[e.Filename]))
			if e.Digest.String() != hex.EncodeToString(sum[:]) || e.Actor != "carla" || e.Effective.String() != "2026-07-01T00:00:00Z/2026-10-01T00:00:00Z" {
				t.Errorf("record %s: digest %s, actor %s, covers %s; want the file's SHA-256, carla, 2026-Q3", e.Filename, e.Digest, e.Actor, e.Effective)
			}
			_, page := b.get("/evidence/" + e.ID)
			if !strings.Contains(page, e.Digest.String()) || !strings.Contains(page, "c2sp.org/tlog-proof@v1") || !strings.Contains(page, "st-verified") {
				t.Errorf("evidence page of %s lacks its digest or a checking inclusion proof", e.Filename)
			}
			resp, err := b.c.Get(s.URL + "/evidence/" + e.ID + "/content")
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			got.ReadFrom(resp.Body)
			resp.Body.Close()
			if got.String() != files[e.Filename] || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("download of %s: %q as %q; want the bytes as an attachment", e.Filename, got.String(), resp.Header.Get("Content-Disposition"))
			}
		}
		_, list := b.get("/evidence?control=vuln-scan")
		if !strings.Contains(list, "scan-q3.xml") || !strings.Contains(list, "report.txt") {
			t.Errorf("evidence list does not show both files")
		}
	})
}

func TestBadUploadStoresNothing(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.SQLite(t, testClock))
	addControl(t, s.st, "vuln-scan")
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	token := b.csrf("/evidence/new")
	cases := []struct {
		fields map[string]string
		files  map[string]string
		want   string
	}{
		{map[string]string{"control": "vuln-scan"}, nil, "choose at least one file"},
		{map[string]string{"control": ""}, map[string]string{"a.txt": "a"}, "choose the control"},
		{map[string]string{"control": "no-such-control"}, map[string]string{"a.txt": "a"}, "no-such-control"},
		{map[string]string{"control": "vuln-scan", "period": "2026-Q5"}, map[string]string{"a.txt": "a"}, "2026-Q5"},
		{map[string]string{"control": "vuln-scan", "system": "no-version"}, map[string]string{"a.txt": "a"}, "no-version"},
	}
	for _, c := range cases {
		c.fields["csrf_token"] = token
		code, body, _ := b.upload(c.fields, c.files)
		if code < 400 || code >= 500 || !strings.Contains(body, c.want) || !strings.Contains(body, `id="upload-error"`) {
			t.Errorf("upload %v: %d; want a 4xx form naming %q\n%s", c.fields, code, c.want, body)
		}
	}
	if n := evidenceCount(t, s.st); n != 0 {
		t.Errorf("%d records stored after refused uploads, want 0", n)
	}
}

func TestUploadRefusedToAssessorAndForeignControlOwner(t *testing.T) {
	t.Parallel()
	s := newSite(t, storetest.SQLite(t, testClock))
	addControl(t, s.st, "vuln-scan")
	addControl(t, s.st, "time-sync")
	assessor := s.signIn(t, "asa", evident.RoleAssessor)
	if code, _ := assessor.get("/evidence/new"); code != http.StatusForbidden {
		t.Errorf("assessor GET /evidence/new: %d, want 403", code)
	}
	token := assessor.csrf("/login")
	if code, _, _ := assessor.upload(map[string]string{"csrf_token": token, "control": "vuln-scan"}, map[string]string{"a.txt": "a"}); code != http.StatusForbidden {
		t.Errorf("assessor POST /evidence: %d, want 403", code)
	}
	owner := s.signIn(t, "omar", evident.RoleControlOwner, "time-sync")
	token = owner.csrf("/evidence/new")
	code, body, _ := owner.upload(map[string]string{"csrf_token": token, "control": "vuln-scan"}, map[string]string{"a.txt": "a"})
	if code != http.StatusForbidden || !strings.Contains(body, "vuln-scan") {
		t.Errorf("control owner of time-sync uploading for vuln-scan: %d; want 403 naming the control", code)
	}
	code, _, _ = owner.upload(map[string]string{"control": "time-sync"}, map[string]string{"a.txt": "a"})
	if code != http.StatusForbidden {
		t.Errorf("upload without CSRF token: %d, want 403", code)
	}
	if n := evidenceCount(t, s.st); n != 0 {
		t.Errorf("%d records stored after refused uploads, want 0", n)
	}
	code, _, loc := owner.upload(map[string]string{"csrf_token": token, "control": "time-sync"}, map[string]string{"chrony.txt": "offset 0.000012"})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/controls/time-sync") {
		t.Errorf("control owner uploading for their own control: %d to %q, want 303 to the control", code, loc)
	}
}

func TestUploadForTheOpenWindowSatisfiesIt(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	addControl(t, st, "vuln-scan")
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	const open = `id="period-2026-10-01" data-state="`
	_, page := b.get("/controls/vuln-scan")
	if !strings.Contains(page, open+`due" class="current"`) {
		t.Fatalf("before any evidence the open quarter (2026-10-01) should be due and current:\n%s", page)
	}
	token := b.csrf("/evidence/new?control=vuln-scan")
	code, _, loc := b.upload(map[string]string{"csrf_token": token, "control": "vuln-scan", "period": "2026-Q4",
		"statement": "every CA host scanned; no finding above medium"}, map[string]string{"scan.xml": "<nmaprun/>"})
	if code != http.StatusSeeOther {
		t.Fatalf("upload: %d", code)
	}
	// The control is verified by attestation: the upload is a submission,
	// and the window waits for someone other than carla to accept it.
	_, page = b.get(loc)
	if !strings.Contains(page, open+`due"`) || !strings.Contains(page, "awaiting review") || !strings.Contains(page, `id="added"`) {
		t.Errorf("after the upload the open quarter should await review and the page should say the file was stored:\n%s", page)
	}
	reviewer := s.signIn(t, "cora", evident.RoleComplianceManager)
	evs, err := st.ListEvidence(context.Background(), sqlstore.EvidenceFilter{Control: "vuln-scan"})
	if err != nil || len(evs) != 1 {
		t.Fatalf("stored evidence: %v %d", err, len(evs))
	}
	code, _, _ = reviewer.post("/reviews/"+evs[0].ID, url.Values{"csrf_token": {reviewer.csrf("/reviews")}, "verb": {"accept"}})
	if code != http.StatusSeeOther {
		t.Fatalf("cora accepting: %d", code)
	}
	_, page = b.get(loc)
	if !strings.Contains(page, open+`satisfied"`) {
		t.Errorf("after cora accepted it the open quarter should be satisfied:\n%s", page)
	}
	if !strings.Contains(page, `id="currency">current<`) {
		t.Errorf("after the upload the control's evidence should be current")
	}
	_, list := b.get("/controls")
	if !strings.Contains(list, `class="f-satisfied current"`) || !strings.Contains(list, `st-current`) {
		t.Errorf("the list of controls should show the open window satisfied and the evidence current")
	}
}

func TestAssessorSeesOnlyTheirPeriodsEvidence(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	addControl(t, st, "vuln-scan")
	carla := s.signIn(t, "carla", evident.RoleComplianceManager)
	token := carla.csrf("/evidence/new")
	carla.upload(map[string]string{"csrf_token": token, "control": "vuln-scan", "period": "2026-Q3"}, map[string]string{"inside.xml": "a"})
	carla.upload(map[string]string{"csrf_token": token, "control": "vuln-scan", "period": "2024-Q3"}, map[string]string{"before.xml": "b"})
	es, _ := st.ListEvidence(context.Background(), sqlstore.EvidenceFilter{})
	if len(es) != 2 {
		t.Fatalf("%d records, want 2", len(es))
	}
	asa := s.signIn(t, "asa", evident.RoleAssessor) // period: the year to testNow
	_, list := asa.get("/evidence")
	if !strings.Contains(list, "inside.xml") || strings.Contains(list, "before.xml") {
		t.Errorf("assessor's evidence list should hold the 2026-Q3 record and not the 2024-Q3 one")
	}
	for _, e := range es {
		code, _ := asa.get("/evidence/" + e.ID)
		want := http.StatusOK
		if e.Filename == "before.xml" {
			want = http.StatusNotFound
		}
		if code != want {
			t.Errorf("assessor GET evidence %s: %d, want %d", e.Filename, code, want)
		}
	}
}

// TestEvidenceListFilters: the evidence list filters by actor, verdict,
// kind and the period covered, in the URL; a bad value is a 400 naming
// the field.
func TestEvidenceListFilters(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		addControl(t, st, "vuln-scan")
		browsers := map[string]*browser{}
		for _, who := range []string{"carla", "cora"} {
			b := s.signIn(t, who, evident.RoleComplianceManager)
			browsers[who] = b
			token := b.csrf("/evidence/new?control=vuln-scan")
			period := map[string]string{"carla": "2026-Q2", "cora": "2026-Q3"}[who]
			if code, body, _ := b.upload(map[string]string{"csrf_token": token, "control": "vuln-scan", "period": period},
				map[string]string{who + ".txt": "attested by " + who}); code != http.StatusSeeOther {
				t.Fatalf("upload by %s: %d\n%s", who, code, body)
			}
		}
		b := browsers["carla"]
		for _, c := range []struct {
			query string
			carla bool
			cora  bool
		}{
			{"", true, true},
			{"?actor=cora", false, true},
			{"?verdict=none", true, true},
			{"?verdict=pass", false, false},
			{"?kind=raw&from=2026-07-01&to=2026-10-01", false, true},
			{"?kind=derived", false, false},
		} {
			code, page := b.get("/evidence" + c.query)
			if code != 200 || strings.Contains(page, "carla.txt") != c.carla || strings.Contains(page, "cora.txt") != c.cora {
				t.Errorf("/evidence%s: %d, carla's %v cora's %v; want %v %v", c.query, code,
					strings.Contains(page, "carla.txt"), strings.Contains(page, "cora.txt"), c.carla, c.cora)
			}
		}
		for _, q := range []string{"?verdict=maybe", "?kind=other", "?from=soon"} {
			if code, _ := b.get("/evidence" + q); code != http.StatusBadRequest {
				t.Errorf("/evidence%s: %d, want 400", q, code)
			}
		}
	})
}

// TestEvidenceNames: the names lists show for evidence ids are the file
// and the day received; an unknown id is left out.
func TestEvidenceNames(t *testing.T) {
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		addControl(t, st, "vuln-scan")
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		token := b.csrf("/evidence/new?control=vuln-scan")
		if code, body, _ := b.upload(map[string]string{"csrf_token": token, "control": "vuln-scan", "period": "2026-Q3"},
			map[string]string{"attestation.txt": "done"}); code != http.StatusSeeOther {
			t.Fatalf("upload: %d\n%s", code, body)
		}
		es, err := st.ListEvidence(context.Background(), sqlstore.EvidenceFilter{Control: "vuln-scan"})
		if err != nil || len(es) != 1 {
			t.Fatalf("%d records, %v", len(es), err)
		}
		names, err := st.EvidenceNames(context.Background(), []string{es[0].ID, "no-such-id"})
		if err != nil || len(names) != 1 || names[es[0].ID] != "attestation.txt, "+testNow.Format("2006-01-02") {
			t.Errorf("names = %v, %v; want the file and the day for the one known id", names, err)
		}
		if _, page := b.get("/audit?kind=evidence"); !strings.Contains(page, `<a href="/evidence/`+es[0].ID+`">attestation.txt, `+testNow.Format("2006-01-02")+`</a>`) {
			t.Errorf("the audit trail does not name the evidence record by file and day")
		}
	})
}
