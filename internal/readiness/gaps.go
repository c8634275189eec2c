package readiness

import (
	"fmt"
	"slices"
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
	AcceptanceUnapproved       GapKind = "acceptance-unapproved"        // no approval act bound to it as it is (REQ-5-05)
	AcceptanceExpired          GapKind = "acceptance-expired"           // past its expiry
	RiskAboveAppetite          GapKind = "risk-above-appetite"          // residual above appetite, no plan and no holding acceptance
	RiskControlFailing         GapKind = "risk-control-failing"         // a treating control fails or owes evidence
	TargetResidualNotReached   GapKind = "target-residual-not-reached"  // residual still above the treatment's target
	ControlNoMethod            GapKind = "control-no-method"            // no verification method
	ControlNoOwner             GapKind = "control-no-owner"             // nobody answers for it
	ControlNoCadence           GapKind = "control-no-cadence"           // no cadence and none from the catalog
	CadenceBelowStandard       GapKind = "cadence-below-standard"       // slower than a requirement's figure, no approved deviation
	PerformerNotIndependent    GapKind = "performer-not-independent"    // scans and pen tests (REQ-7.8-13, REQ-7.8-20)
	PolicyUnapproved           GapKind = "policy-unapproved"            // no approval act bound to the current version's document
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
	ExceptionUnapproved        GapKind = "exception-unapproved"         // no approval act bound to it: it excuses nothing
	NonconformityOpen          GapKind = "nonconformity-open"           // an assessor's nonconformity not yet closed by their acceptance
)

// GapKinds lists every kind in report order.
var GapKinds = []GapKind{RequirementUnaddressed, ProportionalityMissing, RiskUntreated, TreatmentWithoutMeasure,
	AcceptanceMissing, AcceptanceUnapproved, AcceptanceExpired, RiskAboveAppetite, RiskControlFailing, TargetResidualNotReached,
	ControlNoMethod, ControlNoOwner, ControlNoCadence, CadenceBelowStandard, PerformerNotIndependent, PolicyUnapproved, PolicyUnpublished, PolicyNotCommunicated, PolicyReviewOverdue,
	PolicyContentMissing, SupplierNoAgreement, SupplierNoObligations, SupplierReviewOverdue, SupplierAttestationExpired,
	ServiceNoQualification, SystemNoZone, ExceptionUnapproved, NonconformityOpen}

// Gap is one thing the program is missing, with the object missing it.
// Section and ID name the object as `evident show` does ("controls",
// "vuln-scan"); requirements are named "requirements" and their full
// reference. Requirements lists the requirements the gap concerns: while
// the gap is open none of them is verified, whatever its evidence says.
type Gap struct {
	Kind         GapKind  `json:"kind"`
	Section      string   `json:"section"`
	ID           string   `json:"id"`
	Detail       string   `json:"detail"`
	Requirements []string `json:"requirements"`
}

// String formats the gap as one report line.
func (g Gap) String() string {
	return fmt.Sprintf("%s %s/%s: %s", g.Kind, g.Section, g.ID, g.Detail)
}

// Gaps returns everything the program is missing at in.At, ordered by
// kind then object: the program's own gaps, and those its evidence shows
// (a risk treated by a failing control). Status reports the same list.
func Gaps(in Input) []Gap {
	fresh := map[string]evident.Freshness{}
	for _, c := range in.Model.Controls {
		ci := in.Controls[c.ID]
		fresh[c.ID] = ci.Schedule.Freshness(ci.Now(), in.At)
	}
	return gapsOf(in, fresh)
}

// gapsOf computes the gaps from the input and each control's freshness at
// in.At, which Status has already computed.
func gapsOf(in Input, fresh map[string]evident.Freshness) []Gap {
	g := gaps{refs: map[evident.RequirementID]evident.RequirementRef{}}
	for _, q := range in.Requirements {
		if _, ok := g.refs[q.ID]; !ok {
			g.refs[q.ID] = q.Ref()
		}
	}
	m, now := in.Model, in.At
	g.requirements(m, in.Requirements)
	g.risks(m, in.Approvals, now)
	g.riskControls(in, fresh)
	g.controls(m)
	g.floors(m, in.Requirements, in.ServiceRequirements, in.Approvals)
	g.policies(m, in.Approvals, now)
	g.exceptions(in)
	g.scope(m, now)
	g.nonconformities(in.Findings, now)
	rank := map[GapKind]int{}
	for i, k := range GapKinds {
		rank[k] = i
	}
	sort.SliceStable(g.out, func(i, j int) bool {
		if g.out[i].Kind != g.out[j].Kind {
			return rank[g.out[i].Kind] < rank[g.out[j].Kind]
		}
		return g.out[i].ID < g.out[j].ID
	})
	if g.out == nil {
		return []Gap{}
	}
	return g.out
}

