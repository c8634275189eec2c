package evident

import (
	"sort"
	"time"
)

// Occurrence is what period evaluation needs to know about one evidence
// record for a control: when the activity happened, when the server
// received the record, and whether it passed. Evidence that covers a period
// (a monthly report) sets Until; a point in time (a scan) leaves it zero.
type Occurrence struct {
	ID        string    `json:"id"`
	Effective time.Time `json:"effective"`
	Until     time.Time `json:"until,omitempty"`
	Received  time.Time `json:"received"`
	// Failed is set when the evidence was checked against the control's
	// acceptance criteria and did not meet them. Evidence without a verdict
	// counts as passing; for a control verified by a person only once a
	// second person accepted it (Review).
	Failed bool `json:"failed,omitempty"`
	// Review is the submission's review state when the control's method
	// needs a second person's acceptance; "" for parsed tool output.
	Review ReviewState `json:"review,omitempty"`
	// AcceptedFor lists the systems an accepted submission was accepted for.
	AcceptedFor []string `json:"accepted_for,omitempty"`
}

// visible reports whether the occurrence was known at at: received by the
// server and effective no later than at. Status at a past instant counts
// only what the append-only ledger held then.
func (o Occurrence) visible(at time.Time) bool {
	return !o.Received.After(at) && !o.Effective.After(at)
}

// in reports whether the occurrence is effective inside w: its instant, or
// for evidence covering a period, any overlap with the window.
func (o Occurrence) in(w Window) bool {
	if o.Until.After(o.Effective) {
		return o.Effective.Before(w.End) && o.Until.After(w.Start)
	}
	return w.Contains(o.Effective)
}

// PeriodState is the state of one window of a control at an instant.
type PeriodState string

// Period states. Failing wins over satisfied (the latest verdict counts),
// both win over an exception, and a window without evidence is due while
// open, overdue during its grace time and missed after it.
const (
	PeriodSatisfied PeriodState = "satisfied"
	PeriodFailing   PeriodState = "failing"
	PeriodDue       PeriodState = "due"
	PeriodOverdue   PeriodState = "overdue"
	PeriodMissed    PeriodState = "missed"
	PeriodExcepted  PeriodState = "excepted"
	PeriodUpcoming  PeriodState = "upcoming"
)

// Period is one window of a control with its state at an instant.
type Period struct {
	Window
	State PeriodState `json:"state"`
	// Evidence lists the ids of the evidence counted for the window, in
	// effective order. Stale evidence (collected before a significant
	// change in the window) is not listed.
	Evidence []string `json:"evidence,omitempty"`
	// Exception is the id of the exception that excuses the window.
	Exception string `json:"exception,omitempty"`
	// Change is the id of the change that opened a post-change window.
	Change string `json:"change,omitempty"`
	// Review says why a reviewed control's window is not satisfied when a
	// review explains it: "awaiting review", "rejected", or the systems
	// accepted so far.
	Review string `json:"review,omitempty"`
}

// Schedule is what a control's periods are computed from.
type Schedule struct {
	Cadence Cadence
	// Anchor is when the control came into force; the first window is the
	// one that contains it. Rolling windows and "every N" cadences that the
	// calendar does not divide count from it.
	Anchor time.Time
	// TTL, when set by the verification method, replaces the cadence's
	// freshness rule: evidence is current for TTL after it is effective.
	TTL time.Duration
	// Needs is how many passing evidence items each window needs (one per
	// system scanned, say); zero means one.
	Needs int
	// Review, when set, makes only accepted submissions count: the
	// control is verified by a person, not by an importer's verdict.
	Review *ReviewScope
}

// History is the input of period evaluation for one control. Changes are
// the significant changes to the systems and services the control is
// scoped to; exceptions are the control's documented exceptions.
type History struct {
	Occurrences []Occurrence
	Exceptions  []Exception
	Changes     []Change
}

// visible returns the history as it was known at at, occurrences sorted.
func (h History) visible(at time.Time) History {
	var v History
	for _, o := range h.Occurrences {
		if o.visible(at) {
			v.Occurrences = append(v.Occurrences, o)
		}
	}
	v.Occurrences = sortOccurrences(v.Occurrences)
	for _, e := range h.Exceptions {
		if !e.RecordedAt.After(at) {
			v.Exceptions = append(v.Exceptions, e)
		}
	}
	for _, c := range h.Changes {
		if c.Significant && !c.RecordedAt.After(at) && !c.At.After(at) {
			v.Changes = append(v.Changes, c)
		}
	}
	sort.SliceStable(v.Changes, func(i, j int) bool { return v.Changes[i].At.Before(v.Changes[j].At) })
	return v
}

