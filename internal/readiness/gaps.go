package readiness

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// GapKind names what is missing. The set is what an assessor finds first
// when a program is paper only.
type GapKind string

// Gap kinds, in the order a report lists them.
const (
	RequirementUnaddressed     GapKind = "requirement-unaddressed"      // no control and no not-applicable justification
	ProportionalityMissing     GapKind = "proportionality-missing"      // PRO- left out without its basis (REQ-4.2-05)
	RiskUntreated              GapKind = "risk-untreated"               // a risk with no treatment
	TreatmentWithoutMeasure    GapKind = "treatment-without-measure"    // a treatment naming no control or policy
	AcceptanceMissing          GapKind = "acceptance-missing"           // an accept decision with no acceptance record
	AcceptanceUnapproved       GapKind = "acceptance-unapproved"        // no approver from the management body (REQ-5-05)
	AcceptanceExpired          GapKind = "acceptance-expired"           // past its expiry
	ControlNoMethod            GapKind = "control-no-method"            // no verification method
	ControlNoOwner             GapKind = "control-no-owner"             // nobody answers for it
	ControlNoCadence           GapKind = "control-no-cadence"           // no cadence and none from the catalog
	PerformerNotIndependent    GapKind = "performer-not-independent"    // scans and pen tests (REQ-7.8-13, REQ-7.8-20)
	PolicyUnapproved           GapKind = "policy-unapproved"            // current version not approved
	PolicyUnpublished          GapKind = "policy-unpublished"           // current version not published
	PolicyNotCommunicated      GapKind = "policy-not-communicated"      // current version not communicated
	PolicyReviewOverdue        GapKind = "policy-review-overdue"        // review cadence since approval elapsed
	PolicyContentMissing       GapKind = "policy-content-missing"       // T&C or practice statement lacks a required item
	SupplierNoAgreement        GapKind = "supplier-no-agreement"        // no agreement reference
	SupplierNoObligations      GapKind = "supplier-no-obligations"      // obligations not written down (REQ-6.1-04)
	SupplierReviewOverdue      GapKind = "supplier-review-overdue"      // never reviewed, or review interval elapsed
	SupplierAttestationExpired GapKind = "supplier-attestation-expired" // certificate or audit report out of validity
	ServiceNoQualification     GapKind = "service-no-qualification"     // qualified / non-qualified status not set
	SystemNoZone               GapKind = "system-no-zone"               // not placed in a network zone
)

// GapKinds lists every kind in report order.
var GapKinds = []GapKind{RequirementUnaddressed, ProportionalityMissing, RiskUntreated, TreatmentWithoutMeasure,
	AcceptanceMissing, AcceptanceUnapproved, AcceptanceExpired, ControlNoMethod, ControlNoOwner, ControlNoCadence,
	PerformerNotIndependent, PolicyUnapproved, PolicyUnpublished, PolicyNotCommunicated, PolicyReviewOverdue,
	PolicyContentMissing, SupplierNoAgreement, SupplierNoObligations, SupplierReviewOverdue, SupplierAttestationExpired,
	ServiceNoQualification, SystemNoZone}

// Gap is one thing the program is missing, with the object missing it.
// Section and ID name the object as `evident show` does ("controls",
// "vuln-scan"); requirements are named "requirements" and their full
// reference.
type Gap struct {
	Kind    GapKind `json:"kind"`
	Section string  `json:"section"`
	ID      string  `json:"id"`
	Detail  string  `json:"detail"`
}

// String formats the gap as one report line.
func (g Gap) String() string {
	return fmt.Sprintf("%s %s/%s: %s", g.Kind, g.Section, g.ID, g.Detail)
}

// Gaps returns everything the program is missing at now, ordered by kind
// then object. reqs are the requirements of the program's version with
// its overlays.
func Gaps(m *evident.Model, reqs []evident.Requirement, now time.Time) []Gap {
	var g gaps
	g.requirements(m, reqs)
	g.risks(m, now)
	g.controls(m)
	g.policies(m, now)
	g.scope(m, now)
	rank := map[GapKind]int{}
	for i, k := range GapKinds {
		rank[k] = i
	}
	sort.SliceStable(g, func(i, j int) bool {
		if g[i].Kind != g[j].Kind {
			return rank[g[i].Kind] < rank[g[j].Kind]
		}
		return g[i].ID < g[j].ID
	})
	return g
}

type gaps []Gap

func (g *gaps) add(k GapKind, section, id, format string, args ...any) {
	*g = append(*g, Gap{Kind: k, Section: section, ID: id, Detail: fmt.Sprintf(format, args...)})
}

func (g *gaps) requirements(m *evident.Model, reqs []evident.Requirement) {
	for _, s := range m.Statement(reqs) {
		id := s.Requirement.Ref().String()
		switch {
		case s.Applicable && len(s.Controls) == 0:
			g.add(RequirementUnaddressed, "requirements", id, "no control meets it and it is not marked not applicable")
		case !s.Applicable && strings.TrimSpace(s.Justification) == "":
			g.add(RequirementUnaddressed, "requirements", id, "marked not applicable without a justification")
		case !s.Applicable && evident.IsProportionality(s.Requirement.ID) && strings.TrimSpace(s.Proportionality) == "":
			g.add(ProportionalityMissing, "requirements", id, "PRO requirement left out without the proportionality basis REQ-4.2-05 asks for")
		}
	}
}

