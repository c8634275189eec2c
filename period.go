package evident

import (
	"sort"
	"time"
)

// Window is one span a control must be evidenced in: [Start, End), UTC.
// Half-open on purpose: evidence effective at exactly midnight on 1 April
// belongs to the second quarter, never to both.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Contains reports whether t falls inside the window.
func (w Window) Contains(t time.Time) bool {
	return !t.Before(w.Start) && t.Before(w.End)
}

// LastDay is the last calendar day (UTC) of the window, the date people
// write when they say "the third quarter runs to 30 September": the day of
// the window's last instant. A window ending at midnight ends the day
// before; one ending at 20:46 (a post-change window, counted from the
// change) ends that same day.
func (w Window) LastDay() time.Time {
	return w.End.Add(-time.Nanosecond).UTC().Truncate(24 * time.Hour)
}

// PostChangeDue is how long after a significant change the post-change work
// (a penetration test, a risk review) is due. EN 319 401 asks for it "after
// significant changes" without a figure; 30 days is our documented default.
const PostChangeDue = 30 * 24 * time.Hour

// Grace is how long after a window ends its evidence may still arrive before
// the period counts as missed rather than overdue. A scan run on the last
// day of a quarter is often uploaded a few days later; a day's time-sync log
// the next day. Day windows get 1 day, weeks 2 days, months 7 days, years 30
// days, post-change work 7 days.
func (c Cadence) Grace() time.Duration {
	day := 24 * time.Hour
	switch {
	case c.Kind == CadencePostChange:
		return 7 * day
	case c.Unit == UnitDay:
		return day
	case c.Unit == UnitWeek:
		return 2 * day
	case c.Unit == UnitMonth:
		return 7 * day
	case c.Unit == UnitYear:
		return 30 * day
	}
	return day
}

// interval returns the cadence as a whole number of calendar units;
// continuous cadences are daily.
func (c Cadence) interval() (int, Unit) {
	if c.Kind == CadenceContinuous {
		return 1, UnitDay
	}
	n := c.Every
	if n < 1 {
		n = 1
	}
	switch c.Unit {
	case UnitDay, UnitWeek, UnitMonth, UnitYear:
		return n, c.Unit
	}
	// ParseCadence never yields another unit, but a row edited by hand
	// could; a window must still have a length, or every loop over
	// windows would spin on an empty one.
	return n, UnitDay
}

// Window returns the calendar-aligned window of a periodic or continuous
// cadence that contains t. Days start at 00:00 UTC, weeks on Monday (ISO
// 8601), months on the 1st, years on 1 January. Multi-unit cadences align to
// the calendar where the calendar divides evenly (quarters start in
// January, April, July and October; half-years in January and July) and to
// the anchor otherwise ("every 10 days" counts from the anchor's day).
func (c Cadence) Window(anchor, t time.Time) Window {
	n, unit := c.interval()
	t, anchor = t.UTC(), anchor.UTC()
	var start time.Time
	switch unit {
	case UnitWeek:
		base := monday(anchor)
		if n == 1 {
			base = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC) // a Monday
		}
		k := floorDiv(daysBetween(base, monday(t)), 7*n)
		start = base.AddDate(0, 0, k*7*n)
	case UnitMonth:
		base := 0
		if 12%n != 0 {
			base = monthIndex(anchor)
		}
		k := floorDiv(monthIndex(t)-base, n)
		m := base + k*n
		start = time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC)
	case UnitYear:
		base := 0
		if n > 1 {
			base = anchor.Year()
		}
		y := base + floorDiv(t.Year()-base, n)*n
		start = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	default: // days
		base := day(anchor)
		if n == 1 {
			base = time.Unix(0, 0).UTC()
		}
		k := floorDiv(daysBetween(base, day(t)), n)
		start = base.AddDate(0, 0, k*n)
	}
	end, _ := addUnits(start, n, unit)
	return Window{Start: start, End: end}
}

// Windows returns the calendar-aligned windows that overlap [from, to), in
// order. Rolling and post-change cadences have no fixed windows: their
// windows depend on the evidence and the changes (see Evaluate).
func (c Cadence) Windows(anchor, from, to time.Time) []Window {
	if c.Kind == CadencePostChange || !from.Before(to) {
		return nil
	}
	var out []Window
	for w := c.Window(anchor, from); w.Start.Before(to) && w.End.After(w.Start); w = c.Window(anchor, w.End) {
		out = append(out, w)
	}
	return out
}

// Next returns the window after the one containing t.
func (c Cadence) Next(anchor, t time.Time) Window {
	return c.Window(anchor, c.Window(anchor, t).End)
}

// span returns the length of one window that starts at start.
func (c Cadence) span(start time.Time) time.Time {
	n, unit := c.interval()
	end, _ := addUnits(start, n, unit)
	return end
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func monday(t time.Time) time.Time {
	d := day(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

// daysBetween counts whole days from a to b, both at midnight UTC. Days are
// exactly 24 hours in UTC, so division is exact.
func daysBetween(a, b time.Time) int { return int(b.Sub(a) / (24 * time.Hour)) }

// floorDiv rounds towards minus infinity, so times before the anchor fall
// into earlier windows instead of the first one.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// sortOccurrences orders occurrences by effective time, then by ledger
// order, so "the latest in the window" has one answer: of two records
// effective at the same instant, the one recorded later stands. Ids only
// order records that carry no ledger index (histories built by hand).
func sortOccurrences(occ []Occurrence) []Occurrence {
	out := append([]Occurrence(nil), occ...)
	sortOccurrencesInPlace(out)
	return out
}

// OrderOccurrences puts occ, in place, in the order every judgement reads
// a history in (effective time, then ledger order). A history so ordered
// is judged without a copy: a reader that owns its records (readiness,
// which reads a control's at a time) orders them once rather than have
// each judgement copy and sort them, which for a control with a hundred
// thousand records sharing a few instants is tens of megabytes each time.
func OrderOccurrences(occ []Occurrence) { sortOccurrencesInPlace(occ) }

// sortOccurrencesInPlace is sortOccurrences on occ itself. Histories
// mostly arrive in order already (the store reads them by effective
// time), and every view judges a control several times, so a sorted one
// is only checked.
func sortOccurrencesInPlace(occ []Occurrence) {
	for i := 1; i < len(occ); i++ {
		if occurredBefore(&occ[i], &occ[i-1]) {
			sort.SliceStable(occ, func(i, j int) bool { return occurredBefore(&occ[i], &occ[j]) })
			return
		}
	}
}

// occurredBefore is the order of sortOccurrences.
func occurredBefore(a, b *Occurrence) bool {
	if !a.Effective.Equal(b.Effective) {
		return a.Effective.Before(b.Effective)
	}
	if a.LedgerIndex != b.LedgerIndex {
		return a.LedgerIndex < b.LedgerIndex
	}
	return a.ID < b.ID
}