// gaps collects gaps; refs resolves the requirement ids a gap kind
// concerns against the program's catalog version.
type gaps struct {
	out  []Gap
	refs map[evident.RequirementID]evident.RequirementRef
	// concerns, set before add, are the requirements of the next gap.
	concerns []string
}

// about sets the requirements the next gap concerns, by id in the
// program's version; ids the version does not have are left out.
func (g *gaps) about(ids ...evident.RequirementID) *gaps {
	g.concerns = nil
	for _, id := range ids {
		if r, ok := g.refs[id]; ok {
			g.concerns = append(g.concerns, r.String())
		}
	}
	return g
}

// aboutRefs sets the requirements the next gap concerns, by reference.
func (g *gaps) aboutRefs(refs []evident.RequirementRef) *gaps {
	g.concerns = nil
	for _, r := range refs {
		g.concerns = append(g.concerns, r.String())
	}
	return g
}

func (g *gaps) add(k GapKind, section, id, format string, args ...any) {
	reqs := g.concerns
	if reqs == nil {
		reqs = []string{}
	}
	g.out = append(g.out, Gap{Kind: k, Section: section, ID: id, Detail: fmt.Sprintf(format, args...), Requirements: reqs})
	g.concerns = nil
}

func (g *gaps) requirements(m *evident.Model, reqs []evident.Requirement) {
	for _, s := range m.Statement(reqs) {
		ref := s.Requirement.Ref()
		id := ref.String()
		switch {
		case s.Applicable && len(s.Controls) == 0:
			g.aboutRefs([]evident.RequirementRef{ref}).add(RequirementUnaddressed, "requirements", id, "no control meets it and it is not marked not applicable")
		case !s.Applicable && strings.TrimSpace(s.Justification) == "":
			g.aboutRefs([]evident.RequirementRef{ref}).add(RequirementUnaddressed, "requirements", id, "marked not applicable without a justification")
		case !s.Applicable && evident.IsProportionality(s.Requirement.ID) && strings.TrimSpace(s.Proportionality) == "":
			g.aboutRefs([]evident.RequirementRef{ref}).add(ProportionalityMissing, "requirements", id, "PRO requirement left out without the proportionality basis REQ-4.2-05 asks for")
		}
	}
}

func (g *gaps) risks(m *evident.Model, acts evident.Approvals, now time.Time) {
	for _, r := range m.Risks {
		ts := m.TreatmentsFor(r.ID)
		if len(ts) == 0 {
			g.about("REQ-5-01", "REQ-5-02").add(RiskUntreated, "risks", r.ID, "no treatment decision (inherent score %d)", r.Inherent())
		}
		for _, t := range ts {
			if t.Decision == evident.Accept && len(m.AcceptancesFor(r.ID)) == 0 {
				g.about("REQ-5-05").add(AcceptanceMissing, "risks", r.ID, "treatment %s accepts the risk but no acceptance is recorded", t.ID)
			}
		}
		g.appetite(m, r, ts, acts, now)
	}
	for _, t := range m.Treatments {
		if t.Decision != evident.Accept && len(t.Controls) == 0 && len(t.Policies) == 0 {
			g.about("REQ-5-02", "REQ-5-03").add(TreatmentWithoutMeasure, "treatments", t.ID, "decision %s names no control or policy", t.Decision)
		}
		if r := m.RiskByID(t.Risk); r != nil && t.TargetResidual > 0 && r.Residual() > t.TargetResidual {
			g.about("REQ-5-02").add(TargetResidualNotReached, "treatments", t.ID, "risk %s has residual %d, above the target %d", r.ID, r.Residual(), t.TargetResidual)
		}
	}
	for _, a := range m.Acceptances {
		if x, ok := a.Approval(acts); !ok {
			g.about("REQ-5-05").add(AcceptanceUnapproved, "acceptances", a.ID, "residual risk of %s: %s", a.Risk, unapproved(a.Approver, x))
		}
		if a.Expired(now) {
			g.about("REQ-5-05").add(AcceptanceExpired, "acceptances", a.ID, "expired %s", a.Expires.Format("2006-01-02"))
		}
	}
}

