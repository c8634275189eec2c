package evident

import (
	"strings"
	"testing"
)

func ref321(id string) RequirementRef { return RequirementRef{EN319401, "3.2.1", RequirementID(id)} }

func validModel() *Model {
	return &Model{
		Program:     Program{Name: "T", Standard: EN319401, Version: "3.2.1"},
		Services:    []Service{{ID: "qtsa", Name: "TSA", Type: ServiceTimeStamps, Qualification: Qualified, Dependencies: []string{"tsa", "dc"}}},
		Zones:       []Zone{{ID: "core", Name: "Core", AllowedServices: []string{"tcp/8443"}, AllowedFlows: []Flow{{To: "internet", Services: []string{"tcp/443"}}}}},
		Systems:     []System{{ID: "tsa", Name: "TSA unit", Kind: SystemTrustworthy, Zone: "core", Owner: "admin", Services: []string{"qtsa"}, Hosts: []string{"10.0.0.1"}}},
		Suppliers:   []Supplier{{ID: "dc", Name: "DC", Supports: []string{"tsa"}}},
		Roles:       []Role{{ID: "admin", Name: "Admin", Trusted: true}},
		People:      []Person{{ID: "ceo", Name: "CEO", ManagementBody: true, Roles: []string{"admin"}}},
		Risks:       []Risk{{ID: "r1", Title: "R", Likelihood: 2, Impact: 5, Assets: []string{"tsa"}}},
		Treatments:  []Treatment{{ID: "t1", Risk: "r1", Decision: Mitigate, Controls: []string{"clock"}, Policies: []string{"isp"}}},
		Acceptances: []Acceptance{{ID: "a1", Risk: "r1", Approver: "ceo", Residual: 5}},
		Controls: []Control{{ID: "clock", Title: "Clock", Requirements: []RequirementRef{ref321("REQ-7.10-06")}, Systems: []string{"tsa"},
			Method: VerificationMethod{Kind: MethodImport, Format: "chrony"}}},
		Policies: []Policy{{ID: "isp", Title: "ISP", Kind: InformationSecurityPolicy,
			Versions: []PolicyVersion{{Version: "1", Approvals: []Approval{{By: "ceo"}}, Communications: []Communication{{To: AudienceStaff}}}}}},
		SoA: []Applicability{{Requirement: ref321("REQ-7.8-23"), Justification: "none"}},
	}
}

func known(r RequirementRef) bool {
	return r.Version == "3.2.1" && strings.HasPrefix(string(r.ID), "REQ-7.")
}

func TestCheckValidModel(t *testing.T) {
	if p := validModel().Check(known); len(p) != 0 {
		t.Fatalf("valid model: %v", p)
	}
	m := validModel()
	if m.ZoneOf("tsa").ID != "core" || m.SystemByHost("10.0.0.1").ID != "tsa" || m.SystemByName("TSA unit") == nil {
		t.Error("lookups by zone, host and display name")
	}
	if cs := m.ControlsFor(ref321("REQ-7.10-06")); len(cs) != 1 || cs[0].ID != "clock" {
		t.Errorf("ControlsFor(REQ-7.10-06) = %v", cs)
	}
	if m.ControlByID("nope") != nil || len(m.TreatmentsFor("r1")) != 1 || len(m.ControlsForSystem("tsa")) != 1 {
		t.Error("lookups by id, risk and system")
	}
}

