package evident

import (
	"fmt"
	"slices"
	"strings"
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

// Error formats the problem as "kind id field: message".
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

// Check returns everything that makes the model unusable, in section
// order: duplicate or empty ids, values outside their sets, ratings off the
// risk scale, and references to objects or requirements that do not exist.
// known reports whether a requirement exists in the program's catalog
// version and overlays. Gaps (a control without an owner, a policy never
// approved) are not problems: they are what `gaps` reports.
func (m *Model) Check(known func(RequirementRef) bool) []Problem {
	c := checker{m: m, known: known}
	c.ids()
	c.scope()
	c.risks()
	c.controls()
	c.policies()
	c.soa()
	return c.out
}

type checker struct {
	m     *Model
	known func(RequirementRef) bool
	out   []Problem
}

func (c *checker) add(kind, id string, i int, field, format string, args ...any) {
	c.out = append(c.out, problemf(kind, id, i, field, format, args...))
}

// ids checks every section for empty and duplicate ids.
func (c *checker) ids() {
	m := c.m
	sections := []struct {
		kind string
		ids  []string
	}{
		{"services", ids(m.Services, func(x Service) string { return x.ID })},
		{"systems", ids(m.Systems, func(x System) string { return x.ID })},
		{"zones", ids(m.Zones, func(x Zone) string { return x.ID })},
		{"suppliers", ids(m.Suppliers, func(x Supplier) string { return x.ID })},
		{"roles", ids(m.Roles, func(x Role) string { return x.ID })},
		{"people", ids(m.People, func(x Person) string { return x.ID })},
		{"risks", ids(m.Risks, func(x Risk) string { return x.ID })},
		{"treatments", ids(m.Treatments, func(x Treatment) string { return x.ID })},
		{"acceptances", ids(m.Acceptances, func(x Acceptance) string { return x.ID })},
		{"controls", ids(m.Controls, func(x Control) string { return x.ID })},
		{"policies", ids(m.Policies, func(x Policy) string { return x.ID })},
	}
	for _, s := range sections {
		seen := map[string]bool{}
		for i, id := range s.ids {
			switch {
			case !ValidSlug(id):
				c.add(s.kind, id, i, "id", "id %q: want a slug of lower-case letters, digits, '-', '_' or '.'", id)
			case seen[id]:
				c.add(s.kind, id, i, "id", "duplicate id %q", id)
			}
			seen[id] = true
		}
	}
}

func ids[T any](xs []T, key func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = key(x)
	}
	return out
}

// ValidSlug reports whether s can be an object id: 1 to 100 characters of
// lower-case letters, digits, '-', '_' and '.', starting with a letter or
// digit. Ids appear in URLs, file names and ledger records, so they stay plain.
func ValidSlug(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i, r := range s {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || (i > 0 && (r == '-' || r == '_' || r == '.'))
		if !ok {
			return false
		}
	}
	return true
}

func (c *checker) scope() {
	m := c.m
	for i, s := range m.Services {
		if !slices.Contains(ServiceTypes, s.Type) {
			c.add("services", s.ID, i, "type", "unknown service type %q (want one of %v)", s.Type, ServiceTypes)
		}
		if s.Qualification != "" && s.Qualification != Qualified && s.Qualification != NonQualified && s.Qualification != Mixed {
			c.add("services", s.ID, i, "qualification", "unknown qualification %q (want qualified, non-qualified or mixed)", s.Qualification)
		}
		if s.PubliclyTrusted && s.Type != ServiceCertificates {
			c.add("services", s.ID, i, "publicly_trusted", "only a certificate service can be publicly trusted (this one is %s): the CA/Browser Forum rules are for CAs", s.Type)
		}
		for j, d := range s.Dependencies {
			if m.SystemByID(d) == nil && m.SupplierByID(d) == nil {
				c.add("services", s.ID, i, fmt.Sprintf("dependencies[%d]", j), "no system or supplier %q", d)
			}
		}
	}
	for i, s := range m.Systems {
		if !slices.Contains(SystemKinds, s.Kind) {
			c.add("systems", s.ID, i, "kind", "unknown system kind %q (want one of %v)", s.Kind, SystemKinds)
		}
		if s.Zone != "" && m.ZoneByID(s.Zone) == nil {
			c.add("systems", s.ID, i, "zone", "no zone %q", s.Zone)
		}
		c.owner("systems", s.ID, i, s.Owner)
		c.refs("systems", s.ID, i, "services", s.Services, func(id string) bool { return m.ServiceByID(id) != nil }, "service")
	}
	for i, z := range m.Zones {
		for j, f := range z.AllowedFlows {
			if f.To != "internet" && m.ZoneByID(f.To) == nil {
				c.add("zones", z.ID, i, fmt.Sprintf("allowed_flows[%d].to", j), "no zone %q (or \"internet\")", f.To)
			}
		}
		if z.Offline && len(z.AllowedServices) > 0 {
			c.add("zones", z.ID, i, "allowed_services", "an offline zone allows no listening services")
		}
	}
	for i, s := range m.Suppliers {
		c.refs("suppliers", s.ID, i, "supports", s.Supports, func(id string) bool { return m.ServiceByID(id) != nil || m.SystemByID(id) != nil }, "service or system")
	}
	for i, r := range m.Roles {
		c.refs("roles", r.ID, i, "incompatible", r.Incompatible, func(id string) bool { return m.RoleByID(id) != nil }, "role")
	}
	for i, p := range m.People {
		c.refs("people", p.ID, i, "roles", p.Roles, func(id string) bool { return m.RoleByID(id) != nil }, "role")
	}
}

