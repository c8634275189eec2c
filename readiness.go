package evident

import "math"

// Readiness is how far a requirement is met, from the controls that meet it
// and the currency of their evidence.
type Readiness string

// Readiness states, from worst to best, and not applicable (excluded from
// every score).
const (
	ReadinessNotAddressed  Readiness = "not-addressed"  // no control and no not-applicable decision
	ReadinessFailing       Readiness = "failing"        // a control's latest evidence failed
	ReadinessPlanned       Readiness = "planned"        // controls, but no evidence yet
	ReadinessImplemented   Readiness = "implemented"    // evidence, but not current for every control
	ReadinessVerified      Readiness = "verified"       // current passing evidence for every control
	ReadinessNotApplicable Readiness = "not-applicable" // excluded in the statement of applicability
)

// ReadinessStates lists the states in display order.
var ReadinessStates = []Readiness{ReadinessVerified, ReadinessImplemented, ReadinessPlanned, ReadinessFailing, ReadinessNotAddressed, ReadinessNotApplicable}

// ReadinessOf decides a requirement's state from whether it applies, the
// freshness of each control that meets it and the number of open gaps that
// concern it. Failing wins over anything else, because stale or failing
// evidence never counts as passing and an assessor will ask about a
// failure first. A requirement with an open gap (a control slower than the
// standard's figure, terms and conditions missing an item, an untreated
// risk, ...) is at most implemented: current evidence does not prove a
// requirement the program itself leaves incomplete.
func ReadinessOf(applicable bool, controls []Freshness, gaps int) Readiness {
	if !applicable {
		return ReadinessNotApplicable
	}
	if len(controls) == 0 {
		return ReadinessNotAddressed
	}
	current, seen := 0, false
	for _, f := range controls {
		switch f.State {
		case CurrencyFailing:
			return ReadinessFailing
		case CurrencyCurrent:
			current++
			seen = true
		case CurrencyStale:
			seen = true
		}
	}
	switch {
	case current == len(controls) && gaps == 0:
		return ReadinessVerified
	case current == len(controls):
		return ReadinessImplemented
	case seen:
		return ReadinessImplemented
	}
	return ReadinessPlanned
}

// Weight is a state's contribution to the readiness score:
//
//	verified 1, implemented 0.5, planned 0.25, failing 0, not addressed 0.
//
// Not applicable requirements have no weight and are left out of the
// denominator. Planned earns a little because a control with an owner, a
// method and a cadence is real work; implemented earns half because
// evidence exists but does not prove the requirement is met today.
func (r Readiness) Weight() (w float64, counted bool) {
	switch r {
	case ReadinessVerified:
		return 1, true
	case ReadinessImplemented:
		return 0.5, true
	case ReadinessPlanned:
		return 0.25, true
	case ReadinessFailing, ReadinessNotAddressed:
		return 0, true
	}
	return 0, false
}

// Tally rolls requirement states up to a clause or the program. Score is
// 100 x (sum of weights) / (applicable requirements), to one decimal; a
// tally with no applicable requirement scores 100 (nothing is asked of it).
type Tally struct {
	Counts     map[Readiness]int `json:"counts"`
	Applicable int               `json:"applicable"`
	Score      float64           `json:"score"`
	sum        float64
}

// Add counts one requirement's state and updates the score.
func (t *Tally) Add(r Readiness) {
	if t.Counts == nil {
		t.Counts = map[Readiness]int{}
	}
	t.Counts[r]++
	w, counted := r.Weight()
	if counted {
		t.Applicable++
		t.sum += w
	}
	t.Score = 100
	if t.Applicable > 0 {
		t.Score = math.Round(1000*t.sum/float64(t.Applicable)) / 10
	}
}
