package catalog

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evidenthq/evident"
)

// load returns the embedded catalog or stops the test: every other test
// depends on the shipped data loading cleanly.
func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func ids(reqs []evident.Requirement) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = string(r.ID)
	}
	return out
}

func TestVersions(t *testing.T) {
	c := load(t)
	var got []string
	for _, v := range c.Versions() {
		got = append(got, v.Number)
	}
	if diff := cmp.Diff([]string{"3.1.1", "3.2.1"}, got); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if got := c.Latest(); got != "3.2.1" {
		t.Errorf("Latest = %q, want 3.2.1 (the newest complete version)", got)
	}
}

// The counts below are the hand count of EN 319 401 V3.2.1 by clause; see
// doc.go for how they were checked.
func TestCountsPerClause(t *testing.T) {
	c := load(t)
	want := map[string]int{
		"4.2": 6, "5": 8, "6.1": 11, "6.2": 6, "6.3": 9, "6": 26,
		"7.1.1": 5, "7.1.2": 6, "7.1.3": 1, "7.1": 12, "7.2": 24,
		"7.3.1": 2, "7.3.2": 7, "7.3.3": 5, "7.3": 14,
		"7.4.1": 14, "7.4.2": 3, "7.4.3": 2, "7.4.4": 5, "7.4.5": 4, "7.4.6": 1, "7.4": 29,
		"7.5": 5, "7.6": 14, "7.7": 26, "7.8": 24,
		"7.9.1": 18, "7.9.2": 19, "7.9.3": 10, "7.9.4": 4, "7.9.5": 8, "7.9": 59,
		"7.10": 8, "7.11.1": 4, "7.11.2": 6, "7.11.3": 4, "7.11": 14,
		"7.12": 11, "7.13": 6, "7.14.1": 6, "7.14.2": 15, "7.14.3": 14, "7.14": 35,
		"7": 281,
	}
	for clause, n := range want {
		got, err := c.Filter(Query{Version: "3.2.1", Clause: clause})
		if err != nil {
			t.Errorf("clause %s: %v", clause, err)
			continue
		}
		if len(got) != n {
			t.Errorf("clause %s: %d requirements, want %d", clause, len(got), n)
		}
	}
	all, err := c.Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 321 {
		t.Errorf("V3.2.1 has %d requirements, want 321 (315 in clauses 5-7 plus 6 in 4.2)", len(all))
	}
}

