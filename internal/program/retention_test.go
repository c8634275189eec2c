package program

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
)

// Retention periods are read from the program section (the default and
// each requirement's own) and from controls, survive an export and a
// reload, and a bad period is reported at its file and line.
func TestLoadRetention(t *testing.T) {
	dir := writeProgram(t, map[string]string{
		"program.yaml": "program:\n  name: Test TSP\n  version: 3.2.1\n  retention: 7y\n  requirement_retention:\n    REQ-7.10-06: 10y\n",
		"controls.yaml": `
controls:
  - id: scan
    title: Scan
    requirements: [REQ-7.8-13]
    retention: 18m
  - id: keep
    title: Keep
    requirements: [REQ-7.8-13]
    retention: forever
  - id: plain
    title: Plain
    requirements: [REQ-7.8-13]
`})
	m, err := Load(dir, mustCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	periods, def := m.RetentionPeriods()
	if def != (evident.Retention{Years: 7}) {
		t.Errorf("program default = %v, want 7y", def)
	}
	want := map[string]evident.Retention{"scan": {Months: 18}, "keep": {}, "EN319401@3.2.1:REQ-7.10-06": {Years: 10}}
	if len(periods) != len(want) {
		t.Errorf("periods = %v, want %v", periods, want)
	}
	for k, w := range want {
		if got, ok := periods[k]; !ok || got != w {
			t.Errorf("period of %s = %v (present %v), want %v", k, got, ok, w)
		}
	}
	if _, ok := periods["plain"]; ok {
		t.Errorf("a control without retention must take the program default, got its own period")
	}

	back := t.TempDir()
	if err := Export(m, back); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(back, mustCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	if p2, d2 := m2.RetentionPeriods(); d2 != def || len(p2) != len(periods) || p2["keep"] != (evident.Retention{}) || p2["scan"] != want["scan"] {
		t.Errorf("export and reload changed retention: %v %v", p2, d2)
	}
	if d := Diff(m, m2); len(d.Steps) != 0 {
		t.Errorf("reloading the export plans changes: %+v", d.Steps)
	}
}

func TestLoadRetentionErrors(t *testing.T) {
	for _, tt := range []struct {
		name, file, body, where, want string
	}{
		{"bad default", "program.yaml", "program:\n  name: T\n  version: 3.2.1\n  retention: 7 years\n", "program.yaml:4", "program.retention"},
		{"bad requirement period", "program.yaml", "program:\n  name: T\n  version: 3.2.1\n  requirement_retention:\n    REQ-7.10-06: 3w\n", "program.yaml:5", "unit \"w\""},
		{"unknown requirement", "program.yaml", "program:\n  name: T\n  version: 3.2.1\n  requirement_retention:\n    REQ-7.99-99: 3y\n", "program.yaml:5", "unknown requirement"},
		{"bad control period", "controls.yaml", "controls:\n  - id: a\n    title: A\n    requirements: [REQ-7.8-13]\n    retention: 0y\n", "controls.yaml:5", "controls[0].retention"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProgram(t, map[string]string{tt.file: tt.body})
			_, err := Load(dir, mustCatalog(t))
			if err == nil || evident.ErrorCode(err) != evident.EINVALID {
				t.Fatalf("Load = %v, want an invalid-input error", err)
			}
			if msg := err.Error(); !strings.Contains(msg, filepath.Join(dir, tt.where)) || !strings.Contains(msg, tt.want) {
				t.Errorf("error does not name %s and say %q:\n%s", tt.where, tt.want, msg)
			}
		})
	}
}
