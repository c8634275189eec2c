package evident

import (
	"slices"
	"time"
)

// FreshUntil returns when evidence effective at t stops being current for
// a control on schedule s. Evidence is fresh until the control's next
// period ends: a scan in the second quarter carries the control through the
// third, and the fourth needs a new one. A TTL set by the verification
// method replaces that rule. Post-change evidence does not age with time,
// only with the next significant change, so it has no expiry (zero time).
func (s Schedule) FreshUntil(t time.Time) time.Time {
	switch {
	case s.TTL > 0:
		return t.Add(s.TTL)
	case s.Cadence.Kind == CadencePostChange:
		return time.Time{}
	case s.Cadence.Rolling:
		return s.Cadence.span(day(t).AddDate(0, 0, 1))
	}
	return s.Cadence.Next(s.Anchor, t).End
}

// Currency says whether a control has current passing evidence.
type Currency string

// Currency values. Only CurrencyCurrent counts as passing: stale or failing
// evidence never does.
const (
	CurrencyCurrent Currency = "current"
	CurrencyStale   Currency = "stale"
	CurrencyFailing Currency = "failing"
	CurrencyNone    Currency = "none"
)

// Freshness is a control's evidence currency at an instant.
type Freshness struct {
	State Currency `json:"state"`
	// Latest is the id of the evidence the state rests on.
	Latest     string    `json:"latest,omitempty"`
	Effective  time.Time `json:"effective,omitempty"`
	FreshUntil time.Time `json:"fresh_until,omitempty"`
	// StaleBy is the change that made the evidence stale, if one did.
	StaleBy string `json:"stale_by,omitempty"`
	// Missing lists the systems in scope without current passing
	// evidence of their own (on every one of their hosts, for a system
	// with hosts), when others have it.
	Missing []string `json:"missing,omitempty"`
}

// Freshness returns the control's evidence currency at at, from what was
// known at at. The latest evidence decides: if it failed the control is
// failing; if it passed it is current until FreshUntil, unless a
// significant change to the control's scope took effect after it. A
// control with systems is decided per system, and a system with hosts per
// host: failing when the latest evidence on any of them failed, current
// only when every one's is current.
// Only evidence that can judge the control counts (see Schedule.Method).
func (s Schedule) Freshness(h History, at time.Time) Freshness {
	h = h.visible(at)
	h.Occurrences = s.Review.accepted(h.Occurrences)
	latest := map[part]Occurrence{}
	for _, o := range h.Occurrences {
		if !s.judged(o) {
			continue
		}
		for _, pt := range s.partsOf(o) {
			latest[pt] = o // sorted: the last one stands
		}
	}
	if len(latest) == 0 {
		return Freshness{State: CurrencyNone}
	}
	var out Freshness
	missing := func(sys string) {
		if sys != "" && !slices.Contains(out.Missing, sys) {
			out.Missing = append(out.Missing, sys)
		}
	}
	for _, pt := range s.parts() {
		o, ok := latest[pt]
		if !ok {
			missing(pt.system)
			continue
		}
		f := s.freshnessOf(o, h, at)
		switch {
		case out.State == "" || f.State == CurrencyFailing && (out.State != CurrencyFailing || f.Effective.After(out.Effective)):
			out = Freshness{State: f.State, Latest: f.Latest, Effective: f.Effective, FreshUntil: f.FreshUntil, StaleBy: f.StaleBy, Missing: out.Missing}
		case out.State == CurrencyFailing:
		case f.State == CurrencyStale && out.State == CurrencyCurrent:
			out = Freshness{State: f.State, Latest: f.Latest, Effective: f.Effective, FreshUntil: f.FreshUntil, StaleBy: f.StaleBy, Missing: out.Missing}
		case f.State == CurrencyCurrent && out.State == CurrencyCurrent && !f.FreshUntil.IsZero() && (out.FreshUntil.IsZero() || f.FreshUntil.Before(out.FreshUntil)):
			// The control is current until its first system expires.
			out.Latest, out.Effective, out.FreshUntil = f.Latest, f.Effective, f.FreshUntil
		}
		if f.State != CurrencyCurrent {
			missing(pt.system)
		}
	}
	if out.State == CurrencyCurrent && len(out.Missing) > 0 {
		out.State = CurrencyStale
	}
	return out
}

// freshnessOf is the currency of one unit whose latest evidence is o.
func (s Schedule) freshnessOf(o Occurrence, h History, at time.Time) Freshness {
	f := Freshness{Latest: o.ID, Effective: o.Effective, FreshUntil: s.FreshUntil(o.Effective)}
	if !o.Until.IsZero() && !f.FreshUntil.IsZero() && s.TTL == 0 && s.Cadence.Kind != CadencePostChange {
		f.FreshUntil = s.FreshUntil(o.Until.Add(-time.Nanosecond))
	}
	switch {
	case !s.Passes(o):
		f.State = CurrencyFailing
	case staleBy(o, h.Changes, at.Add(time.Nanosecond)) != "":
		f.State, f.StaleBy = CurrencyStale, staleBy(o, h.Changes, at.Add(time.Nanosecond))
	case !f.FreshUntil.IsZero() && !at.Before(f.FreshUntil):
		f.State = CurrencyStale
	default:
		f.State = CurrencyCurrent
	}
	return f
}
