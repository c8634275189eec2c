package program

import (
	"fmt"
	"time"

	"github.com/evidenthq/evident"
)

// convert turns one file's sections into model objects.
func (l *loader) convert(src *source, d *fileDoc) {
	for i, x := range d.Services {
		l.at("services", src, i)
		l.m.Services = append(l.m.Services, evident.Service{ID: x.ID, Name: x.Name, Type: evident.ServiceType(x.Type),
			Qualification: evident.Qualification(x.Qualification), PubliclyTrusted: x.PubliclyTrusted, Description: x.Description, Subscribers: x.Subscribers,
			RelyingParties: x.RelyingParties, Dependencies: x.Dependencies,
			Cessation:         l.date(src, fmt.Sprintf("$.services[%d].cessation", i), x.Cessation),
			CessationNotified: l.date(src, fmt.Sprintf("$.services[%d].cessation_notified", i), x.CessationNotified)})
	}
	for i, x := range d.Systems {
		l.at("systems", src, i)
		l.m.Systems = append(l.m.Systems, evident.System{ID: x.ID, Name: x.Name, Kind: evident.SystemKind(x.Kind), Zone: x.Zone,
			Owner: x.Owner, Classification: x.Classification, Version: x.Version, Services: x.Services, Hosts: x.Hosts, Description: x.Description})
	}
	for i, x := range d.Zones {
		l.at("zones", src, i)
		z := evident.Zone{ID: x.ID, Name: x.Name, Description: x.Description, Offline: x.Offline, AllowedServices: x.AllowedServices}
		for _, f := range x.AllowedFlows {
			z.AllowedFlows = append(z.AllowedFlows, evident.Flow{To: f.To, Services: f.Services, Purpose: f.Purpose})
		}
		l.m.Zones = append(l.m.Zones, z)
	}
	for i, x := range d.Suppliers {
		l.m.Suppliers = append(l.m.Suppliers, l.supplier(src, l.at("suppliers", src, i), x))
	}
	for i, x := range d.Roles {
		l.at("roles", src, i)
		l.m.Roles = append(l.m.Roles, evident.Role{ID: x.ID, Name: x.Name, Trusted: x.Trusted, Responsibilities: x.Responsibilities, Incompatible: x.Incompatible})
	}
	for i, x := range d.People {
		l.at("people", src, i)
		l.m.People = append(l.m.People, evident.Person{ID: x.ID, Name: x.Name, Email: x.Email, Roles: x.Roles, ManagementBody: x.ManagementBody, User: x.User})
	}
	l.convertRisks(src, d)
	for i, x := range d.Controls {
		l.m.Controls = append(l.m.Controls, l.control(src, l.at("controls", src, i), x))
	}
	for i, x := range d.Policies {
		l.m.Policies = append(l.m.Policies, l.policy(src, l.at("policies", src, i), x))
	}
	for i, x := range d.SoA {
		p := l.at("soa", src, i)
		l.m.SoA = append(l.m.SoA, evident.Applicability{Requirement: l.ref(src, p+".requirement", x.Requirement),
			Applicable: x.Applicable, Justification: x.Justification, Proportionality: x.Proportionality})
	}
}

func (l *loader) supplier(src *source, p string, x fileSupplier) evident.Supplier {
	s := evident.Supplier{ID: x.ID, Name: x.Name, Supports: x.Supports, Obligations: x.Obligations, Agreement: x.Agreement,
		ServiceLevels: x.ServiceLevels, LastReview: l.date(src, p+".last_review", x.LastReview),
		ReviewEvery: l.cadence(src, p+".review_every", x.ReviewEvery)}
	if s.ReviewEvery.Kind != "" && s.ReviewEvery.Kind != evident.CadencePeriodic {
		l.errorf(src, p+".review_every", "a review interval must be periodic, such as annual")
	}
	if a := x.Attestation; a != nil {
		s.Attestation = &evident.Attestation{Kind: a.Kind, Reference: a.Reference, ValidUntil: l.date(src, p+".attestation.valid_until", a.ValidUntil)}
	}
	return s
}

func (l *loader) convertRisks(src *source, d *fileDoc) {
	for i, x := range d.Risks {
		p := l.at("risks", src, i)
		l.m.Risks = append(l.m.Risks, evident.Risk{ID: x.ID, Title: x.Title, Threat: x.Threat, Vulnerability: x.Vulnerability,
			Assets: x.Assets, Services: x.Services, Likelihood: x.Likelihood, Impact: x.Impact,
			ResidualLikelihood: x.ResidualLikelihood, ResidualImpact: x.ResidualImpact, Owner: x.Owner,
			ReviewDue: l.date(src, p+".review_due", x.ReviewDue)})
	}
	for i, x := range d.Treatments {
		p := l.at("treatments", src, i)
		l.m.Treatments = append(l.m.Treatments, evident.Treatment{ID: x.ID, Risk: x.Risk, Decision: evident.Decision(x.Decision),
			Controls: x.Controls, Policies: x.Policies, TargetResidual: x.TargetResidual, Due: l.date(src, p+".due", x.Due), Notes: x.Notes})
	}
	for i, x := range d.Acceptances {
		p := l.at("acceptances", src, i)
		l.m.Acceptances = append(l.m.Acceptances, evident.Acceptance{ID: x.ID, Risk: x.Risk, Approver: x.Approver,
			Date: l.date(src, p+".date", x.Date), Residual: x.Residual, Justification: x.Justification,
			Expires: l.date(src, p+".expires", x.Expires)})
	}
}

