// Package testssl parses testssl.sh output into TLS findings by severity:
// the flat JSON list written by --jsonfile, the nested document written by
// --jsonfile-pretty, and the CSV written by --csvfile. Both JSON forms end
// with the run's scanTime entry, so a cut-off file is told from a finished
// one; CSV has no such end, so its findings are read but its verdict can
// never pass.
package testssl

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// Format is the name this package parses.
const Format = "testssl"

// Detect reports whether head is testssl.sh output: the pretty JSON form
// names its scanResult, the flat form is a list of {"id", "ip", "port",
// "severity", "finding"} objects, and the CSV form starts with its header.
func Detect(head []byte) bool {
	s := string(bytes.TrimSpace(head))
	if strings.HasPrefix(s, "{") {
		// Problems testssl met on the client side come first and can push
		// the invocation out of the head; their key is testssl's own.
		return strings.Contains(s, `"Invocation"`) && strings.Contains(s, "testssl") ||
			strings.HasPrefix(s, `{"clientProblem`) || strings.Contains(s, `"clientProblem1"`)
	}
	if strings.HasPrefix(s, csvHeader) {
		return true
	}
	return strings.HasPrefix(s, "[") && strings.Contains(s, `"id"`) && strings.Contains(s, `"severity"`) && strings.Contains(s, `"finding"`)
}

// csvHeader starts testssl's CSV form (--csvfile).
const csvHeader = `"id","fqdn/ip","port","severity","finding"`

// csvUnproven is why a CSV run can never pass. testssl writes no footer to
// CSV (its fileout_footer says so), so a file cut between two rows, by a
// scan stopped half way or a partial copy, cannot be told from a finished
// scan, and a verdict on it could pass on the checks it happens to hold.
// Its findings still count: a weak protocol in the rows it holds is a
// failure whatever came after.
const csvUnproven = "testssl CSV (--csvfile) has no end marker, so a cut-off scan cannot be told from a finished one; import the --jsonfile or --jsonfile-pretty output of the same run for a verdict that can pass"

// csvColumns are the columns of testssl's CSV form, by name; the first five
// are required, cve and cwe are read when present.
var csvColumns = []string{"id", "fqdn/ip", "port", "severity", "finding", "cve", "cwe"}

type entry struct {
	ID       string `json:"id"`
	IP       string `json:"ip"`
	Port     string `json:"port"`
	Severity string `json:"severity"`
	CVE      string `json:"cve"`
	CWE      string `json:"cwe"`
	Finding  string `json:"finding"`
}

type pretty struct {
	Invocation string                       `json:"Invocation"`
	Version    string                       `json:"version"`
	OpenSSL    string                       `json:"openssl"`
	StartTime  string                       `json:"startTime"`
	ScanResult []map[string]json.RawMessage `json:"scanResult"`
	// ScanTime is the scan's duration in seconds, or "Scan interrupted".
	ScanTime json.RawMessage `json:"scanTime"`
}

// below12 are the testssl ids of the protocols older than TLS 1.2.
var below12 = map[string]bool{"SSLv2": true, "SSLv3": true, "TLS1": true, "TLS1_1": true}

// severities maps testssl's levels to ours; OK, INFO and DEBUG are not
// findings.
var severities = map[string]string{"LOW": "low", "MEDIUM": "medium", "HIGH": "high", "CRITICAL": "critical"}

