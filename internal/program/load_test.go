package program

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
)

const exampleDir = "../../examples/qtsp"

func mustCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestLoadExample(t *testing.T) {
	m, err := Load(exampleDir, mustCatalog(t))
	if err != nil {
		t.Fatalf("the example program must load: %v", err)
	}
	if n := len(m.Risks); n < 25 {
		t.Errorf("example has %d risks, want at least 25", n)
	}
	if m.Program.Version != "3.2.1" || len(m.Program.Overlays) != 1 || m.Program.Overlays[0] != "eidas-ia-2025" {
		t.Errorf("program = %+v, want V3.2.1 with eidas-ia-2025", m.Program)
	}
	// Approvals are bound to the document bytes: the version's hash is the file's.
	data, err := os.ReadFile(filepath.Join(exampleDir, "policies/cps-3.1.md"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	cur, _ := m.PolicyByID("cps").Current()
	if cur.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("cps 3.1 sha256 = %q, want the file's %x", cur.SHA256, sum)
	}
	// A control without a cadence in the file would take the catalog's;
	// the scan control's is written and must be quarterly.
	scan := m.ControlByID("vuln-scan-quarterly")
	if scan == nil || scan.Cadence.String() != "quarterly" || scan.Method.Format != "nmap" {
		t.Errorf("vuln-scan-quarterly = %+v", scan)
	}
	if c := m.ControlByID("clock-sync-daily"); c == nil || c.Method.Criteria[2].String() != "offset_ms < 100" {
		t.Errorf("clock-sync-daily criteria = %+v", c)
	}
}

func TestLoadDefaultsCadenceFromCatalog(t *testing.T) {
	dir := writeProgram(t, map[string]string{"controls.yaml": `
controls:
  - id: scan
    title: Scan
    requirements: [REQ-7.8-13, REQ-7.8-14]
  - id: clock
    title: Clock
    requirements: [REQ-7.10-06]
  - id: pentest
    title: Pen test
    requirements: [REQ-7.8-19]
  - id: unset
    title: Regularly only
    requirements: [REQ-7.8-13]
`})
	m, err := Load(dir, mustCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"scan": "quarterly", "clock": "daily", "pentest": "annual", "unset": ""}
	for id, w := range want {
		c := m.ControlByID(id)
		got := ""
		if !c.Cadence.IsZero() {
			got = c.Cadence.String()
		}
		if got != w {
			t.Errorf("control %s default cadence = %q, want %q", id, got, w)
		}
	}
}

// writeProgram writes a minimal program.yaml plus the given files.
func writeProgram(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{"program.yaml": "program:\n  name: Test TSP\n  version: 3.2.1\n"}
	for k, v := range files {
		all[k] = v
	}
	for name, body := range all {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.TrimLeft(body, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadErrorsNameFileLineAndField(t *testing.T) {
	people := "people:\n  - {id: ceo, name: CEO, management_body: true}\n"
	tests := []struct {
		name  string
		files map[string]string
		where string // "file:line" the error must name
		want  string // part of the message
	}{
		{"malformed YAML", map[string]string{"controls.yaml": "controls:\n  - id: a\n    title: [unclosed\n"},
			"controls.yaml:3", ""},
		{"unknown field", map[string]string{"controls.yaml": "controls:\n  - id: a\n    title: A\n    cadance: weekly\n    requirements: [REQ-7.8-13]\n"},
			"controls.yaml:4", "cadance"},
		{"unknown requirement", map[string]string{"controls.yaml": "controls:\n  - id: a\n    title: A\n    requirements:\n      - REQ-7.8-13\n      - REQ-7.8-99\n"},
			"controls.yaml:6", "unknown requirement EN319401@3.2.1:REQ-7.8-99"},
		{"treatment naming a missing control", map[string]string{"risks.yaml": `
risks:
  - {id: r1, title: R, threat: T, vulnerability: V, likelihood: 2, impact: 3}
treatments:
  - id: t1
    risk: r1
    decision: mitigate
    controls: [no-such-control]
`}, "risks.yaml:7", "treatments[0].controls[0]: no control \"no-such-control\""},
		{"system in a missing zone", map[string]string{"scope.yaml": "systems:\n  - id: ca\n    name: CA\n    kind: trustworthy\n    zone: nowhere\n"},
			"scope.yaml:5", "systems[0].zone: no zone \"nowhere\""},
		{"acceptance by an unknown person", map[string]string{"risks.yaml": `
risks:
  - {id: r1, title: R, threat: T, vulnerability: V, likelihood: 2, impact: 3}
acceptances:
  - id: a1
    risk: r1
    approver: ghost
    residual: 6
`, "people.yaml": people}, "risks.yaml:6", "approver: no person \"ghost\""},
		{"rating off the scale", map[string]string{"risks.yaml": "risks:\n  - id: r1\n    title: R\n    threat: T\n    vulnerability: V\n    likelihood: 7\n    impact: 3\n"},
			"risks.yaml:6", "likelihood: 7 is off the scale 1..5"},
		{"bad cadence", map[string]string{"controls.yaml": "controls:\n  - id: a\n    title: A\n    requirements: [REQ-7.8-13]\n    cadence: fortnightly\n"},
			"controls.yaml:5", "cadence \"fortnightly\""},
		{"bad criterion", map[string]string{"controls.yaml": "controls:\n  - id: a\n    title: A\n    requirements: [REQ-7.8-13]\n    method:\n      kind: import\n      format: chrony\n      criteria: [\"offset_ms is small\"]\n"},
			"controls.yaml:8", "criteria[0]"},
		{"bad date", map[string]string{"scope.yaml": "suppliers:\n  - id: s\n    name: S\n    last_review: 31/12/2025\n"},
			"scope.yaml:4", "last_review"},
		{"duplicate id across files", map[string]string{"a.yaml": "zones:\n  - {id: dmz, name: DMZ}\n", "b.yaml": "zones:\n  - {id: dmz, name: DMZ again}\n"},
			"b.yaml:2", "duplicate id \"dmz\""},
		{"policy document changed after approval", map[string]string{"doc.md": "changed text\n", "policies.yaml": `
policies:
  - id: isp
    title: ISP
    kind: information-security-policy
    versions:
      - version: "1.0"
        file: doc.md
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
`}, "policies.yaml:8", "the program says 9f86d0"},
		{"not applicable without justification", map[string]string{"soa.yaml": "soa:\n  - requirement: REQ-7.8-23\n    applicable: false\n"},
			"soa.yaml:2", "needs a justification"},
		{"not applicable yet met by a control", map[string]string{
			"soa.yaml":      "soa:\n  - requirement: REQ-7.8-23\n    justification: none\n",
			"controls.yaml": "controls:\n  - {id: c, title: C, requirements: [REQ-7.8-23]}\n"},
			"soa.yaml:", "control \"c\" meets it"},
		{"a tag with no value, which crashed the YAML decoder", map[string]string{"program.yaml": "program:\n  name: P\n  version: 3.2.1\n  overlays: ! \n"},
			"program.yaml", "cannot read"},
		{"anchoring more often than hourly", map[string]string{"program.yaml": "program:\n  name: P\n  version: 3.2.1\n  anchor_every: 30min\n"},
			"program.yaml:4", "anchor_every: 30min is more often than once an hour"},
		{"anchoring with no unit", map[string]string{"program.yaml": "program:\n  name: P\n  version: 3.2.1\n  anchor_every: daily\n"},
			"program.yaml:4", "anchor_every: deadline \"daily\""},
		{"risk appetite off the scale", map[string]string{"program.yaml": "program:\n  name: P\n  version: 3.2.1\n  risk_appetite: 30\n"},
			"program.yaml:4", "risk_appetite: 30 is off the 5x5 scale"},
		{"deviation from a requirement the control does not meet", map[string]string{"controls.yaml": `
controls:
  - id: a
    title: A
    requirements: [REQ-7.8-14]
    cadence: annual
    deviations:
      - requirement: REQ-7.10-06
        justification: one host
`}, "controls.yaml:", "deviations[0].requirement: EN319401@3.2.1:REQ-7.10-06 is not one of the control's requirements"},
		{"deviation approval without a date", map[string]string{"controls.yaml": `
controls:
  - id: a
    title: A
    requirements: [REQ-7.8-14]
    deviations:
      - requirement: REQ-7.8-14
        justification: one host
        approval: {by: ceo}
`, "people.yaml": people}, "controls.yaml:", "approval.at: a date is required"},
		{"a publicly trusted time-stamp service", map[string]string{"scope.yaml": "services:\n  - id: tsa\n    name: TSA\n    type: time-stamps\n    publicly_trusted: true\n"},
			"scope.yaml:5", "services[0].publicly_trusted: only a certificate service can be publicly trusted"},
		{"publicly trusted not a yes or no", map[string]string{"scope.yaml": "services:\n  - id: ca\n    name: CA\n    type: certificates\n    publicly_trusted: browsers\n"},
			"scope.yaml:5", "of type bool"},
		{"deviation from a CA/B floor for a CA that is not publicly trusted", map[string]string{"controls.yaml": `
controls:
  - id: a
    title: A
    requirements: [REQ-7.4.1-07]
    cadence: every 4 months
    deviations:
      - requirement: CABF-NSR@2.0.5:2.2.1.4
        justification: two staff
`}, "controls.yaml:", "deviations[0].requirement: CABF-NSR@2.0.5:2.2.1.4 is not one of the control's requirements"},
		{"deviation from a CA/B section with no floor", map[string]string{"controls.yaml": `
controls:
  - id: a
    title: A
    requirements: [REQ-7.4.1-07]
    deviations:
      - requirement: CABF-NSR@2.0.5:9.9
        justification: two staff
`}, "controls.yaml:", "unknown requirement CABF-NSR@2.0.5:9.9"},
		{"unknown import format", map[string]string{"controls.yaml": "controls:\n  - id: a\n    title: A\n    requirements: [REQ-7.8-13]\n    method:\n      kind: import\n      format: nessus\n"},
			"controls.yaml:7", "method.format"},
	}
	cat := mustCatalog(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProgram(t, tt.files)
			m, err := Load(dir, cat)
			if err == nil {
				t.Fatalf("Load succeeded, want an error at %s", tt.where)
			}
			if m != nil {
				t.Errorf("Load returned a model along with the error")
			}
			if evident.ErrorCode(err) != evident.EINVALID {
				t.Errorf("error code = %q, want %q", evident.ErrorCode(err), evident.EINVALID)
			}
			msg := err.Error()
			if !strings.Contains(msg, filepath.Join(dir, tt.where)) {
				t.Errorf("error does not name %s:\n%s", tt.where, msg)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error does not say %q:\n%s", tt.want, msg)
			}
		})
	}
}

func TestLoadNeedsOneProgramSection(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "zones.yaml"), []byte("zones:\n  - {id: dmz, name: DMZ}\n"), 0o644)
	if _, err := Load(dir, mustCatalog(t)); err == nil || !strings.Contains(err.Error(), "no program section") {
		t.Errorf("Load without program: got %v, want a 'no program section' error", err)
	}
	dir = writeProgram(t, map[string]string{"again.yaml": "program:\n  name: Other\n  version: 3.2.1\n"})
	if _, err := Load(dir, mustCatalog(t)); err == nil || !strings.Contains(err.Error(), "a second program section") {
		t.Errorf("Load with two programs: got %v", err)
	}
	dir = writeProgram(t, map[string]string{"program.yaml": "program:\n  name: X\n  version: 9.9.9\n"})
	if _, err := Load(dir, mustCatalog(t)); err == nil || !strings.Contains(err.Error(), "program.yaml:3") {
		t.Errorf("Load with an unknown version: got %v, want an error at program.yaml:3", err)
	}
}