func TestCheckFindsEachProblem(t *testing.T) {
	tests := []struct {
		name              string
		break_            func(m *Model)
		kind, field, want string
	}{
		{"duplicate id", func(m *Model) { m.Zones = append(m.Zones, m.Zones[0]) }, "zones", "id", "duplicate"},
		{"id not a slug", func(m *Model) { m.Acceptances[0].ID = "Acc 1" }, "acceptances", "id", "slug"},
		{"unknown service type", func(m *Model) { m.Services[0].Type = "notary" }, "services", "type", "unknown service type"},
		{"dependency on nothing", func(m *Model) { m.Services[0].Dependencies = []string{"ghost"} }, "services", "dependencies[0]", "no system or supplier"},
		{"system in a missing zone", func(m *Model) { m.Systems[0].Zone = "dmz" }, "systems", "zone", "no zone"},
		{"owner that is nobody", func(m *Model) { m.Systems[0].Owner = "bob" }, "systems", "owner", "no person or role"},
		{"flow to a missing zone", func(m *Model) { m.Zones[0].AllowedFlows[0].To = "mars" }, "zones", "allowed_flows[0].to", "no zone"},
		{"offline zone with listeners", func(m *Model) { m.Zones[0].Offline = true }, "zones", "allowed_services", "offline"},
		{"person with a missing role", func(m *Model) { m.People[0].Roles = []string{"king"} }, "people", "roles[0]", "no role"},
		{"likelihood off the scale", func(m *Model) { m.Risks[0].Likelihood = 6 }, "risks", "likelihood", "off the scale"},
		{"risk on a missing asset", func(m *Model) { m.Risks[0].Assets = []string{"ghost"} }, "risks", "assets[0]", "no system"},
		{"treatment of a missing risk", func(m *Model) { m.Treatments[0].Risk = "r9" }, "treatments", "risk", "no risk"},
		{"treatment naming a missing control", func(m *Model) { m.Treatments[0].Controls = []string{"ghost"} }, "treatments", "controls[0]", "no control"},
		{"treatment naming a missing policy", func(m *Model) { m.Treatments[0].Policies = []string{"ghost"} }, "treatments", "policies[0]", "no policy"},
		{"unknown decision", func(m *Model) { m.Treatments[0].Decision = "ignore" }, "treatments", "decision", "unknown decision"},
		{"acceptance by a missing person", func(m *Model) { m.Acceptances[0].Approver = "ghost" }, "acceptances", "approver", "no person"},
		{"acceptance expiring before it starts", func(m *Model) {
			m.Acceptances[0].Date, m.Acceptances[0].Expires = date("2026-05-01"), date("2026-04-01")
		}, "acceptances", "expires", "not after"},
		{"control citing an unknown requirement", func(m *Model) { m.Controls[0].Requirements = append(m.Controls[0].Requirements, ref321("REQ-9-99")) }, "controls", "requirements[1]", "unknown requirement"},
		{"control on a missing system", func(m *Model) { m.Controls[0].Systems = []string{"ghost"} }, "controls", "systems[0]", "no system"},
		{"import without a known format", func(m *Model) { m.Controls[0].Method.Format = "nessus" }, "controls", "method.format", "known tool format"},
		{"format on a manual method", func(m *Model) { m.Controls[0].Method = VerificationMethod{Kind: MethodAttestation, Format: "nmap"} }, "controls", "method.format", "only goes with"},
		{"sampling without sample size", func(m *Model) { m.Controls[0].Method = VerificationMethod{Kind: MethodSampling} }, "controls", "method.sample_size", "sample size"},
		{"approval by a missing person", func(m *Model) { m.Policies[0].Versions[0].Approvals[0].By = "ghost" }, "policies", "versions[0].approvals[0].by", "no person"},
		{"unknown audience", func(m *Model) { m.Policies[0].Versions[0].Communications[0].To = "press" }, "policies", "versions[0].communications[0].to", "unknown audience"},
		{"content item the kind does not check", func(m *Model) { m.Policies[0].Contents = []string{"governing-law"} }, "policies", "contents[0]", "not a content item"},
		{"not applicable without justification", func(m *Model) { m.SoA[0].Justification = "" }, "soa", "justification", "needs a justification"},
		{"not applicable but met by a control", func(m *Model) { m.SoA[0].Requirement = ref321("REQ-7.10-06") }, "soa", "applicable", "meets it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validModel()
			tt.break_(m)
			probs := m.Check(known)
			if len(probs) != 1 {
				t.Fatalf("got %d problems, want 1: %v", len(probs), probs)
			}
			p := probs[0]
			if p.Kind != tt.kind || p.Field != tt.field || !strings.Contains(p.Message, tt.want) {
				t.Errorf("got %s %q %q, want %s %q containing %q", p.Kind, p.Field, p.Message, tt.kind, tt.field, tt.want)
			}
		})
	}
}

func TestStatementOfApplicability(t *testing.T) {
	m := validModel()
	pro := Requirement{Standard: EN319401, Version: "3.2.1", ID: "PRO-7.9.1-11"}
	reqs := []Requirement{
		{Standard: EN319401, Version: "3.2.1", ID: "REQ-7.10-06"},
		{Standard: EN319401, Version: "3.2.1", ID: "REQ-7.8-23"},
		{Standard: EN319401, Version: "3.2.1", ID: "REQ-7.8-24"},
		pro,
	}
	m.SoA = append(m.SoA, Applicability{Requirement: pro.Ref(), Justification: "small"})
	st := m.Statement(reqs)
	addressed := map[RequirementID]bool{}
	for _, s := range st {
		addressed[s.Requirement.ID] = s.Addressed()
	}
	want := map[RequirementID]bool{"REQ-7.10-06": true, "REQ-7.8-23": true, "REQ-7.8-24": false, "PRO-7.9.1-11": false}
	for id, w := range want {
		if addressed[id] != w {
			t.Errorf("%s addressed = %v, want %v", id, addressed[id], w)
		}
	}
	if st[0].Controls[0] != "clock" || st[1].Applicable || !st[2].Applicable {
		t.Errorf("statement lines: %+v", st[:3])
	}
}

// Statement answers for each requirement what Applicability and
// ControlsFor answer one at a time: the first SoA decision, and each
// covering control once, in the model's order, however often a control
// lists the requirement.
func TestStatementMatchesPerRequirementAnswers(t *testing.T) {
	m := validModel()
	var reqs []Requirement
	for _, c := range m.Controls {
		for _, ref := range c.Requirements {
			reqs = append(reqs, Requirement{Standard: ref.Standard, Version: ref.Version, ID: ref.ID})
		}
	}
	reqs = append(reqs, Requirement{Standard: EN319401, Version: "3.2.1", ID: "REQ-5-01"})
	first := reqs[0].Ref()
	second := m.Controls[0]
	second.ID = "second"
	second.Requirements = []RequirementRef{first, first}
	m.Controls = append(m.Controls, second)
	m.SoA = append(m.SoA, Applicability{Requirement: first, Applicable: true, Justification: "first"},
		Applicability{Requirement: first, Justification: "second, ignored"})
	for i, s := range m.Statement(reqs) {
		r := reqs[i].Ref()
		want := []string{}
		for _, c := range m.ControlsFor(r) {
			want = append(want, c.ID)
		}
		if strings.Join(s.Controls, ",") != strings.Join(want, ",") {
			t.Errorf("%s: controls %q, want %q", r, s.Controls, want)
		}
		a, ok := m.Applicability(r)
		if ok && (s.Applicable != a.Applicable || s.Justification != a.Justification) || !ok && !s.Applicable {
			t.Errorf("%s: applicable %v %q, want %v %q (decided %v)", r, s.Applicable, s.Justification, a.Applicable, a.Justification, ok)
		}
	}
}
