package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files from the parsers' output")

// now is the clock of every test import: shortly after the fixtures were
// generated, so ages are small and fixed.
var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// zone allows the HTTP and TLS services regen.sh starts; its fourth port is
// the one that appears in the second nmap scan.
var zone = []string{"tcp/18080", "tcp/14443-14443", "tcp/15443"}

func testContext(t *testing.T) Context {
	t.Helper()
	roots, err := CertPoolPEM(read(t, "testdata/tsr/root.pem"))
	if err != nil {
		t.Fatal(err)
	}
	tsa, err := ParseCertsPEM(read(t, "testdata/tsr/tsa.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := ParseCertsPEM(read(t, "testdata/crl/issuer.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return Context{AllowedPorts: zone, TSARoots: roots, TSACerts: tsa, Issuers: ca, StampedData: read(t, "testdata/tsr/stamped.txt"), Now: now}
}

func read(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtures lists every tool output regen.sh produces, with its format.
func fixtures(t *testing.T) map[string]string {
	t.Helper()
	ext := map[string]bool{".xml": true, ".json": true, ".txt": true, ".dat": true, ".tsr": true, ".sarif": true, ".crl": true, ".der": true, ".csv": true}
	out := map[string]string{}
	dirs, _ := filepath.Glob("testdata/*")
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*"))
		for _, f := range files {
			name := filepath.Base(f)
			if !ext[filepath.Ext(f)] || strings.HasSuffix(name, ".golden.json") || name == "stamped.txt" {
				continue
			}
			out[f] = filepath.Base(d)
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d fixtures; run testdata/regen.sh", len(out))
	}
	return out
}

func parseFile(t *testing.T, path, format string) *Result {
	t.Helper()
	res, err := Parse(context.Background(), format, bytes.NewReader(read(t, path)), testContext(t))
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return res
}

// TestGolden parses every real fixture, by detection and by name, and
// compares the result with its golden JSON.
func TestGolden(t *testing.T) {
	for path, format := range fixtures(t) {
		t.Run(path, func(t *testing.T) {
			data := read(t, path)
			got, err := Detect(data)
			if err != nil || got != format {
				t.Fatalf("Detect = %q, %v; want %q", got, err, format)
			}
			res := parseFile(t, path, "")
			named := parseFile(t, path, format)
			if diff := cmp.Diff(res, named); diff != "" {
				t.Errorf("detected and named parses differ (-detected +named):\n%s", diff)
			}
			js, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			js = append(js, '\n')
			golden := strings.TrimSuffix(path, filepath.Ext(path)) + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, js, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(string(read(t, golden)), string(js)); diff != "" {
				t.Errorf("result differs from %s (-want +got; go test -update refreshes):\n%s", golden, diff)
			}
		})
	}
}

func criteria(t *testing.T, ss ...string) []evident.Criterion {
	t.Helper()
	var out []evident.Criterion
	for _, s := range ss {
		c, err := evident.ParseCriterion(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func TestNewOpenPortFailsAndAppears(t *testing.T) {
	before := parseFile(t, "testdata/nmap/baseline.xml", "nmap")
	after := parseFile(t, "testdata/nmap/new-port.xml", "nmap")
	crit := criteria(t, "unexpected_open_ports == 0")

	if v := Evaluate(before, crit); !v.Pass {
		t.Fatalf("baseline scan: verdict %+v, want pass", v)
	}
	v := Evaluate(after, crit)
	if v.Pass || len(v.Failed) != 1 {
		t.Fatalf("scan with a new port: verdict %+v, want one failed criterion", v)
	}
	f := v.Failed[0]
	if f.Actual != 1 || len(f.Findings) != 1 || f.Findings[0].Key != "127.0.0.1 tcp/12323" {
		t.Fatalf("failed criterion = %+v, want actual 1 naming 127.0.0.1 tcp/12323", f)
	}
	if !strings.Contains(f.Findings[0].Title, "12323") {
		t.Errorf("finding title %q does not name the port", f.Findings[0].Title)
	}
	d := Compare(before, after)
	if len(d.Appeared) != 1 || d.Appeared[0].Key != "127.0.0.1 tcp/12323" || len(d.Gone) != 0 {
		t.Errorf("Compare = %+v, want only tcp/12323 appeared", d)
	}
	if back := Compare(after, before); len(back.Gone) != 1 || len(back.Appeared) != 0 {
		t.Errorf("Compare reversed = %+v, want tcp/12323 gone", back)
	}
}

func TestNoAllowedPortsMeansEveryOpenPortIsUnexpected(t *testing.T) {
	res, err := Parse(context.Background(), "nmap", bytes.NewReader(read(t, "testdata/nmap/baseline.xml")), Context{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Metrics["unexpected_open_ports"], res.Metrics["open_ports"]; got != want || got == 0 {
		t.Errorf("unexpected_open_ports = %v, want all %v open ports", got, want)
	}
}

func TestWeakTLSFailsProtocolCriterion(t *testing.T) {
	crit := criteria(t, "protocols_below_tls12 == 0")
	weak := parseFile(t, "testdata/testssl/weak-tls10.json", "testssl")
	v := Evaluate(weak, crit)
	if v.Pass || len(v.Failed) != 1 {
		t.Fatalf("weak server verdict = %+v, want fail", v)
	}
	var ids []string
	for _, f := range v.Failed[0].Findings {
		ids = append(ids, f.Rule)
	}
	if !strings.Contains(strings.Join(ids, " "), "TLS1") {
		t.Errorf("findings behind the failure = %v, want TLS1 among them", ids)
	}
	strong := parseFile(t, "testdata/testssl/strong.json", "testssl")
	if v := Evaluate(strong, crit); !v.Pass {
		t.Errorf("strong server verdict = %+v, want pass", v)
	}
}

func TestChronyOffsetCriterion(t *testing.T) {
	synced := parseFile(t, "testdata/chrony/synced.txt", "chrony")
	if v := Evaluate(synced, criteria(t, "offset_ms < 100", "synced == 1")); !v.Pass {
		t.Errorf("synced clock verdict = %+v, want pass", v)
	}
	if v := Evaluate(synced, criteria(t, "offset_ms < 0.0001")); v.Pass {
		t.Errorf("offset %v ms passed a 0.0001 ms limit", synced.Metrics["offset_ms"])
	}
	lost := parseFile(t, "testdata/chrony/unsynchronised.txt", "chrony")
	v := Evaluate(lost, nil)
	if v.Pass {
		t.Fatalf("unsynchronised clock passed the default criteria: %+v", v)
	}
	if len(v.Failed) == 0 || len(v.Failed[0].Findings) == 0 || v.Failed[0].Findings[0].Key != "not_synchronised" {
		t.Errorf("failure %+v does not point at the lost synchronisation", v.Failed)
	}
	// The CSV form of the same report gives the same numbers.
	csv := parseFile(t, "testdata/chrony/synced-csv.txt", "chrony")
	if csv.Metrics["stratum"] != synced.Metrics["stratum"] || csv.Metrics["synced"] != 1 {
		t.Errorf("CSV metrics %v disagree with text metrics %v", csv.Metrics, synced.Metrics)
	}
}

func TestTimeStampChecks(t *testing.T) {
	c := testContext(t)
	parse := func(path string, c Context) *Result {
		res, err := Parse(context.Background(), "", bytes.NewReader(read(t, path)), c)
		if err != nil {
			t.Fatalf("Parse(%s): %v", path, err)
		}
		return res
	}
	all := criteria(t, "status_ok == 1", "signature_valid == 1", "chain_valid == 1", "imprint_ok == 1", "gen_time_age_s < 86400")
	if v := Evaluate(parse("testdata/tsr/granted.tsr", c), all); !v.Pass {
		t.Errorf("granted token verdict = %+v, want pass", v)
	}
	if v := Evaluate(parse("testdata/tsr/granted-nocert.tsr", c), all); !v.Pass {
		t.Errorf("token without embedded certificate, TSA certificate supplied: verdict %+v, want pass", v)
	}
	if v := Evaluate(parse("testdata/tsr/rejected.tsr", c), all); v.Pass || v.Failed[0].Criterion.Metric != "status_ok" {
		t.Errorf("rejected response verdict = %+v, want status_ok to fail", v)
	}

	other := c
	other.StampedData = []byte("some other file")
	if v := Evaluate(parse("testdata/tsr/granted.tsr", other), all); v.Pass {
		t.Errorf("token checked against other data passed: %+v", v)
	}
	untrusted := c
	untrusted.TSARoots, _ = CertPoolPEM(read(t, "testdata/zlint/strong-server.pem"))
	if v := Evaluate(parse("testdata/tsr/granted.tsr", untrusted), all); v.Pass {
		t.Errorf("token from an untrusted TSA passed: %+v", v)
	}
	noData := c
	noData.StampedData = nil
	v := Evaluate(parse("testdata/tsr/granted.tsr", noData), all)
	if v.Pass || len(v.Errors) != 1 || !strings.Contains(v.Errors[0], "imprint_ok") {
		t.Errorf("imprint criterion without stamped data: verdict %+v, want an error naming imprint_ok", v)
	}

	tampered := bytes.Clone(read(t, "testdata/tsr/granted.tsr"))
	i := bytes.Index(tampered, []byte{0x18, 0x0f}) // the GeneralizedTime genTime
	if i < 0 {
		t.Fatal("no genTime in token")
	}
	tampered[i+5] ^= 1 // change a digit of the year
	res, err := Parse(context.Background(), "tsr", bytes.NewReader(tampered), c)
	if err != nil {
		t.Fatalf("a token with an altered time is still a token: %v", err)
	}
	if res.Metrics["signature_valid"] != 0 || Evaluate(res, all).Pass {
		t.Errorf("token with an altered time: metrics %v, want signature_valid 0 and a failing verdict", res.Metrics)
	}
}

func TestDefaultCriteriaAreStrict(t *testing.T) {
	for _, f := range Formats() {
		if len(DefaultCriteria(f)) == 0 {
			t.Errorf("format %s has no default criteria", f)
		}
	}
	for path := range fixtures(t) {
		res := parseFile(t, path, "")
		v := Evaluate(res, nil)
		// A run that checked nothing, or that cannot show it finished,
		// may lack the metrics its checks would have produced; it fails on
		// "checked > 0" or "complete == 1" anyway.
		complete, hasComplete := res.Metrics["complete"]
		unfinished := hasComplete && complete != 1
		if len(v.Errors) > 0 && !strings.Contains(path, "rejected") && res.Metrics["checked"] > 0 && !unfinished {
			t.Errorf("%s: default criteria name metrics the parser does not produce: %v", path, v.Errors)
		}
	}
	if v := Evaluate(&Result{Format: "nmap", Metrics: map[string]float64{}}, nil); v.Pass {
		t.Error("a result without metrics passed the default criteria")
	}
}

func TestParseRejectsBadInput(t *testing.T) {
	nmapXML := read(t, "testdata/nmap/baseline.xml")
	big := Context{MaxBytes: 100}
	deep := "<nmaprun>" + strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300) + "</nmaprun>"
	bomb := `<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><nmaprun>&b;</nmaprun>`
	external := `<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY x SYSTEM "file:///etc/passwd">]><nmaprun>&x;</nmaprun>`
	tests := []struct {
		name, format string
		data         []byte
		c            Context
		want         string
	}{
		{"empty", "", nil, Context{}, "empty"},
		{"unknown content", "", []byte("hello world\n"), Context{}, "format not recognised"},
		{"unknown format", "nessus", nmapXML, Context{}, "unknown format"},
		{"named format mismatch", "testssl", nmapXML, Context{}, "file is not testssl output: it looks like nmap"},
		{"too large", "", nmapXML, big, "larger than the limit of 100 bytes"},
		{"too large, seen as nmap in its first bytes", "", nmapXML, Context{MaxBytes: 1000}, "larger than the limit of 1000 bytes"},
		{"truncated xml", "nmap", nmapXML[:len(nmapXML)/2], Context{}, "truncated"},
		{"entity expansion", "nmap", []byte(bomb), Context{}, "entities"},
		{"external entity", "nmap", []byte(external), Context{}, "entities"},
		{"deep nesting", "nmap", []byte(deep), Context{}, "nested deeper than"},
		{"bad allowed port", "nmap", nmapXML, Context{AllowedPorts: []string{"tcp/http"}}, "allowed_ports[0]"},
		{"truncated json", "testssl", read(t, "testdata/testssl/strong.json")[:500], Context{}, "truncated"},
		{"binary junk in json", "trivy", []byte("{\"SchemaVersion\": 2, \"ArtifactName\": \"\xff\xfe\"}"), Context{}, "not valid UTF-8"},
		{"trailing document", "zlint", []byte(`{"e_x": {"result": "pass"}} {"e_y": {"result": "pass"}}`), Context{}, "data after the document"},
		{"json type error", "sarif", []byte(`{"version": "2.1.0", "runs": {"tool": 1}, "$schema": "sarif-schema"}`), Context{}, "runs"},
		{"chrony cut short", "chrony", []byte("Reference ID    : 7F000001 (localhost)\nStratum         : 9\n"), Context{}, "truncated"},
		{"chrony nul byte", "chrony", []byte("Reference ID    : 7F000001 \x00(x)\nStratum : 1\n"), Context{}, "NUL byte"},
		{"chrony csv short", "chrony", []byte("7F000001,127.0.0.1,9,1795773956.1,-0.000001551\n"), Context{}, "truncated: chronyc -c tracking line 1 has 5 fields"},
		{"lynis interrupted", "lynis", []byte("# Lynis Report\nlynis_version=3.0.8\nwarning[]=X|y|\n"), Context{}, "truncated: lynis report has no closing finish=true"},
		{"openscap content not results", "openscap", read(t, "testdata/openscap/content/tsp-host-xccdf.xml"), Context{}, "not scan results"},
		{"tsr garbage", "tsr", []byte{0x30, 0x10, 0x30, 0x05, 0x02, 0x01, 0x00, 0xff}, Context{}, "time-stamp response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(context.Background(), tt.format, bytes.NewReader(tt.data), tt.c)
			if err == nil {
				t.Fatalf("Parse succeeded, want error containing %q", tt.want)
			}
			if code := evident.ErrorCode(err); code != evident.EINVALID {
				t.Errorf("error code = %s, want %s (%v)", code, evident.EINVALID, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// TestNmapReadInOnePass: nmap output is parsed as it is read. A byte
// order mark does not change the result, and a file whose reading fails
// part way is refused for that failure, not judged on its first part.
func TestNmapReadInOnePass(t *testing.T) {
	data := read(t, "testdata/nmap/baseline.xml")
	want := parseFile(t, "testdata/nmap/baseline.xml", "nmap")
	got, err := Parse(context.Background(), "", bytes.NewReader(append([]byte("\xef\xbb\xbf"), data...)), testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("with a byte order mark (-without +with):\n%s", diff)
	}
	broken := io.MultiReader(bytes.NewReader(data[:len(data)/2]), iotest.ErrReader(errors.New("connection reset")))
	_, err = Parse(context.Background(), "nmap", broken, testContext(t))
	if err == nil || !strings.Contains(err.Error(), "read tool output: connection reset") {
		t.Errorf("Parse of a read that fails = %v, want the read error", err)
	}
}

func TestParseHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Parse(ctx, "", bytes.NewReader(read(t, "testdata/nmap/baseline.xml")), Context{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Parse with a cancelled context = %v, want context.Canceled", err)
	}
}

// Every format refuses content that is not its own, whatever it is, with an
// error that names the format the user asked for.
func TestNamedFormatRefusesOtherContent(t *testing.T) {
	junk := map[string][]byte{
		"binary": {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0xff, 0xfe},
		"html":   []byte("<!doctype html><html><body>502 Bad Gateway</body></html>"),
		"json":   []byte(`{"status": "ok"}`),
	}
	for _, f := range Formats() {
		for name, data := range junk {
			_, err := Parse(context.Background(), f, bytes.NewReader(data), Context{})
			if err == nil || !strings.Contains(err.Error(), "file is not "+f) || evident.ErrorCode(err) != evident.EINVALID {
				t.Errorf("Parse(%s, %s junk) = %v, want EINVALID \"file is not %s ...\"", f, name, err, f)
			}
		}
	}
}

// TestTestsslCSVNeverPasses: testssl's CSV has no end marker, so its rows
// are judged like the JSON's but the verdict never passes, and says why.
// The real CSV of the weak target holds the JSON's findings; the real CSV
// of the strong target, stopped after 20 s, ends after a whole row and
// would pass on what it holds; a row cut inside its quotes is refused.
func TestTestsslCSVNeverPasses(t *testing.T) {
	weakCSV := parseFile(t, "testdata/testssl/weak-tls10-csv.csv", "testssl")
	weakJSON := parseFile(t, "testdata/testssl/weak-tls10.json", "testssl")
	keys := func(r *Result, skip ...string) []string {
		var out []string
		for _, f := range r.Findings {
			if !slices.Contains(skip, f.Rule) {
				out = append(out, f.Key)
			}
		}
		return out
	}
	if diff := cmp.Diff(keys(weakJSON, "scanTime"), keys(weakCSV, report.Complete)); diff != "" {
		t.Errorf("CSV and JSON of one target give different findings (-json +csv):\n%s", diff)
	}
	for _, name := range []string{"protocols_below_tls12", "findings.high", "findings.medium"} {
		if weakCSV.Metrics[name] != weakJSON.Metrics[name] {
			t.Errorf("metric %s: CSV %v, JSON %v", name, weakCSV.Metrics[name], weakJSON.Metrics[name])
		}
	}
	v := Evaluate(weakCSV, nil)
	if v.Pass || !failedOn(v, "protocols_below_tls12") || !failedOn(v, report.Complete) {
		t.Errorf("weak CSV verdict = %+v, want failed on protocols_below_tls12 and complete", v.Failed)
	}

	cut := parseFile(t, "testdata/testssl/strong-cut-csv.csv", "testssl")
	if cut.Metrics[report.Checked] == 0 {
		t.Fatalf("the cut-off CSV checked nothing; it should hold the rows testssl wrote before it stopped")
	}
	v = Evaluate(cut, nil)
	if v.Pass || len(v.Failed) != 1 || v.Failed[0].Criterion.Metric != report.Complete {
		t.Fatalf("cut-off CSV verdict = pass %v, failed %+v; want failed on complete only", v.Pass, v.Failed)
	}
	if f := v.Failed[0].Findings; len(f) != 1 || !strings.Contains(f[0].Title, "--jsonfile") {
		t.Errorf("the failed criterion's finding = %+v, want the reason naming --jsonfile", f)
	}
	// With criteria that hold on every row, the verdict still fails.
	if v := Evaluate(cut, criteria(t, "findings.critical == 0")); v.Pass {
		t.Errorf("cut-off CSV passed a control's own criteria: %+v", v)
	}

	data := read(t, "testdata/testssl/weak-tls10-csv.csv")
	broken := data[:bytes.LastIndex(data[:len(data)-1], []byte("\n"))+20]
	_, err := Parse(context.Background(), "testssl", bytes.NewReader(broken), testContext(t))
	lines := bytes.Count(broken, []byte("\n")) + 1
	if evident.ErrorCode(err) != evident.EINVALID || !strings.Contains(err.Error(), fmt.Sprintf("line %d", lines)) {
		t.Errorf("CSV cut inside a row: %v, want EINVALID naming line %d", err, lines)
	}
	noID := []byte("\"id\",\"fqdn/ip\",\"port\",\"severity\",\"finding\"\n\"\",\"a/1.2.3.4\",\"443\",\"OK\",\"x\"\n")
	if _, err := Parse(context.Background(), "testssl", bytes.NewReader(noID), testContext(t)); evident.ErrorCode(err) != evident.EINVALID {
		t.Errorf("CSV row with no id: %v, want EINVALID", err)
	}
}

// failedOn reports whether a verdict failed on a criterion over metric.
func failedOn(v Verdict, metric string) bool {
	return slices.ContainsFunc(v.Failed, func(f FailedCriterion) bool { return f.Criterion.Metric == metric })
}

// A key ceremony report missing a required field is refused, naming it;
// the fixtures hold a real openssl key and its fingerprint.
func TestCeremonyReportMissingFieldIsRefused(t *testing.T) {
	full := string(read(t, "testdata/ceremony/complete.json"))
	for _, tc := range []struct{ drop, field string }{
		{`"model": "Test HSM 7", `, "hsm.model"},
		{`"date": "2026-11-20T09:00:00Z",`, "date"},
		{`, "role": "key custodian"`, "participants[1].role"},
		{`"algorithm": "ECDSA P-384", `, "generation.algorithm"},
	} {
		if !strings.Contains(full, tc.drop) {
			t.Fatalf("fixture no longer holds %q", tc.drop)
		}
		_, err := Parse(context.Background(), "", strings.NewReader(strings.Replace(full, tc.drop, "", 1)), testContext(t))
		if err == nil || evident.ErrorCode(err) != evident.EINVALID || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("without %s: %v, want EINVALID naming %s", tc.field, err, tc.field)
		}
	}
	fp := strings.TrimSpace(string(read(t, "testdata/ceremony/key.sha256")))
	other := strings.Replace(full, fp, strings.Repeat("0", 64), 1)
	res, err := Parse(context.Background(), "", strings.NewReader(other), testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if v := Evaluate(res, nil); v.Pass || res.Metrics["fingerprint_mismatch"] != 1 {
		t.Errorf("wrong fingerprint: verdict %+v, metrics %v; want a failure on fingerprint_mismatch", v, res.Metrics)
	}
}

// A token dated outside its TSU certificate's validity fails by default,
// whatever else holds; a token within it passes that criterion.
func TestTokenOutsideTSUValidityFails(t *testing.T) {
	c := testContext(t)
	roots, err := CertPoolPEM(read(t, "testdata/tsr/future-root.pem"))
	if err != nil {
		t.Fatal(err)
	}
	c.TSARoots = roots
	res, err := Parse(context.Background(), "", bytes.NewReader(read(t, "testdata/tsr/future-tsu.tsr")), c)
	if err != nil {
		t.Fatal(err)
	}
	v := Evaluate(res, nil)
	if v.Pass || !slices.ContainsFunc(v.Failed, func(f FailedCriterion) bool { return f.Criterion.Metric == "within_tsu_validity" }) {
		t.Errorf("token before its TSU certificate: verdict %+v, want within_tsu_validity failing", v)
	}
	ok := parseFile(t, "testdata/tsr/granted.tsr", "tsr")
	if ok.Metrics["within_tsu_validity"] != 1 {
		t.Errorf("granted token: within_tsu_validity %v, want 1", ok.Metrics["within_tsu_validity"])
	}
}
