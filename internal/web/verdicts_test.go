package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// addPortScan stores a web portal in a lab zone that allows the ports the
// baseline nmap fixture found open, and a quarterly port scan of it
// verified by importing nmap output.
func addPortScan(t *testing.T, st *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	crit, err := evident.ParseCriterion("unexpected_open_ports == 0")
	if err != nil {
		t.Fatal(err)
	}
	objs := []struct {
		sec sqlstore.Section
		id  string
		v   any
	}{
		{sqlstore.Zones, "lab", evident.Zone{ID: "lab", Name: "Lab", AllowedServices: []string{"tcp/14443", "tcp/15443", "tcp/18080"}}},
		{sqlstore.Systems, "web", evident.System{ID: "web", Name: "Web portal", Kind: evident.SystemTrustworthy, Zone: "lab", Version: "2.1", Hosts: []string{"127.0.0.1"}}},
		{sqlstore.Controls, "port-scan", evident.Control{ID: "port-scan", Title: "Quarterly port scan", Owner: "omar", Systems: []string{"web"},
			Requirements: []evident.RequirementRef{{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}},
			Method:       evident.VerificationMethod{Kind: evident.MethodImport, Format: "nmap", Criteria: []evident.Criterion{crit}},
			Cadence:      evident.Cadence{Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitMonth}}},
	}
	err = st.Write(ctx, func(tx *sqlstore.Tx) error {
		for _, o := range objs {
			if err := tx.PutObject(ctx, o.sec, o.id, o.v, "test"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// uploadPassingScan uploads the recorded baseline scan, in which every
// open port is one the lab zone allows, for the port scan addPortScan
// puts in place, through the upload form as a person would.
func (b *browser) uploadPassingScan(t *testing.T) {
	t.Helper()
	token := b.csrf("/evidence/new?control=port-scan")
	code, body, _ := b.upload(map[string]string{"csrf_token": token, "control": "port-scan", "system": "web@2.1", "period": "2026-11-27T09:00:00Z"},
		map[string]string{"baseline.xml": nmapFixture(t, "baseline.xml")})
	if code != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", code, body)
	}
}

func nmapFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "importer", "testdata", "nmap", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Through the upload form as through the command line and the API: a raw
// scan never satisfies an import control's window, and a later failing
// verdict turns a satisfied window failing on the control page, the list
// of controls, the dashboard and the exported pack.
func TestUploadFormRawScanNeverStandsInForAVerdict(t *testing.T) {
	t.Parallel()
	storetest.Each(t, testClock, func(t *testing.T, st *sqlstore.Store) {
		s := newSite(t, st)
		addPortScan(t, st)
		b := s.signIn(t, "carla", evident.RoleComplianceManager)
		token := b.csrf("/evidence/new?control=port-scan")
		const open = `id="period-2026-10-01" data-state="`
		code, body, _ := b.upload(map[string]string{"csrf_token": token, "control": "port-scan"}, map[string]string{"notes.txt": "nmap ran, all fine"})
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "evident import nmap") || !strings.Contains(body, `id="upload-error"`) {
			t.Errorf("raw text for an nmap control: %d, want 422 naming `evident import nmap`\n%s", code, body)
		}
		if n := evidenceCount(t, st); n != 0 {
			t.Fatalf("%d records stored after the refusal", n)
		}
		// The fixtures ran minutes after the test's clock; the form's
		// period dates each scan before it.
		scan := func(name, at string) {
			t.Helper()
			code, body, loc := b.upload(map[string]string{"csrf_token": token, "control": "port-scan", "system": "web@2.1", "period": at},
				map[string]string{name: nmapFixture(t, name)})
			if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/controls/port-scan") {
				t.Fatalf("upload %s: %d to %q\n%s", name, code, loc, body)
			}
		}
		scan("baseline.xml", "2026-11-27T09:00:00Z")
		_, page := b.get("/controls/port-scan")
		if !strings.Contains(page, open+`satisfied"`) || !strings.Contains(page, "1 of 1 systems") {
			t.Errorf("after the passing scan the open quarter should be satisfied, 1 of 1 systems:\n%s", page)
		}
		scan("new-port.xml", "2026-11-27T09:30:00Z")
		_, page = b.get("/controls/port-scan")
		if !strings.Contains(page, open+`failing"`) || !strings.Contains(page, "web: the latest verdict") {
			t.Errorf("after the later failing scan the open quarter should be failing and say why:\n%s", page)
		}
		if !strings.Contains(page, `id="currency">failing<`) {
			t.Errorf("after the later failing scan the control's evidence should be failing")
		}
		_, list := b.get("/controls")
		if !strings.Contains(list, `class="f-failing current"`) {
			t.Errorf("the list of controls should show the open window failing")
		}
		_, dash := b.get("/")
		if !strings.Contains(dash, "Quarterly port scan") || !strings.Contains(dash, "failing") {
			t.Errorf("the dashboard should list the failing port scan:\n%s", dash)
		}
	})
}

// A control over two systems needs evidence for each: the form names
// several systems at once, and the page counts systems satisfied.
func TestUploadFormCountsSystems(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	s := newSite(t, st)
	ctx := context.Background()
	err := st.Write(ctx, func(tx *sqlstore.Tx) error {
		for _, sys := range []evident.System{{ID: "web", Name: "Web portal", Kind: evident.SystemTrustworthy, Version: "2.1"}, {ID: "db", Name: "Database", Kind: evident.SystemTrustworthy, Version: "16"}} {
			if err := tx.PutObject(ctx, sqlstore.Systems, sys.ID, sys, "test"); err != nil {
				return err
			}
		}
		c := evident.Control{ID: "hardening", Title: "Hardening review", Systems: []string{"web", "db"},
			Requirements: []evident.RequirementRef{{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14"}},
			Method:       evident.VerificationMethod{Kind: evident.MethodAttestation},
			Cadence:      evident.Cadence{Kind: evident.CadencePeriodic, Every: 3, Unit: evident.UnitMonth}}
		return tx.PutObject(ctx, sqlstore.Controls, c.ID, c, "test")
	})
	if err != nil {
		t.Fatal(err)
	}
	b := s.signIn(t, "carla", evident.RoleComplianceManager)
	cora := s.signIn(t, "cora", evident.RoleComplianceManager)
	token := b.csrf("/evidence/new?control=hardening")
	// An attestation counts once a second login accepts it, for the
	// systems it names.
	accept := func() {
		t.Helper()
		es, err := st.ListEvidence(ctx, sqlstore.EvidenceFilter{})
		if err != nil || len(es) == 0 {
			t.Fatalf("no evidence stored: %v", err)
		}
		id := es[0].ID
		for _, e := range es {
			if e.LedgerIndex > es[0].LedgerIndex {
				id = e.ID
			}
		}
		code, page, _ := cora.post("/reviews/"+id, url.Values{"csrf_token": {cora.csrf("/reviews")}, "verb": {"accept"}, "reason": {"signed review"}})
		if code != http.StatusSeeOther {
			t.Fatalf("accept %s: %d\n%.400s", id, code, page)
		}
	}
	send := func(systems ...string) {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf_token", token)
		mw.WriteField("control", "hardening")
		for _, sv := range systems {
			mw.WriteField("system", sv)
		}
		mw.WriteField("statement", "hardening baseline reviewed on every named system")
		fw, _ := mw.CreateFormFile("files", "review.txt")
		fw.Write([]byte("reviewed and signed\n"))
		mw.Close()
		if code, page, _ := b.do("/evidence", mw.FormDataContentType(), &body); code != http.StatusSeeOther {
			t.Fatalf("upload naming %v: %d\n%s", systems, code, page)
		}
		accept()
	}
	const open = `id="period-2026-10-01" data-state="`
	send("web@2.1")
	_, page := b.get("/controls/hardening")
	if !strings.Contains(page, open+`due"`) || !strings.Contains(page, "1 of 2 systems") || !strings.Contains(page, "db: 0 passing item(s)") {
		t.Errorf("after evidence for web only the quarter should be due, 1 of 2 systems, db lacking:\n%s", page)
	}
	send("web@2.1", "db@16")
	if _, page = b.get("/controls/hardening"); !strings.Contains(page, open+`satisfied"`) || !strings.Contains(page, "2 of 2 systems") {
		t.Errorf("after evidence naming both systems the quarter should be satisfied, 2 of 2 systems:\n%s", page)
	}
}
