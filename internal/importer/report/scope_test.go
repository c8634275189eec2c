package report

import (
	"slices"
	"testing"
)

// nmap prints IPv6 in full and OpenSCAP in another form; names differ in
// case and a trailing dot. The same host must match however it is written.
func TestHostKey(t *testing.T) {
	same := [][]string{
		{"::1", "0:0:0:0:0:0:0:1", "[::1]"},
		{"fd00::2", "fd00:0:0:0:0:0:0:2"},
		{"127.0.0.1", "::ffff:127.0.0.1", " 127.0.0.1 "},
		{"ocsp.example-trust.eu", "OCSP.Example-Trust.EU.", "ocsp.example-trust.eu"},
	}
	for _, group := range same {
		for _, h := range group[1:] {
			if HostKey(h) != HostKey(group[0]) {
				t.Errorf("HostKey(%q) = %q, want %q as for %q", h, HostKey(h), HostKey(group[0]), group[0])
			}
		}
	}
	if HostKey("10.0.0.1") == HostKey("10.0.0.10") {
		t.Error("different addresses share a key")
	}
}

// A system is covered only when every one of its hosts was checked; hosts
// checked outside the scope are listed but cover nothing.
func TestCoverSplitsSystems(t *testing.T) {
	scope := map[string]string{"10.0.0.1": "ca", "10.0.0.2": "ca", "10.0.1.1": "tsa", "tsa.example.": "tsa"}
	r := New("nmap", "nmap")
	r.Cover(scope, []string{"10.0.0.1", "10.0.1.1", "TSA.example", "192.0.2.9", "10.0.0.1"}, false)
	cv := r.Scope
	if !slices.Equal(cv.SystemsCovered, []string{"tsa"}) || !slices.Equal(cv.SystemsMissing, []string{"ca"}) {
		t.Errorf("covered %v missing %v, want tsa covered and ca missing", cv.SystemsCovered, cv.SystemsMissing)
	}
	if len(cv.Missing) != 1 || cv.Missing[0] != (ScopeHost{Host: "10.0.0.2", System: "ca"}) {
		t.Errorf("missing hosts %v, want 10.0.0.2 of ca", cv.Missing)
	}
	if !slices.Equal(cv.Checked, []string{"10.0.0.1", "10.0.1.1", "TSA.example", "192.0.2.9"}) {
		t.Errorf("checked %v, want each checked host once, in or out of scope", cv.Checked)
	}
	if r.Metrics[ScopeMissing] != 1 || r.Metrics[ScopeReached] != 3 {
		t.Errorf("metrics %v, want 1 missing and 3 reached", r.Metrics)
	}
	var keys []string
	for _, f := range r.Findings {
		keys = append(keys, f.Key)
	}
	if !slices.Equal(keys, []string{"scope.missing 10.0.0.2"}) {
		t.Errorf("findings %v, want one for the missed host", keys)
	}

	none := New("chrony", "chronyc")
	none.Cover(scope, nil, true)
	if none.Metrics[ScopeReached] != 0 || len(none.Scope.SystemsCovered) != 0 || len(none.Findings) != 5 {
		t.Errorf("nothing checked: metrics %v, %d findings, want 4 missed hosts and the run reaching none", none.Metrics, len(none.Findings))
	}
}
