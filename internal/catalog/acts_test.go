package catalog

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evidenthq/evident"
)

// actRow is one adaptation as the act's text states it: its label, the
// point of the act, the EN 319 401 id it adapts (in the version the act
// cites), the V3.2.1 id that lands on, and its figure.
type actRow struct {
	Label, Article, Target, V321, Figure string
}

// The adaptations each 2025 act makes to EN 319 401, written from the
// act's text (Official Journal, via the consolidated transcriptions):
// the figures are the act's own words.
var actTable = map[string]struct {
	act, qualification string
	types              []evident.ServiceType
	rows               []actRow
}{
	"eidas-2025-1929": {"Implementing Regulation (EU) 2025/1929", "qualified", []evident.ServiceType{evident.ServiceTimeStamps}, []actRow{
		{"OVR-7.3-03", "Annex, point 1(5)", "REQ-7.2-05", "REQ-7.2-05", "12 month"},
		{"OVR-7.10-05", "Annex, point 1(9)", "REQ-7.8-14", "REQ-7.8-14", "3 month"},
		{"OVR-7.10-06", "Annex, point 1(9)", "REQ-7.8-18", "REQ-7.8-19", "1 year"},
		{"OVR-7.10-07", "Annex, point 1(9)", "REQ-7.8-21", "REQ-7.8-22", ""},
		{"OVR-7.14-01A", "Annex, point 1(10)", "REQ-7.12-02", "REQ-7.12-02", ""}}},
	"eidas-2025-1942": {"Implementing Regulation (EU) 2025/1942", "qualified", []evident.ServiceType{evident.ServiceSignatureValidation}, []actRow{
		{"OVR-7.2-03", "Annex, point 1(7)", "REQ-7.2-05", "REQ-7.2-05", "12 month"},
		{"OVR-7.8-04", "Annex, point 1(10)", "REQ-7.8-14", "REQ-7.8-14", "3 month"},
		{"OVR-7.8-05", "Annex, point 1(10)", "REQ-7.8-18", "REQ-7.8-19", "1 year"},
		{"OVR-7.8-06", "Annex, point 1(10)", "REQ-7.8-21", "REQ-7.8-22", ""},
		{"OVR-7.12-02", "Annex, point 1(11)", "REQ-7.12-02", "REQ-7.12-02", ""}}},
	"eidas-2025-1943": {"Implementing Regulation (EU) 2025/1943", "qualified", []evident.ServiceType{evident.ServiceCertificates}, []actRow{
		{"OVR-6.4.4-03", "Annex, point 1(9)", "REQ-7.2-05", "REQ-7.2-05", "12 month"},
		{"OVR-6.5.7-02", "Annex, point 1(13)", "REQ-7.8-14", "REQ-7.8-14", "3 month"},
		{"OVR-6.5.7-03", "Annex, point 1(13)", "REQ-7.8-18", "REQ-7.8-19", "1 year"},
		{"OVR-6.5.7-04", "Annex, point 1(13)", "REQ-7.8-21", "REQ-7.8-22", ""},
		{"OVR-6.4.9-02", "Annex, point 1(10)", "REQ-7.12-02", "REQ-7.12-02", ""}}},
	"eidas-2025-1944": {"Implementing Regulation (EU) 2025/1944", "qualified", []evident.ServiceType{evident.ServiceRegisteredDelivery}, []actRow{
		{"REQ-ERDS-7.2.1-03", "Annex, point 1(8)", "REQ-7.2-05", "REQ-7.2-05", "12 month"},
		{"REQ-ERDSP-7.8-06", "Annex, point 1(11)", "REQ-7.8-14", "REQ-7.8-14", "3 month"},
		{"REQ-ERDSP-7.8-07", "Annex, point 1(11)", "REQ-7.8-18", "REQ-7.8-19", "1 year"},
		{"REQ-ERDSP-7.8-08", "Annex, point 1(11)", "REQ-7.8-21", "REQ-7.8-22", ""},
		{"REQ-ERDS-7.12-03", "Annex, point 1(12)", "REQ-7.12-02", "REQ-7.12-02", ""}}},
	"eidas-2025-2531": {"Implementing Regulation (EU) 2025/2531", "qualified", []evident.ServiceType{evident.ServiceLedgers}, []actRow{
		{"REQ-6.3-04X", "Annex, point (a)", "REQ-6.3-04", "REQ-6.3-04", "1 month"},
		{"REQ-7.2-05X", "Annex, point (a)", "REQ-7.2-05", "REQ-7.2-05", "12 month"},
		{"REQ-7.5-01X", "Annex, point (a)", "REQ-7.5-01", "REQ-7.5-01", ""},
		{"REQ-7.8-14X", "Annex, point (a)", "REQ-7.8-14", "REQ-7.8-14", "3 month"},
		{"REQ-7.8-18X", "Annex, point (a)", "REQ-7.8-18", "REQ-7.8-19", "1 year"},
		{"REQ-7.8-21X", "Annex, point (a)", "REQ-7.8-21", "REQ-7.8-22", ""},
		{"REQ-7.9.1-02X", "Annex, point (a)", "REQ-7.9.1-02", "REQ-7.9.1-02", ""},
		{"REQ-7.12-02A", "Annex, point (a)", "REQ-7.12-02", "REQ-7.12-02", ""}}},
	"eidas-2025-2532": {"Implementing Regulation (EU) 2025/2532", "qualified", []evident.ServiceType{evident.ServiceArchiving}, []actRow{
		{"archiving-network-scan", "Annex, point (f)", "REQ-7.8-14", "REQ-7.8-14", "3 month"},
		{"archiving-network-pentest", "Annex, point (f)", "REQ-7.8-18", "REQ-7.8-19", "1 year"}}},
	"eidas-2025-2160": {"Implementing Regulation (EU) 2025/2160", "non-qualified", nil, []actRow{
		{"2025/2160 Art. 4(5)", "Art. 4(5)", "REQ-5-05", "REQ-5-05", ""},
		{"2025/2160 Art. 4(6)", "Art. 4(6)", "REQ-5-04", "REQ-5-04", "1 year"}}},
	"eidas-2025-2530": {"Implementing Regulation (EU) 2025/2530", "qualified", nil, []actRow{
		{"2025/2530 Art. 1", "Art. 1(1), 1(2)", "REQ-6.3-04", "REQ-6.3-04", ""},
		{"2025/2530 Art. 2", "Art. 2", "REQ-5-04", "REQ-5-04", "1 year"},
		{"2025/2530 Art. 3(4)", "Art. 3(4)", "REQ-7.12-02", "REQ-7.12-02", "2 year"}}},
}

