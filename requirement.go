package evident

import (
	"fmt"
	"strings"
)

// Standard names a standard in the catalog. Only EN 319 401 ships today; the
// type exists so a requirement reference can never lose its standard.
type Standard string

// EN319401 is ETSI EN 319 401, general policy requirements for TSPs.
const EN319401 Standard = "EN319401"

// RequirementID is a requirement's identifier inside one standard version,
// such as "REQ-7.8-14" or "PRO-7.9.1-11".
type RequirementID string

// RequirementRef names a requirement together with its standard and version,
// written "EN319401@3.2.1:REQ-7.8-14". A bare id means nothing on its own:
// the same id means different things in V3.1.1 and V3.2.1.
type RequirementRef struct {
	Standard Standard
	Version  string
	ID       RequirementID
}

// String formats the reference as "STANDARD@VERSION:ID".
func (r RequirementRef) String() string {
	return fmt.Sprintf("%s@%s:%s", r.Standard, r.Version, r.ID)
}

// ParseRequirementRef reads "EN319401@3.2.1:REQ-7.8-14". A bare "REQ-7.8-14"
// takes the standard and version given as defaults (the program's version in
// force); with no default version it is an error.
func ParseRequirementRef(s string, std Standard, version string) (RequirementRef, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return RequirementRef{}, Errorf(EINVALID, "empty requirement reference")
	}
	if head, id, ok := strings.Cut(s, ":"); ok {
		st, ver, ok := strings.Cut(head, "@")
		if !ok || st == "" || ver == "" || id == "" {
			return RequirementRef{}, Errorf(EINVALID, "requirement reference %q: want STANDARD@VERSION:ID, for example EN319401@3.2.1:REQ-7.8-14", s)
		}
		return RequirementRef{Standard: Standard(st), Version: ver, ID: RequirementID(id)}, nil
	}
	if version == "" {
		return RequirementRef{}, Errorf(EINVALID, "requirement reference %q has no version and no default version is set", s)
	}
	if std == "" {
		std = EN319401
	}
	return RequirementRef{Standard: std, Version: version, ID: RequirementID(s)}, nil
}

// RequirementType is the normative force of a requirement as the catalog
// records it. A requirement can carry several (PRO-7.7-26 is PRO,
// conditional, may and shall), so requirements hold a list of them.
type RequirementType string

// The requirement types of the EN 319 401 identifier scheme (V3.2.1 clause 3.4).
const (
	Shall       RequirementType = "shall"
	Should      RequirementType = "should"
	May         RequirementType = "may"
	Conditional RequirementType = "conditional"
	Proportion  RequirementType = "pro"
	Choice      RequirementType = "choice"
)

// Requirement is one catalog entry. Text is our own paraphrase, never the
// standard's sentence.
type Requirement struct {
	Standard    Standard          `json:"standard"`
	Version     string            `json:"version"`
	ID          RequirementID     `json:"id"`
	Clause      string            `json:"clause"`       // "7.8", "7.9.2", "5"
	ClauseTitle string            `json:"clause_title"` // "Network security"
	Text        string            `json:"text"`
	Types       []RequirementType `json:"types"`
	Figures     []Figure          `json:"figures,omitempty"`
	Note        string            `json:"note,omitempty"`
	// Confirmed is false for entries of a version whose text could not be
	// read in full (V3.1.1): the id is cited by a public source but the
	// wording and figures are inferred.
	Confirmed bool `json:"confirmed"`
}

// Ref returns the requirement's fully qualified reference.
func (r Requirement) Ref() RequirementRef {
	return RequirementRef{Standard: r.Standard, Version: r.Version, ID: r.ID}
}

// Has reports whether the requirement carries type t.
func (r Requirement) Has(t RequirementType) bool {
	for _, x := range r.Types {
		if x == t {
			return true
		}
	}
	return false
}

// FigureKind says how a figure is used by the rest of the program.
type FigureKind string

// Figure kinds. Cadences drive default control cadences, deadlines drive
// incident and change clocks, thresholds drive significance tests.
const (
	FigureCadence   FigureKind = "cadence"   // "at least once per quarter"
	FigureDeadline  FigureKind = "deadline"  // "within 48 hours of discovery"
	FigureThreshold FigureKind = "threshold" // "more than 20 minutes"
	FigureRetention FigureKind = "retention" // "a predefined retention period"
)

// Unit is the unit of a figure's amount.
type Unit string

// Units of figures. Calendar units (month, year) are kept apart from hours
// because "1 month" is not a fixed number of hours.
const (
	UnitMinute  Unit = "minute"
	UnitHour    Unit = "hour"
	UnitDay     Unit = "day"
	UnitWeek    Unit = "week"
	UnitMonth   Unit = "month"
	UnitYear    Unit = "year"
	UnitPercent Unit = "percent"
	UnitEUR     Unit = "EUR"
	UnitCount   Unit = "count" // users, incidents, ...
)

// Figure is a machine-usable number in a requirement: "quarterly" is
// {cadence, 3, month}, "within 48 hours" is {deadline, 48, hour},
// "more than 200 000 users" is {threshold, 200000, count, subject "users"}.
// Amount 0 with a cadence means the standard says only "regularly" or
// "periodically": the program must choose the interval.
type Figure struct {
	Kind    FigureKind `json:"kind"`
	Amount  float64    `json:"amount"`
	Unit    Unit       `json:"unit,omitempty"`
	Subject string     `json:"subject,omitempty"` // what is counted or measured: "users", "unavailability", "financial loss"
	Event   string     `json:"event,omitempty"`   // what a deadline runs from or before: "discovery", "change", "cessation"
	Before  bool       `json:"before,omitempty"`  // the deadline falls before Event, not after it
	AtLeast bool       `json:"at_least,omitempty"`
	Text    string     `json:"text"` // the figure as a reader says it: "at least once per quarter"
}