func TestLoadReportsEveryProblemOnce(t *testing.T) {
	dir := writeProgram(t, map[string]string{"mixed.yaml": `
suppliers:
  - id: s
    name: S
    last_review: yesterday
systems:
  - {id: ca, name: CA, kind: trustworthy, zone: nowhere}
controls:
  - {id: c, title: C, requirements: [REQ-7.8-98]}
`})
	_, err := Load(dir, mustCatalog(t))
	if err == nil {
		t.Fatal("Load succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"mixed.yaml:4: suppliers[0].last_review", "mixed.yaml:6: systems[0].zone", "mixed.yaml:8: controls[0].requirements[0]"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if n := strings.Count(msg, "REQ-7.8-98"); n != 1 {
		t.Errorf("the unknown requirement is reported %d times, want once:\n%s", n, msg)
	}
}

// A publicly trusted CA's control may deviate from a CA/B Forum floor by
// naming its section; the deviation loads and exports unchanged.
func TestLoadDeviationFromACABFFloor(t *testing.T) {
	dir := writeProgram(t, map[string]string{
		"program.yaml": "program:\n  name: P\n  version: 3.2.1\n",
		"scope.yaml":   "services:\n  - {id: tls, name: TLS CA, type: certificates, qualification: non-qualified, publicly_trusted: true}\n",
		"controls.yaml": `
controls:
  - id: access-review
    title: Access review
    requirements: [REQ-7.4.1-07]
    services: [tls]
    cadence: every 4 months
    deviations:
      - requirement: CABF-NSR@2.0.5:2.2.1.4
        justification: two staff
`})
	m, err := Load(dir, mustCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	c := m.ControlByID("access-review")
	want := evident.RequirementRef{Standard: evident.CABFNSR, Version: "2.0.5", ID: "2.2.1.4"}
	if len(c.Deviations) != 1 || c.Deviations[0].Requirement != want {
		t.Errorf("deviations = %+v, want one from %s", c.Deviations, want)
	}
	if !m.ServiceByID("tls").PubliclyTrusted || len(m.ProfileFloorsOf(*c)) != 1 {
		t.Errorf("the TLS CA is not publicly trusted or its access review has no CA/B floor: %+v", m.ProfileFloorsOf(*c))
	}
}