func TestCountsPerType(t *testing.T) {
	c := load(t)
	byType := func(typ evident.RequirementType) []string {
		t.Helper()
		got, err := c.Filter(Query{Version: "3.2.1", Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		return ids(got)
	}
	if got := byType(evident.Proportion); len(got) != 12 {
		t.Errorf("%d PRO requirements, want 12: %v", len(got), got)
	}
	for _, id := range byType(evident.Proportion) {
		if !strings.HasPrefix(id, "PRO-") {
			t.Errorf("%s has type pro but no PRO- prefix", id)
		}
	}
	wantCond := []string{
		"REQ-6.1-09", "REQ-7.2-18", "REQ-7.2-19", "REQ-7.4.1-06", "PRO-7.6-07", "PRO-7.6-10",
		"PRO-7.7-26", "REQ-7.8-12", "PRO-7.9.1-12", "PRO-7.9.3-06", "REQ-7.14.3-01",
		"REQ-7.14.3-05", "REQ-7.14.3-06",
	}
	if diff := cmp.Diff(wantCond, byType(evident.Conditional)); diff != "" {
		t.Errorf("conditional requirements (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"REQ-7.9.2-10"}, byType(evident.Choice)); diff != "" {
		t.Errorf("choice requirements (-want +got):\n%s", diff)
	}
	wantShould := []string{"REQ-7.1.2-03", "PRO-7.2-10", "REQ-7.5-05", "REQ-7.9.1-02", "REQ-7.12-08", "REQ-7.13-04"}
	if diff := cmp.Diff(wantShould, byType(evident.Should)); diff != "" {
		t.Errorf("should requirements (-want +got):\n%s", diff)
	}
	wantMay := []string{"REQ-6.2-06", "PRO-7.7-26", "PRO-7.9.3-06", "PRO-7.9.5-05"}
	if diff := cmp.Diff(wantMay, byType(evident.May)); diff != "" {
		t.Errorf("may requirements (-want +got):\n%s", diff)
	}
	// Everything that is not recommendation or permission only is "shall".
	if got := byType(evident.Shall); len(got) != 321-7 {
		t.Errorf("%d shall requirements, want 314 (321 less the 7 without a mandatory verb)", len(got))
	}
}

func TestCatalogOrder(t *testing.T) {
	c := load(t)
	reqs, err := c.Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	first, last := reqs[0].ID, reqs[len(reqs)-1].ID
	if first != "REQ-4.2-01" || last != "REQ-7.14.3-14" {
		t.Errorf("catalog runs from %s to %s, want REQ-4.2-01 to REQ-7.14.3-14", first, last)
	}
	// 7.9.2 follows 7.9.1 and 7.10 follows 7.9.5, as in the standard,
	// which a string sort would get wrong.
	pos := map[evident.RequirementID]int{}
	for i, r := range reqs {
		pos[r.ID] = i
	}
	if !(pos["REQ-7.9.1-18"] < pos["REQ-7.9.2-01"] && pos["REQ-7.9.5-08"] < pos["REQ-7.10-01"]) {
		t.Errorf("clauses out of order")
	}
}

func TestConfirmed(t *testing.T) {
	c := load(t)
	for version, want := range map[string]bool{"3.2.1": true, "3.1.1": false} {
		reqs, err := c.Requirements(version)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			if r.Confirmed != want {
				t.Errorf("%s: confirmed = %v, want %v", r.Ref(), r.Confirmed, want)
			}
		}
	}
	reqs, _ := c.Requirements("3.1.1")
	want := []string{
		"REQ-6.2-03", "REQ-6.3-04", "REQ-7.2-04", "REQ-7.2-05", "REQ-7.5-01", "REQ-7.5-02",
		"REQ-7.8-13", "REQ-7.8-14", "REQ-7.8-17", "REQ-7.8-18", "REQ-7.8-21",
		"REQ-7.9.1-02", "REQ-7.9.2-02", "REQ-7.12-02",
	}
	if diff := cmp.Diff(want, ids(reqs)); diff != "" {
		t.Errorf("V3.1.1 identifiers (-want +got):\n%s", diff)
	}
}

func TestClauses(t *testing.T) {
	c := load(t)
	cls, err := c.Clauses("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, cl := range cls {
		titles[cl.Number] = cl.Title
	}
	for n, want := range map[string]string{
		"7":     "TSP management and operation",
		"7.9":   "Vulnerabilities and incident management",
		"7.9.2": "Incident response",
		"7.8":   "Network security",
		"5":     "Risk management framework and risk assessment",
	} {
		if titles[n] != want {
			t.Errorf("clause %s title = %q, want %q", n, titles[n], want)
		}
	}
	r, err := c.Resolve("REQ-7.9.2-03", "3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Clause != "7.9.2" || r.ClauseTitle != "Incident response" {
		t.Errorf("REQ-7.9.2-03 in clause %s %q, want 7.9.2 \"Incident response\"", r.Clause, r.ClauseTitle)
	}
}

func TestFilter(t *testing.T) {
	c := load(t)
	tests := []struct {
		q    Query
		want int
	}{
		{Query{Clause: "7.9.2"}, 19},
		{Query{Clause: "7.9"}, 59},
		{Query{Clause: "7.9."}, 59},
		{Query{Clause: "7.1"}, 12}, // not 7.10 to 7.14
		{Query{Clause: "5"}, 8},
		{Query{Clause: "7.9", Type: evident.Proportion}, 6},
		{Query{Version: "3.1.1", Clause: "7.8"}, 5},
		{Query{Type: "PRO"}, 12}, // as the reference tables write it
	}
	for _, tt := range tests {
		got, err := c.Filter(tt.q)
		if err != nil {
			t.Errorf("Filter(%+v): %v", tt.q, err)
			continue
		}
		if len(got) != tt.want {
			t.Errorf("Filter(%+v) = %d requirements, want %d", tt.q, len(got), tt.want)
		}
	}
}

func TestFilterRejectsTypos(t *testing.T) {
	c := load(t)
	for _, tt := range []struct {
		q    Query
		code string
		msg  string
	}{
		{Query{Clause: "7.99"}, evident.ENOTFOUND, `no clause "7.99" in EN319401@3.2.1`},
		{Query{Clause: "4.1"}, evident.ENOTFOUND, `no clause "4.1"`},
		{Query{Type: "must"}, evident.EINVALID, `unknown requirement type "must"`},
		{Query{Version: "3.0.0"}, evident.ENOTFOUND, `no version "3.0.0" of EN319401 in the catalog (have 3.1.1, 3.2.1)`},
	} {
		_, err := c.Filter(tt.q)
		if evident.ErrorCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Filter(%+v) = %v, want %s error containing %q", tt.q, err, tt.code, tt.msg)
		}
	}
}

func TestResolve(t *testing.T) {
	c := load(t)
	for _, tt := range []struct {
		in, def string
		want    string
	}{
		{"REQ-7.8-14", "3.2.1", "EN319401@3.2.1:REQ-7.8-14"},
		{"EN319401@3.2.1:REQ-7.8-14", "3.1.1", "EN319401@3.2.1:REQ-7.8-14"},
		{"EN319401@3.1.1:REQ-7.8-17", "", "EN319401@3.1.1:REQ-7.8-17"},
		{" req-7.9.2-09 ", "", "EN319401@3.2.1:REQ-7.9.2-09"},
		{"en319401@v3.2.1:pro-7.9.1-11", "", "EN319401@3.2.1:PRO-7.9.1-11"},
	} {
		r, err := c.Resolve(tt.in, tt.def)
		if err != nil {
			t.Errorf("Resolve(%q, %q): %v", tt.in, tt.def, err)
			continue
		}
		if got := r.Ref().String(); got != tt.want {
			t.Errorf("Resolve(%q, %q) = %s, want %s", tt.in, tt.def, got, tt.want)
		}
	}
}

func TestLookupNotFound(t *testing.T) {
	c := load(t)
	for _, tt := range []struct {
		in, def, msg string
	}{
		{"REQ-7.8-99", "3.2.1", "requirement REQ-7.8-99 is not in EN319401@3.2.1"},
		{"REQ-5-01", "3.1.1", "requirement REQ-5-01 is not in EN319401@3.1.1 (it is in 3.2.1); this version lists only the identifiers confirmed so far"},
		{"REQ-7.8-19", "3.1.1", "requirement REQ-7.8-19 is not in EN319401@3.1.1 (it is in 3.2.1, which is REQ-7.8-18 here by inferred mapping)"},
		{"ETSI@3.2.1:REQ-5-01", "", `standard "ETSI" is not in the catalog`},
		{"EN319401@2.3.1:REQ-5-01", "", `no version "2.3.1"`},
	} {
		_, err := c.Resolve(tt.in, tt.def)
		if evident.ErrorCode(err) != evident.ENOTFOUND || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Resolve(%q, %q) = %v, want not found containing %q", tt.in, tt.def, err, tt.msg)
		}
	}
	if _, err := c.Resolve("7.8-14", ""); err == nil || !strings.Contains(err.Error(), "7.8-14") {
		t.Errorf("Resolve of a malformed id = %v, want an error naming it", err)
	}
}

func TestRequirementsAreCopies(t *testing.T) {
	c := load(t)
	reqs, _ := c.Requirements("3.2.1")
	reqs[0].Types[0] = evident.May
	reqs[0].Text = "changed"
	again, _ := c.Requirements("3.2.1")
	if again[0].Types[0] != evident.Shall || again[0].Text == "changed" {
		t.Errorf("changing a returned requirement changed the catalog")
	}
}
