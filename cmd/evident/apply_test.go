package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

const exampleProgram = "../../examples/qtsp"

// dialectEnvs returns a fresh environment per database: the embedded
// SQLite default and PostgreSQL (keys still live in the data directory).
func dialectEnvs(t *testing.T) map[string]map[string]string {
	return map[string]map[string]string{
		"sqlite":   {"EVIDENT_DATA": filepath.Join(t.TempDir(), "data"), "EVIDENT_ACTOR": "elena"},
		"postgres": {"EVIDENT_DATA": filepath.Join(t.TempDir(), "data"), "EVIDENT_ACTOR": "elena", "EVIDENT_DB": storetest.PostgresDSN(t)},
	}
}

func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	code, out, errs := cli(t, env, args...)
	if code != 0 {
		t.Fatalf("evident %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func TestApplyExportPlanReportsNoChange(t *testing.T) {
	for name, env := range dialectEnvs(t) {
		t.Run(name, func(t *testing.T) {
			mustRun(t, env, "init")
			out := mustRun(t, env, "apply", "-f", exampleProgram)
			if !strings.Contains(out, "Applied as elena") || !strings.Contains(out, "+ controls vuln-scan-quarterly") {
				t.Errorf("apply output:\n%s", out)
			}
			dir := filepath.Join(t.TempDir(), "out")
			mustRun(t, env, "export", "-o", dir)
			if out := mustRun(t, env, "plan", "-f", dir); !strings.Contains(out, "No changes") {
				t.Errorf("plan of the export is not empty:\n%s", out)
			}
			var plan struct{ Steps []any }
			if err := json.Unmarshal([]byte(mustRun(t, env, "plan", "-f", dir, "--json")), &plan); err != nil || len(plan.Steps) != 0 {
				t.Errorf("plan --json of the export: %d steps, err %v", len(plan.Steps), err)
			}
			if out := mustRun(t, env, "apply", "-f", exampleProgram); !strings.Contains(out, "No changes") {
				t.Errorf("second apply of the same directory changed something:\n%s", out)
			}
		})
	}
}

func TestBadProgramExitsTwoAndLeavesProgramUnchanged(t *testing.T) {
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data")}
	mustRun(t, env, "init")
	mustRun(t, env, "apply", "-f", exampleProgram)
	cases := []struct {
		name, file, body, where, want string
	}{
		{"malformed", "controls.yaml", "controls:\n  - id: x\n    title: [oops\n", "controls.yaml:3", "not found"},
		{"dangling reference", "risks.yaml", "treatments:\n  - id: t-new\n    risk: r01-root-key-compromise\n    decision: mitigate\n    controls: [does-not-exist]\n", "risks.yaml:5", "no control \"does-not-exist\""},
		{"unknown requirement", "controls.yaml", "controls:\n  - id: x\n    title: X\n    requirements: [REQ-7.8-77]\n", "controls.yaml:4", "unknown requirement EN319401@3.2.1:REQ-7.8-77"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyExample(t)
			extra := filepath.Join(dir, "extra", c.file)
			os.MkdirAll(filepath.Dir(extra), 0o755)
			if err := os.WriteFile(extra, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, cmd := range []string{"plan", "apply"} {
				code, _, errs := cli(t, env, cmd, "-f", dir)
				if code != 2 || !strings.Contains(errs, filepath.Join(dir, "extra", c.where)) || !strings.Contains(errs, c.want) {
					t.Errorf("%s: exit %d, stderr %q; want exit 2 naming %s and %q", cmd, code, errs, c.where, c.want)
				}
			}
			if out := mustRun(t, env, "plan", "-f", exampleProgram); !strings.Contains(out, "No changes") {
				t.Errorf("a refused apply changed the program:\n%s", out)
			}
		})
	}
}

// copyExample copies the example program (YAML and documents) to a
// temporary directory so a test can add a broken file to it.
func copyExample(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(exampleProgram, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(exampleProgram, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestListAndShow(t *testing.T) {
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "data")}
	mustRun(t, env, "init")
	mustRun(t, env, "apply", "-f", exampleProgram)

	out := mustRun(t, env, "list", "controls")
	if !strings.Contains(out, "vuln-scan-quarterly") || !strings.Contains(out, "import nmap") || !strings.Contains(out, "quarterly") {
		t.Errorf("list controls:\n%s", out)
	}
	var risks []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, env, "list", "risks", "--json")), &risks); err != nil || len(risks) != 29 {
		t.Errorf("list risks --json: %d risks, err %v; want 29", len(risks), err)
	}
	for _, kind := range []string{"services", "systems", "zones", "suppliers", "roles", "people", "treatments", "acceptances", "policies", "soa", "requirements"} {
		if code, out, errs := cli(t, env, "list", kind); code != 0 || strings.Count(out, "\n") < 2 {
			t.Errorf("list %s: exit %d, %d lines\n%s", kind, code, strings.Count(out, "\n"), errs)
		}
	}

	var ctl struct {
		Method struct {
			Performer struct {
				Name        string
				Independent bool
			}
		}
		Meets []struct{ Text string }
	}
	if err := json.Unmarshal([]byte(mustRun(t, env, "show", "controls", "vuln-scan-quarterly", "--json")), &ctl); err != nil {
		t.Fatal(err)
	}
	if !ctl.Method.Performer.Independent || len(ctl.Meets) != 2 || ctl.Meets[1].Text == "" {
		t.Errorf("show controls vuln-scan-quarterly: %+v", ctl)
	}
	// The traceability chain: requirement -> control -> verification method.
	out = mustRun(t, env, "show", "requirements", "REQ-7.10-06")
	for _, want := range []string{"clock-sync-daily", "chrony", "offset_ms < 100", "daily"} {
		if !strings.Contains(out, want) {
			t.Errorf("show requirements REQ-7.10-06 lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, env, "show", "soa", "REQ-7.12-05")
	if !strings.Contains(out, "applicable: false") || !strings.Contains(out, "No subcontractor") {
		t.Errorf("show soa REQ-7.12-05:\n%s", out)
	}
	out = mustRun(t, env, "show", "risks", "r24-hsm-firmware")
	if !strings.Contains(out, "acc-tsa-hsm-firmware") || !strings.Contains(out, "decision: accept") {
		t.Errorf("show risks r24-hsm-firmware lacks its treatment and acceptance:\n%s", out)
	}

	for _, args := range [][]string{{"show", "risks", "nope"}, {"list", "gadgets"}, {"show", "controls"}} {
		if code, _, errs := cli(t, env, args...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with a message", args, code, errs)
		}
	}
}
