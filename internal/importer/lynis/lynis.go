// Package lynis parses the Lynis report file (lynis-report.dat, written by
// `lynis audit system --report-file`): hardening index, warnings and
// suggestions.
package lynis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// Format is the name this package parses.
const Format = "lynis"

// Detect reports whether head is a Lynis report: it opens with a
// "# Lynis Report" comment, or at least names the Lynis version early.
func Detect(head []byte) bool {
	s := string(head)
	return strings.HasPrefix(s, "# Lynis Report") || strings.Contains(s, "\nlynis_version=")
}

// Parse reads key=value lines; keys ending in [] repeat. A report without
// the closing finish=true was cut short and is refused; one whose audit ran
// no test checked nothing.
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	if err := report.CheckText(Format, data); err != nil {
		return nil, err
	}
	res := report.New(Format, "lynis")
	res.Metrics["warnings"] = 0
	res.Metrics["suggestions"] = 0
	single := map[string]string{}
	addrs := map[string][]string{} // the audited machine's addresses
	ended := false
	for i, line := range report.Lines(data) {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("line %d", i+1), "lynis report: want key=value, got %q", clip(line))
		}
		switch k {
		case "warning[]":
			res.Add(item(single["hostname"], "warning", "medium", v))
		case "suggestion[]":
			res.Add(item(single["hostname"], "suggestion", "low", v))
		case "finish":
			// Lynis writes finish=true as its last line.
			ended = v == "true"
		case "network_ipv4_address[]", "network_ipv6_address[]":
			addrs[k] = append(addrs[k], v)
		default:
			if !strings.HasSuffix(k, "[]") {
				single[k] = v
			}
		}
	}
	if single["lynis_version"] == "" {
		return nil, evident.Errorf(evident.EINVALID, "file is not a lynis report: no lynis_version line")
	}
	if !ended {
		return nil, report.Truncated("lynis report has no closing finish=true: the audit was interrupted or the file was cut")
	}
	hi, err := strconv.Atoi(single["hardening_index"])
	if err != nil {
		return nil, evident.Errorf(evident.EINVALID, "lynis report has no hardening_index although it finished")
	}
	// Findings counted before the hostname line was read carry no target.
	for i := range res.Findings {
		res.Findings[i].Target = single["hostname"]
		res.Findings[i].Key = single["hostname"] + " " + res.Findings[i].Key
	}
	res.ToolVersion = single["lynis_version"]
	res.Target = single["hostname"]
	res.Metrics["hardening_index"] = float64(hi)
	done, err := strconv.Atoi(single["lynis_tests_done"])
	if err != nil {
		// Older reports lack the count; the list of tests run tells it.
		done = len(strings.FieldsFunc(single["tests_executed"], func(r rune) bool { return r == '|' }))
	}
	res.Metrics["tests_done"] = float64(done)
	res.Metrics[report.Checked] = float64(done)
	if done == 0 {
		res.NothingChecked("Lynis ran no test (lynis_tests_done=0)")
	} else {
		if h := single["hostname"]; h != "" {
			res.Checked = append(res.Checked, h)
			if d := single["domainname"]; d != "" {
				res.Checked = append(res.Checked, h+"."+d)
			}
		}
		res.Checked = append(res.Checked, addrs["network_ipv4_address[]"]...)
		res.Checked = append(res.Checked, addrs["network_ipv6_address[]"]...)
	}
	for _, k := range []string{"os", "os_fullname", "os_version", "report_datetime_start"} {
		if single[k] != "" {
			res.Summary[k] = single[k]
		}
	}
	if t, err := time.Parse("2006-01-02 15:04:05", single["report_datetime_start"]); err == nil {
		// Lynis writes local time without a zone; on servers that is UTC by
		// convention, and the summary keeps the text as written.
		res.Time = t.UTC()
	}
	res.Sort()
	return res, nil
}

// item reads "TEST-ID|text|details|solution|" into a finding keyed by the
// test and its text, which stay the same across runs of one Lynis version.
func item(host, kind, severity, v string) report.Finding {
	parts := strings.Split(v, "|")
	for len(parts) < 4 {
		parts = append(parts, "")
	}
	id, text := parts[0], parts[1]
	detail := strings.Trim(strings.Join(parts[2:], " "), " -|")
	return report.Finding{Key: kind + " " + id + " " + text, Target: host, Severity: severity, Rule: id,
		Title: text, Detail: detail, Metrics: []string{kind + "s"}}
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
