package importer

import (
	"slices"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// Verdict is the outcome of a result against acceptance criteria. Pass is
// true only when every criterion was evaluated and held: a criterion that
// could not be evaluated (its metric is missing) is an error and fails the
// verdict, because missing data never counts as passing evidence.
type Verdict struct {
	Pass bool `json:"pass"`
	// CheckedPass is the verdict leaving out a criterion the control
	// states on scope.missing: true when the run failed only for hosts in
	// scope it did not reach.
	CheckedPass bool                `json:"checked_pass"`
	Criteria    []evident.Criterion `json:"criteria"`
	Failed      []FailedCriterion   `json:"failed,omitempty"`
	Errors      []string            `json:"errors,omitempty"`
}

// FailedCriterion is a criterion that did not hold, the value it saw and the
// findings counted in that value, so a user sees which ports or rules to fix.
// Findings point into the result's: a scan's unexpected ports can be tens
// of thousands of findings, which copied would be megabytes again (the
// JSON is the same as a list of the findings themselves).
type FailedCriterion struct {
	Criterion evident.Criterion `json:"criterion"`
	Actual    float64           `json:"actual"`
	Findings  []*Finding        `json:"findings,omitempty"`
}

// Evaluate judges res against criteria. With no criteria it uses the
// format's DefaultCriteria, so a control that forgot to state acceptance
// criteria still gets a strict verdict rather than an unconditional pass.
// Whatever the criteria, the Rules are added: a run that checked nothing,
// or reached no host in scope, never passes. A run that missed some hosts
// in scope is judged on what it checked: the hosts it missed leave their
// systems' windows unsatisfied (period evaluation says so), which is a
// fact about coverage, not a failed check.
func Evaluate(res *Result, criteria []evident.Criterion) Verdict {
	if len(criteria) == 0 && res != nil {
		criteria = DefaultCriteria(res.Format)
	}
	v := Verdict{Criteria: criteria}
	if res == nil {
		v.Errors = append(v.Errors, "no result to evaluate")
		return v
	}
	if len(criteria) == 0 {
		v.Errors = append(v.Errors, "no acceptance criteria and no default for format "+res.Format)
		return v
	}
	criteria = Rules(res, criteria)
	v.Criteria = criteria
	for _, c := range criteria {
		ok, err := c.Eval(res.Metrics)
		if err != nil {
			v.Errors = append(v.Errors, err.Error())
			continue
		}
		if !ok {
			v.Failed = append(v.Failed, FailedCriterion{Criterion: c, Actual: res.Metrics[c.Metric], Findings: behind(res, c.Metric)})
		}
	}
	v.Pass = len(v.Failed) == 0 && len(v.Errors) == 0
	v.CheckedPass = len(v.Errors) == 0 && !slices.ContainsFunc(v.Failed, func(f FailedCriterion) bool {
		return f.Criterion.Metric != report.ScopeMissing
	})
	return v
}

// Rules returns criteria with the rules every verdict is held to added at
// the end: "checked > 0" (a run that checked nothing proves nothing);
// where a scope is known (the result has scope metrics), "scope.reached >
// 0" (a run that reached no host in scope is evidence for no system); and
// where the format cannot prove its end (the result has the complete
// metric), "complete == 1", so a possibly cut-off file never passes.
// There is no default rule on scope.missing: single-host tools run once
// per host, and the runs of a window add up per system (DESIGN.md,
// "Completeness is judged per (window, system)"). A control may still
// state a criterion on scope.missing; it is then judged like any other.
func Rules(res *Result, criteria []evident.Criterion) []evident.Criterion {
	out := slices.Clone(criteria)
	add := func(s string) {
		c, err := evident.ParseCriterion(s)
		if err != nil {
			panic("importer: bad rule " + s) // a bug in the rules below
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	add(report.Checked + " > 0")
	if res == nil {
		return out
	}
	if _, scoped := res.Metrics[report.ScopeMissing]; scoped {
		add(report.ScopeReached + " > 0")
	}
	if _, unproven := res.Metrics[report.Complete]; unproven {
		add(report.Complete + " == 1")
	}
	return out
}

// behind lists the findings counted in metric, in a slice of their
// number: a scan's may be tens of thousands. The verdict points into the
// result's findings; neither is changed once judged.
func behind(res *Result, metric string) []*Finding {
	n := 0
	for i := range res.Findings {
		if slices.Contains(res.Findings[i].Metrics, metric) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]*Finding, 0, n)
	for i := range res.Findings {
		if slices.Contains(res.Findings[i].Metrics, metric) {
			out = append(out, &res.Findings[i])
		}
	}
	return out
}

// defaults are the acceptance criteria a format is judged by when a control
// states none: what a TSP's assessor would accept without argument.
var defaults = map[string][]string{
	"nmap":     {"unexpected_open_ports == 0"},
	"testssl":  {"protocols_below_tls12 == 0", "findings.critical == 0", "findings.high == 0", "cert_expired == 0", "scan_problems == 0"},
	"openscap": {"rules.fail == 0", "rules.error == 0"},
	"lynis":    {"warnings == 0"},
	"chrony":   {"synced == 1", "leap_ok == 1", "offset_ms < 100"},
	"zlint":    {"findings.fatal == 0", "findings.error == 0"},
	"tsr":      {"status_ok == 1", "signature_valid == 1", "chain_valid == 1", "within_tsu_validity == 1"},
	"crl":      {"signature_valid == 1", "late == 0", "no_next_update == 0", "number_order_ok == 1"},
	"ocsp":     {"response_ok == 1", "signature_valid == 1", "validity_h >= 8", "validity_h <= 240"},
	"ceremony": {"trusted_participants >= 2", "phases_incomplete == 0", "fingerprint_mismatch == 0"},
	"sarif":    {"results.error == 0", "runs.failed == 0"},
	"trivy":    {"findings.critical == 0", "findings.high == 0"},
}

// DefaultCriteria returns the fail-safe acceptance criteria for a format,
// or nil for an unknown format.
func DefaultCriteria(format string) []evident.Criterion {
	var out []evident.Criterion
	for _, s := range defaults[format] {
		c, err := evident.ParseCriterion(s)
		if err != nil {
			panic("importer: bad default criterion " + s) // a bug in the table above
		}
		out = append(out, c)
	}
	return out
}
