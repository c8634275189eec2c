package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/pack"
	"github.com/evidenthq/evident/internal/readiness"
)

// verdictsNow is the instant the verdict tests run at: the day after the
// nmap fixtures were recorded, in the fourth quarter of 2026.
var verdictsNow = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// cliAt is cli with the process's clock fixed at now: run() with an
// injected clock, so no test depends on today's date.
func cliAt(t *testing.T, env map[string]string, now time.Time, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return env[k] }, now: func() time.Time { return now }}
	err := a.dispatch(args)
	if err != nil {
		errb.WriteString("evident: " + evident.ErrorMessage(err) + "\n")
	}
	return exitCode(err), out.String(), errb.String()
}

// portScanPeriod is the open window of the port scan in `status --json`.
func portScanPeriod(t *testing.T, env map[string]string) evident.Period {
	t.Helper()
	code, out, errs := cliAt(t, env, verdictsNow, "status", "--json")
	if code != 0 {
		t.Fatalf("status: exit %d\n%s%s", code, out, errs)
	}
	var r readiness.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Controls {
		if c.ID == "port-scan" && c.Period != nil {
			return *c.Period
		}
	}
	t.Fatalf("status has no open window for port-scan:\n%s", out)
	return evident.Period{}
}

// A raw scan never satisfies an import control's window, and a failing
// verdict after the last passing one makes the window failing in status,
// tasks and the pack's index alike.
func TestRawScanNeverStandsInForAVerdict(t *testing.T) {
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data"), "EVIDENT_ACTOR": "ciso@example.eu"}
	for _, args := range [][]string{{"init", "--name", "Verdicts Test TSP"}, {"apply", "-f", filepath.Join("testdata", "verdicts")}} {
		if code, out, errs := cliAt(t, env, verdictsNow.Add(-time.Hour), args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	nmap := func(name string) string {
		return filepath.Join("..", "..", "internal", "importer", "testdata", "nmap", name)
	}
	notes := filepath.Join(t.TempDir(), "scan-notes.txt")
	if err := os.WriteFile(notes, []byte("nmap run on 27 November: looks fine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cliAt(t, env, verdictsNow, "evidence", "add", notes, "--control", "port-scan")
	if code != 2 || !strings.Contains(errs, "evident import nmap") {
		t.Errorf("evidence add of a text file to an nmap control: exit %d, stderr %q; want 2 naming `evident import nmap`\n%s", code, errs, out)
	}
	if p := portScanPeriod(t, env); p.State != evident.PeriodDue || p.Have != 0 || p.Want != 1 {
		t.Errorf("after the refused file: %s %s, want due 0 of 1", p.State, p.Count())
	}
	code, out, errs = cliAt(t, env, verdictsNow, "import", nmap("baseline.xml"), "--control", "port-scan", "--system", "bogus@0")
	if code != 2 || !strings.Contains(errs, `--system: no system "bogus"`) {
		t.Errorf("import naming an unknown system: exit %d, stderr %q; want 2 naming --system and bogus\n%s", code, errs, out)
	}
	if code, out, errs := cliAt(t, env, verdictsNow, "import", nmap("baseline.xml"), "--control", "port-scan", "--system", "web@2.1"); code != 0 {
		t.Fatalf("import baseline: exit %d\n%s%s", code, out, errs)
	}
	if p := portScanPeriod(t, env); p.State != evident.PeriodSatisfied || p.Count() != "1 of 1 systems" {
		t.Errorf("after the passing scan: %s %s, want satisfied 1 of 1 systems", p.State, p.Count())
	}
	// The second scan found a port the zone does not allow. Added as
	// evidence, it is imported and judged, not kept as a raw pass.
	code, out, errs = cliAt(t, env, verdictsNow, "evidence", "add", nmap("new-port.xml"), "--control", "port-scan", "--system", "web@2.1")
	if code != 0 || !strings.Contains(out, "FAIL  new-port.xml  nmap") {
		t.Fatalf("evidence add of a failing nmap scan: exit %d, want 0 and its FAIL verdict\n%s%s", code, out, errs)
	}
	p := portScanPeriod(t, env)
	if p.State != evident.PeriodFailing || p.Count() != "0 of 1 systems" {
		t.Errorf("after the later failing scan: %s %s, want failing 0 of 1 systems", p.State, p.Count())
	}
	code, out, _ = cliAt(t, env, verdictsNow, "status")
	if code != 0 || !strings.Contains(out, "web: the latest verdict") || !strings.Contains(out, "0 of 1 systems") {
		t.Errorf("status does not say why the window fails:\n%s", out)
	}
	code, out, errs = cliAt(t, env, verdictsNow, "tasks", "--json")
	var tasks struct{ Tasks []readiness.Task }
	if err := json.Unmarshal([]byte(out), &tasks); code != 0 || err != nil {
		t.Fatalf("tasks: exit %d %v\n%s%s", code, err, out, errs)
	}
	failing := false
	for _, tk := range tasks.Tasks {
		failing = failing || tk.Control == "port-scan" && tk.State == string(evident.PeriodFailing)
	}
	if !failing {
		t.Errorf("tasks do not list the failing port scan: %+v", tasks)
	}
	zipPath := filepath.Join(t.TempDir(), "pack.zip")
	code, out, errs = cliAt(t, env, verdictsNow, "pack", "export", "--from", "2026-10-01", "--to", "2027-01-01", "--out", zipPath)
	if code != 0 {
		t.Fatalf("pack export: exit %d\n%s%s", code, out, errs)
	}
	if got := packWindowState(t, zipPath, "port-scan", "2026-10-01"); got != evident.PeriodFailing {
		t.Errorf("pack index: port-scan 2026-Q4 is %s, want failing", got)
	}
}

// packWindowState reads a control's window state from a pack's index.json.
func packWindowState(t *testing.T, zipPath, control, start string) evident.PeriodState {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
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
