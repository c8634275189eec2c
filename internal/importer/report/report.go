// Package report holds what every importer produces: a Result with its
// findings and metrics, the Context an import runs in, and the guards each
// parser puts between hostile input and the decoders. It is a leaf package so
// that the per-format parsers and the dispatcher in package importer can
// share these types without importing each other; importer re-exports them.
package report

import (
	"crypto/x509"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Finding is one thing a tool reported. Key is the finding's stable identity
// across runs ("127.0.0.1 tcp/23"), so two results can be compared without
// being fooled by order or by wording that changes between tool versions.
type Finding struct {
	Key      string `json:"key"`
	Target   string `json:"target,omitempty"`
	Severity string `json:"severity"` // one of Severities
	Rule     string `json:"rule,omitempty"`
	Title    string `json:"title,omitempty"`
	Detail   string `json:"detail,omitempty"`
	// Metrics names the metrics this finding is counted in, so a verdict can
	// say which findings made a criterion fail.
	Metrics []string `json:"metrics,omitempty"`
}

// Result is a parsed tool output: who produced it, about what, when, the
// numbers acceptance criteria are evaluated against and the findings behind
// them. Summary holds short human facts ("leap_status": "Normal") that a
// report shows but no criterion reads.
type Result struct {
	Format      string             `json:"format"`
	Tool        string             `json:"tool"`
	ToolVersion string             `json:"tool_version,omitempty"`
	Target      string             `json:"target,omitempty"`
	Time        time.Time          `json:"time,omitzero"`
	Summary     map[string]string  `json:"summary,omitempty"`
	Metrics     map[string]float64 `json:"metrics"`
	Findings    []Finding          `json:"findings"`
	// Checked lists the hosts (addresses or names) the output shows were
	// actually checked, in the tool's order: a host that was down, or
	// whose scan hit a problem, is not among them. Formats whose output
	// names no host leave it empty; the caller then says what was checked
	// (Context.Hosts).
	Checked []string `json:"checked,omitempty"`
	// Scope compares Checked with the hosts in scope, when a scope is known.
	Scope *Coverage `json:"scope,omitempty"`
}

// New returns an empty result for the format, ready to be filled.
func New(format, tool string) *Result {
	return &Result{Format: format, Tool: tool, Summary: map[string]string{}, Metrics: map[string]float64{}, Findings: []Finding{}}
}

// Add appends a finding and counts it in each of its metrics, so the count
// and the list of findings behind it cannot disagree.
func (r *Result) Add(f Finding) {
	for _, m := range f.Metrics {
		r.Metrics[m]++
	}
	r.Findings = append(r.Findings, f)
}

// Note appends a finding without counting it, for findings behind a metric
// that is not a count (a finding explaining why "synced" is 0).
func (r *Result) Note(f Finding) {
	r.Findings = append(r.Findings, f)
}

// Sort orders the findings by key, then rule, so output is stable whatever
// order the tool printed them in; findings equal in both keep their order.
// A large scan's findings are tens of thousands of structs of over a
// hundred bytes, so their indexes are sorted and each finding then moved
// once into its place, rather than findings swapped at every step of the
// merge; findings already in order (a result sorted once and covered
// after) are left as they are.
func (r *Result) Sort() {
	fs := r.Findings
	sorted := true
	for i := 1; i < len(fs) && sorted; i++ {
		sorted = compareFindings(&fs[i-1], &fs[i]) <= 0
	}
	if sorted {
		return
	}
	idx := make([]int, len(fs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int { return compareFindings(&fs[i], &fs[j]) })
	// idx[k] is the finding that belongs at k: follow each cycle of the
	// permutation, marking a place done by setting idx[k] = k.
	for k := range idx {
		if idx[k] == k {
			continue
		}
		held, j := fs[k], k
		for idx[j] != k {
			next := idx[j]
			fs[j], idx[j] = fs[next], j
			j = next
		}
		fs[j], idx[j] = held, j
	}
}

// compareFindings orders findings by key, then rule.
func compareFindings(a, b *Finding) int {
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	return strings.Compare(a.Rule, b.Rule)
}

// Context is what an import needs to know beyond the file itself. The zero
// value is valid and fail-safe: with no allowed ports every open port is
// unexpected, with no TSA roots no chain is valid, and with no Now no age is
// computed, so a criterion on an age fails for want of the metric.
type Context struct {
	// AllowedPorts are the services the network zone allows, written
	// "tcp/443", "udp/123" or a range "tcp/8000-8080".
	AllowedPorts []string
	// HostPorts are the services allowed per scanned address, for scans
	// that cross zones; an address not in the map gets AllowedPorts.
	HostPorts map[string][]string
	// TSARoots are the trust anchors a time-stamp token's signer must chain to.
	TSARoots *x509.CertPool
	// TSACerts are the TSA certificate and intermediates, for tokens that do
	// not carry them (the requester did not ask for the certificate).
	TSACerts []*x509.Certificate
	// Issuers are the CA (or delegated responder) certificates whose
	// signatures on CRLs and OCSP responses are checked; with none, no
	// signature is valid.
	Issuers []*x509.Certificate
	// StampedData is the data the time-stamp is said to cover; when set the
	// importer hashes it with the token's algorithm and compares imprints.
	StampedData []byte
	// StampedDigest is the digest of the stamped data, for when the data is
	// too large to hold; it must use the token's hash algorithm.
	StampedDigest []byte
	// Now is the instant ages are computed against (the injected clock).
	Now time.Time
	// MaxBytes bounds the size of the tool output; 0 means DefaultMaxBytes.
	MaxBytes int64
	// Scope maps each in-scope host (address or name, as the program's
	// systems list them) to the id of its system. Nil or empty means no
	// scope is known: no system of the control names a host.
	Scope map[string]string
	// Hosts are the hosts the caller says the output speaks for, for
	// formats whose output names none (chronyc reports on the clock of the
	// machine it ran on without naming it). They count as checked only for
	// such formats: where the output names its targets, the output decides.
	Hosts []string
}

// Checked is the metric every importer sets: how many things the run
// actually checked (hosts up, rules evaluated, tests run, lints that
// applied). Zero means the run checked nothing, and a run that checked
// nothing never passes, whatever the control's criteria say.
const Checked = "checked"

// NothingChecked sets the checked metric to 0 and adds the finding that
// says why, so a failed "checked > 0" names its reason.
func (r *Result) NothingChecked(why string) {
	r.Metrics[Checked] = 0
	r.Note(Finding{Key: "nothing_checked", Target: r.Target, Severity: "high", Rule: Checked,
		Title: "the run checked nothing: " + why, Metrics: []string{Checked}})
}

// Complete is the metric of formats whose end cannot be proven from the
// file: 0 says a cut-off run cannot be told from a finished one. A result
// carrying it never passes (see importer.Rules); formats that prove their
// end do not set it.
const Complete = "complete"

// EndUnproven sets the complete metric to 0 and adds the finding that says
// why, so the failed "complete == 1" names its reason.
func (r *Result) EndUnproven(why string) {
	r.Metrics[Complete] = 0
	r.Note(Finding{Key: "end_unproven", Target: r.Target, Severity: "high", Rule: Complete,
		Title: why, Metrics: []string{Complete}})
}

// DefaultMaxBytes is the largest tool output an import reads by default.
// Real reports are far smaller; the bound stops a hostile upload from
// exhausting memory.
const DefaultMaxBytes = 64 << 20

// Severities are the normalised severities, from least to most severe.
var Severities = []string{"info", "low", "medium", "high", "critical"}

// Validate checks what every parser promises about its result, so a parser
// bug shows up as an error instead of as a wrong verdict: a known format,
// finite metrics, and findings with a key and a normalised severity.
func (r *Result) Validate() error {
	if r.Format == "" || r.Metrics == nil {
		return fmt.Errorf("result has no format or no metrics")
	}
	if _, ok := r.Metrics[Checked]; !ok {
		return fmt.Errorf("result has no %q metric: the parser does not say whether anything was checked", Checked)
	}
	for k, v := range r.Metrics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("metric %s is %v", k, v)
		}
	}
	for i, f := range r.Findings {
		if f.Key == "" {
			return fmt.Errorf("finding %d has no key", i)
		}
		if !slices.Contains(Severities, f.Severity) {
			return fmt.Errorf("finding %q has severity %q", f.Key, f.Severity)
		}
	}
	return nil
}
