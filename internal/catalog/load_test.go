package catalog

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/evidenthq/evident"
)

// A small but valid catalog; each test breaks one thing in it.
const (
	goodVersion = `kind: version
standard: EN319401
version: 9.0.1
complete: true
confirmed: true
clauses:
  - clause: "7"
    title: "TSP management and operation"
  - clause: "7.9"
    title: "Vulnerabilities and incident management"
  - clause: "7.9.2"
    title: "Incident response"
    requirements:
      - id: REQ-7.9.2-03
        types: [shall]
        text: "Tell stakeholders about incidents."
      - id: REQ-7.9.2-09
        types: [shall]
        text: "Deal with critical vulnerabilities."
        figures:
          - {kind: deadline, amount: 48, unit: hour, event: discovery, text: "within 48 hours of discovery"}
`
	oldVersion = `kind: version
standard: EN319401
version: 9.0.0
clauses:
  - clause: "7.9.2"
    title: "Incident response"
    requirements:
      - id: REQ-7.9.2-08
        types: [shall]
        text: "Deal with critical vulnerabilities."
`
	goodMapping = `kind: mapping
standard: EN319401
from: 9.0.0
to: 9.0.1
pairs:
  - {from: REQ-7.9.2-08, to: REQ-7.9.2-09, basis: confirmed}
`
	goodOverlay = `kind: overlay
name: test-act
standard: EN319401
version: 9.0.0
adaptations:
  - label: REQ-7.9.2-08X
    target: REQ-7.9.2-08
    text: "Within 48 hours."
`
)

