package importer

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
)

// run is one tool output judged in a context: a fixture (or bytes derived
// from one, as testdata/README.md records) and the control's criteria.
type run struct {
	file     string
	data     func(t *testing.T) []byte // nil: the file as recorded
	criteria []string                  // nil: the format's defaults
	ctx      func(c *Context)          // changes to the test context
}

func (r run) bytes(t *testing.T) []byte {
	if r.data != nil {
		return r.data(t)
	}
	return read(t, r.file)
}

func (r run) judge(t *testing.T) (*Result, Verdict) {
	t.Helper()
	c := testContext(t)
	if r.ctx != nil {
		r.ctx(&c)
	}
	res, err := Parse(context.Background(), "", bytes.NewReader(r.bytes(t)), c)
	if err != nil {
		t.Fatalf("Parse(%s): %v", r.file, err)
	}
	var crit []evident.Criterion
	if r.criteria != nil {
		crit = criteria(t, r.criteria...)
	}
	return res, Evaluate(res, crit)
}

// completeness lists, for every format, a passing run, a failing run, a
// run that checked nothing, a cut-off file and the host a run reaches
// (the output's own, or the one the caller names for formats whose output
// names none).
type completeness struct {
	format        string
	pass, fail    run
	nothing       run
	truncated     func(t *testing.T) []byte
	reached       string
	nothingReason string // in the nothing_checked finding
}

func cut(path string, n int) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		b := read(t, path)
		if n < 0 {
			n = len(b) + n
		}
		return b[:n]
	}
}

func half(path string) func(t *testing.T) []byte {
	return func(t *testing.T) []byte { b := read(t, path); return b[:len(b)/2] }
}

// replace derives an input from a recorded one, failing when the text to
// replace is gone (the fixture changed and the derivation with it).
func replace(path string, re, with string) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		b := read(t, path)
		rx := regexp.MustCompile(re)
		if !rx.Match(b) {
			t.Fatalf("%s no longer matches %q; update the derivation", path, re)
		}
		return rx.ReplaceAll(b, []byte(with))
	}
}

var formats = []completeness{
	{format: "nmap", reached: "127.0.0.1",
		pass:          run{file: "testdata/nmap/baseline.xml"},
		fail:          run{file: "testdata/nmap/new-port.xml"},
		nothing:       run{file: "testdata/nmap/no-host-up.xml"},
		nothingReason: "no host up",
		truncated:     cut("testdata/nmap/three-hosts.xml", 3000)},
	{format: "testssl", reached: "127.0.0.1",
		pass:          run{file: "testdata/testssl/strong.json", criteria: []string{"protocols_below_tls12 == 0", "cert_expired == 0", "scan_problems == 0"}},
		fail:          run{file: "testdata/testssl/weak-tls10.json"},
		nothing:       run{file: "testdata/testssl/scan-problem.json"},
		nothingReason: "Can't connect",
		truncated:     half("testdata/testssl/weak-tls10.json")},
	{format: "openscap", reached: "127.0.0.1",
		pass:          run{file: "testdata/openscap/passing.xml"},
		fail:          run{file: "testdata/openscap/xccdf-results.xml"},
		nothing:       run{file: "testdata/openscap/other-os.xml"},
		nothingReason: "5 notapplicable",
		truncated:     half("testdata/openscap/arf.xml")},
	{format: "lynis", reached: "vm",
		pass:          run{file: "testdata/lynis/report.dat", criteria: []string{"hardening_index >= 50"}},
		fail:          run{file: "testdata/lynis/report.dat"},
		nothing:       run{file: "testdata/lynis/no-tests.dat"},
		nothingReason: "Lynis ran no test",
		truncated:     cut("testdata/lynis/report.dat", -len("finish=true\n"))},
	{format: "chrony", reached: "127.0.0.1",
		pass:          run{file: "testdata/chrony/synced.txt"},
		fail:          run{file: "testdata/chrony/synced.txt", criteria: []string{"offset_ms < 0.001"}},
		nothing:       run{file: "testdata/chrony/unsynchronised.txt"},
		nothingReason: "never compared the clock",
		truncated:     cut("testdata/chrony/synced.txt", -len("mal\n"))},
	{format: "zlint", reached: "127.0.0.1",
		pass: run{file: "testdata/zlint/strong-server.json", criteria: []string{"findings.fatal == 0"}},
		fail: run{file: "testdata/zlint/weak-server.json"},
		nothing: run{file: "testdata/zlint/strong-server.json",
			data: replace("testdata/zlint/strong-server.json", `"result": "[a-zA-Z]+"`, `"result": "NA"`)},
		nothingReason: "none of the 427 lints applied",
		truncated:     half("testdata/zlint/strong-server.json")},
	{format: "tsr", reached: "127.0.0.1",
		pass:          run{file: "testdata/tsr/granted.tsr"},
		fail:          run{file: "testdata/tsr/rejected.tsr"},
		nothing:       run{file: "testdata/tsr/granted-nocert.tsr", ctx: func(c *Context) { c.TSACerts = nil }},
		nothingReason: "carries no certificate",
		truncated:     half("testdata/tsr/granted.tsr")},
	{format: "crl", reached: "127.0.0.1",
		pass:          run{file: "testdata/crl/daily.crl", criteria: []string{"signature_valid == 1", "max_interval_h <= 24"}},
		fail:          run{file: "testdata/crl/gap.crl", criteria: []string{"signature_valid == 1", "max_interval_h <= 24"}},
		nothing:       run{file: "testdata/crl/daily.crl", ctx: func(c *Context) { c.Issuers = nil }},
		nothingReason: "no issuer certificate was given",
		truncated:     half("testdata/crl/revoked.crl")},
	{format: "ocsp", reached: "127.0.0.1",
		pass:          run{file: "testdata/ocsp/good.der"},
		fail:          run{file: "testdata/ocsp/long.der"},
		nothing:       run{file: "testdata/ocsp/good.der", ctx: func(c *Context) { c.Issuers = nil }},
		nothingReason: "no issuer certificate was given",
		truncated:     half("testdata/ocsp/good.der")},
	{format: "ceremony", reached: "127.0.0.1",
		pass: run{file: "testdata/ceremony/complete.json"},
		fail: run{file: "testdata/ceremony/one-trusted.json"},
		nothing: run{file: "testdata/ceremony/complete.json",
			data: replace("testdata/ceremony/complete.json", `"completed": true`, `"completed": false`)},
		nothingReason: "no phase of the ceremony was completed",
		truncated:     half("testdata/ceremony/complete.json")},
	{format: "sarif", reached: "127.0.0.1",
		pass: run{file: "testdata/sarif/gosec.sarif", criteria: []string{"results.none == 0"}},
		fail: run{file: "testdata/sarif/gosec.sarif"},
		nothing: run{file: "testdata/sarif/gosec.sarif",
			data: replace("testdata/sarif/gosec.sarif", `"tool": \{`, `"invocations": [{"executionSuccessful": false, "toolExecutionNotifications": [{"level": "error", "message": {"text": "could not load packages"}}]}], "tool": {`)},
		nothingReason: "executionSuccessful: false",
		truncated:     half("testdata/sarif/gosec.sarif")},
	{format: "trivy", reached: "127.0.0.1",
		pass: run{file: "testdata/trivy/config.json", criteria: []string{"findings.critical == 0"}},
		fail: run{file: "testdata/trivy/config.json"},
		nothing: run{file: "testdata/trivy/config.json",
			data: replace("testdata/trivy/config.json", `(?s),\s*"Results": \[.*\]\s*\}\s*$`, "\n}\n")},
		nothingReason: "no scanned target",
		truncated:     half("testdata/trivy/config.json")},
}

