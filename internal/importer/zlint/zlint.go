// Package zlint parses zlint JSON: the result of every certificate profile
// lint run against one certificate.
package zlint

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// Format is the name this package parses.
const Format = "zlint"

// firstLint matches the start of zlint's output: an object whose first key
// is a lint name (e_, w_, n_ prefixes) holding a "result".
var firstLint = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\{\s*"[a-z]{1,4}_[a-z0-9_]+"\s*:\s*\{\s*"result"\s*:`)
})

// Detect reports whether head is zlint's JSON.
func Detect(head []byte) bool {
	return firstLint().Match(bytes.TrimSpace(head))
}

type lint struct {
	Result  string `json:"result"`
	Details string `json:"details"`
}

// levels maps zlint results to severities; pass, NA (not applicable) and NE
// (not yet effective) are not findings.
var levels = map[string]string{"fatal": "critical", "error": "high", "warn": "medium", "notice": "low", "info": "info"}

// Parse reads the lint map. Metrics count every result kind, so a criterion
// can also demand that lints ran ("findings.pass > 0").
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	var lints map[string]lint
	if err := report.DecodeJSON(Format, data, &lints); err != nil {
		return nil, err
	}
	if len(lints) == 0 {
		return nil, evident.Errorf(evident.EINVALID, "zlint JSON has no lint results")
	}
	res := report.New(Format, "zlint")
	for _, k := range []string{"fatal", "error", "warn", "notice", "info", "pass", "NA", "NE"} {
		res.Metrics["findings."+k] = 0
	}
	names := make([]string, 0, len(lints))
	for n := range lints {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		l := lints[n]
		if _, known := res.Metrics["findings."+l.Result]; !known {
			return nil, evident.ErrorAt(evident.EINVALID, n+".result", "zlint JSON: unknown result %q", l.Result)
		}
		sev, isFinding := levels[l.Result]
		if !isFinding {
			res.Metrics["findings."+l.Result]++
			continue
		}
		res.Add(report.Finding{Key: n, Severity: sev, Rule: n, Title: strings.ReplaceAll(n, "_", " "),
			Detail: l.Details, Metrics: []string{"findings." + l.Result}})
	}
	res.Metrics["lints"] = float64(len(lints))
	applied := res.Metrics["lints"] - res.Metrics["findings.NA"] - res.Metrics["findings.NE"]
	res.Metrics[report.Checked] = applied
	if applied == 0 {
		res.NothingChecked(fmt.Sprintf("none of the %d lints applied to the certificate (all NA or NE)", len(lints)))
	}
	return res, nil
}