// Parse reads either JSON form.
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	res := report.New(Format, "testssl.sh")
	var entries []entry
	csvForm := bytes.HasPrefix(bytes.TrimSpace(data), []byte(csvHeader))
	if csvForm {
		var err error
		if entries, err = parseCSV(data); err != nil {
			return nil, err
		}
	} else if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		var p pretty
		if err := report.DecodeJSON(Format, data, &p); err != nil {
			return nil, err
		}
		if p.ScanResult == nil {
			return nil, evident.ErrorAt(evident.EINVALID, "scanResult", "testssl JSON has no scanResult: the scan did not finish")
		}
		res.ToolVersion = strings.TrimSpace(p.Version)
		res.Summary["openssl"] = p.OpenSSL
		if sec, err := strconv.ParseInt(p.StartTime, 10, 64); err == nil {
			res.Time = time.Unix(sec, 0).UTC()
		}
		var err error
		if entries, err = flatten(p.ScanResult); err != nil {
			return nil, err
		}
		var st string
		if json.Unmarshal(p.ScanTime, &st) == nil && st != "" {
			// The pretty form says once, for the whole run, that it was
			// interrupted; as an entry naming no target it fails them all.
			entries = append(entries, entry{ID: "scanTime", Severity: "WARN", Finding: st})
		}
	} else if err := report.DecodeJSON(Format, data, &entries); err != nil {
		return nil, err
	}
	if err := judge(ctx, res, entries, c); err != nil {
		return nil, err
	}
	if csvForm {
		res.EndUnproven(csvUnproven)
	}
	res.Sort()
	return res, nil
}

// parseCSV reads the --csvfile form: a header row, then one row per entry
// with as many fields as the header. A row cut inside its quotes or short of
// fields is refused naming its line, as a JSON syntax error is.
func parseCSV(data []byte) ([]entry, error) {
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, name := range header {
		col[name] = i
	}
	for _, name := range csvColumns[:5] {
		if _, ok := col[name]; !ok {
			return nil, evident.ErrorAt(evident.EINVALID, "line 1", "testssl CSV header has no %q column", name)
		}
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return rec[i]
		}
		return ""
	}
	var out []entry
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, csvError(err)
		}
		out = append(out, entry{ID: field(rec, "id"), IP: field(rec, "fqdn/ip"), Port: field(rec, "port"),
			Severity: field(rec, "severity"), Finding: field(rec, "finding"), CVE: field(rec, "cve"), CWE: field(rec, "cwe")})
	}
}

// csvError names the line of a CSV syntax error.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return evident.ErrorAt(evident.EINVALID, fmt.Sprintf("line %d", pe.Line), "testssl CSV: %v", pe.Err)
	}
	return evident.ErrorAt(evident.EINVALID, "line 1", "testssl CSV: %v", err)
}

