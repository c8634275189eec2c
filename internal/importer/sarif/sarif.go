// Package sarif parses SARIF 2.1.0 logs, the interchange format of static
// analysers (gosec, CodeQL, Semgrep and others), into results by level.
package sarif

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// Format is the name this package parses.
const Format = "sarif"

// Detect reports whether head is a SARIF log. Producers order keys freely
// (gosec writes "runs" first and "$schema" last), so the head may only show
// the runs array and a SARIF-specific key inside it.
func Detect(head []byte) bool {
	s := string(bytes.TrimSpace(head))
	if !strings.HasPrefix(s, "{") {
		return false
	}
	if strings.Contains(s, "sarif-schema") || strings.Contains(s, "sarif-2.1") {
		return true
	}
	return strings.Contains(s, `"runs"`) && (strings.Contains(s, `"ruleId"`) || strings.Contains(s, `"driver"`) ||
		strings.Contains(s, `"physicalLocation"`) || strings.Contains(s, `"invocations"`))
}

type log struct {
	Version string `json:"version"`
	Runs    []run  `json:"runs"`
}

type run struct {
	Tool struct {
		Driver struct {
			Name            string `json:"name"`
			Version         string `json:"version"`
			SemanticVersion string `json:"semanticVersion"`
			Rules           []struct {
				ID                   string `json:"id"`
				DefaultConfiguration struct {
					Level string `json:"level"`
				} `json:"defaultConfiguration"`
				ShortDescription struct {
					Text string `json:"text"`
				} `json:"shortDescription"`
			} `json:"rules"`
		} `json:"driver"`
	} `json:"tool"`
	Invocations []struct {
		StartTimeUTC        string `json:"startTimeUtc"`
		ExecutionSuccessful *bool  `json:"executionSuccessful"`
		Notifications       []struct {
			Level   string `json:"level"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
		} `json:"toolExecutionNotifications"`
	} `json:"invocations"`
	Results []result `json:"results"`
}

type result struct {
	RuleID  string `json:"ruleId"`
	Level   string `json:"level"`
	Kind    string `json:"kind"`
	Message struct {
		Text string `json:"text"`
	} `json:"message"`
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region struct {
				StartLine int `json:"startLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
	} `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []struct {
		Status string `json:"status"`
	} `json:"suppressions"`
}

// levels maps SARIF levels to severities.
var levels = map[string]string{"error": "high", "warning": "medium", "note": "low", "none": "info"}

// Parse reads the log. A result's level falls back to its rule's default
// and then to "warning", as SARIF §3.27.10 says; suppressed results
// (accepted in review) are counted apart, not as findings.
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	var l log
	if err := report.DecodeJSON(Format, data, &l); err != nil {
		return nil, err
	}
	if l.Version != "2.1.0" {
		return nil, evident.ErrorAt(evident.EINVALID, "version", "SARIF version %q is not supported, want 2.1.0", l.Version)
	}
	if len(l.Runs) == 0 {
		return nil, evident.ErrorAt(evident.EINVALID, "runs", "SARIF log has no runs")
	}
	res := report.New(Format, "")
	for _, k := range []string{"results.error", "results.warning", "results.note", "results.none", "results.suppressed", "runs.failed", report.Checked} {
		res.Metrics[k] = 0
	}
	var tools []string
	for i, r := range l.Runs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d := r.Tool.Driver
		if d.Name == "" {
			return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("runs[%d].tool.driver.name", i), "SARIF run names no tool")
		}
		tools = append(tools, d.Name)
		if res.ToolVersion == "" {
			res.ToolVersion = firstOf(d.SemanticVersion, d.Version)
		}
		if len(r.Invocations) > 0 && res.Time.IsZero() {
			if t, err := time.Parse(time.RFC3339, r.Invocations[0].StartTimeUTC); err == nil {
				res.Time = t.UTC()
			}
		}
		if why, failed := failedRun(r); failed {
			// A run that did not complete reports nothing about the code
			// it did not reach: its results are not a pass.
			res.Add(report.Finding{Key: fmt.Sprintf("%s run %d", d.Name, i), Severity: "high", Rule: "runs.failed",
				Title: d.Name + " did not complete its run (executionSuccessful: false)", Detail: why, Metrics: []string{"runs.failed"}})
		} else {
			res.Metrics[report.Checked]++
		}
		ruleLevel := map[string]string{}
		ruleTitle := map[string]string{}
		for _, rule := range d.Rules {
			ruleLevel[rule.ID] = rule.DefaultConfiguration.Level
			ruleTitle[rule.ID] = rule.ShortDescription.Text
		}
		for j, x := range r.Results {
			level := firstOf(x.Level, ruleLevel[x.RuleID], "warning")
			sev, ok := levels[level]
			if !ok {
				return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("runs[%d].results[%d].level", i, j), "SARIF level %q is not error, warning, note or none", level)
			}
			if len(x.Suppressions) > 0 {
				res.Metrics["results.suppressed"]++
				continue
			}
			res.Add(finding(d.Name, x, sev, level, ruleTitle[x.RuleID]))
		}
	}
	res.Tool = strings.Join(tools, ", ")
	if res.Metrics[report.Checked] == 0 {
		res.NothingChecked("no run of the log completed (every invocation says executionSuccessful: false)")
	}
	res.Sort()
	return res, nil
}

// failedRun reports whether an invocation of the run says it did not
// succeed, with the tool's error notifications. A run without invocations
// (gosec writes none) is taken as completed: SARIF makes them optional.
func failedRun(r run) (string, bool) {
	for _, inv := range r.Invocations {
		if inv.ExecutionSuccessful == nil || *inv.ExecutionSuccessful {
			continue
		}
		var msgs []string
		for _, n := range inv.Notifications {
			if n.Level == "error" && n.Message.Text != "" {
				msgs = append(msgs, n.Message.Text)
			}
		}
		return strings.Join(msgs, "; "), true
	}
	return "", false
}

// finding keys a result by the producer's fingerprint when it gives one,
// else by rule and location, which is stable until the code moves.
func finding(tool string, x result, sev, level, ruleTitle string) report.Finding {
	where := ""
	if len(x.Locations) > 0 {
		pl := x.Locations[0].PhysicalLocation
		where = pl.ArtifactLocation.URI
		if pl.Region.StartLine > 0 {
			where += fmt.Sprintf(":%d", pl.Region.StartLine)
		}
	}
	key := tool + " " + x.RuleID + " " + where
	for _, name := range []string{"primaryLocationLineHash", "primaryLocationStartColumnFingerprint"} {
		if fp := x.PartialFingerprints[name]; fp != "" {
			key = tool + " " + x.RuleID + " " + fp
			break
		}
	}
	return report.Finding{Key: key, Target: where, Severity: sev, Rule: x.RuleID,
		Title: firstOf(x.Message.Text, ruleTitle), Detail: ruleTitle, Metrics: []string{"results." + level}}
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
