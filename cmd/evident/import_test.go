package main

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ingest"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
)

const fixtures = "../../internal/importer/testdata"

// importEnv initialises a data directory with the example program, changed
// in one way: the issuing CA answers on 127.0.0.1 alone, where the nmap and
// testssl fixtures were recorded, and its zone allows the three ports the
// baseline scan found open, so a fourth one is the unexpected port.
func importEnv(t *testing.T) map[string]string {
	t.Helper()
	prog := filepath.Join(t.TempDir(), "program")
	copyTree(t, filepath.Join("..", "..", "examples", "qtsp"), prog)
	scope := filepath.Join(prog, "scope.yaml")
	b, err := os.ReadFile(scope)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for old, repl := range map[string]string{
		"allowed_services: [tcp/1792, tcp/8443]": "allowed_services: [tcp/1792, tcp/8443, tcp/14443, tcp/15443, tcp/18080]",
		"hosts: [10.20.1.10, 10.20.1.11]":        "hosts: [127.0.0.1]",
	} {
		if !strings.Contains(s, old) {
			t.Fatalf("example scope.yaml no longer contains %q; update the test", old)
		}
		s = strings.Replace(s, old, repl, 1)
	}
	if err := os.WriteFile(scope, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data"), "EVIDENT_ACTOR": "scanner@example.eu"}
	for _, args := range [][]string{{"init", "--name", "Example QTSP"}, {"apply", "-f", prog}} {
		if code, out, errs := cli(t, env, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	return env
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// importJSON runs import with --json and decodes the outcomes.
func importJSON(t *testing.T, env map[string]string, args ...string) []ingest.Outcome {
	t.Helper()
	code, out, errs := cli(t, env, append(append([]string{"import"}, args...), "--json")...)
	if code != 0 {
		t.Fatalf("import %v: exit %d\n%s%s", args, code, out, errs)
	}
	var v []ingest.Outcome
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("import %v --json: %v\n%s", args, err, out)
	}
	return v
}

// stored reports the ledger size and the number of import runs.
func stored(t *testing.T, env map[string]string) (int64, int) {
	t.Helper()
	a := &app{ctx: context.Background(), getenv: func(k string) string { return env[k] }, now: time.Now, stdout: io.Discard, stderr: io.Discard}
	a.flags("test")
	l, st, err := a.openLedger()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := l.Size(a.ctx)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := st.ImportRuns(a.ctx, sqlstore.ImportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return n, len(runs)
}

// The done-when: a second nmap scan with a new open port fails the
// control, names the port, and reports it as appeared since the first. The
// scans are of the issuing CA, so the other systems of the control's scope
// are not the scans' business.
func TestImportNmapNewPortFails(t *testing.T) {
	env := importEnv(t)
	first := importJSON(t, env, "nmap", filepath.Join(fixtures, "nmap", "baseline.xml"), "--control", "vuln-scan-quarterly", "--target", "issuing-ca")
	if len(first) != 1 || !first[0].Verdict.Pass || !first[0].First || first[0].Target != "issuing-ca" {
		t.Fatalf("baseline: %+v, want one passing first import of issuing-ca", first)
	}
	code, out, errs := cli(t, env, "import", filepath.Join(fixtures, "nmap", "new-port.xml"), "--control", "vuln-scan-quarterly", "--target", "issuing-ca")
	if code != 0 {
		t.Fatalf("import new-port: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"FAIL", "failed unexpected_open_ports == 0 (got 1)", "127.0.0.1 tcp/12323", "1 appeared, 0 gone", "appeared  127.0.0.1 tcp/12323",
		"scope: checked 1 of 1 in-scope hosts: issuing-ca 127.0.0.1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The derived record carries the verdict readiness reads; the raw
	// file is not linked to the control, so it cannot count as passing.
	code, out, _ = cli(t, env, "evidence", "list", "--control", "vuln-scan-quarterly", "--json")
	var evs []evident.Evidence
	if err := json.Unmarshal([]byte(out), &evs); code != 0 || err != nil {
		t.Fatalf("evidence list: exit %d, %v\n%s", code, err, out)
	}
	verdicts := map[evident.Verdict]int{}
	for _, e := range evs {
		if e.Kind != evident.DerivedEvidence || len(e.DerivedFrom) != 1 {
			t.Errorf("evidence %s linked to the control is %s derived from %v, want only derived records naming their raw file", e.ID, e.Kind, e.DerivedFrom)
		}
		verdicts[e.Verdict]++
	}
	if verdicts[evident.VerdictPass] != 1 || verdicts[evident.VerdictFail] != 1 {
		t.Errorf("verdicts on the control = %v, want one pass and one fail", verdicts)
	}
	// Every blob the records name is on disk and every leaf checks out.
	if code, out, errs := cli(t, env, "verify"); code != 0 {
		t.Errorf("verify after importing: exit %d\n%s%s", code, out, errs)
	}
}

// A scan of one address does not cover the other systems of a control's
// scope: the import passes on what it checked, names the in-scope hosts
// it did not check and says their systems stay unsatisfied, and exits 0;
// a file cut off is refused with exit 2.
func TestImportSaysWhatItDidNotCover(t *testing.T) {
	env := importEnv(t)
	code, out, errs := cli(t, env, "import", filepath.Join(fixtures, "nmap", "baseline.xml"), "--control", "vuln-scan-quarterly")
	if code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"pass  baseline.xml", "scope: checked 1 of ", "in-scope hosts: issuing-ca 127.0.0.1\n",
		"not checked (their systems stay unsatisfied until a run checks them): issuing-hsm 10.20.1.20, ", "siem 10.20.5.10, backup-vault 10.20.5.20"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "failed scope.missing") {
		t.Errorf("the missed hosts fail the import:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(fixtures, "nmap", "three-hosts.xml"))
	if err != nil {
		t.Fatal(err)
	}
	cutoff := filepath.Join(t.TempDir(), "scan.xml")
	if err := os.WriteFile(cutoff, b[:3000], 0o644); err != nil {
		t.Fatal(err)
	}
	before, runs := stored(t, env)
	code, out, errs = cli(t, env, "import", cutoff, "--control", "vuln-scan-quarterly")
	if code != 2 || !strings.Contains(errs, "scan.xml: truncated: ") {
		t.Errorf("import of a cut-off scan: exit %d, %q; want 2 and \"scan.xml: truncated: ...\"\n%s", code, errs, out)
	}
	if n, r := stored(t, env); n != before || r != runs {
		t.Errorf("ledger size %d and %d import runs after the refused import, want %d and %d", n, r, before, runs)
	}
}

// A testssl scan offering TLS 1.0 fails "no protocol below TLS 1.2", and
// its critical findings open vulnerabilities.
func TestImportTestsslTLS10Fails(t *testing.T) {
	env := importEnv(t)
	got := importJSON(t, env, filepath.Join(fixtures, "testssl", "weak-tls10.json"), "--control", "tls-config-monthly")
	if len(got) != 1 || got[0].Verdict.Pass || got[0].Format != "testssl" {
		t.Fatalf("weak TLS import: %+v, want one failing testssl verdict", got)
	}
	var failed []string
	for _, f := range got[0].Verdict.Failed {
		failed = append(failed, f.Criterion.String())
	}
	if !strings.Contains(strings.Join(failed, ";"), "protocols_below_tls12 == 0") {
		t.Errorf("failed criteria %v, want protocols_below_tls12 == 0 among them", failed)
	}
	strong := importJSON(t, env, filepath.Join(fixtures, "testssl", "strong.json"), "--control", "tls-config-monthly", "--target", "ocsp-crl")
	for _, f := range strong[0].Verdict.Failed {
		if f.Criterion.String() == "protocols_below_tls12 == 0" {
			t.Errorf("the strong configuration fails %s (got %v), want it to hold", f.Criterion, f.Actual)
		}
	}
}

// A chrony import satisfies the daily control's period in status; failing
// imports in the same day never do.
func TestImportChronySatisfiesDailyPeriod(t *testing.T) {
	env := importEnv(t)
	period := func() evident.PeriodState {
		t.Helper()
		code, out, errs := cli(t, env, "status", "--json")
		if code != 0 {
			t.Fatalf("status: exit %d\n%s%s", code, out, errs)
		}
		var r readiness.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		for _, c := range r.Controls {
			if c.ID == "clock-sync-daily" && c.Period != nil {
				return c.Period.State
			}
		}
		t.Fatalf("status has no open period for clock-sync-daily:\n%s", out)
		return ""
	}
	// The control wants a check a day of each of its three systems.
	systems := []string{"issuing-ca", "tsa-unit", "time-source"}
	for _, s := range systems {
		got := importJSON(t, env, filepath.Join(fixtures, "chrony", "unsynchronised.txt"), "--control", "clock-sync-daily", "--target", s, "--system", s+"@current")
		if got[0].Verdict.Pass {
			t.Fatalf("unsynchronised clock passed: %+v", got[0].Verdict)
		}
	}
	if st := period(); st == evident.PeriodSatisfied {
		t.Fatalf("after three failing imports the day is %s, want not satisfied", st)
	}
	for i, s := range systems {
		name := []string{"synced.txt", "synced-csv.txt", "synced.txt"}[i]
		got := importJSON(t, env, filepath.Join(fixtures, "chrony", name), "--control", "clock-sync-daily", "--target", s, "--system", s+"@current")
		if !got[0].Verdict.Pass {
			t.Fatalf("synced clock on %s failed: %+v", s, got[0].Verdict)
		}
	}
	if st := period(); st != evident.PeriodSatisfied {
		t.Errorf("after three passing imports the day is %s, want satisfied", st)
	}
}

// Hostile or wrong input exits 2, names the file and what is wrong, and
// stores nothing: not the bad file, and not the good file beside it.
func TestImportHostileInputStoresNothing(t *testing.T) {
	env := importEnv(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	strongJSON, err := os.ReadFile(filepath.Join(fixtures, "testssl", "strong.json"))
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(i*131 + i/7)
	}
	bomb := write("bomb.xml", []byte(`<?xml version="1.0"?>
<!DOCTYPE nmaprun [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<nmaprun scanner="nmap">&c;</nmaprun>`))
	truncated := write("truncated.json", strongJSON[:len(strongJSON)/2])
	binary := write("junk.bin", junk)
	nmapXML := filepath.Join(fixtures, "nmap", "baseline.xml")
	good := filepath.Join(fixtures, "nmap", "new-port.xml")
	before, runs := stored(t, env)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"entity bomb", []string{bomb, "--control", "vuln-scan-quarterly"}, []string{"bomb.xml", "entit"}},
		{"truncated JSON", []string{truncated, "--control", "tls-config-monthly"}, []string{"truncated.json", "truncated"}},
		{"binary junk", []string{binary, "--control", "tls-config-monthly"}, []string{"junk.bin"}},
		{"wrong format named", []string{"testssl", nmapXML, "--control", "tls-config-monthly"}, []string{"baseline.xml", "not testssl output", "nmap"}},
		{"file not the control's format", []string{nmapXML, "--control", "tls-config-monthly"}, []string{"baseline.xml", "not testssl output"}},
		{"format the control does not take", []string{"nmap", nmapXML, "--control", "tls-config-monthly"}, []string{"takes testssl output, not nmap"}},
		{"good file before a bad one", []string{good, bomb, "--control", "vuln-scan-quarterly"}, []string{"bomb.xml"}},
		{"unknown control", []string{good, "--control", "no-such-control"}, []string{"no-such-control"}},
		{"missing file", []string{filepath.Join(dir, "absent.xml"), "--control", "vuln-scan-quarterly"}, []string{"absent.xml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cli(t, env, append([]string{"import"}, tc.args...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s%s", code, out, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("error %q does not mention %q", strings.TrimSpace(errs), w)
				}
			}
			if n, r := stored(t, env); n != before || r != runs {
				t.Errorf("ledger size %d and %d import runs after the refused import, want %d and %d: something was stored", n, r, before, runs)
			}
		})
	}
	// Without the signing key nothing could be covered by a checkpoint.
	key := filepath.Join(env["EVIDENT_DATA"], signingKeyFile)
	if err := os.Rename(key, key+".away"); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli(t, env, "import", good, "--control", "vuln-scan-quarterly")
	if code != 2 || !strings.Contains(errs, "read-only") {
		t.Errorf("import without the signing key: exit %d, %q; want 2 and read-only\n%s", code, errs, out)
	}
	if n, r := stored(t, env); n != before || r != runs {
		t.Errorf("ledger size %d and %d import runs after importing without a key, want %d and %d", n, r, before, runs)
	}
}

// trivyCritical follows trivy's schema-2 JSON (an image with one critical
// vulnerability). It is written for this test: trivy could not be built
// where the committed fixtures were made (see the importer's testdata).
const trivyCritical = `{
  "SchemaVersion": 2,
  "CreatedAt": "2026-11-27T09:00:00Z",
  "ArtifactName": "registry.example/ra-portal:2.14.0",
  "ArtifactType": "container_image",
  "Results": [
    {"Target": "registry.example/ra-portal:2.14.0 (debian 12.8)", "Class": "os-pkgs", "Type": "debian",
     "Vulnerabilities": [
       {"VulnerabilityID": "CVE-2026-0001", "PkgName": "openssl", "InstalledVersion": "3.0.15-1", "FixedVersion": "3.0.16-1", "Severity": "CRITICAL", "Title": "remote code execution in the TLS handshake"}
     ]}
  ]
}`

// A critical trivy finding opens a vulnerability with its 48-hour clock,
// once however often the same report is imported.
func TestImportTrivyCriticalOpensVulnerability(t *testing.T) {
	env := importEnv(t)
	p := filepath.Join(t.TempDir(), "ra-portal.trivy.json")
	if err := os.WriteFile(p, []byte(trivyCritical), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		got := importJSON(t, env, p, "--control", "patch-status-monthly", "--target", "ra-portal")
		if got[0].Verdict.Pass || len(got[0].Vulnerabilities) != 1 {
			t.Fatalf("trivy import: pass %v, %d vulnerabilities, want a failing verdict and one vulnerability", got[0].Verdict.Pass, len(got[0].Vulnerabilities))
		}
	}
	code, out, errs := cli(t, env, "incident", "list", "--json")
	if code != 0 {
		t.Fatalf("incident list: exit %d\n%s%s", code, out, errs)
	}
	var list []evident.IncidentClocks
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("register holds %d entries after importing the report twice, want 1:\n%s", len(list), out)
	}
	v := list[0]
	found := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	if v.Incident.Kind != evident.KindVulnerability || !strings.Contains(v.Incident.Title, "CVE-2026-0001") ||
		len(v.Incident.Systems) != 1 || v.Incident.Systems[0] != "ra-portal" {
		t.Errorf("register entry %+v, want the CVE as a vulnerability of ra-portal", v.Incident)
	}
	if len(v.Clocks) != 1 || v.Clocks[0].Name != evident.ClockVulnerability || !v.Clocks[0].Due.Equal(found.Add(48*time.Hour)) {
		t.Errorf("clocks %+v, want the 48-hour clock from the scan at %s", v.Clocks, found)
	}
}
