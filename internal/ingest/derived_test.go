package ingest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer"
)

// The derived blob written a finding at a time is json.Marshal's bytes,
// and the findings it returns for the import run are too: with no
// findings (nil or empty), with findings some criteria list again and
// others do not, and with strings that need escaping.
func TestWriteDerivedIsMarshal(t *testing.T) {
	crit := func(s string) evident.Criterion {
		c, err := evident.ParseCriterion(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	fs := []importer.Finding{
		{Key: "10.0.0.1 tcp/23", Target: "10.0.0.1", Severity: "high", Rule: "unexpected_open_port", Title: "port <23> & \"more\"", Metrics: []string{"open_ports", "unexpected_open_ports"}},
		{Key: "10.0.0.2 tcp/443", Severity: "info", Detail: "https\u2028\xff", Metrics: []string{"open_ports"}},
	}
	res := func(fs []importer.Finding) *importer.Result {
		return &importer.Result{Format: "nmap", Tool: "nmap", Target: "10.0.0.1 10.0.0.2", Time: time.Unix(1700000000, 0).UTC(),
			Summary: map[string]string{"args": `nmap -oX - "findings":[]`}, Metrics: map[string]float64{"open_ports": 2, "checked": 2},
			Findings: fs, Checked: []string{"10.0.0.1", "10.0.0.2"}}
	}
	failed := importer.Verdict{Criteria: []evident.Criterion{crit("unexpected_open_ports == 0"), crit("checked > 5")},
		Failed: []importer.FailedCriterion{{Criterion: crit("unexpected_open_ports == 0"), Actual: 1, Findings: []*importer.Finding{&fs[0]}},
			{Criterion: crit("checked > 5"), Actual: 2}}}
	cases := map[string]derivedBlob{
		"nil findings":   {Result: res(nil), Verdict: importer.Verdict{Pass: true, CheckedPass: true}, Target: "t"},
		"no findings":    {Result: res([]importer.Finding{}), Verdict: importer.Verdict{Pass: true}, Defaulted: true},
		"passing":        {Result: res(fs), Verdict: importer.Verdict{Pass: true, CheckedPass: true}, Target: "web"},
		"failed listing": {Result: res(fs), Verdict: failed, Defaulted: true, Target: "safe"},
	}
	for name, d := range cases {
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		wantFindings, _ := json.Marshal(d.Result.Findings)
		var got bytes.Buffer
		findings, err := writeDerived(&got, d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s: derived blob\n got %s\nwant %s", name, got.Bytes(), want)
		}
		if !bytes.Equal(findings, wantFindings) {
			t.Errorf("%s: import run findings\n got %s\nwant %s", name, findings, wantFindings)
		}
		if len(d.Verdict.Failed) > 0 && d.Verdict.Failed[0].Findings == nil {
			t.Errorf("%s: writing the blob changed the verdict it wrote", name)
		}
	}
}

// A nil finding behind a failed criterion (no importer lists one) is
// written as json.Marshal writes it, null, rather than ending the import
// in a panic.
func TestWriteDerivedNilFinding(t *testing.T) {
	fs := []importer.Finding{{Key: "a", Severity: "high"}}
	d := derivedBlob{Result: &importer.Result{Format: "nmap", Findings: fs},
		Verdict: importer.Verdict{Failed: []importer.FailedCriterion{{Actual: 2, Findings: []*importer.Finding{&fs[0], nil}}}}}
	want, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := writeDerived(&got, d); err != nil || !bytes.Equal(got.Bytes(), want) {
		t.Errorf("derived blob (%v)\n got %s\nwant %s", err, got.Bytes(), want)
	}
}