func TestEveryFormatIsCovered(t *testing.T) {
	var got []string
	for _, f := range formats {
		got = append(got, f.format)
	}
	for _, f := range Formats() {
		if !slices.Contains(got, f) {
			t.Errorf("format %s has no completeness cases", f)
		}
	}
}

func TestPassingRun(t *testing.T) {
	for _, f := range formats {
		t.Run(f.format, func(t *testing.T) {
			res, v := f.pass.judge(t)
			if !v.Pass || res.Metrics["checked"] == 0 {
				t.Errorf("%s: verdict %+v, checked %v; want a pass of a run that checked something", f.pass.file, v, res.Metrics["checked"])
			}
		})
	}
}

func TestFailingRun(t *testing.T) {
	for _, f := range formats {
		t.Run(f.format, func(t *testing.T) {
			res, v := f.fail.judge(t)
			if v.Pass || len(v.Failed) == 0 {
				t.Fatalf("%s: verdict %+v, want a failed criterion", f.fail.file, v)
			}
			if res.Metrics["checked"] == 0 {
				t.Errorf("%s: checked 0; a failing run checked something and found it wanting", f.fail.file)
			}
		})
	}
}

// A run that checked nothing fails whatever the control's criteria say,
// and the finding behind the failure says why.
func TestRunThatCheckedNothingFails(t *testing.T) {
	for _, f := range formats {
		t.Run(f.format, func(t *testing.T) {
			for _, crit := range [][]string{nil, f.pass.criteria, {"checked >= 0"}} {
				r := f.nothing
				r.criteria = crit
				res, v := r.judge(t)
				if v.Pass || res.Metrics["checked"] != 0 {
					t.Fatalf("criteria %v: verdict %+v, checked %v; want a failure", crit, v, res.Metrics["checked"])
				}
				i := slices.IndexFunc(v.Failed, func(fc FailedCriterion) bool { return fc.Criterion.String() == "checked > 0" })
				if i < 0 {
					t.Fatalf("criteria %v: failed %+v, want \"checked > 0\" among them", crit, v.Failed)
				}
				fs := v.Failed[i].Findings
				if len(fs) != 1 || fs[0].Key != "nothing_checked" || !strings.Contains(fs[0].Title, f.nothingReason) {
					t.Errorf("criteria %v: findings behind checked > 0 = %+v, want one saying %q", crit, fs, f.nothingReason)
				}
			}
		})
	}
}