// appetite reports a risk whose residual exceeds the program's appetite
// with neither a treatment plan nor an acceptance that holds (approved by
// the management body, with an expiry not yet reached).
func (g *gaps) appetite(m *evident.Model, r evident.Risk, ts []evident.Treatment, acts evident.Approvals, now time.Time) {
	if !m.Program.AboveAppetite(r) {
		return
	}
	for _, t := range ts {
		if t.Plans() {
			return
		}
	}
	for _, a := range m.AcceptancesFor(r.ID) {
		if a.Holds(acts, now) {
			return
		}
	}
	g.about("REQ-5-02", "REQ-5-05").add(RiskAboveAppetite, "risks", r.ID,
		"residual %d is above the risk appetite %d with no treatment plan and no approved, expiring acceptance", r.Residual(), m.Program.RiskAppetite)
}

// riskControls reports each risk whose treatment relies on a control that
// is failing, or that owes evidence it does not have (see controlState).
// The risk is not reduced by a control that is not shown to work.
func (g *gaps) riskControls(in Input, fresh map[string]evident.Freshness) {
	m := in.Model
	for _, r := range m.Risks {
		var bad []string
		for _, t := range m.TreatmentsFor(r.ID) {
			if t.Decision == evident.Accept {
				continue
			}
			for _, id := range t.Controls {
				if st := ControlState(in, id, fresh[id]); st == TreatmentFailing || st == TreatmentMissing {
					if s := id + " (" + string(st) + ")"; !slices.Contains(bad, s) {
						bad = append(bad, s)
					}
				}
			}
		}
		if len(bad) > 0 {
			g.about("REQ-5-02").add(RiskControlFailing, "risks", r.ID, "treated by %s", strings.Join(bad, ", "))
		}
	}
}

// TreatmentState says whether a control that treats a risk is shown to
// work.
type TreatmentState string

// Treatment states of a control, as the risk page shows them.
const (
	TreatmentCurrent TreatmentState = "current" // current passing evidence
	TreatmentFailing TreatmentState = "failing" // its latest evidence failed
	TreatmentMissing TreatmentState = "missing" // evidence expired, stale after a change, or never recorded though a window has closed
	TreatmentPending TreatmentState = "pending" // no evidence yet and none owed: its first window is still open
)

// ControlState is the treatment state of control id at in.At, from its
// freshness. A control never evidenced owes evidence once the first window
// after it came into force has closed; post-change controls owe nothing
// until a change opens a window.
func ControlState(in Input, id string, f evident.Freshness) TreatmentState {
	switch f.State {
	case evident.CurrencyCurrent:
		return TreatmentCurrent
	case evident.CurrencyFailing:
		return TreatmentFailing
	case evident.CurrencyStale:
		return TreatmentMissing
	}
	s := in.Controls[id].Schedule
	if s.Cadence.Kind == evident.CadencePostChange || s.Cadence.IsZero() {
		return TreatmentPending
	}
	if first := s.Cadence.Window(s.Anchor, s.Anchor); !in.At.Before(first.End) {
		return TreatmentMissing
	}
	return TreatmentPending
}

func (g *gaps) controls(m *evident.Model) {
	for _, c := range m.Controls {
		if c.Method.IsZero() {
			g.aboutRefs(c.Requirements).add(ControlNoMethod, "controls", c.ID, "no verification method: nothing says how the control is shown to work")
		}
		if c.Owner == "" {
			g.aboutRefs(c.Requirements).add(ControlNoOwner, "controls", c.ID, "no owner")
		}
		if c.Cadence.IsZero() {
			g.aboutRefs(c.Requirements).add(ControlNoCadence, "controls", c.ID, "no cadence, and its requirements fix none")
		}
		if evident.NeedsIndependentPerformer(c.Requirements) && !c.Method.Performer.Qualifies() {
			g.aboutRefs(c.Requirements).add(PerformerNotIndependent, "controls", c.ID, "REQ-7.8-13/REQ-7.8-20 need a named, independent performer with evidence of competence")
		}
	}
}