// flatten turns each scanned host's sections (protocols, ciphers,
// vulnerabilities, ...) into the flat form's entries.
func flatten(hosts []map[string]json.RawMessage) ([]entry, error) {
	var out []entry
	for i, h := range hosts {
		if _, ok := h["id"]; ok {
			// A scan that could not start lists its problem where the
			// host's sections would be.
			var e entry
			if err := json.Unmarshal(jsonObject(h), &e); err != nil {
				return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("scanResult[%d]", i), "testssl JSON: %v", err)
			}
			out = append(out, e)
			continue
		}
		var name, ip, port string
		_ = json.Unmarshal(h["targetHost"], &name)
		_ = json.Unmarshal(h["ip"], &ip)
		_ = json.Unmarshal(h["port"], &port)
		if name != "" && !strings.Contains(ip, "/") {
			ip = name + "/" + ip // as the flat form writes it
		}
		for name, raw := range h {
			if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
				continue
			}
			var section []entry
			if err := json.Unmarshal(raw, &section); err != nil {
				return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("scanResult[%d].%s", i, name), "testssl JSON: %v", err)
			}
			for _, e := range section {
				e.IP, e.Port = ip, port
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// jsonObject re-encodes a decoded object; its values are valid JSON already.
func jsonObject(m map[string]json.RawMessage) []byte {
	b, _ := json.Marshal(m)
	return b
}

// problem reports whether an entry says part of the scan did not run: a
// scanProblem, anything FATAL, or the closing scanTime of an interrupted
// scan.
func problem(e entry) bool {
	return e.ID == "scanProblem" || strings.EqualFold(e.Severity, "FATAL") ||
		e.ID == "scanTime" && strings.Contains(strings.ToLower(e.Finding), "interrupted")
}

func judge(ctx context.Context, res *report.Result, entries []entry, c report.Context) error {
	for _, k := range []string{"protocols_below_tls12", "findings.critical", "findings.high", "findings.medium", "findings.low", "scan_problems"} {
		res.Metrics[k] = 0
	}
	var targets, problems []string
	seen := map[string]bool{}
	tested := map[string]bool{} // targets with a result other than a problem
	failed := map[string]bool{} // targets with a scan problem
	everything := false         // a problem naming no target stopped the whole run
	sawCert := false
	for i, e := range entries {
		if i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if e.ID == "" {
			return evident.ErrorAt(evident.EINVALID, fmt.Sprintf("entry %d", i), "testssl entry has no id")
		}
		target := targetOf(e)
		if e.Port != "" && !seen[target] && e.IP != "/" {
			seen[target] = true
			targets = append(targets, target)
		}
		if problem(e) {
			failed[target] = true
			everything = everything || e.Port == ""
			problems = append(problems, e.Finding)
		} else if e.Port != "" && e.IP != "/" && e.ID != "scanTime" {
			tested[target] = true
		}
		f := report.Finding{Key: target + " " + e.ID, Target: target, Rule: e.ID, Title: e.ID + ": " + e.Finding, Detail: strings.TrimSpace(e.CVE + " " + e.CWE)}
		sev, isFinding := severities[strings.ToUpper(e.Severity)]
		if isFinding {
			f.Severity = sev
			f.Metrics = append(f.Metrics, "findings."+sev)
		}
		if below12[e.ID] && strings.HasPrefix(e.Finding, "offered") {
			isFinding = true
			if f.Severity == "" {
				f.Severity = "low"
			}
			f.Metrics = append(f.Metrics, "protocols_below_tls12")
		}
		if problem(e) {
			// The scan could not test everything: its silence is not a pass.
			isFinding = true
			f.Severity = "high"
			f.Metrics = append(f.Metrics, "scan_problems")
		}
		if strings.HasPrefix(e.ID, "cert_expirationStatus") {
			sawCert = true
			if strings.Contains(strings.ToLower(e.Finding), "expired") {
				isFinding = true
				if f.Severity == "" {
					f.Severity = "critical"
				}
				// cert_expired is 0 or 1 however many certificates expired.
				f.Metrics = append(f.Metrics, "cert_expired")
				res.Metrics["cert_expired"] = 1
			}
		}
		if strings.HasPrefix(e.ID, "TLS1_2") || strings.HasPrefix(e.ID, "TLS1_3") {
			res.Summary[e.ID] = e.Finding
		}
		if isFinding {
			res.Note(f)
			for _, m := range f.Metrics {
				if m != "cert_expired" {
					res.Metrics[m]++
				}
			}
		}
	}
	if sawCert {
		if _, ok := res.Metrics["cert_expired"]; !ok {
			res.Metrics["cert_expired"] = 0
		}
	}
	res.Target = strings.Join(targets, " ")
	if len(targets) == 0 && len(problems) == 0 {
		return evident.Errorf(evident.EINVALID, "testssl output names no scanned host and port")
	}
	checked := 0
	for _, e := range entries {
		t := targetOf(e)
		if tested[t] && !failed[t] && !everything {
			checked++
			tested[t] = false // count each target once
			host, ip, _ := strings.Cut(e.IP, "/")
			res.Checked = append(res.Checked, host)
			if ip != "" && ip != host {
				res.Checked = append(res.Checked, ip)
			}
		}
	}
	res.Metrics[report.Checked] = float64(checked)
	if checked == 0 {
		why := "no host and port was tested"
		if len(problems) > 0 {
			why = "testssl could not scan: " + problems[0]
		}
		res.NothingChecked(why)
	}
	return nil
}

// targetOf reads testssl's "host/ip" and port into "host:port".
func targetOf(e entry) string {
	host, _, _ := strings.Cut(e.IP, "/")
	return host + ":" + e.Port
}
