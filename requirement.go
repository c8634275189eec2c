package evident

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
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
	// Adaptations lists the overlay adaptations applied to this entry, such
	// as "REQ-7.8-14X (eidas-ia-2025)", so a reader can tell the standard's
	// own requirement from the one a regulation made binding.
	Adaptations []string `json:"adaptations,omitempty"`
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
	// FigureTrigger is an event that calls for the requirement's activity
	// again, whatever the cadence says: "review after significant changes".
	// Recording a change or closing an incident looks these up.
	FigureTrigger FigureKind = "trigger"
)

// Events a trigger figure names. Figures may name others; these are the
// ones the program acts on when a change or incident is recorded.
const (
	EventSignificantChange   = "significant change"   // a change recorded as significant
	EventSignificantIncident = "significant incident" // an incident classified significant
	EventIncident            = "incident"             // any incident
	EventSupplierIncident    = "supplier incident"    // an incident involving a supplier
	EventSetUp               = "set-up"               // a system or service going live
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
//
// A threshold's Of names the whole a percentage is taken of ("annual
// turnover"), and Window the span it is counted over ("1 hour per calendar
// week" is {threshold, 1, hour, window 1 week}). Continuous marks a cadence
// that has no interval at all ("monitor continuously").
type Figure struct {
	Kind       FigureKind `json:"kind"`
	Amount     float64    `json:"amount"`
	Unit       Unit       `json:"unit,omitempty"`
	Subject    string     `json:"subject,omitempty"` // what is counted or measured: "users", "unavailability", "financial loss"
	Of         string     `json:"of,omitempty"`      // what a percentage is a share of: "annual turnover"
	Window     *Span      `json:"window,omitempty"`  // the span a threshold is counted over
	Event      string     `json:"event,omitempty"`   // what a deadline runs from or before: "discovery", "change", "cessation"
	Before     bool       `json:"before,omitempty"`  // the deadline falls before Event, not after it
	AtLeast    bool       `json:"at_least,omitempty"`
	Continuous bool       `json:"continuous,omitempty"`
	Text       string     `json:"text"` // the figure as a reader says it: "at least once per quarter"
	// Law names the legal acts and articles that set the same figure
	// ("Implementing Regulation (EU) 2025/1929 Annex, point 1(9)"), filled
	// when an act's overlay is applied, so a gap against the figure cites
	// the law as well as the standard.
	Law string `json:"law,omitempty"`
}

// Span is a whole number of time units, such as 6 months or 1 week.
type Span struct {
	Amount int  `json:"amount"`
	Unit   Unit `json:"unit"`
}

// String formats the span as "6 months".
func (s Span) String() string {
	if s.Amount == 1 {
		return string(s.Unit)
	}
	return plural(float64(s.Amount), s.Unit)
}

// AddTo returns t moved forward by the span. Months and years use the
// calendar (AddDate), so "1 month" after 31 January is 3 March, the same
// rule Go applies everywhere else in the program.
func (s Span) AddTo(t time.Time) (time.Time, bool) {
	return addUnits(t, s.Amount, s.Unit)
}

// timeUnit reports whether u measures time, and so can drive a clock.
func timeUnit(u Unit) bool {
	switch u {
	case UnitMinute, UnitHour, UnitDay, UnitWeek, UnitMonth, UnitYear:
		return true
	}
	return false
}

// knownUnit reports whether u is one of the Unit constants.
func knownUnit(u Unit) bool {
	return timeUnit(u) || u == UnitPercent || u == UnitEUR || u == UnitCount
}

// addUnits moves t by n units; ok is false for units that are not time.
func addUnits(t time.Time, n int, u Unit) (time.Time, bool) {
	switch u {
	case UnitMinute:
		return t.Add(time.Duration(n) * time.Minute), true
	case UnitHour:
		return t.Add(time.Duration(n) * time.Hour), true
	case UnitDay:
		return t.AddDate(0, 0, n), true
	case UnitWeek:
		return t.AddDate(0, 0, 7*n), true
	case UnitMonth:
		return t.AddDate(0, n, 0), true
	case UnitYear:
		return t.AddDate(n, 0, 0), true
	}
	return t, false
}

// Validate reports the first thing wrong with the figure: an unknown kind
// or unit, a negative amount, a clock figure whose unit is not time, or a
// missing reader's text. Catalog and program files are checked with it so
// that later code can trust every figure it computes with.
func (f Figure) Validate() error {
	if f.Text == "" {
		return Errorf(EINVALID, "figure has no text")
	}
	if f.Amount < 0 || math.IsNaN(f.Amount) || math.IsInf(f.Amount, 0) {
		return Errorf(EINVALID, "figure %q: amount %v is not a non-negative number", f.Text, f.Amount)
	}
	if f.Unit != "" && !knownUnit(f.Unit) {
		return Errorf(EINVALID, "figure %q: unknown unit %q (want minute, hour, day, week, month, year, percent, EUR or count)", f.Text, f.Unit)
	}
	if f.Window != nil && (f.Window.Amount <= 0 || !timeUnit(f.Window.Unit)) {
		return Errorf(EINVALID, "figure %q: window must be a positive amount of a time unit", f.Text)
	}
	switch f.Kind {
	case FigureCadence, FigureDeadline, FigureRetention:
		return f.validateClock()
	case FigureThreshold:
		if f.Unit == "" || f.Amount == 0 {
			return Errorf(EINVALID, "figure %q: a threshold needs an amount and a unit", f.Text)
		}
		if f.Unit == UnitPercent && f.Amount > 100 {
			return Errorf(EINVALID, "figure %q: %v percent is more than the whole", f.Text, f.Amount)
		}
		return nil
	case FigureTrigger:
		if f.Event == "" || f.Amount != 0 || f.Unit != "" {
			return Errorf(EINVALID, "figure %q: a trigger names an event and has no amount or unit", f.Text)
		}
		return nil
	case "":
		return Errorf(EINVALID, "figure %q has no kind (want cadence, deadline, threshold, retention or trigger)", f.Text)
	}
	return Errorf(EINVALID, "figure %q: unknown kind %q (want cadence, deadline, threshold, retention or trigger)", f.Text, f.Kind)
}

// validateClock checks the figures that become dates: an amount needs a
// whole number of time units, and "regularly" (amount 0) carries no unit so
// nobody mistakes it for a chosen interval.
func (f Figure) validateClock() error {
	if f.Continuous && (f.Kind != FigureCadence || f.Amount != 0) {
		return Errorf(EINVALID, "figure %q: only a cadence without an amount can be continuous", f.Text)
	}
	if f.Before && f.Kind != FigureDeadline {
		return Errorf(EINVALID, "figure %q: only a deadline can fall before its event", f.Text)
	}
	if f.Kind == FigureDeadline && f.Event == "" {
		return Errorf(EINVALID, "figure %q: a deadline needs the event it runs from", f.Text)
	}
	if f.Amount == 0 {
		if f.Unit != "" {
			return Errorf(EINVALID, "figure %q: unit %q without an amount", f.Text, f.Unit)
		}
		return nil
	}
	if !timeUnit(f.Unit) {
		return Errorf(EINVALID, "figure %q: a %s needs a time unit, not %q", f.Text, f.Kind, f.Unit)
	}
	if f.Amount != math.Trunc(f.Amount) {
		return Errorf(EINVALID, "figure %q: a %s needs a whole number of %ss", f.Text, f.Kind, f.Unit)
	}
	return nil
}

// Interval returns the cadence as a whole number of time units, for example
// (3, UnitMonth) for "at least once per quarter". It is not ok for figures
// that are not cadences and for cadences the standard leaves open
// ("regularly", "continuously"): the program must then choose the interval.
func (f Figure) Interval() (n int, unit Unit, ok bool) {
	if f.Kind != FigureCadence || f.Amount <= 0 || !timeUnit(f.Unit) || f.Amount != math.Trunc(f.Amount) {
		return 0, "", false
	}
	return int(f.Amount), f.Unit, true
}

// Due returns when a deadline expires for an event that happened (or is
// planned) at event: 48 hours after a discovery, 1 month before a change.
// It is not ok for other kinds and for deadlines without a fixed amount
// ("without undue delay"), which the program cannot turn into a date.
func (f Figure) Due(event time.Time) (time.Time, bool) {
	if f.Kind != FigureDeadline || f.Amount <= 0 || f.Amount != math.Trunc(f.Amount) {
		return time.Time{}, false
	}
	n := int(f.Amount)
	if f.Before {
		n = -n
	}
	return addUnits(event, n, f.Unit)
}

// String describes the figure from its structured fields, the way the
// program understood it, such as "cadence: at least every 3 months" or
// "deadline: 1 month before change". Comparing it with Text shows a reader
// whether the data says what the standard says.
func (f Figure) String() string {
	var b strings.Builder
	b.WriteString(string(f.Kind) + ": ")
	if f.Kind == FigureTrigger {
		return b.String() + "after " + f.Event
	}
	if f.Subject != "" && f.Kind == FigureThreshold {
		b.WriteString(f.Subject + " ")
	}
	switch {
	case f.Continuous:
		b.WriteString("continuously")
	case f.Amount == 0 && f.Kind == FigureCadence:
		b.WriteString("regularly, interval not fixed")
	case f.Amount == 0 && f.Kind == FigureDeadline:
		b.WriteString("without a fixed time")
	case f.Amount == 0:
		b.WriteString("period not fixed")
	default:
		if f.AtLeast {
			b.WriteString("at least ")
		} else if f.Kind == FigureThreshold {
			b.WriteString("more than ")
		}
		if f.Kind == FigureCadence {
			b.WriteString("every ")
		}
		if f.Kind == FigureCadence && f.Amount == 1 {
			b.WriteString(string(f.Unit)) // "every day", not "every 1 day"
		} else {
			b.WriteString(plural(f.Amount, f.Unit))
		}
		if f.Of != "" {
			b.WriteString(" of " + f.Of)
		}
		if f.Window != nil {
			b.WriteString(" per " + f.Window.String())
		}
	}
	if f.Event != "" {
		if f.Before {
			b.WriteString(" before " + f.Event)
		} else {
			b.WriteString(" after " + f.Event)
		}
	}
	if f.Subject != "" && f.Kind != FigureThreshold {
		b.WriteString(" (" + f.Subject + ")")
	}
	return b.String()
}

// plural formats an amount with its unit: "48 hours", "1 month", "5 %",
// "EUR 500000", "200000" (a plain count).
func plural(n float64, u Unit) string {
	num := strconv.FormatFloat(n, 'f', -1, 64)
	if n >= 10000 && n == math.Trunc(n) {
		num = group(num)
	}
	switch u {
	case UnitPercent:
		return num + " %"
	case UnitEUR:
		return "EUR " + num
	case UnitCount, "":
		return num
	}
	if n == 1 {
		return num + " " + string(u)
	}
	return num + " " + string(u) + "s"
}

// group separates thousands with a space, as EN 319 401 writes
// "200 000": long bare numbers are easy to misread by a factor of ten.
func group(digits string) string {
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ParseRequirementType reads a type as the catalog, the reference tables
// and users write it: "shall", "COND", "conditional", "PRO", "CHOICE".
func ParseRequirementType(s string) (RequirementType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "shall":
		return Shall, nil
	case "should":
		return Should, nil
	case "may":
		return May, nil
	case "conditional", "cond":
		return Conditional, nil
	case "pro", "proportionality":
		return Proportion, nil
	case "choice":
		return Choice, nil
	}
	return "", Errorf(EINVALID, "unknown requirement type %q (want shall, should, may, conditional, pro or choice)", s)
}

// Parts splits an identifier such as "REQ-7.9.2-03" into its prefix
// ("REQ"), clause ("7.9.2") and two-digit serial ("03"). It fails for
// anything that does not follow the scheme of EN 319 401 clause 3.4.
func (id RequirementID) Parts() (prefix, clause, serial string, err error) {
	s := string(id)
	i, j := strings.Index(s, "-"), strings.LastIndex(s, "-")
	if i < 0 || i == j {
		return "", "", "", Errorf(EINVALID, "requirement id %q: want PREFIX-CLAUSE-NN, for example REQ-7.8-14", s)
	}
	prefix, clause, serial = s[:i], s[i+1:j], s[j+1:]
	if len(prefix) != 3 || strings.ToUpper(prefix) != prefix || !isClause(clause) || len(serial) != 2 || !digits(serial) {
		return "", "", "", Errorf(EINVALID, "requirement id %q: want PREFIX-CLAUSE-NN, for example REQ-7.8-14", s)
	}
	return prefix, clause, serial, nil
}

// isClause reports whether s is a dotted clause number such as "7.9.2".
func isClause(s string) bool {
	for _, p := range strings.Split(s, ".") {
		if p == "" || !digits(p) {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// MarshalText writes the reference as "EN319401@3.2.1:REQ-7.8-14", so JSON
// and YAML carry the one spelling users read and write.
func (r RequirementRef) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a fully qualified reference; a bare id is refused
// because stored data must never depend on a default version.
func (r *RequirementRef) UnmarshalText(b []byte) error {
	ref, err := ParseRequirementRef(string(b), "", "")
	if err != nil {
		return err
	}
	*r = ref
	return nil
}