// floors reports each control slower than the figure of a requirement it
// meets, and each control of a publicly trusted CA slower than a CA/B
// Forum cadence for its work (evident.CABFFloors). A deviation recorded in the program closes the gap only once an
// approval act by an approver's own login binds it as it is: a claim in a
// program file approves nothing, and an edit voids the act.
//
// The figure is the requirement's as it concerns the control's services
// (perService): an act's floor binds a control only when the act covers
// one of the services the control is for. A control for no service in
// particular, or when perService is nil, is held to reqs, every overlay
// of the program applied.
func (g *gaps) floors(m *evident.Model, reqs []evident.Requirement, perService map[string][]evident.Requirement, acts evident.Approvals) {
	index := func(reqs []evident.Requirement) map[evident.RequirementRef]evident.Requirement {
		out := map[evident.RequirementRef]evident.Requirement{}
		for _, q := range reqs {
			out[q.Ref()] = q
		}
		return out
	}
	all := index(reqs)
	// Services under the same overlays share one slice
	// (catalog.ServiceRequirements): index each slice once.
	byService := map[string]map[evident.RequirementRef]evident.Requirement{}
	indexed := map[*evident.Requirement]map[evident.RequirementRef]evident.Requirement{}
	for id, rs := range perService {
		if len(rs) == 0 {
			byService[id] = index(rs)
			continue
		}
		if _, ok := indexed[&rs[0]]; !ok {
			indexed[&rs[0]] = index(rs)
		}
		byService[id] = indexed[&rs[0]]
	}
	for _, c := range m.Controls {
		views := []map[evident.RequirementRef]evident.Requirement{all}
		if services := ServicesOf(m, c); len(services) > 0 && perService != nil {
			views = views[:0]
			for _, s := range services {
				if v, ok := byService[s]; ok {
					views = append(views, v)
				} else {
					views = append(views, all) // a service the catalog was not asked about: the strictest view
				}
			}
		}
		for _, ref := range c.Requirements {
			var f evident.Floor
			var ok bool
			for _, v := range views {
				if f, ok = evident.FloorOf(v[ref]); ok && f.SlowerThan(c.Cadence) {
					break
				}
			}
			if !ok || !f.SlowerThan(c.Cadence) {
				continue
			}
			why := fmt.Sprintf("cadence %s is slower than %s's %q", c.Cadence, ref.ID, f.Figure.Text)
			if f.Figure.Law != "" {
				why += ", which " + f.Figure.Law + " also sets"
			}
			if g.deviationHolds(c, ref, acts, &why) {
				continue
			}
			g.aboutRefs([]evident.RequirementRef{ref}).add(CadenceBelowStandard, "controls", c.ID, "%s", why)
		}
		for _, p := range m.ProfileFloorsOf(c) {
			if !p.SlowerThan(c.Cadence) {
				continue
			}
			refs, _ := p.Applies(c)
			why := fmt.Sprintf("cadence %s is slower than %s %s's %q for a publicly trusted CA", c.Cadence, p.Requirement.Standard, p.Requirement.ID, p.Figure.Text)
			if g.deviationHolds(c, p.Requirement, acts, &why) {
				continue
			}
			g.aboutRefs(refs).add(CadenceBelowStandard, "controls", c.ID, "%s", why)
		}
	}
}

// deviationHolds reports whether c's deviation from ref is bound by an
// approval act; when it is not, it says why in why.
func (g *gaps) deviationHolds(c evident.Control, ref evident.RequirementRef, acts evident.Approvals, why *string) bool {
	d := c.DeviationFor(ref)
	var decision evident.Act
	if d != nil {
		var ok bool
		if decision, ok = d.ApprovedBy(c.ID, acts); ok {
			return true
		}
	}
	switch {
	case d == nil:
		*why += " and no deviation is recorded"
	case decision.Verb == evident.ActReject:
		*why += "; the deviation was " + unapproved("", decision)
	case d.Approval == nil:
		*why += "; the deviation recorded has no approval"
	default:
		*why += fmt.Sprintf("; the deviation's approval by %s on %s is written in the program, and no approval act binds the deviation as it is", d.Approval.By, d.ApprovalDate().Format("2006-01-02"))
	}
	return false
}