func (g *gaps) risks(m *evident.Model, now time.Time) {
	for _, r := range m.Risks {
		ts := m.TreatmentsFor(r.ID)
		if len(ts) == 0 {
			g.add(RiskUntreated, "risks", r.ID, "no treatment decision (inherent score %d)", r.Inherent())
		}
		for _, t := range ts {
			if t.Decision == evident.Accept && len(m.AcceptancesFor(r.ID)) == 0 {
				g.add(AcceptanceMissing, "risks", r.ID, "treatment %s accepts the risk but no acceptance is recorded", t.ID)
			}
		}
	}
	for _, t := range m.Treatments {
		if t.Decision != evident.Accept && len(t.Controls) == 0 && len(t.Policies) == 0 {
			g.add(TreatmentWithoutMeasure, "treatments", t.ID, "decision %s names no control or policy", t.Decision)
		}
	}
	for _, a := range m.Acceptances {
		p := m.PersonByID(a.Approver)
		switch {
		case a.Approver == "" || a.Date.IsZero():
			g.add(AcceptanceUnapproved, "acceptances", a.ID, "residual risk of %s accepted without an approver and date", a.Risk)
		case p == nil || !p.ManagementBody:
			g.add(AcceptanceUnapproved, "acceptances", a.ID, "approver %s is not a member of the management body (REQ-5-05)", a.Approver)
		}
		if a.Expired(now) {
			g.add(AcceptanceExpired, "acceptances", a.ID, "expired %s", a.Expires.Format("2006-01-02"))
		}
	}
}

func (g *gaps) controls(m *evident.Model) {
	for _, c := range m.Controls {
		if c.Method.IsZero() {
			g.add(ControlNoMethod, "controls", c.ID, "no verification method: nothing says how the control is shown to work")
		}
		if c.Owner == "" {
			g.add(ControlNoOwner, "controls", c.ID, "no owner")
		}
		if c.Cadence.IsZero() {
			g.add(ControlNoCadence, "controls", c.ID, "no cadence, and its requirements fix none")
		}
		if evident.NeedsIndependentPerformer(c.Requirements) && !c.Method.Performer.Qualifies() {
			g.add(PerformerNotIndependent, "controls", c.ID, "REQ-7.8-13/REQ-7.8-20 need a named, independent performer with evidence of competence")
		}
	}
}

func (g *gaps) policies(m *evident.Model, now time.Time) {
	for _, p := range m.Policies {
		v, ok := p.Current()
		switch {
		case !ok:
			g.add(PolicyUnapproved, "policies", p.ID, "no version recorded")
		case len(v.Approvals) == 0:
			g.add(PolicyUnapproved, "policies", p.ID, "version %s is not approved", v.Version)
		case needsManagement(p.Kind) && !approvedByManagement(m, v):
			g.add(PolicyUnapproved, "policies", p.ID, "version %s is not approved by a member of the management body (REQ-6.1-06, REQ-6.3-01)", v.Version)
		}
		if ok && len(v.Publications) == 0 {
			g.add(PolicyUnpublished, "policies", p.ID, "version %s is not published", v.Version)
		}
		if ok && len(v.Communications) == 0 {
			g.add(PolicyNotCommunicated, "policies", p.ID, "version %s was not communicated to anyone", v.Version)
		}
		if due := p.ReviewDue(); !due.IsZero() && !now.Before(due) {
			g.add(PolicyReviewOverdue, "policies", p.ID, "review was due %s", due.Format("2006-01-02"))
		}
		for _, it := range p.MissingContent() {
			g.add(PolicyContentMissing, "policies", p.ID, "does not declare %s (%s, %s)", it.Key, it.Text, it.Requirement)
		}
	}
}

func (g *gaps) scope(m *evident.Model, now time.Time) {
	for _, s := range m.Suppliers {
		if strings.TrimSpace(s.Agreement) == "" {
			g.add(SupplierNoAgreement, "suppliers", s.ID, "no agreement reference")
		}
		if len(s.Obligations) == 0 {
			g.add(SupplierNoObligations, "suppliers", s.ID, "obligations not written down (REQ-6.1-04)")
		}
		if next := s.NextReview(); next.IsZero() {
			g.add(SupplierReviewOverdue, "suppliers", s.ID, "never reviewed")
		} else if !now.Before(next) {
			g.add(SupplierReviewOverdue, "suppliers", s.ID, "review was due %s", next.Format("2006-01-02"))
		}
		if a := s.Attestation; a != nil && !a.ValidUntil.IsZero() && !now.Before(a.ValidUntil) {
			g.add(SupplierAttestationExpired, "suppliers", s.ID, "%s %s expired %s", a.Kind, a.Reference, a.ValidUntil.Format("2006-01-02"))
		}
	}
	for _, s := range m.Services {
		if s.Qualification == "" {
			g.add(ServiceNoQualification, "services", s.ID, "qualified, non-qualified or mixed is not stated")
		}
	}
	for _, s := range m.Systems {
		if s.Zone == "" {
			g.add(SystemNoZone, "systems", s.ID, "not placed in a network zone")
		}
	}
}

// needsManagement reports whether only the management body can approve a
// kind of document: the practice statement (REQ-6.1-06) and the
// information security policy (REQ-6.3-01).
func needsManagement(k evident.PolicyKind) bool {
	return k == evident.PracticeStatement || k == evident.InformationSecurityPolicy
}

func approvedByManagement(m *evident.Model, v evident.PolicyVersion) bool {
	for _, a := range v.Approvals {
		if p := m.PersonByID(a.By); p != nil && p.ManagementBody {
			return true
		}
	}
	return false
}
