package evident

import (
	"slices"
	"strings"
)

// Applicability is a decision in the statement of applicability about one
// requirement. Requirements without a decision are applicable; a decision
// is needed to mark one not applicable, and then it must say why. A PRO-
// requirement left out also needs the proportionality basis (REQ-4.2-05):
// the size, exposure or risk that makes it unnecessary.
type Applicability struct {
	Requirement     RequirementRef `json:"requirement"`
	Applicable      bool           `json:"applicable"`
	Justification   string         `json:"justification,omitempty"`
	Proportionality string         `json:"proportionality,omitempty"`
}

// IsProportionality reports whether id is a PRO- requirement.
func IsProportionality(id RequirementID) bool { return strings.HasPrefix(string(id), "PRO-") }

// Statement is one line of the full statement of applicability: the
// requirement, whether it applies, why not, and the controls meeting it
// (the first link of the traceability chain requirement -> controls ->
// verification method -> evidence).
type Statement struct {
	Requirement     Requirement `json:"requirement"`
	Applicable      bool        `json:"applicable"`
	Justification   string      `json:"justification,omitempty"`
	Proportionality string      `json:"proportionality,omitempty"`
	Controls        []string    `json:"controls"`
}

// Addressed reports whether the line is settled: applicable with at least
// one control, or not applicable with a justification (and, for a PRO-
// requirement, its proportionality basis).
func (s Statement) Addressed() bool {
	if s.Applicable {
		return len(s.Controls) > 0
	}
	if strings.TrimSpace(s.Justification) == "" {
		return false
	}
	return !IsProportionality(s.Requirement.ID) || strings.TrimSpace(s.Proportionality) != ""
}

// Statement builds the statement of applicability for reqs, the
// requirements of the program's version and overlays, in catalog order.
//
// It answers as Applicability and ControlsFor would for each requirement,
// from indexes built in one pass: asking them per requirement scanned
// the SoA and every control's list once per catalog entry, about 3 % of
// `evident status` on the example (issue #19).
func (m *Model) Statement(reqs []Requirement) []Statement {
	soa := make(map[RequirementRef]Applicability, len(m.SoA))
	for _, a := range m.SoA {
		if _, seen := soa[a.Requirement]; !seen {
			soa[a.Requirement] = a
		}
	}
	controls := map[RequirementRef][]string{}
	for _, c := range m.Controls {
		for i, ref := range c.Requirements {
			if !slices.Contains(c.Requirements[:i], ref) {
				controls[ref] = append(controls[ref], c.ID)
			}
		}
	}
	out := make([]Statement, 0, len(reqs))
	for _, r := range reqs {
		s := Statement{Requirement: r, Applicable: true, Controls: append([]string{}, controls[r.Ref()]...)}
		if a, ok := soa[r.Ref()]; ok {
			s.Applicable, s.Justification, s.Proportionality = a.Applicable, a.Justification, a.Proportionality
		}
		out = append(out, s)
	}
	return out
}