// policyRequirements are the requirements each policy gap concerns, by
// kind of document; kinds not listed fall back to the general duty to
// approve, publish and communicate the policies (REQ-6.1-02) and review
// them (REQ-6.1-08).
var policyRequirements = map[GapKind]map[evident.PolicyKind][]evident.RequirementID{
	PolicyUnapproved: {
		evident.PracticeStatement:         {"REQ-6.1-02", "REQ-6.1-06"},
		evident.InformationSecurityPolicy: {"REQ-6.1-02", "REQ-6.3-01"},
		"":                                {"REQ-6.1-02"},
	},
	PolicyUnpublished: {
		evident.PracticeStatement:         {"REQ-6.1-05", "REQ-6.1-10"},
		evident.TermsAndConditions:        {"REQ-6.2-01"},
		evident.InformationSecurityPolicy: {"REQ-6.3-05"},
		"":                                {"REQ-6.1-02"},
	},
	PolicyNotCommunicated: {
		evident.TermsAndConditions:        {"REQ-6.2-03"},
		evident.InformationSecurityPolicy: {"REQ-6.3-05"},
		"":                                {"REQ-6.1-02"},
	},
	PolicyReviewOverdue: {
		evident.InformationSecurityPolicy: {"REQ-6.3-06"},
		"":                                {"REQ-6.1-08"},
	},
}

// aboutPolicy sets the requirements a policy gap of kind k concerns.
func (g *gaps) aboutPolicy(k GapKind, pk evident.PolicyKind) *gaps {
	ids, ok := policyRequirements[k][pk]
	if !ok {
		ids = policyRequirements[k][""]
	}
	return g.about(ids...)
}

func (g *gaps) policies(m *evident.Model, acts evident.Approvals, now time.Time) {
	for _, p := range m.Policies {
		v, ok := p.Current()
		decision, approved := p.ApprovedVersion(acts)
		switch {
		case !ok:
			g.aboutPolicy(PolicyUnapproved, p.Kind).add(PolicyUnapproved, "policies", p.ID, "no version recorded")
		case v.SHA256 == "":
			g.aboutPolicy(PolicyUnapproved, p.Kind).add(PolicyUnapproved, "policies", p.ID, "version %s has no document digest, so no approval can bind it", v.Version)
		case !approved:
			var by []string
			for _, a := range v.Approvals {
				by = append(by, a.By)
			}
			g.aboutPolicy(PolicyUnapproved, p.Kind).add(PolicyUnapproved, "policies", p.ID, "version %s: %s", v.Version, unapproved(strings.Join(by, " and "), decision))
		}
		if ok && len(v.Publications) == 0 {
			g.aboutPolicy(PolicyUnpublished, p.Kind).add(PolicyUnpublished, "policies", p.ID, "version %s is not published", v.Version)
		}
		if ok && len(v.Communications) == 0 {
			g.aboutPolicy(PolicyNotCommunicated, p.Kind).add(PolicyNotCommunicated, "policies", p.ID, "version %s was not communicated to anyone", v.Version)
		}
		if due := p.ReviewDue(); !due.IsZero() && !now.Before(due) {
			g.aboutPolicy(PolicyReviewOverdue, p.Kind).add(PolicyReviewOverdue, "policies", p.ID, "review was due %s", due.Format("2006-01-02"))
		}
		for _, it := range p.MissingContent() {
			g.about(it.Requirement).add(PolicyContentMissing, "policies", p.ID, "does not declare %s (%s, %s)", it.Key, it.Text, it.Requirement)
		}
	}
}

