package oscal

import (
	"slices"

	types "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"github.com/evidenthq/evident"
)

// Plan is what the system security plan is written from: the program, the
// statement of applicability over the catalog's requirements, and each
// requirement's readiness (by reference) from the one readiness function.
type Plan struct {
	Model        *evident.Model
	Requirements []evident.Requirement
	Readiness    map[string]evident.Readiness
	// Catalog is the href the plan imports its controls from: the file the
	// catalog export was written to.
	Catalog string
}

// SSP is the program as an OSCAL system security plan: the TSP as "this
// system", each system in scope a component, and each applicable
// requirement an implemented requirement whose by-components carry the
// narratives of the controls meeting it, on the systems those controls
// cover (the whole program when a control names none).
func SSP(m Meta, p Plan) *types.OscalModels {
	mod := p.Model
	prog := mod.Program.Name
	this := ID("component", prog, "this-system")
	comps := []types.SystemComponent{{UUID: this, Type: "this-system", Title: clean(prog),
		Description: clean("The trust service provider's program: " + prog), Status: types.SystemComponentStatus{State: "operational"}}}
	sysUUID := map[string]string{}
	for _, s := range mod.Systems {
		u := ID("component", prog, "system", s.ID)
		sysUUID[s.ID] = u
		props := []types.Property{prop("system-kind", string(s.Kind))}
		if s.Zone != "" {
			props = append(props, prop("zone", s.Zone))
		}
		if s.Version != "" {
			props = append(props, types.Property{Name: "version", Value: clean(s.Version)})
		}
		comps = append(comps, types.SystemComponent{UUID: u, Type: "system", Title: clean(firstOf(s.Name, s.ID)),
			Description: clean(firstOf(s.Description, string(s.Kind)+" system "+s.ID)), Props: &props,
			Status: types.SystemComponentStatus{State: "operational"}})
	}
	var impl []types.ImplementedRequirement
	for _, st := range mod.Statement(p.Requirements) {
		if !st.Applicable {
			continue
		}
		ref := st.Requirement.Ref().String()
		ir := types.ImplementedRequirement{UUID: ID("implemented-requirement", prog, ref), ControlId: token(string(st.Requirement.ID))}
		props := []types.Property{prop("readiness", string(readinessOf(p.Readiness, ref)))}
		ir.Props = &props
		var bys []types.ByComponent
		for _, cid := range st.Controls {
			c := mod.ControlByID(cid)
			if c == nil {
				continue
			}
			targets := []string{this}
			if len(c.Systems) > 0 {
				targets = nil
				for _, s := range c.Systems {
					if u, ok := sysUUID[s]; ok && !slices.Contains(targets, u) {
						targets = append(targets, u)
					}
				}
			}
			for _, u := range targets {
				bp := []types.Property{prop("control", c.ID), prop("verification-method", string(c.Method.Kind)), prop("cadence", c.Cadence.String())}
				bys = append(bys, types.ByComponent{UUID: ID("by-component", prog, ref, c.ID, u), ComponentUuid: u,
					Description: clean(firstOf(c.Narrative, c.Title)), Props: &bp,
					ImplementationStatus: &types.ImplementationStatus{State: implState(readinessOf(p.Readiness, ref))}})
			}
		}
		if len(bys) > 0 {
			ir.ByComponents = &bys
		}
		impl = append(impl, ir)
	}
	users := []types.SystemUser{}
	for _, r := range mod.Roles {
		users = append(users, types.SystemUser{UUID: ID("user", prog, r.ID), Title: clean(firstOf(r.Name, r.ID)), RoleIds: &[]string{token(r.ID)}})
	}
	if len(users) == 0 {
		users = append(users, types.SystemUser{UUID: ID("user", prog, "compliance-manager"), Title: "Compliance manager"})
	}
	services := "trust services"
	if len(mod.Services) > 0 {
		services = ""
		for i, s := range mod.Services {
			if i > 0 {
				services += ", "
			}
			services += s.ID + " (" + firstOf(string(s.Qualification), "qualification not stated") + ")"
		}
	}
	ssp := &types.SystemSecurityPlan{UUID: ID("ssp", prog), Metadata: metadata(m),
		ImportProfile: types.ImportProfile{Href: firstOf(p.Catalog, "#"+ID("catalog", catalogVersion(p.Requirements)))},
		SystemCharacteristics: types.SystemCharacteristics{
			SystemName:  clean(prog),
			SystemIds:   []types.SystemId{{IdentifierType: "https://ietf.org/rfc/rfc4122", ID: ID("ssp", prog)}},
			Description: clean(firstOf(mod.Program.LegalName, prog) + ": " + services),
			SystemInformation: types.SystemInformation{InformationTypes: []types.InformationType{{
				UUID: ID("information-type", prog, "trust-service-data"), Title: "Trust service data",
				Description: "Subscriber registration data, keys, certificates, time-stamps and the records of their issuance."}}},
			Status:                types.Status{State: "operational"},
			AuthorizationBoundary: types.AuthorizationBoundary{Description: clean("The services in scope: " + services)},
		},
		SystemImplementation: types.SystemImplementation{Components: comps, Users: users},
		ControlImplementation: types.ControlImplementation{Description: clean("How " + prog + " meets " + catalogVersion(p.Requirements) + ": each applicable requirement with the controls meeting it."),
			ImplementedRequirements: impl},
	}
	return &types.OscalModels{SystemSecurityPlan: ssp}
}

func catalogVersion(reqs []evident.Requirement) string {
	if len(reqs) == 0 {
		return "the standard"
	}
	return string(reqs[0].Standard) + " V" + reqs[0].Version
}

// readinessOf is a requirement's readiness; one not computed is not
// addressed: missing never counts as met.
func readinessOf(m map[string]evident.Readiness, ref string) evident.Readiness {
	if r, ok := m[ref]; ok && r != "" {
		return r
	}
	return evident.ReadinessNotAddressed
}

// implState maps readiness to OSCAL's implementation states: only a
// verified requirement is "implemented".
func implState(r evident.Readiness) string {
	switch r {
	case evident.ReadinessVerified:
		return "implemented"
	case evident.ReadinessImplemented, evident.ReadinessFailing:
		return "partial"
	case evident.ReadinessNotApplicable:
		return "not-applicable"
	}
	return "planned"
}

func firstOf(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