// Evaluate returns the control's periods that overlap [from, to), each with
// its state as it was at instant at. Only evidence received, exceptions and
// changes recorded at or before at count, so the answer for a past instant
// is exactly what Evaluate said then. Windows that start after at are
// upcoming.
func (s Schedule) Evaluate(h History, from, to, at time.Time) []Period {
	h = h.visible(at)
	all := h
	h.Occurrences = s.Review.accepted(h.Occurrences)
	var ws []periodWindow
	switch {
	case s.Cadence.Kind == CadencePostChange:
		ws = s.changeWindows(h, from, to)
	case s.Cadence.Rolling:
		ws = s.rollingWindows(h, from, to, at)
	default:
		for _, w := range s.Cadence.Windows(s.Anchor, maxTime(from, s.Cadence.Window(s.Anchor, s.Anchor).Start), to) {
			ws = append(ws, periodWindow{Window: w})
		}
	}
	var out []Period
	for _, w := range ws {
		if !w.End.After(from) || !w.Start.Before(to) {
			continue
		}
		out = append(out, s.reviewed(s.period(w, h, at), all, at))
	}
	return out
}

// periodWindow is a window and, for post-change work, the change behind it.
type periodWindow struct {
	Window
	change string
}

// changeWindows opens one window per significant change: the work is due
// PostChangeDue after the change took effect.
func (s Schedule) changeWindows(h History, from, to time.Time) []periodWindow {
	var out []periodWindow
	for _, c := range h.Changes {
		w := Window{Start: c.At, End: c.At.Add(PostChangeDue)}
		out = append(out, periodWindow{Window: w, change: c.ID})
	}
	return out
}

// rollingWindows walks the timeline: each window lasts one interval, and
// closes at the end of the UTC day of the first passing evidence in it, so
// the next one runs a full interval from that day. "A pen test at least
// once a year, rolling" done on 15 March 2026 is next due by 15 March 2027
// inclusive. The latest passing evidence always ends a window at the end
// of its day, so the walk starts there when that is before from: the
// result is the same as walking from the anchor, without reading history
// older than it needs.
func (s Schedule) rollingWindows(h History, from, to, at time.Time) []periodWindow {
	var out []periodWindow
	start := day(s.Anchor)
	for _, o := range h.Occurrences {
		if !o.Failed && o.Effective.Before(from) && !o.Effective.Before(start) {
			start = day(o.Effective).AddDate(0, 0, 1)
		}
	}
	for start.Before(to) {
		w := Window{Start: start, End: s.Cadence.span(start)}
		if start.Before(at) {
			w.End = closing(h, w, at)
		}
		out = append(out, periodWindow{Window: w})
		start = w.End
	}
	return out
}

// closing returns where a rolling window ends: at the end of the day of
// its first passing evidence, or its full span without one. Evidence only
// has to be current on its own day; a change after the window closed is
// the next window's business.
func closing(h History, w Window, at time.Time) time.Time {
	for _, o := range h.Occurrences {
		if o.Failed || !w.Contains(o.Effective) {
			continue
		}
		end := day(o.Effective).AddDate(0, 0, 1)
		if staleBy(o, h.Changes, end) == "" {
			return end
		}
	}
	return w.End
}

// counted returns the occurrences that count for w at at: effective inside
// it and not made stale by a significant change between their effective
// time and the end of the window. h holds only changes known at at.
func counted(h History, w Window, at time.Time) []Occurrence {
	var out []Occurrence
	for _, o := range h.Occurrences {
		if !o.in(w) {
			continue
		}
		if staleBy(o, h.Changes, w.End) != "" {
			continue
		}
		out = append(out, o)
	}
	return out
}

// staleBy returns the id of the first significant change after o took
// effect and before end: evidence collected before a significant change no
// longer speaks for the changed system. end is exclusive, like a window's:
// a change at exactly midnight on 1 July belongs to July, and leaves June's
// evidence alone.
func staleBy(o Occurrence, changes []Change, end time.Time) string {
	for _, c := range changes {
		if c.At.After(o.Effective) && c.At.Before(end) {
			return c.ID
		}
	}
	return ""
}

// period computes the state of one window at at.
func (s Schedule) period(w periodWindow, h History, at time.Time) Period {
	p := Period{Window: w.Window, Change: w.change}
	if w.Start.After(at) {
		p.State = PeriodUpcoming
		return p
	}
	occ := counted(h, w.Window, at)
	for _, o := range occ {
		p.Evidence = append(p.Evidence, o.ID)
	}
	passed := 0
	for _, o := range occ {
		if !o.Failed {
			passed++
		}
	}
	switch {
	case len(occ) > 0 && occ[len(occ)-1].Failed:
		p.State = PeriodFailing
	case passed >= max(s.Needs, 1):
		p.State = PeriodSatisfied
	default:
		if e, ok := excepting(h.Exceptions, w.Window, at); ok {
			p.State, p.Exception = PeriodExcepted, e.ID
			return p
		}
		p.State = s.lateness(w.Window, at)
	}
	return p
}

// lateness is the state of a window with no evidence.
func (s Schedule) lateness(w Window, at time.Time) PeriodState {
	switch {
	case at.Before(w.End):
		return PeriodDue
	case at.Before(w.End.Add(s.Cadence.Grace())):
		return PeriodOverdue
	}
	return PeriodMissed
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