func (g *gaps) scope(m *evident.Model, now time.Time) {
	for _, s := range m.Suppliers {
		if strings.TrimSpace(s.Agreement) == "" {
			g.about("REQ-7.14.1-02").add(SupplierNoAgreement, "suppliers", s.ID, "no agreement reference")
		}
		if len(s.Obligations) == 0 {
			g.about("REQ-6.1-04").add(SupplierNoObligations, "suppliers", s.ID, "obligations not written down (REQ-6.1-04)")
		}
		if next := s.NextReview(); next.IsZero() {
			g.about("REQ-7.14.1-05").add(SupplierReviewOverdue, "suppliers", s.ID, "never reviewed")
		} else if !now.Before(next) {
			g.about("REQ-7.14.1-05").add(SupplierReviewOverdue, "suppliers", s.ID, "review was due %s", next.Format("2006-01-02"))
		}
		if a := s.Attestation; a != nil && !a.ValidUntil.IsZero() && !now.Before(a.ValidUntil) {
			g.about("REQ-7.14.1-05").add(SupplierAttestationExpired, "suppliers", s.ID, "%s %s expired %s", a.Kind, a.Reference, a.ValidUntil.Format("2006-01-02"))
		}
	}
	for _, s := range m.Services {
		if s.Qualification == "" {
			// Concerns the scope, not one requirement: no readiness
			// figure is limited by it.
			g.add(ServiceNoQualification, "services", s.ID, "qualified, non-qualified or mixed is not stated")
		}
	}
	for _, s := range m.Systems {
		if s.Zone == "" {
			g.about("REQ-7.8-02", "REQ-7.8-03").add(SystemNoZone, "systems", s.ID, "not placed in a network zone")
		}
	}
}

// unapproved says why an object is not approved: rejected by an act on
// it as it is, or no act at all, naming the approval the program file
// claims, if any: a claim without a matching act is a gap, not an
// approval.
func unapproved(claim string, decision evident.Act) string {
	switch {
	case decision.Verb == evident.ActReject:
		why := "rejected by " + decision.Actor + " on " + decision.At.Format("2006-01-02")
		if decision.Comment != "" {
			why += ": " + decision.Comment
		}
		return why
	case claim == "":
		return "no approval act binds it as it is"
	}
	return "the approval by " + claim + " is claimed in the program, but no approval act binds it as it is"
}

// exceptions reports each exception no approval act binds as it is: it
// excuses no window (Load leaves it out of the controls' histories).
func (g *gaps) exceptions(in Input) {
	for _, e := range in.Exceptions {
		x, ok := e.Approval(in.Approvals)
		if ok {
			continue
		}
		var refs []evident.RequirementRef
		if c := in.Model.ControlByID(e.Control); c != nil {
			refs = c.Requirements
		}
		g.aboutRefs(refs).add(ExceptionUnapproved, "exceptions", e.ID, "exception for %s: %s, so it excuses nothing", e.Control, unapproved(e.Approver, x))
	}
}

// nonconformities lists the nonconformities open at now, major and minor:
// while one is open its requirements are not verified, and a major one
// makes them failing (see Status). Observations ask for nothing.
func (g *gaps) nonconformities(fs []evident.Finding, now time.Time) {
	for _, f := range fs {
		if f.Kind == evident.FindingObservation || !f.OpenAt(now) {
			continue
		}
		detail := string(f.Kind) + " nonconformity " + findingName(f) + " raised " + evident.UTC(f.RaisedAt)
		if f.StateAt(now) == evident.FindingProposed {
			detail += "; closure proposed, awaiting the assessor's acceptance"
		}
		g.aboutRefs(f.Requirements).add(NonconformityOpen, "findings", f.ID, "%s", detail)
	}
}

// findingName is the CAB's reference when it gave one, else the id.
func findingName(f evident.Finding) string {
	if f.Ref != "" {
		return f.Ref
	}
	return f.ID
}

// OpenMajors returns, per requirement reference, the major
// nonconformities open at now: the one rule that makes a requirement
// failing whatever its evidence says.
func OpenMajors(fs []evident.Finding, now time.Time) map[string][]string {
	out := map[string][]string{}
	for _, f := range fs {
		if f.Kind != evident.FindingMajor || !f.OpenAt(now) {
			continue
		}
		for _, r := range f.Requirements {
			out[r.String()] = append(out[r.String()], findingName(f))
		}
	}
	return out
}

// GapsAt is Gaps for the frame a report was computed from by StatusOver
// or StatusEach: each control's freshness at the instant is the report's
// (ControlStatus.Freshness, judged from the records Gaps reads), so no
// control's history need be held. The report's own Gaps judge a period
// by its windows instead (OverRange).
func GapsAt(in Input, r Report) []Gap {
	fresh := map[string]evident.Freshness{}
	for _, cs := range r.Controls {
		fresh[cs.ID] = cs.Freshness
	}
	return gapsOf(in, fresh)
}
