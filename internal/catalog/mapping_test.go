package catalog

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evidenthq/evident"
)

func ref(s string) evident.RequirementRef {
	r, err := evident.ParseRequirementRef(s, "", "")
	if err != nil {
		panic(err)
	}
	return r
}

func TestMap(t *testing.T) {
	c := load(t)
	tests := []struct {
		from, to string
		want     string
		basis    Basis
	}{
		{"EN319401@3.1.1:REQ-7.8-17", "3.2.1", "EN319401@3.2.1:REQ-7.8-18", Confirmed},
		{"EN319401@3.1.1:REQ-7.8-18", "3.2.1", "EN319401@3.2.1:REQ-7.8-19", Inferred},
		{"EN319401@3.1.1:REQ-7.8-21", "3.2.1", "EN319401@3.2.1:REQ-7.8-22", Confirmed},
		{"EN319401@3.1.1:REQ-7.8-14", "3.2.1", "EN319401@3.2.1:REQ-7.8-14", Confirmed},
		{"EN319401@3.2.1:REQ-7.8-19", "3.1.1", "EN319401@3.1.1:REQ-7.8-18", Inferred},
		{"EN319401@3.2.1:REQ-7.8-22", "3.1.1", "EN319401@3.1.1:REQ-7.8-21", Confirmed},
		{"EN319401@3.2.1:REQ-7.8-18", "3.1.1", "EN319401@3.1.1:REQ-7.8-17", Confirmed},
		{"EN319401@3.2.1:REQ-5-01", "3.2.1", "EN319401@3.2.1:REQ-5-01", Identity},
	}
	for _, tt := range tests {
		got, err := c.Map(ref(tt.from), tt.to)
		if err != nil {
			t.Errorf("Map(%s, %s): %v", tt.from, tt.to, err)
			continue
		}
		if got.To.String() != tt.want || got.Basis != tt.basis {
			t.Errorf("Map(%s, %s) = %s (%s), want %s (%s)", tt.from, tt.to, got.To, got.Basis, tt.want, tt.basis)
		}
	}
}

// V3.2.1 REQ-7.8-21 (firewalls as a control) must not be taken for V3.1.1
// REQ-7.8-21, which is the firewall rule that became REQ-7.8-22.
func TestMapDoesNotMatchReusedIDs(t *testing.T) {
	c := load(t)
	for _, s := range []string{"EN319401@3.2.1:REQ-7.8-21", "EN319401@3.2.1:REQ-5-01"} {
		got, err := c.Map(ref(s), "3.1.1")
		if evident.ErrorCode(err) != evident.ENOTFOUND || !strings.Contains(err.Error(), s+" has no known counterpart in EN319401@3.1.1") {
			t.Errorf("Map(%s, 3.1.1) = %v, %v; want not found", s, got.To, err)
		}
	}
	if _, err := c.Map(ref("EN319401@3.2.1:REQ-9-01"), "3.1.1"); evident.ErrorCode(err) != evident.ENOTFOUND {
		t.Errorf("Map of an unknown requirement = %v, want not found", err)
	}
}

func TestDiffShowsRenumbering(t *testing.T) {
	c := load(t)
	d, err := c.Diff("3.1.1", "3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	var renum []string
	for _, r := range d.Renumbered {
		renum = append(renum, string(r.From.ID)+" -> "+string(r.To.ID)+" "+string(r.Basis))
	}
	want := []string{
		"REQ-7.8-17 -> REQ-7.8-18 confirmed",
		"REQ-7.8-18 -> REQ-7.8-19 inferred",
		"REQ-7.8-21 -> REQ-7.8-22 confirmed",
	}
	if diff := cmp.Diff(want, renum); diff != "" {
		t.Errorf("renumbered (-want +got):\n%s", diff)
	}
	if !d.Partial {
		t.Errorf("diff against the partial V3.1.1 is not marked partial")
	}
	if len(d.Removed) != 0 {
		t.Errorf("removed = %v, want none: every V3.1.1 entry has a counterpart", ids(d.Removed))
	}
	if len(d.Added) != 321-14 {
		t.Errorf("added = %d, want %d (V3.2.1 entries without a known V3.1.1 counterpart)", len(d.Added), 321-14)
	}
	// The figures the implementing acts added as adaptations are in the
	// V3.2.1 text itself.
	changed := map[string][]string{}
	for _, ch := range d.Changed {
		for _, f := range ch.FiguresAdded {
			changed[string(ch.To.ID)] = append(changed[string(ch.To.ID)], f.Text)
		}
	}
	wantChanged := map[string][]string{
		"REQ-6.3-04": {"at least 1 month before any change", "at least 3 months before a planned cessation"},
		"REQ-7.2-05": {"at least every 12 months"},
		"REQ-7.8-14": {"at least once per quarter"},
		"REQ-7.8-19": {"at least once per year"},
	}
	if diff := cmp.Diff(wantChanged, changed); diff != "" {
		t.Errorf("figures added in V3.2.1 (-want +got):\n%s", diff)
	}
}

func TestDiffBackwards(t *testing.T) {
	c := load(t)
	d, err := c.Diff("3.2.1", "3.1.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Removed) != 321-14 || len(d.Added) != 0 || len(d.Renumbered) != 3 {
		t.Errorf("backward diff: %d removed, %d added, %d renumbered; want 307, 0, 3", len(d.Removed), len(d.Added), len(d.Renumbered))
	}
	if d.Renumbered[0].From.ID != "REQ-7.8-18" || d.Renumbered[0].To.ID != "REQ-7.8-17" {
		t.Errorf("first renumbering = %s -> %s, want REQ-7.8-18 -> REQ-7.8-17", d.Renumbered[0].From, d.Renumbered[0].To)
	}
	same, err := c.Diff("3.2.1", "3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(same.Added)+len(same.Removed)+len(same.Renumbered)+len(same.Changed) != 0 || same.Partial {
		t.Errorf("a version differs from itself: %+v", same)
	}
}
