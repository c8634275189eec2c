package readiness

import (
	"strings"
	"testing"

	"github.com/evidenthq/evident"
)

// The CA/B Forum cadences are floors for the controls of a publicly
// trusted CA only: the same slow control is a cadence-below-standard gap
// naming the section when the CA is publicly trusted, nothing when it is
// not, and nothing once an approved deviation names the section.
func TestCABFFloorsBindOnlyAPubliclyTrustedCA(t *testing.T) {
	cad := func(s string) evident.Cadence {
		c, err := evident.ParseCadence(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name, requirement, format string
		section                   string // "CABF-NSR 2.2.1.4"
		slow, fast                string
	}{
		{"account review", "REQ-7.4.1-07", "", "CABF-NSR 2.2.1.4", "every 4 months", "quarterly"},
		{"log integrity review", "REQ-7.10-08", "", "CABF-NSR 3.1.2", "every 6 weeks", "every 31 days"},
		{"penetration test", "REQ-7.8-19", "", "CABF-NSR 4.2.1.1", "every 2 years", "annual"},
		{"self-audit linted with zlint", "REQ-7.5-05", "zlint", "CABF-BR 8.7", "every 4 months", "quarterly"},
		{"CP/CPS review", "REQ-6.1-08", "", "CABF-BR 2.3", "biennial", "annual"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			std, section, _ := strings.Cut(tt.section, " ")
			floorRef := evident.RequirementRef{Standard: evident.Standard(std), Version: map[string]string{"CABF-BR": "2.2.6", "CABF-NSR": "2.0.5"}[std], ID: evident.RequirementID(section)}
			run := func(publiclyTrusted bool, cadence string, deviation bool) []Gap {
				m := cleanModel()
				m.Services[0].PubliclyTrusted = publiclyTrusted
				c := evident.Control{ID: "work", Title: tt.name, Owner: "eng", Services: []string{"qcert"},
					Requirements: []evident.RequirementRef{ref(tt.requirement)},
					Method:       evident.VerificationMethod{Kind: evident.MethodImport, Format: tt.format},
					Cadence:      cad(cadence)}
				if tt.format == "" {
					c.Method = evident.VerificationMethod{Kind: evident.MethodDocumentReview, Description: "a signed review record"}
				}
				if deviation {
					c.Deviations = []evident.Deviation{{Requirement: floorRef, Justification: "two staff, one system",
						Approval: &evident.Approval{By: "ceo", At: day("2026-05-01")}}}
				}
				m.Controls = append(m.Controls, c)
				if ps := m.Check(func(evident.RequirementRef) bool { return true }); len(ps) > 0 {
					t.Fatalf("model: %v", ps)
				}
				var out []Gap
				for _, g := range Gaps(inputAt(m, gapReqs, gapNow)) {
					if g.Kind == CadenceBelowStandard && g.ID == "work" {
						out = append(out, g)
					}
				}
				return out
			}
			got := run(true, tt.slow, false)
			if len(got) != 1 || !strings.Contains(got[0].Detail, tt.section) || !strings.Contains(got[0].Detail, "publicly trusted") {
				t.Fatalf("%s for a publicly trusted CA: gaps %v, want one naming %s", tt.slow, got, tt.section)
			}
			if len(got[0].Requirements) == 0 {
				t.Errorf("the gap concerns no requirement, so nothing it blocks is shown: %+v", got[0])
			}
			if got := run(false, tt.slow, false); len(got) != 0 {
				t.Errorf("%s for a CA that is not publicly trusted: gaps %v, want none", tt.slow, got)
			}
			if got := run(true, tt.fast, false); len(got) != 0 {
				t.Errorf("%s keeps the floor: gaps %v, want none", tt.fast, got)
			}
			if got := run(true, tt.slow, true); len(got) != 0 {
				t.Errorf("a deviation from %s bound by an approval act: gaps %v, want none", floorRef, got)
			}
		})
	}
}