// refs checks that every id in a list field names an existing object.
func (c *checker) refs(kind, id string, i int, field string, xs []string, ok func(string) bool, what string) {
	for j, x := range xs {
		if !ok(x) {
			c.add(kind, id, i, fmt.Sprintf("%s[%d]", field, j), "no %s %q", what, x)
		}
	}
}

// owner checks an optional owner field names a person or role; a missing
// owner is a gap, not a problem.
func (c *checker) owner(kind, id string, i int, owner string) {
	if owner != "" && !c.m.IsOwner(owner) {
		c.add(kind, id, i, "owner", "no person or role %q", owner)
	}
}

func (c *checker) risks() {
	m := c.m
	sc := m.Program.Scale()
	for i, r := range m.Risks {
		c.rating("risks", r.ID, i, "likelihood", r.Likelihood, sc.Likelihood, false)
		c.rating("risks", r.ID, i, "impact", r.Impact, sc.Impact, false)
		c.rating("risks", r.ID, i, "residual_likelihood", r.ResidualLikelihood, sc.Likelihood, true)
		c.rating("risks", r.ID, i, "residual_impact", r.ResidualImpact, sc.Impact, true)
		c.refs("risks", r.ID, i, "assets", r.Assets, func(id string) bool { return m.SystemByID(id) != nil }, "system")
		c.refs("risks", r.ID, i, "services", r.Services, func(id string) bool { return m.ServiceByID(id) != nil }, "service")
		c.owner("risks", r.ID, i, r.Owner)
	}
	if m.Program.RiskAppetite < 0 || m.Program.RiskAppetite > sc.Max() {
		c.add("program", "program", 0, "risk_appetite", "%d is off the %dx%d scale", m.Program.RiskAppetite, sc.Likelihood, sc.Impact)
	}
	for i, t := range m.Treatments {
		if m.RiskByID(t.Risk) == nil {
			c.add("treatments", t.ID, i, "risk", "no risk %q", t.Risk)
		}
		if t.Decision != Mitigate && t.Decision != Accept && t.Decision != Transfer && t.Decision != Avoid {
			c.add("treatments", t.ID, i, "decision", "unknown decision %q (want mitigate, accept, transfer or avoid)", t.Decision)
		}
		c.refs("treatments", t.ID, i, "controls", t.Controls, func(id string) bool { return m.ControlByID(id) != nil }, "control")
		c.refs("treatments", t.ID, i, "policies", t.Policies, func(id string) bool { return m.PolicyByID(id) != nil }, "policy")
		if t.TargetResidual < 0 || t.TargetResidual > sc.Max() {
			c.add("treatments", t.ID, i, "target_residual", "%d is off the %dx%d scale", t.TargetResidual, sc.Likelihood, sc.Impact)
		}
	}
	for i, a := range m.Acceptances {
		if m.RiskByID(a.Risk) == nil {
			c.add("acceptances", a.ID, i, "risk", "no risk %q", a.Risk)
		}
		if a.Approver != "" && m.PersonByID(a.Approver) == nil {
			c.add("acceptances", a.ID, i, "approver", "no person %q", a.Approver)
		}
		if a.Residual < 0 || a.Residual > sc.Max() {
			c.add("acceptances", a.ID, i, "residual", "%d is off the %dx%d scale", a.Residual, sc.Likelihood, sc.Impact)
		}
		if !a.Expires.IsZero() && !a.Date.IsZero() && !a.Expires.After(a.Date) {
			c.add("acceptances", a.ID, i, "expires", "expiry %s is not after the acceptance date", a.Expires.Format("2006-01-02"))
		}
	}
}

func (c *checker) rating(kind, id string, i int, field string, v, top int, optional bool) {
	if optional && v == 0 {
		return
	}
	if v < 1 || v > top {
		c.add(kind, id, i, field, "%d is off the scale 1..%d", v, top)
	}
}

func (c *checker) controls() {
	m := c.m
	for i, x := range m.Controls {
		c.owner("controls", x.ID, i, x.Owner)
		for j, r := range x.Requirements {
			if c.known != nil && !c.known(r) {
				c.add("controls", x.ID, i, fmt.Sprintf("requirements[%d]", j), "unknown requirement %s", r)
			}
		}
		c.refs("controls", x.ID, i, "services", x.Services, func(id string) bool { return m.ServiceByID(id) != nil }, "service")
		c.refs("controls", x.ID, i, "systems", x.Systems, func(id string) bool { return m.SystemByID(id) != nil }, "system")
		c.method(i, x)
		c.deviations(i, x)
		if x.EvidencePerPeriod < 0 {
			c.add("controls", x.ID, i, "evidence_per_period", "must not be negative")
		}
	}
}

