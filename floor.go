package evident

import (
	"slices"
	"time"
)

// Floor is the slowest a control may run for one requirement: the
// standard's fixed cadence ("at least once per quarter" for REQ-7.8-14,
// "at least once a day" for REQ-7.10-06) or its deadline after a discovery
// ("within 48 hours of discovery" for REQ-7.9.2-09: a check run less often
// than that cannot discover in time). The standard's figures are floors,
// not defaults: a control slower than one is below the standard unless the
// program records an approved deviation.
type Floor struct {
	Requirement RequirementRef `json:"requirement"`
	Figure      Figure         `json:"figure"`
	// Span is the figure as a whole number of units: 3 months, 48 hours.
	Span Span `json:"span"`
}

// FloorOf returns the tightest floor among a requirement's figures. It is
// not ok when the requirement fixes none: "regularly" leaves the interval
// to the program, and deadlines running from other events (an incident's
// identification, a planned change) are kept by incident and change
// clocks, not by a control's cadence.
func FloorOf(r Requirement) (Floor, bool) {
	var best Floor
	ok := false
	for _, f := range r.Figures {
		sp, fixed := floorSpan(f)
		if !fixed {
			continue
		}
		tie := ok && approxHours(sp) == approxHours(best.Span) && best.Figure.Law == "" && f.Law != ""
		if !ok || approxHours(sp) < approxHours(best.Span) || tie {
			best, ok = Floor{Requirement: r.Ref(), Figure: f, Span: sp}, true
		}
	}
	return best, ok
}

// EventDiscovery is the event of the deadlines a control's cadence must
// keep: what the control's check discovers has to be dealt with within the
// deadline, so the check itself must run at least that often.
const EventDiscovery = "discovery"

func floorSpan(f Figure) (Span, bool) {
	switch {
	case f.Kind == FigureCadence:
		n, u, ok := f.Interval()
		return Span{Amount: n, Unit: u}, ok
	case f.Kind == FigureDeadline && f.Event == EventDiscovery && !f.Before:
		n, u, ok := Figure{Kind: FigureCadence, Amount: f.Amount, Unit: f.Unit}.Interval()
		return Span{Amount: n, Unit: u}, ok
	}
	return Span{}, false
}

// SlowerThan reports whether a control on cadence c can go longer than the
// floor without evidence. Post-change cadences follow events, not the
// calendar, and are never slower; continuous means daily. The zero floor
// (a requirement without one) asks nothing.
func (f Floor) SlowerThan(c Cadence) bool {
	if f.Span.Amount <= 0 {
		return false
	}
	switch c.Kind {
	case CadencePostChange, "":
		return false
	case CadenceContinuous:
		return approxHours(Span{Amount: 1, Unit: UnitDay}) > approxHours(f.Span)
	}
	n, u := c.interval()
	return approxHours(Span{Amount: n, Unit: u}) > approxHours(f.Span)
}

// approxHours orders spans of different units; "12 months" and "1 year"
// compare equal, which is all a floor needs.
func approxHours(s Span) float64 {
	h := float64(s.Amount)
	switch s.Unit {
	case UnitMinute:
		return h / 60
	case UnitHour:
		return h
	}
	return approxDays(s.Amount, s.Unit) * 24
}

// Deviation is the program's record that a control runs slower than a
// requirement's floor on purpose: the requirement, the justification from
// the risk assessment (the proportionality of REQ-4.2) and its approval.
// The approval written in a program file is a claim, not an act: only an
// approval act made by the approver's own login may accept a deviation,
// so until such an act binds it a deviation leaves the gap open.
type Deviation struct {
	Requirement   RequirementRef `json:"requirement"`
	Justification string         `json:"justification"`
	// Risks names the risk-register entries the justification rests on.
	Risks []string `json:"risks,omitempty"`
	// Approval is who the program file says approved the deviation, and
	// when.
	Approval *Approval `json:"approval,omitempty"`
}

// DeviationFor returns the control's deviation from requirement ref, or
// nil when it records none.
func (c Control) DeviationFor(ref RequirementRef) *Deviation {
	for i := range c.Deviations {
		if c.Deviations[i].Requirement == ref {
			return &c.Deviations[i]
		}
	}
	return nil
}