func fsWith(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, text := range map[string]string{
		"v901.yaml": goodVersion, "v900.yaml": oldVersion,
		"map.yaml": goodMapping, "overlay.yaml": goodOverlay,
	} {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return fsys
}

func TestLoadFSGood(t *testing.T) {
	c, err := LoadFS(fsWith(nil))
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	got, err := c.Map(ref("EN319401@9.0.0:REQ-7.9.2-08"), "9.0.1")
	if err != nil || got.To.ID != "REQ-7.9.2-09" {
		t.Errorf("Map = %v, %v; want REQ-7.9.2-09", got.To, err)
	}
}

// Each broken file must be refused with a message that names the file,
// the line and the entry, and says what is wrong.
func TestLoadFSBroken(t *testing.T) {
	tests := []struct {
		name  string
		file  string // replaces v901.yaml unless it names another file
		text  string
		wants []string
	}{
		{
			name:  "id in the wrong clause",
			text:  strings.Replace(goodVersion, "REQ-7.9.2-03", "REQ-7.9.1-03", 1),
			wants: []string{"v901.yaml:14 REQ-7.9.1-03: id belongs to clause 7.9.1 but is listed under clause 7.9.2"},
		},
		{
			name:  "clause 5 id under clause 7.9.2",
			text:  strings.Replace(goodVersion, "REQ-7.9.2-03", "REQ-5-03", 1),
			wants: []string{"v901.yaml:14 REQ-5-03: id belongs to clause 5"},
		},
		{
			name:  "duplicate id",
			text:  strings.Replace(goodVersion, "REQ-7.9.2-09", "REQ-7.9.2-03", 1),
			wants: []string{"v901.yaml:17 REQ-7.9.2-03: id is used twice in version 9.0.1"},
		},
		{
			name:  "PRO prefix without pro type",
			text:  strings.Replace(goodVersion, "REQ-7.9.2-03", "PRO-7.9.2-03", 1),
			wants: []string{"v901.yaml:14 PRO-7.9.2-03: prefix PRO does not agree with types [shall]"},
		},
		{
			name:  "pro type on a REQ id",
			text:  strings.Replace(goodVersion, "types: [shall]\n        text: \"Tell", "types: [pro, shall]\n        text: \"Tell", 1),
			wants: []string{"v901.yaml:14 REQ-7.9.2-03: prefix REQ does not agree"},
		},
		{
			name:  "malformed id",
			text:  strings.Replace(goodVersion, "REQ-7.9.2-03", "REQ-7.9.2-3", 1),
			wants: []string{"v901.yaml:14 REQ-7.9.2-3: requirement id \"REQ-7.9.2-3\": want PREFIX-CLAUSE-NN"},
		},
		{
			name:  "unknown type",
			text:  strings.Replace(goodVersion, "types: [shall]", "types: [must]", 1),
			wants: []string{"v901.yaml:14 REQ-7.9.2-03: unknown requirement type \"must\""},
		},
		{
			name:  "unknown figure kind",
			text:  strings.Replace(goodVersion, "kind: deadline", "kind: clock", 1),
			wants: []string{"v901.yaml:17 REQ-7.9.2-09: figures[0]: figure \"within 48 hours of discovery\": unknown kind \"clock\""},
		},
		{
			name:  "unknown unit",
			text:  strings.Replace(goodVersion, "unit: hour", "unit: hours", 1),
			wants: []string{"v901.yaml:17 REQ-7.9.2-09: figures[0]: figure \"within 48 hours of discovery\": unknown unit \"hours\""},
		},
		{
			name:  "deadline without event",
			text:  strings.Replace(goodVersion, "event: discovery, ", "", 1),
			wants: []string{"REQ-7.9.2-09: figures[0]: figure \"within 48 hours of discovery\": a deadline needs the event it runs from"},
		},
		{
			name:  "misspelt field",
			text:  strings.Replace(goodVersion, "figures:", "figure:", 1),
			wants: []string{`v901.yaml:20:9: unknown field "figure"`},
		},
		{
			name:  "misspelt figure field",
			text:  strings.Replace(goodVersion, "unit: hour", "units: hour", 1),
			wants: []string{`v901.yaml:21:`, `unknown field "units"`},
		},
		{
			name:  "not YAML",
			text:  "kind: version\nclauses: [\n",
			wants: []string{"v901.yaml:2:10: sequence end token"},
		},
		{
			name:  "no kind",
			text:  "standard: EN319401\n",
			wants: []string{"v901.yaml: no kind"},
		},
		{
			name:  "mapping to a missing id",
			file:  "map.yaml",
			text:  strings.Replace(goodMapping, "to: REQ-7.9.2-09", "to: REQ-7.9.2-99", 1),
			wants: []string{"map.yaml:6 REQ-7.9.2-08 -> REQ-7.9.2-99: REQ-7.9.2-99 is not in EN319401@9.0.1"},
		},
		{
			name:  "mapping to a missing version",
			file:  "map.yaml",
			text:  strings.Replace(goodMapping, "to: 9.0.1", "to: 9.1.0", 1),
			wants: []string{`map.yaml:4: no version "9.1.0"`},
		},
		{
			name:  "overlay target missing",
			file:  "overlay.yaml",
			text:  strings.Replace(goodOverlay, "target: REQ-7.9.2-08", "target: REQ-7.9.2-07", 1),
			wants: []string{"overlay.yaml:6 REQ-7.9.2-08X: target: requirement REQ-7.9.2-07 is not in EN319401@9.0.0"},
		},
		{
			name:  "overlay that changes nothing",
			file:  "overlay.yaml",
			text:  strings.Replace(goodOverlay, `    text: "Within 48 hours."`+"\n", "", 1),
			wants: []string{"overlay.yaml:6 REQ-7.9.2-08X: no text saying what the adaptation changes"},
		},
		{
			name:  "requirements out of order",
			text:  strings.Replace(goodVersion, "REQ-7.9.2-09", "REQ-7.9.2-02", 1),
			wants: []string{"v901.yaml:17 REQ-7.9.2-02: serial 02 comes after 03"},
		},
		{
			name:  "clauses out of order",
			text:  strings.Replace(goodVersion, `clause: "7.9"`, `clause: "7.10"`, 1),
			wants: []string{"v901.yaml:11: clause 7.9.2 comes after clause 7.10"},
		},
		{
			name:  "version defined twice",
			file:  "v900.yaml",
			text:  strings.Replace(oldVersion, "version: 9.0.0", "version: 9.0.1", 1),
			wants: []string{"version 9.0.1 is defined twice"},
		},
		{
			name:  "overlay name unusable on a command line",
			file:  "overlay.yaml",
			text:  strings.Replace(goodOverlay, "name: test-act", "name: Test Act", 1),
			wants: []string{`overlay.yaml:2: overlay name "Test Act": want lower-case letters`},
		},
		{
			name:  "overlay label twice",
			file:  "overlay.yaml",
			text:  goodOverlay + "  - label: REQ-7.9.2-08X\n    target: REQ-7.9.2-08\n    text: \"Again.\"\n",
			wants: []string{"overlay.yaml:9 REQ-7.9.2-08X: label used twice in overlay test-act"},
		},
		{
			name: "several problems at once",
			text: strings.Replace(strings.Replace(goodVersion, "REQ-7.9.2-03", "REQ-7.9.1-03", 1), "unit: hour", "unit: hours", 1),
			wants: []string{
				"v901.yaml:14 REQ-7.9.1-03: id belongs to clause 7.9.1",
				"v901.yaml:17 REQ-7.9.2-09: figures[0]",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = "v901.yaml"
			}
			_, err := LoadFS(fsWith(map[string]string{file: tt.text}))
			if err == nil {
				t.Fatalf("LoadFS accepted a broken %s", file)
			}
			if code := evident.ErrorCode(err); code != evident.EINVALID {
				t.Errorf("error code %q, want %q", code, evident.EINVALID)
			}
			for _, want := range tt.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error:\n%v\nwant it to contain:\n%s", err, want)
				}
			}
		})
	}
}

func TestLoadFSEmpty(t *testing.T) {
	if _, err := LoadFS(fstest.MapFS{}); err == nil || !strings.Contains(err.Error(), "no *.yaml files") {
		t.Errorf("LoadFS(empty) = %v, want an error saying there are no files", err)
	}
}
