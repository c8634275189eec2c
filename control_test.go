package evident

import "testing"

func fig(kind FigureKind, n float64, u Unit) Figure {
	return Figure{Kind: kind, Amount: n, Unit: u, Text: "t"}
}

func TestDefaultCadence(t *testing.T) {
	quarterly := Requirement{ID: "REQ-7.8-14", Figures: []Figure{fig(FigureCadence, 3, UnitMonth)}}
	annual := Requirement{ID: "REQ-7.8-19", Figures: []Figure{fig(FigureCadence, 1, UnitYear)}}
	daily := Requirement{ID: "REQ-7.10-06", Figures: []Figure{fig(FigureCadence, 1, UnitDay)}}
	regularly := Requirement{ID: "REQ-7.8-13", Figures: []Figure{fig(FigureCadence, 0, "")}}
	continuous := Requirement{ID: "X", Figures: []Figure{{Kind: FigureCadence, Continuous: true, Text: "continuously"}}}
	deadline := Requirement{ID: "REQ-7.9.2-09", Figures: []Figure{{Kind: FigureDeadline, Amount: 48, Unit: UnitHour, Event: "discovery", Text: "48 h"}}}
	tests := []struct {
		name string
		reqs []Requirement
		want string
		ok   bool
	}{
		{"quarterly from REQ-7.8-14", []Requirement{regularly, quarterly}, "quarterly", true},
		{"annual from REQ-7.8-19", []Requirement{annual}, "annual", true},
		{"daily from REQ-7.10-06", []Requirement{daily}, "daily", true},
		{"the most frequent wins", []Requirement{annual, quarterly, daily}, "daily", true},
		{"continuous beats any interval", []Requirement{daily, continuous}, "continuous", true},
		{"regularly fixes nothing", []Requirement{regularly}, "", false},
		{"deadlines are not cadences", []Requirement{deadline}, "", false},
		{"no requirements", nil, "", false},
	}
	for _, tt := range tests {
		c, ok := DefaultCadence(tt.reqs)
		got := ""
		if ok {
			got = c.String()
		}
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: got %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNeedsIndependentPerformer(t *testing.T) {
	ref := func(v, id string) RequirementRef { return RequirementRef{EN319401, v, RequirementID(id)} }
	if !NeedsIndependentPerformer([]RequirementRef{ref("3.2.1", "REQ-7.8-14"), ref("3.2.1", "REQ-7.8-13")}) {
		t.Error("a scan control (REQ-7.8-13) needs an independent performer")
	}
	if !NeedsIndependentPerformer([]RequirementRef{ref("3.2.1", "REQ-7.8-20")}) {
		t.Error("a pen-test control (REQ-7.8-20) needs an independent performer")
	}
	if NeedsIndependentPerformer([]RequirementRef{ref("3.2.1", "REQ-7.10-06")}) {
		t.Error("clock synchronisation needs no independent performer")
	}
	var none *Performer
	for _, p := range []*Performer{none, {Name: "x", Independent: true}, {Name: "x", Competence: "CREST"}, {Independent: true, Competence: "CREST"}} {
		if p.Qualifies() {
			t.Errorf("performer %+v qualifies, want not: name, independence and competence evidence are all needed", p)
		}
	}
	if !(&Performer{Name: "RedCell", Independent: true, Competence: "CREST-PT-1187"}).Qualifies() {
		t.Error("a named, independent performer with competence evidence must qualify")
	}
}
