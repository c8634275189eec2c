package evident

import (
	"fmt"
	"slices"
)

// Model is the whole program in memory: scope, risk, controls, policies
// and the statement of applicability. Program-as-code files load into it,
// the store reads it back, and gaps, readiness and the evidence pack are
// pure functions over it. Object ids are slugs the user chooses
// ("vuln-scan-quarterly", "ca-issuing"), unique within their kind.
type Model struct {
	Program     Program         `json:"program"`
	Services    []Service       `json:"services"`
	Systems     []System        `json:"systems"`
	Zones       []Zone          `json:"zones"`
	Suppliers   []Supplier      `json:"suppliers"`
	Roles       []Role          `json:"roles"`
	People      []Person        `json:"people"`
	Risks       []Risk          `json:"risks"`
	Treatments  []Treatment     `json:"treatments"`
	Acceptances []Acceptance    `json:"acceptances"`
	Controls    []Control       `json:"controls"`
	Policies    []Policy        `json:"policies"`
	SoA         []Applicability `json:"soa"`
}

// find returns a pointer to the element of xs whose id matches, or nil.
func find[T any](xs []T, id string, key func(*T) string) *T {
	for i := range xs {
		if key(&xs[i]) == id {
			return &xs[i]
		}
	}
	return nil
}

// ServiceByID returns the service with id, or nil.
func (m *Model) ServiceByID(id string) *Service {
	return find(m.Services, id, func(x *Service) string { return x.ID })
}

// SystemByID returns the system with id, or nil.
func (m *Model) SystemByID(id string) *System {
	return find(m.Systems, id, func(x *System) string { return x.ID })
}

// SystemByName returns the system whose id or display name is name, or
// nil; evidence and changes name systems either way ("ca-issuing@4.2").
func (m *Model) SystemByName(name string) *System {
	if s := m.SystemByID(name); s != nil {
		return s
	}
	return find(m.Systems, name, func(x *System) string { return x.Name })
}

// SystemByHost returns the system listing host among its hosts, or nil.
func (m *Model) SystemByHost(host string) *System {
	for i := range m.Systems {
		if slices.Contains(m.Systems[i].Hosts, host) {
			return &m.Systems[i]
		}
	}
	return nil
}

// ZoneByID returns the zone with id, or nil.
func (m *Model) ZoneByID(id string) *Zone {
	return find(m.Zones, id, func(x *Zone) string { return x.ID })
}

// ZoneOf returns the zone a system sits in, or nil.
func (m *Model) ZoneOf(system string) *Zone {
	s := m.SystemByName(system)
	if s == nil {
		return nil
	}
	return m.ZoneByID(s.Zone)
}

// SupplierByID returns the supplier with id, or nil.
func (m *Model) SupplierByID(id string) *Supplier {
	return find(m.Suppliers, id, func(x *Supplier) string { return x.ID })
}

// RoleByID returns the role with id, or nil.
func (m *Model) RoleByID(id string) *Role {
	return find(m.Roles, id, func(x *Role) string { return x.ID })
}

// PersonByID returns the person with id, or nil.
func (m *Model) PersonByID(id string) *Person {
	return find(m.People, id, func(x *Person) string { return x.ID })
}

// RiskByID returns the risk with id, or nil.
func (m *Model) RiskByID(id string) *Risk {
	return find(m.Risks, id, func(x *Risk) string { return x.ID })
}

// TreatmentByID returns the treatment with id, or nil.
func (m *Model) TreatmentByID(id string) *Treatment {
	return find(m.Treatments, id, func(x *Treatment) string { return x.ID })
}

// AcceptanceByID returns the acceptance with id, or nil.
func (m *Model) AcceptanceByID(id string) *Acceptance {
	return find(m.Acceptances, id, func(x *Acceptance) string { return x.ID })
}

// ControlByID returns the control with id, or nil.
func (m *Model) ControlByID(id string) *Control {
	return find(m.Controls, id, func(x *Control) string { return x.ID })
}

// PolicyByID returns the policy with id, or nil.
func (m *Model) PolicyByID(id string) *Policy {
	return find(m.Policies, id, func(x *Policy) string { return x.ID })
}

// ControlsFor returns the controls that meet requirement ref.
func (m *Model) ControlsFor(ref RequirementRef) []Control {
	var out []Control
	for _, c := range m.Controls {
		if c.Covers(ref) {
			out = append(out, c)
		}
	}
	return out
}

// ControlsForSystem returns the controls scoped to a system.
func (m *Model) ControlsForSystem(system string) []Control {
	var out []Control
	for _, c := range m.Controls {
		if slices.Contains(c.Systems, system) {
			out = append(out, c)
		}
	}
	return out
}

// TreatmentsFor returns the treatments of a risk.
func (m *Model) TreatmentsFor(risk string) []Treatment {
	var out []Treatment
	for _, t := range m.Treatments {
		if t.Risk == risk {
			out = append(out, t)
		}
	}
	return out
}

// AcceptancesFor returns the acceptances of a risk.
func (m *Model) AcceptancesFor(risk string) []Acceptance {
	var out []Acceptance
	for _, a := range m.Acceptances {
		if a.Risk == risk {
			out = append(out, a)
		}
	}
	return out
}

// Applicability returns the statement-of-applicability decision for ref.
func (m *Model) Applicability(ref RequirementRef) (Applicability, bool) {
	for _, a := range m.SoA {
		if a.Requirement == ref {
			return a, true
		}
	}
	return Applicability{}, false
}

// IsOwner reports whether id names a person or a role, the two things that
// can own a control, risk or policy.
func (m *Model) IsOwner(id string) bool {
	return m.PersonByID(id) != nil || m.RoleByID(id) != nil
}

// Problem is something wrong with a model that makes it unusable: a
// dangling reference, a duplicate id, a value outside its set. Kind and ID
// name the object, Field the field in program-file spelling
// ("requirements[2]"), so a loader can point at the line.
type Problem struct {
	Kind    string `json:"kind"` // "controls", "risks", ... (the program-file section)
	ID      string `json:"id"`
	Index   int    `json:"index"` // position in the section, for objects without a usable id
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (p Problem) Error() string {
	s := p.Kind + " " + p.ID
	if p.Field != "" {
		s += " " + p.Field
	}
	return s + ": " + p.Message
}

func problemf(kind, id string, index int, field, format string, args ...any) Problem {
	return Problem{Kind: kind, ID: id, Index: index, Field: field, Message: fmt.Sprintf(format, args...)}
}
