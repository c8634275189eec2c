package evident

import (
	"strings"
	"testing"
	"time"
)

func TestParseRequirementRef(t *testing.T) {
	tests := []struct {
		in, version string
		want        string
		err         string
	}{
		{"EN319401@3.2.1:REQ-7.8-14", "", "EN319401@3.2.1:REQ-7.8-14", ""},
		{"REQ-7.8-14", "3.1.1", "EN319401@3.1.1:REQ-7.8-14", ""},
		{"REQ-7.8-14", "", "", "has no version"},
		{"EN319401:REQ-7.8-14", "3.2.1", "", "want STANDARD@VERSION:ID"},
		{"", "3.2.1", "", "empty requirement reference"},
	}
	for _, tt := range tests {
		got, err := ParseRequirementRef(tt.in, EN319401, tt.version)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || ErrorCode(err) != EINVALID {
				t.Errorf("ParseRequirementRef(%q) = %v, %v; want invalid: %s", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParseRequirementRef(%q, %q) = %v, %v; want %s", tt.in, tt.version, got, err, tt.want)
		}
	}
}

func TestRequirementIDParts(t *testing.T) {
	tests := []struct {
		id                     RequirementID
		prefix, clause, serial string
	}{
		{"REQ-7.9.2-03", "REQ", "7.9.2", "03"},
		{"REQ-5-01", "REQ", "5", "01"},
		{"PRO-7.9.1-11", "PRO", "7.9.1", "11"},
	}
	for _, tt := range tests {
		p, c, s, err := tt.id.Parts()
		if err != nil || p != tt.prefix || c != tt.clause || s != tt.serial {
			t.Errorf("%s.Parts() = %q %q %q %v, want %q %q %q", tt.id, p, c, s, err, tt.prefix, tt.clause, tt.serial)
		}
	}
	for _, bad := range []RequirementID{"REQ-7.8-1", "REQ7.8-14", "req-7.8-14", "REQ-7..8-14", "REQ-7.8-xx", "REQ-", "REQ-7.11-1-02"} {
		if _, _, _, err := bad.Parts(); err == nil {
			t.Errorf("%s.Parts() accepted a malformed id", bad)
		}
	}
}

func TestParseRequirementType(t *testing.T) {
	for in, want := range map[string]RequirementType{
		"shall": Shall, "SHOULD": Should, "may": May, "COND": Conditional,
		"conditional": Conditional, "PRO": Proportion, "CHOICE": Choice,
	} {
		if got, err := ParseRequirementType(in); err != nil || got != want {
			t.Errorf("ParseRequirementType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseRequirementType("must"); ErrorCode(err) != EINVALID {
		t.Errorf("ParseRequirementType(must) = %v, want invalid", err)
	}
}

func TestFigureValidate(t *testing.T) {
	quarterly := Figure{Kind: FigureCadence, Amount: 3, Unit: UnitMonth, AtLeast: true, Text: "at least once per quarter"}
	tests := []struct {
		name string
		f    Figure
		err  string // "" when valid
	}{
		{"quarterly", quarterly, ""},
		{"regular", Figure{Kind: FigureCadence, Text: "regularly"}, ""},
		{"continuous", Figure{Kind: FigureCadence, Continuous: true, Text: "continuously"}, ""},
		{"48 h", Figure{Kind: FigureDeadline, Amount: 48, Unit: UnitHour, Event: "discovery", Text: "within 48 hours"}, ""},
		{"without delay", Figure{Kind: FigureDeadline, Event: "identification", Text: "without undue delay"}, ""},
		{"per week", Figure{Kind: FigureThreshold, Amount: 1, Unit: UnitHour, Window: &Span{1, UnitWeek}, Text: "1 hour per week"}, ""},
		{"retention", Figure{Kind: FigureRetention, Text: "as stated in the T&C"}, ""},
		{"trigger", Figure{Kind: FigureTrigger, Event: EventSignificantChange, Text: "after significant changes"}, ""},
		{"trigger without event", Figure{Kind: FigureTrigger, Text: "after changes"}, "a trigger names an event"},
		{"trigger with amount", Figure{Kind: FigureTrigger, Event: "x", Amount: 2, Unit: UnitDay, Text: "x"}, "no amount or unit"},
		{"no kind", Figure{Amount: 1, Unit: UnitDay, Text: "daily"}, "has no kind"},
		{"bad kind", Figure{Kind: "clock", Text: "x"}, `unknown kind "clock"`},
		{"bad unit", Figure{Kind: FigureCadence, Amount: 1, Unit: "fortnight", Text: "x"}, `unknown unit "fortnight"`},
		{"no text", Figure{Kind: FigureCadence}, "no text"},
		{"negative", Figure{Kind: FigureCadence, Amount: -1, Unit: UnitDay, Text: "x"}, "not a non-negative number"},
		{"cadence in EUR", Figure{Kind: FigureCadence, Amount: 1, Unit: UnitEUR, Text: "x"}, "needs a time unit"},
		{"half a month", Figure{Kind: FigureCadence, Amount: 0.5, Unit: UnitMonth, Text: "x"}, "whole number"},
		{"unit without amount", Figure{Kind: FigureCadence, Unit: UnitMonth, Text: "monthly-ish"}, "without an amount"},
		{"deadline without event", Figure{Kind: FigureDeadline, Amount: 24, Unit: UnitHour, Text: "x"}, "needs the event"},
		{"before on a cadence", Figure{Kind: FigureCadence, Amount: 1, Unit: UnitYear, Before: true, Text: "x"}, "only a deadline"},
		{"empty threshold", Figure{Kind: FigureThreshold, Text: "x"}, "needs an amount and a unit"},
		{"over 100 %", Figure{Kind: FigureThreshold, Amount: 120, Unit: UnitPercent, Text: "x"}, "more than the whole"},
		{"bad window", Figure{Kind: FigureThreshold, Amount: 2, Unit: UnitCount, Window: &Span{6, UnitCount}, Text: "x"}, "window"},
	}
	for _, tt := range tests {
		err := tt.f.Validate()
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: Validate() = %v, want valid", tt.name, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: Validate() = %v, want error containing %q", tt.name, err, tt.err)
		}
	}
}

func TestFigureInterval(t *testing.T) {
	tests := []struct {
		f    Figure
		n    int
		unit Unit
		ok   bool
	}{
		{Figure{Kind: FigureCadence, Amount: 3, Unit: UnitMonth}, 3, UnitMonth, true},
		{Figure{Kind: FigureCadence, Amount: 1, Unit: UnitDay}, 1, UnitDay, true},
		{Figure{Kind: FigureCadence, Amount: 0}, 0, "", false},                   // regularly
		{Figure{Kind: FigureCadence, Continuous: true}, 0, "", false},            // continuously
		{Figure{Kind: FigureDeadline, Amount: 48, Unit: UnitHour}, 0, "", false}, // not a cadence
	}
	for _, tt := range tests {
		n, unit, ok := tt.f.Interval()
		if n != tt.n || unit != tt.unit || ok != tt.ok {
			t.Errorf("%+v.Interval() = %d %q %v, want %d %q %v", tt.f, n, unit, ok, tt.n, tt.unit, tt.ok)
		}
	}
}

func TestFigureDue(t *testing.T) {
	at := time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		f    Figure
		want time.Time
		ok   bool
	}{
		{"48 hours after", Figure{Kind: FigureDeadline, Amount: 48, Unit: UnitHour, Event: "discovery"}, time.Date(2026, 2, 2, 10, 0, 0, 0, time.UTC), true},
		{"24 hours across a month end", Figure{Kind: FigureDeadline, Amount: 24, Unit: UnitHour, Event: "identification"}, time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC), true},
		// Go's calendar arithmetic: 31 January + 1 month is 3 March (no 31 February).
		{"1 month after", Figure{Kind: FigureDeadline, Amount: 1, Unit: UnitMonth, Event: "notification"}, time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), true},
		{"3 months before", Figure{Kind: FigureDeadline, Amount: 3, Unit: UnitMonth, Event: "cessation", Before: true}, time.Date(2025, 10, 31, 10, 0, 0, 0, time.UTC), true},
		{"without undue delay", Figure{Kind: FigureDeadline, Event: "identification"}, time.Time{}, false},
		{"a cadence", Figure{Kind: FigureCadence, Amount: 1, Unit: UnitYear}, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := tt.f.Due(at)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("%s: Due = %v %v, want %v %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFigureString(t *testing.T) {
	tests := []struct {
		f    Figure
		want string
	}{
		{Figure{Kind: FigureCadence, Amount: 3, Unit: UnitMonth, AtLeast: true, Subject: "vulnerability scan"}, "cadence: at least every 3 months (vulnerability scan)"},
		{Figure{Kind: FigureCadence, Amount: 1, Unit: UnitYear, AtLeast: true}, "cadence: at least every year"},
		{Figure{Kind: FigureCadence}, "cadence: regularly, interval not fixed"},
		{Figure{Kind: FigureCadence, Continuous: true}, "cadence: continuously"},
		{Figure{Kind: FigureDeadline, Amount: 48, Unit: UnitHour, Event: "discovery"}, "deadline: 48 hours after discovery"},
		{Figure{Kind: FigureDeadline, Amount: 1, Unit: UnitMonth, Event: "change", Before: true}, "deadline: 1 month before change"},
		{Figure{Kind: FigureDeadline, Event: "identification"}, "deadline: without a fixed time after identification"},
		{Figure{Kind: FigureTrigger, Event: EventSignificantChange}, "trigger: after significant change"},
		{Figure{Kind: FigureThreshold, Amount: 200000, Unit: UnitCount, Subject: "users"}, "threshold: users more than 200 000"},
		{Figure{Kind: FigureThreshold, Amount: 500000, Unit: UnitEUR, Subject: "loss"}, "threshold: loss more than EUR 500 000"},
		{Figure{Kind: FigureThreshold, Amount: 5, Unit: UnitPercent, Subject: "loss", Of: "annual turnover"}, "threshold: loss more than 5 % of annual turnover"},
		{Figure{Kind: FigureThreshold, Amount: 1, Unit: UnitHour, Subject: "unavailability", Window: &Span{1, UnitWeek}}, "threshold: unavailability more than 1 hour per week"},
		{Figure{Kind: FigureThreshold, Amount: 2, Unit: UnitCount, AtLeast: true, Subject: "incidents", Window: &Span{6, UnitMonth}}, "threshold: incidents at least 2 per 6 months"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestRequirementHas(t *testing.T) {
	r := Requirement{ID: "PRO-7.7-26", Types: []RequirementType{Proportion, Conditional, May, Shall}}
	if !r.Has(May) || !r.Has(Conditional) || r.Has(Should) {
		t.Errorf("Has on %v answered wrongly", r.Types)
	}
}
