// Package trivy parses Trivy JSON reports (schema version 2): package
// vulnerabilities, misconfigurations and exposed secrets per target.
package trivy

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
const Format = "trivy"

// Detect reports whether head is a Trivy report: its first key is
// "SchemaVersion" and it names an ArtifactName.
func Detect(head []byte) bool {
	s := string(bytes.TrimSpace(head))
	return strings.HasPrefix(s, "{") && strings.Contains(s, `"SchemaVersion"`) &&
		(strings.Contains(s, `"ArtifactName"`) || strings.Contains(s, `"Trivy"`))
}

type doc struct {
	SchemaVersion int    `json:"SchemaVersion"`
	CreatedAt     string `json:"CreatedAt"`
	ArtifactName  string `json:"ArtifactName"`
	ArtifactType  string `json:"ArtifactType"`
	Trivy         struct {
		Version string `json:"Version"`
	} `json:"Trivy"`
	Results []struct {
		Target         string `json:"Target"`
		Class          string `json:"Class"`
		MisconfSummary struct {
			Successes int `json:"Successes"`
		} `json:"MisconfSummary"`
		Vulnerabilities []struct {
			VulnerabilityID  string `json:"VulnerabilityID"`
			PkgName          string `json:"PkgName"`
			InstalledVersion string `json:"InstalledVersion"`
			FixedVersion     string `json:"FixedVersion"`
			Severity         string `json:"Severity"`
			Title            string `json:"Title"`
		} `json:"Vulnerabilities"`
		Misconfigurations []struct {
			ID         string `json:"ID"`
			AVDID      string `json:"AVDID"`
			Title      string `json:"Title"`
			Message    string `json:"Message"`
			Resolution string `json:"Resolution"`
			Severity   string `json:"Severity"`
			Status     string `json:"Status"`
		} `json:"Misconfigurations"`
		Secrets []struct {
			RuleID    string `json:"RuleID"`
			Category  string `json:"Category"`
			Severity  string `json:"Severity"`
			Title     string `json:"Title"`
			StartLine int    `json:"StartLine"`
		} `json:"Secrets"`
	} `json:"Results"`
}

// Parse reads the report. Trivy's UNKNOWN severity is kept as "medium": a
// vulnerability nobody has scored yet is not harmless.
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	var d doc
	if err := report.DecodeJSON(Format, data, &d); err != nil {
		return nil, err
	}
	if d.SchemaVersion != 2 {
		return nil, evident.ErrorAt(evident.EINVALID, "SchemaVersion", "trivy report schema version %d is not supported, want 2", d.SchemaVersion)
	}
	res := report.New(Format, "trivy")
	res.ToolVersion = d.Trivy.Version
	res.Target = d.ArtifactName
	res.Summary["artifact_type"] = d.ArtifactType
	if t, err := time.Parse(time.RFC3339Nano, d.CreatedAt); err == nil {
		res.Time = t.UTC()
	}
	for _, kind := range []string{"vulns", "misconfigs", "secrets", "findings"} {
		for _, s := range report.Severities[1:] {
			res.Metrics[kind+"."+s] = 0
		}
	}
	res.Metrics["misconfigs.passed"] = 0
	for i, r := range d.Results {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Trivy lists passed checks only with --include-non-failures; the
		// summary counts them either way.
		res.Metrics["misconfigs.passed"] += float64(r.MisconfSummary.Successes)
		for j, v := range r.Vulnerabilities {
			sev, err := severity(v.Severity, fmt.Sprintf("Results[%d].Vulnerabilities[%d].Severity", i, j))
			if err != nil {
				return nil, err
			}
			res.Add(report.Finding{Key: r.Target + " " + v.PkgName + "@" + v.InstalledVersion + " " + v.VulnerabilityID,
				Target: r.Target, Severity: sev, Rule: v.VulnerabilityID, Title: v.Title,
				Detail: fixed(v.PkgName, v.InstalledVersion, v.FixedVersion), Metrics: counts("vulns", sev)})
		}
		for j, m := range r.Misconfigurations {
			if m.Status == "PASS" {
				if r.MisconfSummary.Successes == 0 {
					res.Metrics["misconfigs.passed"]++
				}
				continue
			}
			sev, err := severity(m.Severity, fmt.Sprintf("Results[%d].Misconfigurations[%d].Severity", i, j))
			if err != nil {
				return nil, err
			}
			res.Add(report.Finding{Key: r.Target + " " + firstOf(m.AVDID, m.ID), Target: r.Target, Severity: sev,
				Rule: m.ID, Title: m.Title, Detail: strings.TrimSpace(m.Message + " " + m.Resolution), Metrics: counts("misconfigs", sev)})
		}
		for j, s := range r.Secrets {
			sev, err := severity(s.Severity, fmt.Sprintf("Results[%d].Secrets[%d].Severity", i, j))
			if err != nil {
				return nil, err
			}
			res.Add(report.Finding{Key: fmt.Sprintf("%s:%d %s", r.Target, s.StartLine, s.RuleID), Target: r.Target,
				Severity: sev, Rule: s.RuleID, Title: s.Title, Detail: s.Category, Metrics: counts("secrets", sev)})
		}
	}
	// Trivy lists each target it scanned (the image's OS packages, each
	// configuration file); a report listing none scanned nothing, or ran
	// no scanner that applied, and its silence is not a pass.
	res.Metrics[report.Checked] = float64(len(d.Results))
	if len(d.Results) == 0 {
		res.NothingChecked(fmt.Sprintf("trivy lists no scanned target for %s (no Results)", firstOf(d.ArtifactName, "the artifact")))
	}
	res.Sort()
	return res, nil
}

// counts puts a finding in its kind's count and in the all-kinds count.
func counts(kind, sev string) []string {
	return []string{kind + "." + sev, "findings." + sev}
}

func severity(s, where string) (string, error) {
	switch strings.ToUpper(s) {
	case "CRITICAL":
		return "critical", nil
	case "HIGH":
		return "high", nil
	case "MEDIUM", "UNKNOWN":
		return "medium", nil
	case "LOW":
		return "low", nil
	}
	return "", evident.ErrorAt(evident.EINVALID, where, "trivy severity %q is not CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN", s)
}

func fixed(pkg, installed, fix string) string {
	if fix == "" {
		return pkg + " " + installed + ", no fixed version yet"
	}
	return pkg + " " + installed + ", fixed in " + fix
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