// deviations checks each deviation names one of the control's own
// requirements (or a CA/B Forum floor the control is held to), once, with a justification and an approver who exists.
func (c *checker) deviations(i int, x Control) {
	seen := map[RequirementRef]bool{}
	for j, d := range x.Deviations {
		f := fmt.Sprintf("deviations[%d]", j)
		switch {
		case !x.Covers(d.Requirement) && !slices.ContainsFunc(c.m.ProfileFloorsOf(x), func(p ProfileFloor) bool { return p.Requirement == d.Requirement }):
			c.add("controls", x.ID, i, f+".requirement", "%s is not one of the control's requirements", d.Requirement)
		case seen[d.Requirement]:
			c.add("controls", x.ID, i, f+".requirement", "%s has a second deviation", d.Requirement)
		}
		seen[d.Requirement] = true
		if strings.TrimSpace(d.Justification) == "" {
			c.add("controls", x.ID, i, f+".justification", "a deviation needs its justification from the risk assessment")
		}
		for k, r := range d.Risks {
			if c.m.RiskByID(r) == nil {
				c.add("controls", x.ID, i, fmt.Sprintf("%s.risks[%d]", f, k), "no risk %q", r)
			}
		}
		if a := d.Approval; a != nil && c.m.PersonByID(a.By) == nil {
			c.add("controls", x.ID, i, f+".approval.by", "no person %q", a.By)
		}
	}
}

func (c *checker) method(i int, x Control) {
	mt := x.Method
	if mt.IsZero() {
		return
	}
	if !slices.Contains(MethodKinds, mt.Kind) {
		c.add("controls", x.ID, i, "method.kind", "unknown method %q (want one of %v)", mt.Kind, MethodKinds)
	}
	if mt.Kind == MethodImport && !slices.Contains(ImportFormats, mt.Format) {
		c.add("controls", x.ID, i, "method.format", "import needs a known tool format, got %q (want one of %v)", mt.Format, ImportFormats)
	}
	if mt.Kind != MethodImport && mt.Format != "" {
		c.add("controls", x.ID, i, "method.format", "a format only goes with method kind import")
	}
	if mt.Kind == MethodSampling && mt.SampleSize < 1 {
		c.add("controls", x.ID, i, "method.sample_size", "sampling needs a sample size of at least 1")
	}
	if mt.Acceptances < 0 || mt.Acceptances > 0 && !x.NeedsReview() {
		c.add("controls", x.ID, i, "method.acceptances", "%d: acceptances go with a reviewed method, one or more", mt.Acceptances)
	}
	if mt.Report != "" && mt.Kind != MethodAttestation {
		c.add("controls", x.ID, i, "method.report", "a report goes with method kind attestation")
	}
}

func (c *checker) policies() {
	m := c.m
	for i, p := range m.Policies {
		if !slices.Contains(PolicyKinds, p.Kind) {
			c.add("policies", p.ID, i, "kind", "unknown policy kind %q (want one of %v)", p.Kind, PolicyKinds)
		}
		c.owner("policies", p.ID, i, p.Owner)
		known := RequiredContent(p.Kind)
		for j, k := range p.Contents {
			if !slices.ContainsFunc(known, func(it ContentItem) bool { return it.Key == k }) {
				c.add("policies", p.ID, i, fmt.Sprintf("contents[%d]", j), "%q is not a content item checked for a %s", k, p.Kind)
			}
		}
		seen := map[string]bool{}
		for j, v := range p.Versions {
			f := fmt.Sprintf("versions[%d]", j)
			if v.Version == "" || seen[v.Version] {
				c.add("policies", p.ID, i, f+".version", "version %q is empty or listed twice", v.Version)
			}
			seen[v.Version] = true
			for k, a := range v.Approvals {
				if m.PersonByID(a.By) == nil {
					c.add("policies", p.ID, i, fmt.Sprintf("%s.approvals[%d].by", f, k), "no person %q", a.By)
				}
			}
			for k, cm := range v.Communications {
				if !slices.Contains(Audiences, cm.To) {
					c.add("policies", p.ID, i, fmt.Sprintf("%s.communications[%d].to", f, k), "unknown audience %q (want one of %v)", cm.To, Audiences)
				}
			}
		}
	}
}

func (c *checker) soa() {
	seen := map[RequirementRef]bool{}
	for i, a := range c.m.SoA {
		id := a.Requirement.String()
		if c.known != nil && !c.known(a.Requirement) {
			c.add("soa", id, i, "requirement", "unknown requirement %s", a.Requirement)
		}
		if seen[a.Requirement] {
			c.add("soa", id, i, "requirement", "%s is listed twice", a.Requirement)
		}
		seen[a.Requirement] = true
		if !a.Applicable && a.Justification == "" {
			c.add("soa", id, i, "justification", "a requirement marked not applicable needs a justification")
		}
		if !a.Applicable {
			if cs := c.m.ControlsFor(a.Requirement); len(cs) > 0 {
				c.add("soa", id, i, "applicable", "%s is marked not applicable but control %q meets it", a.Requirement, cs[0].ID)
			}
		}
	}
}