// control converts a control, taking the default cadence from its
// requirements' catalog figures when the file gives none.
func (l *loader) control(src *source, p string, x fileControl) evident.Control {
	c := evident.Control{ID: x.ID, Title: x.Title, Narrative: x.Narrative, Owner: x.Owner, Services: x.Services,
		Systems: x.Systems, Cadence: l.cadence(src, p+".cadence", x.Cadence), EvidencePerPeriod: x.EvidencePerPeriod, Reviewer: x.Reviewer}
	if x.Retention != "" {
		r := l.retention(src, p+".retention", x.Retention)
		c.Retention = &r
	}
	if len(x.Requirements) == 0 {
		l.errorf(src, p+".requirements", "a control must meet at least one requirement")
	}
	var reqs []evident.Requirement
	for j, s := range x.Requirements {
		r := l.ref(src, fmt.Sprintf("%s.requirements[%d]", p, j), s)
		c.Requirements = append(c.Requirements, r)
		if q, ok := l.requirement(r); ok {
			reqs = append(reqs, q)
		}
	}
	if c.Cadence.IsZero() {
		c.Cadence, _ = evident.DefaultCadence(reqs)
	}
	for j, d := range x.Deviations {
		dp := fmt.Sprintf("%s.deviations[%d]", p, j)
		dv := evident.Deviation{Requirement: l.ref(src, dp+".requirement", d.Requirement), Justification: d.Justification, Risks: d.Risks}
		if a := d.Approval; a != nil {
			dv.Approval = &evident.Approval{By: a.By, At: l.required(src, dp+".approval.at", a.At)}
		}
		c.Deviations = append(c.Deviations, dv)
	}
	if m := x.Method; m != nil {
		c.Method = evident.VerificationMethod{Kind: evident.MethodKind(m.Kind), Format: m.Format, Description: m.Description,
			SampleSize: m.SampleSize, TTL: l.span(src, p+".method.ttl", m.TTL), Report: m.Report, Acceptances: m.Acceptances}
		for j, s := range m.Criteria {
			cr, err := evident.ParseCriterion(s)
			if err != nil {
				l.errorf(src, fmt.Sprintf("%s.method.criteria[%d]", p, j), "%s", evident.ErrorMessage(err))
			}
			c.Method.Criteria = append(c.Method.Criteria, cr)
		}
		if pf := m.Performer; pf != nil {
			c.Method.Performer = &evident.Performer{Name: pf.Name, Organisation: pf.Organisation, Independent: pf.Independent, Competence: pf.Competence}
		}
	}
	return c
}

func (l *loader) policy(src *source, p string, x filePolicy) evident.Policy {
	pol := evident.Policy{ID: x.ID, Title: x.Title, Kind: evident.PolicyKind(x.Kind), Owner: x.Owner,
		Review: l.cadence(src, p+".review", x.Review), Contents: x.Contents}
	for j, v := range x.Versions {
		vp := fmt.Sprintf("%s.versions[%d]", p, j)
		pv := evident.PolicyVersion{Version: v.Version, File: v.File, SHA256: l.digest(src, vp, v), Summary: v.Summary,
			Date: l.date(src, vp+".date", v.Date)}
		for k, a := range v.Approvals {
			pv.Approvals = append(pv.Approvals, evident.Approval{By: a.By, At: l.required(src, fmt.Sprintf("%s.approvals[%d].at", vp, k), a.At)})
		}
		for k, a := range v.Publications {
			pv.Publications = append(pv.Publications, evident.Publication{Where: a.Where, At: l.required(src, fmt.Sprintf("%s.publications[%d].at", vp, k), a.At)})
		}
		for k, a := range v.Communications {
			pv.Communications = append(pv.Communications, evident.Communication{To: evident.Audience(a.To),
				At: l.required(src, fmt.Sprintf("%s.communications[%d].at", vp, k), a.At), Reference: a.Reference})
		}
		pol.Versions = append(pol.Versions, pv)
	}
	return pol
}

// required parses a date that must be present: an approval without a
// date proves nothing.
func (l *loader) required(src *source, path, s string) (t time.Time) {
	if s == "" {
		l.errorf(src, path, "a date is required")
		return t
	}
	return l.date(src, path, s)
}