// A cut-off file is refused, never judged on what it holds.
func TestTruncatedFileIsRefused(t *testing.T) {
	for _, f := range formats {
		t.Run(f.format, func(t *testing.T) {
			for _, format := range []string{"", f.format} {
				_, err := Parse(context.Background(), format, bytes.NewReader(f.truncated(t)), testContext(t))
				if err == nil || evident.ErrorCode(err) != evident.EINVALID || !strings.HasPrefix(err.Error(), "truncated: ") {
					t.Errorf("Parse(format %q) = %v, want EINVALID \"truncated: ...\"", format, err)
				}
			}
		})
	}
}

// A run that misses a host in scope records it, one finding per host, and
// still passes on what it checked: a missed host is a fact about coverage
// that leaves its system's window unsatisfied, not a failed check. A
// control that states a criterion on scope.missing is judged by it.
func TestMissedInScopeHostIsCoverageNotFailure(t *testing.T) {
	for _, f := range formats {
		t.Run(f.format, func(t *testing.T) {
			r := f.pass
			r.ctx = func(c *Context) {
				c.Scope = map[string]string{f.reached: "web", "10.99.0.7": "db"}
				c.Hosts = []string{f.reached} // used only where the output names no host
			}
			res, v := r.judge(t)
			if res.Metrics["scope.missing"] != 1 || res.Metrics["scope.reached"] != 1 {
				t.Fatalf("scope metrics %v / %v, want 1 missing and 1 reached", res.Metrics["scope.missing"], res.Metrics["scope.reached"])
			}
			if !v.Pass || !v.CheckedPass {
				t.Errorf("verdict %+v, want a pass: the missed host is coverage, not a failed check", v)
			}
			if slices.ContainsFunc(v.Criteria, func(c evident.Criterion) bool { return c.Metric == "scope.missing" }) {
				t.Errorf("criteria %v hold the run to scope.missing by default", v.Criteria)
			}
			i := slices.IndexFunc(res.Findings, func(x Finding) bool { return x.Rule == "scope.missing" })
			if i < 0 || res.Findings[i].Target != "10.99.0.7" {
				t.Errorf("findings %+v, want one naming the missed host 10.99.0.7", res.Findings)
			}
			cv := res.Scope
			if cv == nil || !slices.Equal(cv.SystemsCovered, []string{"web"}) || !slices.Equal(cv.SystemsMissing, []string{"db"}) ||
				len(cv.Missing) != 1 || cv.Missing[0] != (ScopeHost{Host: "10.99.0.7", System: "db"}) {
				t.Errorf("coverage %+v, want web covered and db's 10.99.0.7 missing", cv)
			}
			if cv != nil && cv.Asserted == NamesHosts(f.format) {
				t.Errorf("coverage asserted %v for a format whose output names hosts: %v", cv.Asserted, NamesHosts(f.format))
			}

			// A control may demand every host in one run: then it fails,
			// for the missed host only.
			r.criteria = append(stated(f), "scope.missing == 0")
			if _, v := r.judge(t); v.Pass || !v.CheckedPass || len(v.Failed) != 1 || v.Failed[0].Criterion.String() != "scope.missing == 0" ||
				len(v.Failed[0].Findings) != 1 || v.Failed[0].Findings[0].Target != "10.99.0.7" {
				t.Errorf("control stating scope.missing == 0: verdict %+v, want a failure naming 10.99.0.7 only", v)
			}
		})
	}
}

// stated is the passing run's criteria written out, defaults included, so
// a test can add one.
func stated(f completeness) []string {
	if f.pass.criteria != nil {
		return slices.Clone(f.pass.criteria)
	}
	var out []string
	for _, c := range DefaultCriteria(f.format) {
		out = append(out, c.String())
	}
	return out
}

// A run that reached no host in scope is evidence for no system and
// fails, whatever the control accepts about missed hosts.
func TestRunReachingNoInScopeHostFails(t *testing.T) {
	for _, f := range formats {
		t.Run(f.format, func(t *testing.T) {
			r := f.pass
			r.criteria = append(stated(f), "scope.missing <= 5")
			r.ctx = func(c *Context) { c.Scope = map[string]string{"10.99.0.7": "db"}; c.Hosts = nil }
			res, v := r.judge(t)
			if v.Pass || v.CheckedPass || res.Metrics["scope.reached"] != 0 {
				t.Fatalf("verdict %+v, reached %v; want a failure", v, res.Metrics["scope.reached"])
			}
			i := slices.IndexFunc(v.Failed, func(fc FailedCriterion) bool { return fc.Criterion.String() == "scope.reached > 0" })
			if i < 0 || len(v.Failed[i].Findings) != 1 || !strings.Contains(v.Failed[i].Findings[0].Title, "evidence for no system") {
				t.Errorf("failed %+v, want scope.reached > 0 with a finding saying the run is evidence for no system", v.Failed)
			}
		})
	}
}
