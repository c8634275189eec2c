package catalog

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evidenthq/evident"
)

func TestOverlays(t *testing.T) {
	c := load(t)
	o, err := c.Overlay("eidas-ia-2025")
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, a := range o.Adaptations {
		labels = append(labels, a.Label+" "+a.Target.String())
	}
	want := []string{
		"REQ-7.8-14X EN319401@3.1.1:REQ-7.8-14",
		"REQ-7.8-18X EN319401@3.1.1:REQ-7.8-18",
		"REQ-7.8-21X EN319401@3.1.1:REQ-7.8-21",
		"REQ-7.2-05X EN319401@3.1.1:REQ-7.2-05",
		"REQ-6.3-04X EN319401@3.1.1:REQ-6.3-04",
		"REQ-7.5-01X EN319401@3.1.1:REQ-7.5-01",
		"REQ-7.9.1-02X EN319401@3.1.1:REQ-7.9.1-02",
		"REQ-7.12-02 A EN319401@3.1.1:REQ-7.12-02",
	}
	if diff := cmp.Diff(want, labels); diff != "" {
		t.Errorf("adaptations (-want +got):\n%s", diff)
	}
	if _, err := c.Overlay("nis2"); evident.ErrorCode(err) != evident.ENOTFOUND || !strings.Contains(err.Error(), `no overlay "nis2"`) {
		t.Errorf("Overlay(nis2) = %v, want not found naming it", err)
	}
}

func TestApplyOverlayToV311(t *testing.T) {
	c := load(t)
	reqs, err := c.Apply("3.1.1", "eidas-ia-2025")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[evident.RequirementID]evident.Requirement{}
	for _, r := range reqs {
		byID[r.ID] = r
	}
	scan := byID["REQ-7.8-14"]
	if n, u, ok := scan.Figures[0].Interval(); len(scan.Figures) != 1 || !ok || n != 3 || u != evident.UnitMonth {
		t.Errorf("adapted REQ-7.8-14 figures = %v, want one quarterly cadence", scan.Figures)
	}
	if diff := cmp.Diff([]string{"REQ-7.8-14X (eidas-ia-2025)"}, scan.Adaptations); diff != "" {
		t.Errorf("REQ-7.8-14 adaptations (-want +got):\n%s", diff)
	}
	if !strings.Contains(scan.Text, "[REQ-7.8-14X] Run the vulnerability scan at least once per quarter.") {
		t.Errorf("adapted text does not say what changed: %q", scan.Text)
	}
	if got := byID["REQ-7.9.1-02"].Types; !slices.Equal(got, []evident.RequirementType{evident.Shall}) {
		t.Errorf("adapted REQ-7.9.1-02 types = %v, want [shall]: the act makes it mandatory", got)
	}
	if got := len(byID["REQ-6.3-04"].Figures); got != 2 {
		t.Errorf("adapted REQ-6.3-04 has %d figures, want the 1-month and 3-month notices", got)
	}
	// The standard's own entries are untouched.
	plain, _ := c.Lookup(ref("EN319401@3.1.1:REQ-7.9.1-02"))
	if !plain.Has(evident.Should) || len(plain.Adaptations) != 0 {
		t.Errorf("applying an overlay changed the catalog: %+v", plain)
	}
}

// The acts are written against V3.1.1; a program on V3.2.1 gets them
// through the mapping, without figures counted twice.
func TestApplyOverlayToV321(t *testing.T) {
	c := load(t)
	pen, err := c.Lookup(ref("EN319401@3.2.1:REQ-7.8-19"), "eidas-ia-2025")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"REQ-7.8-18X (eidas-ia-2025, from EN319401@3.1.1:REQ-7.8-18 by inferred mapping)"}
	if diff := cmp.Diff(want, pen.Adaptations); diff != "" {
		t.Errorf("REQ-7.8-19 adaptations (-want +got):\n%s", diff)
	}
	if len(pen.Figures) != 1 {
		t.Errorf("REQ-7.8-19 has %d figures after the overlay, want 1 (the annual test is already in V3.2.1)", len(pen.Figures))
	}
	fw, _ := c.Lookup(ref("EN319401@3.2.1:REQ-7.8-22"), "eidas-ia-2025")
	other, _ := c.Lookup(ref("EN319401@3.2.1:REQ-7.8-21"), "eidas-ia-2025")
	if len(fw.Adaptations) != 1 || len(other.Adaptations) != 0 {
		t.Errorf("REQ-7.8-21X landed on %v / %v, want V3.2.1 REQ-7.8-22 only", fw.Adaptations, other.Adaptations)
	}
	all, _ := c.Requirements("3.2.1", "eidas-ia-2025")
	n := 0
	for _, r := range all {
		n += len(r.Adaptations)
	}
	if n != 8 {
		t.Errorf("%d adaptations applied to V3.2.1, want all 8", n)
	}
	if _, err := c.Requirements("3.2.1", "nis2"); evident.ErrorCode(err) != evident.ENOTFOUND {
		t.Errorf("unknown overlay = %v, want not found", err)
	}
}

func TestFilterWithOverlay(t *testing.T) {
	c := load(t)
	got, err := c.Filter(Query{Version: "3.1.1", Type: evident.Should, Overlays: []string{"eidas-ia-2025"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("should-only entries with the overlay on = %v, want none", ids(got))
	}
}
