// Package openscap parses OpenSCAP results: an XCCDF results document
// (`oscap xccdf eval --results`) or an Asset Reporting Format collection
// (`--results-arf`), into rule results and the benchmark score.
package openscap

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// Format is the name this package parses.
const Format = "openscap"

// Detect reports whether head is XCCDF or ARF XML.
func Detect(head []byte) bool {
	s := string(head)
	if !strings.Contains(s, "<") {
		return false
	}
	return strings.Contains(s, "asset-report-collection") ||
		strings.Contains(s, "checklists.nist.gov/xccdf/") && (strings.Contains(s, "Benchmark") || strings.Contains(s, "TestResult"))
}

type testResult struct {
	ID      string `xml:"id,attr"`
	Start   string `xml:"start-time,attr"`
	End     string `xml:"end-time,attr"`
	System  string `xml:"test-system,attr"`
	Version string `xml:"version,attr"`
	Target  string `xml:"target"`
	// Addresses are the scanned machine's addresses, as oscap saw them.
	Addresses []string `xml:"target-address"`
	Benchmark struct {
		ID string `xml:"id,attr"`
	} `xml:"benchmark"`
	Profile struct {
		IDRef string `xml:"idref,attr"`
	} `xml:"profile"`
	Rules []struct {
		IDRef    string `xml:"idref,attr"`
		Severity string `xml:"severity,attr"`
		Result   string `xml:"result"`
	} `xml:"rule-result"`
	Scores []struct {
		System  string `xml:"system,attr"`
		Maximum string `xml:"maximum,attr"`
		Value   string `xml:",chardata"`
	} `xml:"score"`
}

type rule struct {
	ID    string `xml:"id,attr"`
	Title string `xml:"title"`
}

// results are the XCCDF 1.2 rule result values, all counted so a criterion
// can name any of them ("rules.error == 0").
var results = []string{"pass", "fail", "error", "unknown", "notapplicable", "notchecked", "notselected", "informational", "fixed"}

// Parse reads the first TestResult in the document, with rule titles from
// the benchmark the results file or ARF collection carries.
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	root, err := report.CheckXML(Format, data)
	if err != nil {
		return nil, err
	}
	if root != "Benchmark" && root != "TestResult" && root != "asset-report-collection" {
		return nil, evident.Errorf(evident.EINVALID, "file is not OpenSCAP XCCDF or ARF results: root element is <%s>", root)
	}
	tr, titles, err := scan(ctx, data)
	if err != nil {
		return nil, err
	}
	if tr == nil {
		return nil, evident.Errorf(evident.EINVALID, "openscap XML has no <TestResult>: this is SCAP content, not scan results")
	}
	return result(tr, titles)
}

// scan streams the document so that a large ARF collection (the whole data
// stream plus OVAL results) is walked once without building a tree.
func scan(ctx context.Context, data []byte) (*testResult, map[string]string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	titles := map[string]string{}
	var tr *testResult
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		tok, err := d.Token()
		if err == io.EOF {
			return tr, titles, nil
		}
		if err != nil {
			return nil, nil, evident.Errorf(evident.EINVALID, "openscap XML: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || !strings.Contains(se.Name.Space, "xccdf") {
			continue
		}
		switch se.Name.Local {
		case "Rule":
			var r rule
			if err := d.DecodeElement(&r, &se); err != nil {
				return nil, nil, evident.Errorf(evident.EINVALID, "openscap XML Rule: %v", err)
			}
			titles[r.ID] = strings.TrimSpace(r.Title)
		case "TestResult":
			if tr != nil {
				continue
			}
			tr = &testResult{}
			if err := d.DecodeElement(tr, &se); err != nil {
				return nil, nil, evident.Errorf(evident.EINVALID, "openscap XML TestResult: %v", err)
			}
		}
	}
}

// severities maps XCCDF severities; "unknown" is treated as medium because
// a failing rule nobody rated is not harmless.
var severities = map[string]string{"info": "info", "low": "low", "medium": "medium", "high": "high", "unknown": "medium", "": "medium"}

func result(tr *testResult, titles map[string]string) (*report.Result, error) {
	res := report.New(Format, "openscap")
	res.ToolVersion = strings.TrimPrefix(tr.System, "cpe:/a:redhat:openscap:")
	res.Target = strings.TrimSpace(tr.Target)
	res.Summary["benchmark"] = tr.Benchmark.ID
	res.Summary["benchmark_version"] = tr.Version
	res.Summary["profile"] = tr.Profile.IDRef
	if t, err := time.Parse(time.RFC3339, tr.Start); err == nil {
		res.Time = t.UTC()
	}
	for _, r := range results {
		res.Metrics["rules."+r] = 0
	}
	for _, s := range report.Severities[1:4] {
		res.Metrics["rules.fail."+s] = 0
	}
	for i, rr := range tr.Rules {
		r := strings.TrimSpace(rr.Result)
		if _, ok := res.Metrics["rules."+r]; !ok {
			return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("rule-result[%d] %s", i, rr.IDRef), "openscap result %q is not an XCCDF rule result", r)
		}
		if r != "fail" && r != "error" && r != "unknown" {
			res.Metrics["rules."+r]++
			continue
		}
		sev, ok := severities[rr.Severity]
		if !ok {
			return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("rule-result[%d] %s", i, rr.IDRef), "openscap severity %q is not an XCCDF severity", rr.Severity)
		}
		metrics := []string{"rules." + r}
		if r == "fail" && sev != "info" {
			metrics = append(metrics, "rules.fail."+sev)
		}
		res.Add(report.Finding{Key: rr.IDRef, Target: res.Target, Severity: sev, Rule: rr.IDRef,
			Title: titles[rr.IDRef], Detail: "result: " + r, Metrics: metrics})
	}
	for _, s := range tr.Scores {
		if s.System != "urn:xccdf:scoring:default" && len(tr.Scores) > 1 {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(s.Value), 64)
		if err != nil {
			return nil, evident.ErrorAt(evident.EINVALID, "score", "openscap score %q is not a number", s.Value)
		}
		res.Metrics["score"] = v
		if m, err := strconv.ParseFloat(s.Maximum, 64); err == nil {
			res.Metrics["score_max"] = m
		}
		break
	}
	checked(res, tr)
	res.Sort()
	return res, nil
}

// evaluated are the rule results that say the rule was checked on the
// target: notapplicable, notselected and notchecked rules were not, and an
// error or unknown result is a check that did not conclude.
var evaluated = []string{"pass", "fail", "fixed", "informational"}

// checked counts the rules the scan evaluated. Content written for
// another platform marks every rule notapplicable, and a run without a
// profile selects none: such a run checked nothing, whatever it failed.
func checked(res *report.Result, tr *testResult) {
	n := 0.0
	for _, r := range evaluated {
		n += res.Metrics["rules."+r]
	}
	res.Metrics[report.Checked] = n
	if n == 0 {
		res.NothingChecked(fmt.Sprintf("no rule was evaluated (%d rules: %g notapplicable, %g notselected, %g notchecked, %g error, %g unknown)",
			len(tr.Rules), res.Metrics["rules.notapplicable"], res.Metrics["rules.notselected"], res.Metrics["rules.notchecked"],
			res.Metrics["rules.error"], res.Metrics["rules.unknown"]))
		return
	}
	if res.Target != "" {
		res.Checked = append(res.Checked, res.Target)
	}
	for _, a := range tr.Addresses {
		if a = strings.TrimSpace(a); a != "" {
			res.Checked = append(res.Checked, a)
		}
	}
}