// TestActOverlaysMatchTheActs reads each act's adaptations from the
// overlay data and checks ids, articles, figures and the V3.2.1
// requirement each lands on against the table written from the act.
func TestActOverlaysMatchTheActs(t *testing.T) {
	c := load(t)
	for name, want := range actTable {
		t.Run(name, func(t *testing.T) {
			o, err := c.Overlay(name)
			if err != nil {
				t.Fatal(err)
			}
			if o.Act != want.act || o.AppliesTo == nil || string(o.AppliesTo.Qualification) != want.qualification ||
				!cmp.Equal(o.AppliesTo.ServiceTypes, want.types) {
				t.Errorf("act %q applies to %+v; want %s, %s %v", o.Act, o.AppliesTo, want.act, want.qualification, want.types)
			}
			var got []actRow
			for _, a := range o.Adaptations {
				corr, err := c.Map(a.Target, "3.2.1")
				if err != nil {
					t.Fatalf("%s: %v", a.Label, err)
				}
				fig := ""
				for _, f := range a.Figures {
					if f.Kind == evident.FigureCadence || f.Kind == evident.FigureDeadline {
						fig = fmt.Sprintf("%g %s", f.Amount, f.Unit)
						break
					}
				}
				got = append(got, actRow{a.Label, a.Article, string(a.Target.ID), string(corr.To.ID), fig})
			}
			if diff := cmp.Diff(want.rows, got); diff != "" {
				t.Errorf("adaptations (-act +overlay):\n%s", diff)
			}
			// Applied to V3.2.1, each adaptation names the act and
			// article on the requirement it lands on.
			reqs, err := c.Requirements("3.2.1", name)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range want.rows {
				found := false
				for _, r := range reqs {
					for _, l := range r.Adaptations {
						if r.ID == evident.RequirementID(row.V321) && l == fmt.Sprintf("%s (%s %s; overlay %s", row.Label, want.act, row.Article, name)+suffix(row, o.Version) {
							found = true
						}
					}
				}
				if !found {
					t.Errorf("%s does not land on %s naming %s %s", row.Label, row.V321, want.act, row.Article)
				}
			}
		})
	}
}

// suffix is the mapping note an adaptation written against V3.1.1
// carries once it lands on V3.2.1; one written against V3.2.1 has none.
func suffix(r actRow, version string) string {
	if version == "3.2.1" {
		return ")"
	}
	basis := "confirmed"
	if r.Target == "REQ-7.8-18" {
		basis = "inferred"
	}
	return fmt.Sprintf(", from EN319401@3.1.1:%s by %s mapping)", r.Target, basis)
}

// TestOverlaysFollowServices checks that which acts apply follows from
// each service's qualification and type.
func TestOverlaysFollowServices(t *testing.T) {
	c := load(t)
	got := c.OverlaysFor([]evident.Service{
		{ID: "qtsa", Type: evident.ServiceTimeStamps, Qualification: evident.Qualified},
		{ID: "ra", Type: evident.ServiceOther, Qualification: evident.NonQualified},
		{ID: "qc", Type: evident.ServiceCertificates, Qualification: evident.Mixed},
		{ID: "unknown", Type: evident.ServiceRegisteredDelivery},
	})
	want := map[string][]string{
		"qtsa":    {"eidas-2025-1929", "eidas-2025-2530"},
		"ra":      {"eidas-2025-2160"},
		"qc":      {"eidas-2025-1943", "eidas-2025-2160", "eidas-2025-2530"},
		"unknown": {"eidas-2025-1944", "eidas-2025-2160", "eidas-2025-2530"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("overlays per service (-want +got):\n%s", diff)
	}
}
