package report

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Scope metrics. They exist only when a scope is known, so a criterion on
// them fails for want of the metric when no system of the control names a
// host, rather than passing on nothing.
const (
	// ScopeMissing counts the in-scope hosts the run did not check.
	ScopeMissing = "scope.missing"
	// ScopeReached counts the in-scope hosts the run checked.
	ScopeReached = "scope.reached"
)

// Coverage is what a run reached of the hosts in scope: the completeness
// of the evidence for each system, which the verdict on the findings does
// not tell.
type Coverage struct {
	// Checked is every host the run checked, in scope or not.
	Checked []string `json:"checked"`
	// Reached are the in-scope hosts among them, with their systems.
	Reached []ScopeHost `json:"reached"`
	// Missing are the in-scope hosts the run did not check.
	Missing []ScopeHost `json:"missing"`
	// SystemsCovered are the systems all of whose hosts were checked;
	// SystemsMissing those with at least one host not checked. A system
	// is in exactly one of them.
	SystemsCovered []string `json:"systems_covered"`
	SystemsMissing []string `json:"systems_missing"`
	// Asserted is true when the checked hosts were named by whoever
	// imported the file, because the output names none.
	Asserted bool `json:"asserted,omitempty"`
}

// ScopeHost is an in-scope host and the system it belongs to.
type ScopeHost struct {
	Host   string `json:"host"`
	System string `json:"system"`
}

// HostKey normalises a host for comparison: addresses in their canonical
// form (nmap and OpenSCAP print IPv6 differently), names in lower case
// without a trailing dot or port brackets.
func HostKey(h string) string {
	h = strings.TrimSuffix(strings.Trim(strings.TrimSpace(h), "[]"), ".")
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().WithZone("").String()
	}
	return strings.ToLower(h)
}

// Cover compares the checked hosts with the scope (host to system) and
// records the coverage on r: the metrics scope.missing and scope.reached,
// one finding per in-scope host not checked, and a finding when no
// in-scope host was reached, since such a run is evidence for no system.
func (r *Result) Cover(scope map[string]string, checked []string, asserted bool) {
	cv := &Coverage{Checked: []string{}, Reached: []ScopeHost{}, Missing: []ScopeHost{},
		SystemsCovered: []string{}, SystemsMissing: []string{}, Asserted: asserted}
	seen := map[string]bool{}
	for _, h := range checked {
		if k := HostKey(h); k != "" && !seen[k] {
			seen[k] = true
			cv.Checked = append(cv.Checked, h)
		}
	}
	hosts := make([]string, 0, len(scope))
	for h := range scope {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts)
	r.Metrics[ScopeMissing], r.Metrics[ScopeReached] = 0, 0
	missed := map[string]bool{}
	var systems []string
	for _, h := range hosts {
		sys := scope[h]
		if !slices.Contains(systems, sys) {
			systems = append(systems, sys)
		}
		if seen[HostKey(h)] {
			cv.Reached = append(cv.Reached, ScopeHost{h, sys})
			r.Metrics[ScopeReached]++
			continue
		}
		missed[sys] = true
		cv.Missing = append(cv.Missing, ScopeHost{h, sys})
		r.Add(Finding{Key: "scope.missing " + h, Target: h, Severity: "high", Rule: ScopeMissing,
			Title:  fmt.Sprintf("in-scope host %s of system %s was not checked", h, sys),
			Detail: "the system's evidence for this run is incomplete", Metrics: []string{ScopeMissing}})
	}
	slices.Sort(systems)
	for _, s := range systems {
		if missed[s] {
			cv.SystemsMissing = append(cv.SystemsMissing, s)
		} else {
			cv.SystemsCovered = append(cv.SystemsCovered, s)
		}
	}
	if len(cv.Reached) == 0 {
		what := "the output names no host it checked"
		if asserted && len(cv.Checked) == 0 {
			what = "the output does not name the host it speaks for: name it (a host or a system) as the import's target"
		} else if len(cv.Checked) > 0 {
			what = "it checked " + clipList(cv.Checked, 5)
		}
		r.Note(Finding{Key: "scope.unreached", Severity: "high", Rule: ScopeReached,
			Title:  fmt.Sprintf("the run reached none of the %d in-scope hosts of %s: it is evidence for no system", len(hosts), strings.Join(systems, ", ")),
			Detail: what, Metrics: []string{ScopeReached}})
	}
	r.Scope = cv
	r.Sort()
}

// clipList joins at most n items, saying how many more there are.
func clipList(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(s[:n], ", "), len(s)-n)
}