// ApprovalDate is when the deviation's approval says it was given, zero
// when it says nothing.
func (d Deviation) ApprovalDate() time.Time {
	if d.Approval == nil {
		return time.Time{}
	}
	return d.Approval.At
}

// The CA/Browser Forum documents whose cadences are floors for a publicly
// trusted CA, as requirement standards: a deviation from one of their
// floors names the section as CABF-BR@2.2.6:8.7 or CABF-NSR@2.0.5:3.1.2.
const (
	CABFBR  Standard = "CABF-BR"  // Baseline Requirements for TLS server certificates, v2.2.6
	CABFNSR Standard = "CABF-NSR" // Network and Certificate System Security Requirements, v2.0.5
)

// ProfileFloor is a cadence a profile sets for work a control already
// does for EN 319 401: reviewing accounts, logs or the practice
// statement, testing, auditing its own certificates. It applies to a
// control serving a publicly trusted CA (Model.ControlPubliclyTrusted)
// that meets one of the EN 319 401 requirements For names, or checks
// imports of Format.
type ProfileFloor struct {
	Floor
	For    []RequirementID
	Format string
}

// CABFFloors are the CA/Browser Forum cadences Evident holds controls to,
// each read from the section it names (BR v2.2.6, NSR v2.0.5, CC BY 4.0).
// Months are calendar months and "annually" a year, as the floor mechanism
// counts them for EN 319 401's own figures.
var CABFFloors = []ProfileFloor{
	{Floor: cabfFloor(CABFNSR, "2.0.5", "2.2.1.4", 3, UnitMonth, "accounts with access to CA infrastructure reviewed at least every 3 months"),
		For: []RequirementID{"REQ-7.4.1-07"}},
	{Floor: cabfFloor(CABFNSR, "2.0.5", "3.1.2", 31, UnitDay, "log integrity reviewed at least every 31 days, unless monitored continuously"),
		For: []RequirementID{"REQ-7.10-08"}},
	{Floor: cabfFloor(CABFNSR, "2.0.5", "4.2.1.1", 1, UnitYear, "a penetration test at least once a year"),
		For: []RequirementID{"REQ-7.8-19"}},
	{Floor: cabfFloor(CABFBR, "2.2.6", "8.7", 3, UnitMonth, "self-audits at least every quarter on at least 3 % of the certificates issued since the last one"),
		Format: "zlint"},
	{Floor: cabfFloor(CABFBR, "2.2.6", "2.3", 1, UnitYear, "the CP and CPS reviewed and updated at least once a year"),
		For: []RequirementID{"REQ-6.1-08"}},
}

func cabfFloor(std Standard, version string, section RequirementID, n int, u Unit, text string) Floor {
	return Floor{Requirement: RequirementRef{Standard: std, Version: version, ID: section},
		Figure: Figure{Kind: FigureCadence, Amount: float64(n), Unit: u, AtLeast: true, Text: text},
		Span:   Span{Amount: n, Unit: u}}
}

// Applies reports whether the floor is for the work control c does, and
// which of c's requirements that work meets (all of them for a floor
// found by import format).
func (p ProfileFloor) Applies(c Control) ([]RequirementRef, bool) {
	if p.Format != "" && c.Method.Format == p.Format {
		return c.Requirements, true
	}
	var refs []RequirementRef
	for _, r := range c.Requirements {
		if r.Standard == EN319401 && slices.Contains(p.For, r.ID) {
			refs = append(refs, r)
		}
	}
	return refs, len(refs) > 0
}

// ProfileFloorsOf returns the CA/Browser Forum floors control c is held
// to: none unless it serves a publicly trusted CA.
func (m *Model) ProfileFloorsOf(c Control) []ProfileFloor {
	if !m.ControlPubliclyTrusted(c) {
		return nil
	}
	var out []ProfileFloor
	for _, p := range CABFFloors {
		if _, ok := p.Applies(c); ok {
			out = append(out, p)
		}
	}
	return out
}
