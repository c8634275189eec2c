package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/pack"
	"github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/readiness"
)

// withPortScan adds a web portal in a lab zone allowing the ports the
// baseline nmap fixture found open, and a quarterly port scan of it
// verified by importing nmap output; the clock moves to the day after the
// fixtures were recorded.
func withPortScan(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	m, err := e.store.Model(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m.Zones = append(m.Zones, evident.Zone{ID: "lab", Name: "Lab", AllowedServices: []string{"tcp/14443", "tcp/15443", "tcp/18080"}})
	m.Systems = append(m.Systems, evident.System{ID: "web", Name: "Web portal", Kind: evident.SystemTrustworthy, Zone: "lab", Version: "2.1", Hosts: []string{"127.0.0.1"}})
	quarterly, _ := evident.ParseCadence("quarterly")
	crit, _ := evident.ParseCriterion("unexpected_open_ports == 0")
	m.Controls = append(m.Controls, evident.Control{ID: "port-scan", Title: "Quarterly port scan", Requirements: m.Controls[1].Requirements,
		Systems: []string{"web"}, Cadence: quarterly, Method: evident.VerificationMethod{Kind: evident.MethodImport, Format: "nmap", Criteria: []evident.Criterion{crit}}})
	if _, err := program.Apply(ctx, e.store, m, "root"); err != nil {
		t.Fatal(err)
	}
	e.now = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
}

func nmapFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "importer", "testdata", "nmap", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// portScanState is the port scan's open window as GET /api/v1/status says.
func (e *env) portScanState(t *testing.T) evident.Period {
	t.Helper()
	var r readiness.Report
	e.getJSON(t, "cm", "/api/v1/status", &r)
	for _, c := range r.Controls {
		if c.ID == "port-scan" && c.Period != nil {
			return *c.Period
		}
	}
	t.Fatalf("no open window for port-scan in the status")
	return evident.Period{}
}

// Over the API as on the command line: a raw scan never satisfies an
// import control's window, and a later failing verdict turns a satisfied
// window failing in status, tasks and the exported pack's index.
func TestAPIRawScanNeverStandsInForAVerdict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	withPortScan(t, e)
	code, body := e.upload(t, "cm", url.Values{"control": {"port-scan"}, "filename": {"notes.txt"}}, "nmap ran, all fine")
	if code != 422 || !bytes.Contains(body, []byte("evident import nmap")) {
		t.Errorf("raw text for an nmap control: %d %s, want 422 naming `evident import nmap`", code, body)
	}
	if n := e.evidenceCount(t); n != 0 {
		t.Fatalf("%d records stored after the refusal", n)
	}
	code, body = e.do(t, "cm", "POST", "/api/v1/imports?control=port-scan&system=web@2.1&filename=baseline.xml", strings.NewReader(nmapFixture(t, "baseline.xml")), "application/xml")
	if code != 201 {
		t.Fatalf("import baseline: %d %s", code, body)
	}
	if p := e.portScanState(t); p.State != evident.PeriodSatisfied || p.Count() != "1 of 1 systems" {
		t.Errorf("after the passing scan: %s %s, want satisfied 1 of 1 systems", p.State, p.Count())
	}
	code, body = e.upload(t, "cm", url.Values{"control": {"port-scan"}, "system": {"web@2.1"}, "filename": {"new-port.xml"}}, nmapFixture(t, "new-port.xml"))
	var added struct {
		Items   []evident.Evidence
		Imports []struct{ Verdict struct{ Pass bool } }
	}
	if code != 201 || json.Unmarshal(body, &added) != nil || len(added.Imports) != 1 || added.Imports[0].Verdict.Pass {
		t.Fatalf("evidence upload of a failing nmap scan: %d %s, want 201 with its failing import", code, body)
	}
	// The API answers a status up to a minute old at once while it
	// computes the next; two minutes on, the report is the new one.
	e.now = e.now.Add(2 * time.Minute)
	if p := e.portScanState(t); p.State != evident.PeriodFailing {
		t.Errorf("after the later failing scan: %s, want failing", p.State)
	}
	var tasks struct{ Items []readiness.Task }
	e.getJSON(t, "cm", "/api/v1/tasks", &tasks)
	failing := false
	for _, tk := range tasks.Items {
		failing = failing || tk.Control == "port-scan" && tk.State == string(evident.PeriodFailing)
	}
	if !failing {
		t.Errorf("tasks do not list the failing port scan: %+v", tasks.Items)
	}
	code, zipped := e.do(t, "cm", "POST", "/api/v1/packs", strings.NewReader(`{"from":"2026-10-01T00:00:00Z","to":"2027-01-01T00:00:00Z"}`), "application/json")
	if code != 200 {
		t.Fatalf("export: %d %.300s", code, zipped)
	}
	if got := indexWindow(t, zipped, "port-scan", "2026-10-01"); got != evident.PeriodFailing {
		t.Errorf("pack index: port-scan 2026-Q4 is %s, want failing", got)
	}
}

// Every name an upload gives is checked against the program: 422 naming
// the field and the value, and nothing stored.
func TestAPIUploadNamesAreResolved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		q    url.Values
		want string
	}{
		{url.Values{"control": {"no-such-control"}}, `control: no control \"no-such-control\"`},
		{url.Values{"control": {"time-sync"}, "system": {"bogus@0"}}, `system: no system \"bogus\"`},
		{url.Values{"control": {"time-sync"}, "service": {"no-such-service"}}, `service: no service \"no-such-service\"`},
		{url.Values{"control": {"time-sync"}, "about": {"incident/NOPE"}}, `about: no incident \"NOPE\"`},
		{url.Values{"control": {"time-sync"}, "supersedes": {"0190-nope"}}, `supersedes: no evidence record \"0190-nope\"`},
	} {
		code, body := e.upload(t, "cm", tc.q, "x")
		if code != 422 || !bytes.Contains(body, []byte(tc.want)) {
			t.Errorf("upload %v: %d %s, want 422 with %s", tc.q, code, body, tc.want)
		}
	}
	code, body := e.do(t, "cm", "POST", "/api/v1/imports?control=time-sync&format=chrony&system=bogus@0", strings.NewReader("Reference ID : C0A80001\n"), "text/plain")
	if code != 422 || !bytes.Contains(body, []byte(`system: no system \"bogus\"`)) {
		t.Errorf("import naming an unknown system: %d %s, want 422 naming it", code, body)
	}
	if n := e.evidenceCount(t); n != 0 {
		t.Errorf("%d records stored from refused uploads", n)
	}
}

// indexWindow reads a control's window state from a pack's index.json.
func indexWindow(t *testing.T, zipped []byte, control, start string) evident.PeriodState {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open("index.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	var ix pack.Index
	if err := json.Unmarshal(b, &ix); err != nil {
		t.Fatal(err)
	}
	for _, c := range ix.Controls {
		for _, w := range c.Windows {
			if c.ID == control && w.Start.Format("2006-01-02") == start {
				return w.State
			}
		}
	}
	t.Fatalf("index.json has no window of %s starting %s", control, start)
	return ""
}
