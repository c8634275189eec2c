package evident

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
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
	// (an attestation, a reviewed document) counts as passing, except for
	// a control verified by import (see Schedule.Method); for a control
	// verified by a person only once a second person accepted it (Review).
	Failed bool `json:"failed,omitempty"`
	// Verdict is the verdict of a record an importer derived, "" for
	// evidence nothing judged (a raw file, an attestation).
	Verdict Verdict `json:"verdict,omitempty"`
	// Systems are the ids of the systems the evidence speaks for, empty
	// when it names none.
	Systems []string `json:"systems,omitempty"`
	// Hosts maps each of Systems to the in-scope hosts of it the run
	// checked, for a verdict an importer derived with a scope known (see
	// DetailHosts). A system it does not list is checked on none of its
	// hosts; nil (no scope known) means the record speaks for each named
	// system as a whole.
	Hosts map[string][]string `json:"hosts,omitempty"`
	// LedgerIndex is the record's leaf. Of two records effective at the
	// same instant the one recorded later stands, whatever their ids.
	LedgerIndex int64 `json:"ledger_index,omitempty"`
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
	// Have and Want are the window's "n of m": systems satisfied of the
	// systems in scope or, for a control without systems, passing items
	// found (at most Want) of the items needed.
	Have int `json:"have"`
	Want int `json:"want"`
	// Systems is each in-scope system's part of the window, in scope
	// order; empty for a control without systems.
	Systems []SystemPeriod `json:"systems,omitempty"`
	// Unattributed lists evidence of the window that names none of the
	// control's systems, or checked none of their hosts: it counts for
	// none of them.
	Unattributed []string `json:"unattributed,omitempty"`
	// Unjudged lists files of an import control's window that no
	// importer judged: they are kept, but only a verdict counts.
	Unjudged []string `json:"unjudged,omitempty"`
	// Late lists the counted evidence received after the window ended.
	// Lateness is an attribute, not a state: the evidence still counts.
	Late []string `json:"late,omitempty"`
	// Review says why a reviewed control's window is not satisfied when a
	// review explains it: "awaiting review", "rejected", or the systems
	// accepted so far.
	Review string `json:"review,omitempty"`
}

// SystemPeriod is one system's part of a window: how many passing items
// it has, and the verdict that stands for it (the latest by effective
// time, ties by ledger order; for a system with hosts, the latest on each
// host, the failing one if any failed).
type SystemPeriod struct {
	System string `json:"system"`
	// State is satisfied or failing, else the window's own state (due,
	// overdue, missed or excepted): the system still lacks evidence.
	State    PeriodState `json:"state"`
	Passed   int         `json:"passed"`
	Standing string      `json:"standing,omitempty"`
	// Host is the host the standing verdict failed on, for a failing
	// system with hosts.
	Host string `json:"host,omitempty"`
	// Missing lists the system's hosts that no passing verdict of the
	// window checked: the system is not satisfied while any is left.
	Missing []string `json:"missing,omitempty"`
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
	// Needs is how many passing evidence items each window needs, for
	// each system in Systems; zero means one.
	Needs int
	// Method is the control's verification method. For MethodImport only
	// a verdict an importer derived counts: a raw file proves nothing
	// passed, so it neither satisfies nor fails a window.
	Method MethodKind
	// Systems are the ids of the systems in the control's scope. Every
	// one needs its own passing evidence in each window, and the latest
	// verdict per system stands, so one host's pass never hides another's
	// fail. Without systems the control is judged as one unit.
	Systems []string
	// Hosts are the hosts the program lists for each system of Systems.
	// A system with hosts is satisfied in a window only when the passing
	// verdicts of the window together checked every one of them, and the
	// latest verdict on each host stands: a run on host b failing after a
	// pass fails the system. A system without hosts is judged by the
	// records that name it. Evidence that says nothing about hosts
	// (Occurrence.Hosts nil) speaks for all of a system's hosts.
	Hosts map[string][]string
	// Review, when set, makes only accepted submissions count: the
	// control is verified by a person, not by an importer's verdict.
	Review *ReviewScope
}

// judged reports whether o can decide a window of s at all: for a control
// verified by import, only an importer's verdict can.
func (s Schedule) judged(o Occurrence) bool {
	return s.Method != MethodImport || o.Verdict == VerdictPass || o.Verdict == VerdictFail
}

// Passes reports whether o is passing evidence for s: an import
// control's needs an importer's passing verdict.
func (s Schedule) Passes(o Occurrence) bool {
	if o.Failed || o.Verdict == VerdictFail {
		return false
	}
	return s.Method != MethodImport || o.Verdict == VerdictPass
}

// units returns what s judges separately: its systems, or one unnamed
// unit for a control without systems.
func (s Schedule) units() []string {
	if len(s.Systems) == 0 {
		return []string{""}
	}
	return s.Systems
}

// OccurrenceOf is what period evaluation knows of evidence record e.
func OccurrenceOf(e Evidence) Occurrence {
	o := Occurrence{ID: e.ID, Effective: e.Effective.From, Until: e.Effective.To, Received: e.ReceivedAt,
		Failed: e.Verdict == VerdictFail, Verdict: e.Verdict, LedgerIndex: e.LedgerIndex}
	for _, sv := range e.Systems {
		o.Systems = append(o.Systems, sv.Name)
	}
	if e.Kind == DerivedEvidence {
		o.Hosts = DetailHosts(e.Detail)
	}
	return o
}

// DetailHosts reads the hosts an import checked, per system, from its
// derived record's detail ({"scope": {"hosts": {SYSTEM: [HOST...]}}}):
// Occurrence.Hosts. It is nil when the detail has no scope, or a scope
// written before hosts were recorded per system (such a record named only
// the systems it covered completely).
func DetailHosts(detail []byte) map[string][]string {
	if len(detail) == 0 {
		return nil
	}
	var d struct {
		Scope *struct {
			Hosts map[string][]string `json:"hosts"`
		} `json:"scope"`
	}
	if json.Unmarshal(detail, &d) != nil || d.Scope == nil {
		return nil
	}
	return d.Scope.Hosts
}

// Answers reports whether later evidence answers failed for s: it passes
// and speaks for every part (system, and host of it) the failure spoke
// for, so a pass on one host never answers another host's failure. A
// schedule without the program's hosts takes them from the failure.
func (s Schedule) Answers(failed Occurrence, later []Occurrence) bool {
	if len(s.Hosts) == 0 && failed.Hosts != nil {
		s.Hosts = failed.Hosts
	}
	parts := s.partsOf(failed)
	for _, pt := range parts {
		answered := false
		for _, o := range later {
			if s.Passes(o) && slices.Contains(s.partsOf(o), pt) {
				answered = true
				break
			}
		}
		if !answered {
			return false
		}
	}
	return len(parts) > 0
}

// part is what one verdict can stand for: a system, or one host of a
// system with hosts (host "" for a system without, and for the one unit
// of a control without systems).
type part struct{ system, host string }

// parts lists every part of s's scope, in scope order.
func (s Schedule) parts() []part {
	var out []part
	for _, u := range s.units() {
		hosts := s.Hosts[u]
		if len(hosts) == 0 {
			out = append(out, part{system: u})
		}
		for _, h := range hosts {
			out = append(out, part{u, h})
		}
	}
	return out
}

// partsOf returns the parts o speaks for: for each system of the scope it
// names, the system's hosts it checked (all of them when o says nothing
// about hosts), or the system itself when it has none.
func (s Schedule) partsOf(o Occurrence) []part {
	var out []part
	for _, sys := range s.unitsOf(o) {
		hosts := s.Hosts[sys]
		if len(hosts) == 0 {
			out = append(out, part{system: sys})
			continue
		}
		for _, h := range hosts {
			if o.Hosts == nil || slices.Contains(o.Hosts[sys], h) {
				out = append(out, part{sys, h})
			}
		}
	}
	return out
}

// speaksFor returns the systems o speaks for on at least one part.
func (s Schedule) speaksFor(o Occurrence) []string {
	var out []string
	for _, pt := range s.partsOf(o) {
		if !slices.Contains(out, pt.system) {
			out = append(out, pt.system)
		}
	}
	return out
}

// unitsOf returns the units o speaks for: the systems of the scope it
// names, or the one unit of a control without systems. Evidence naming
// no system of a scoped control counts for none of its systems.
func (s Schedule) unitsOf(o Occurrence) []string {
	if len(s.Systems) == 0 {
		return []string{""}
	}
	var out []string
	for _, sys := range o.Systems {
		if slices.Contains(s.Systems, sys) && !slices.Contains(out, sys) {
			out = append(out, sys)
		}
	}
	return out
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
	if allVisibleInOrder(h.Occurrences, at) {
		// The common case, a history as the store reads it: shared, not
		// copied (a control's history may hold a hundred thousand
		// records), and capped so that an append by a caller copies.
		// Nothing here changes an occurrence in place.
		v.Occurrences = h.Occurrences[:len(h.Occurrences):len(h.Occurrences)]
	} else {
		v.Occurrences = make([]Occurrence, 0, len(h.Occurrences))
		for _, o := range h.Occurrences {
			if o.visible(at) {
				v.Occurrences = append(v.Occurrences, o)
			}
		}
		sortOccurrencesInPlace(v.Occurrences) // v's own copy
	}
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

// allVisibleInOrder reports whether every occurrence was known at at and
// they are in sortOccurrences' order already.
func allVisibleInOrder(occ []Occurrence, at time.Time) bool {
	for i := range occ {
		if !occ[i].visible(at) || (i > 0 && occurredBefore(&occ[i], &occ[i-1])) {
			return false
		}
	}
	return true
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
	// Each window looks up its evidence in an index of the sorted history
	// instead of scanning all of it: a daily control over five years has
	// some 1 800 windows and as many records, and a scan per window made
	// the period computation quadratic in the history.
	tl, allTl := newTimeline(h), newTimeline(all)
	if s.Review == nil {
		allTl = tl
	}
	var ws []periodWindow
	switch {
	case s.Cadence.Kind == CadencePostChange:
		ws = s.changeWindows(h, from, to)
	case s.Cadence.Rolling:
		ws = s.rollingWindows(tl, from, to, at)
	default:
		for _, w := range s.Cadence.Windows(s.Anchor, maxTime(from, s.Cadence.Window(s.Anchor, s.Anchor).Start), to) {
			ws = append(ws, periodWindow{Window: w})
		}
	}
	out := make([]Period, 0, len(ws))
	for _, w := range ws {
		if !w.End.After(from) || !w.Start.Before(to) {
			continue
		}
		out = append(out, s.reviewed(s.period(w, tl, at), allTl, at))
	}
	return out
}

// timeline is a history whose occurrences are sorted (History.visible)
// and indexed so that a window finds the evidence effective in it by
// binary search. Evidence covering a period (Until after Effective) may
// overlap a window it starts before; spans lists those occurrences, with
// the latest end of any of them up to each, so a window walks back only
// over spans that can still reach it.
type timeline struct {
	History
	spans []int       // indexes in Occurrences of evidence covering a period, ascending
	reach []time.Time // reach[i]: the latest Until of spans[0..i]
}

// newTimeline indexes h, whose occurrences are sorted.
func newTimeline(h History) *timeline {
	t := &timeline{History: h}
	var last time.Time
	for i, o := range h.Occurrences {
		if o.Until.After(o.Effective) {
			if o.Until.After(last) {
				last = o.Until
			}
			t.spans = append(t.spans, i)
			t.reach = append(t.reach, last)
		}
	}
	return t
}

// effectiveIn returns the bounds [lo, hi) of the occurrences effective
// inside w.
func (t *timeline) effectiveIn(w Window) (lo, hi int) {
	occ := t.Occurrences
	lo = sort.Search(len(occ), func(i int) bool { return !occ[i].Effective.Before(w.Start) })
	hi = lo + sort.Search(len(occ)-lo, func(i int) bool { return !occ[lo+i].Effective.Before(w.End) })
	return lo, hi
}

// in returns the occurrences effective inside w or, for evidence covering
// a period, overlapping it (Occurrence.in), in the history's order.
func (t *timeline) in(w Window) []Occurrence {
	lo, hi := t.effectiveIn(w)
	var out []Occurrence
	// Every occurrence effective before w that overlaps it is a span
	// before lo; reach is non-decreasing, so once it is at or before the
	// window's start no earlier span reaches the window.
	for j := sort.SearchInts(t.spans, lo) - 1; j >= 0 && t.reach[j].After(w.Start); j-- {
		if o := t.Occurrences[t.spans[j]]; o.in(w) {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		return t.Occurrences[lo:hi:hi] // capped: an append by the caller copies
	}
	slices.Reverse(out)
	return append(out, t.Occurrences[lo:hi]...)
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
// older than it needs. With several systems (or Needs above one) a pass
// closes a window only once every system has its items, so the start is
// then an approximation: it may open a window early, never late.
func (s Schedule) rollingWindows(h *timeline, from, to, at time.Time) []periodWindow {
	var out []periodWindow
	start := day(s.Anchor)
	for _, o := range h.Occurrences {
		if s.Passes(o) && len(s.partsOf(o)) > 0 && o.Effective.Before(from) && !o.Effective.Before(start) {
			start = day(o.Effective).AddDate(0, 0, 1)
		}
	}
	for start.Before(to) {
		w := Window{Start: start, End: s.Cadence.span(start)}
		if start.Before(at) {
			w.End = s.closing(h, w)
		}
		out = append(out, periodWindow{Window: w})
		start = w.End
	}
	return out
}

// closing returns where a rolling window ends: at the end of the day of
// the passing evidence that completes it (every system with its Needs
// passing items), or its full span without one. Evidence only has to be
// current on its own day; a change after the window closed is the next
// window's business.
func (s Schedule) closing(h *timeline, w Window) time.Time {
	t := s.newTally()
	lo, hi := h.effectiveIn(w)
	for _, o := range h.Occurrences[lo:hi] {
		if !s.Passes(o) {
			continue
		}
		end := day(o.Effective).AddDate(0, 0, 1)
		if staleBy(o, h.Changes, end) != "" {
			continue
		}
		t.add(o)
		if t.complete() {
			return end
		}
	}
	return w.End
}

// tally is a window's counted verdicts per system: its passing items, the
// hosts they checked, and the latest verdict on each part. period and
// closing both judge a window by it, so they cannot disagree.
type tally struct {
	s        Schedule
	passed   map[string]int
	checked  map[part]bool
	standing map[part]Occurrence
}

func (s Schedule) newTally() *tally {
	return &tally{s: s, passed: map[string]int{}, checked: map[part]bool{}, standing: map[part]Occurrence{}}
}

// add counts o, which the caller keeps in effective order.
func (t *tally) add(o Occurrence) {
	pass := t.s.Passes(o)
	for _, sys := range t.s.speaksFor(o) {
		if pass {
			t.passed[sys]++
		}
	}
	for _, pt := range t.s.partsOf(o) {
		if pass {
			t.checked[pt] = true
		}
		t.standing[pt] = o
	}
}

// system judges one unit: the standing verdict (the failing one if any
// part's latest failed, else the latest), the part it failed on, the hosts
// no passing verdict checked, and whether it is satisfied.
func (t *tally) system(sys string) (sp SystemPeriod, seen, failing, satisfied bool) {
	sp = SystemPeriod{System: sys, Passed: t.passed[sys]}
	var stand Occurrence
	for _, pt := range t.s.parts() {
		if pt.system != sys {
			continue
		}
		if !t.checked[pt] && pt.host != "" {
			sp.Missing = append(sp.Missing, pt.host)
		}
		o, ok := t.standing[pt]
		if !ok {
			continue
		}
		fails := !t.s.Passes(o)
		if !seen || (fails && !failing) || (fails == failing && later(o, stand)) {
			stand, sp.Standing = o, o.ID
			if fails {
				sp.Host = pt.host
			}
		}
		seen, failing = true, failing || fails
	}
	satisfied = seen && !failing && sp.Passed >= max(t.s.Needs, 1) && len(sp.Missing) == 0
	return sp, seen, failing, satisfied
}

// complete reports whether every unit is satisfied.
func (t *tally) complete() bool {
	for _, u := range t.s.units() {
		if _, _, _, ok := t.system(u); !ok {
			return false
		}
	}
	return true
}

// later reports whether a stands after b: effective later, or at the same
// instant recorded later (see sortOccurrences).
func later(a, b Occurrence) bool {
	if !a.Effective.Equal(b.Effective) {
		return a.Effective.After(b.Effective)
	}
	return a.LedgerIndex > b.LedgerIndex || (a.LedgerIndex == b.LedgerIndex && a.ID > b.ID)
}

// counted returns the occurrences that count for w at at: effective inside
// it and not made stale by a significant change between their effective
// time and the end of the window. h holds only changes known at at.
func counted(h *timeline, w Window, at time.Time) []Occurrence {
	in := h.in(w)
	for i, o := range in {
		if staleBy(o, h.Changes, w.End) == "" {
			continue
		}
		// Copied only once one is left out: most windows count all
		// their evidence, and a window may hold a hundred thousand.
		out := in[:i:i] // capped: the first append copies
		for _, o := range in[i+1:] {
			if staleBy(o, h.Changes, w.End) == "" {
				out = append(out, o)
			}
		}
		return out
	}
	return in
}

// staleBy returns the id of the first significant change after o took
// effect and before end: evidence collected before a significant change no
// longer speaks for the changed system. end is exclusive, like a window's:
// a change at exactly midnight on 1 July belongs to July, and leaves June's
// evidence alone. Evidence that names its systems speaks on for them after
// a change to another system; a change to a service touches all of it.
func staleBy(o Occurrence, changes []Change, end time.Time) string {
	for _, c := range changes {
		if c.At.After(o.Effective) && c.At.Before(end) && touches(c, o) {
			return c.ID
		}
	}
	return ""
}

// touches reports whether change c concerns what o speaks for.
func touches(c Change, o Occurrence) bool {
	if c.System == "" || c.Service != "" || len(o.Systems) == 0 {
		return true
	}
	return slices.Contains(o.Systems, c.System)
}

// period computes the state of one window at at. Each unit (system, or
// the control as a whole) is failing when its latest counted evidence
// (on any of its hosts) failed, and satisfied with Needs passing items
// that together checked all of its hosts; the window is failing when any
// unit fails and satisfied only when every unit is.
func (s Schedule) period(w periodWindow, h *timeline, at time.Time) Period {
	p := Period{Window: w.Window, Change: w.change, Want: len(s.Systems)}
	need := max(s.Needs, 1)
	if p.Want == 0 {
		p.Want = need
	}
	if w.Start.After(at) {
		p.State = PeriodUpcoming
		return p
	}
	t := s.newTally()
	for _, o := range counted(h, w.Window, at) {
		if !s.judged(o) {
			p.Unjudged = append(p.Unjudged, o.ID)
			continue
		}
		if len(s.partsOf(o)) == 0 {
			p.Unattributed = append(p.Unattributed, o.ID)
			continue
		}
		p.Evidence = append(p.Evidence, o.ID)
		if !o.Received.Before(w.End) {
			p.Late = append(p.Late, o.ID)
		}
		t.add(o)
	}
	failing, satisfied := false, 0
	for _, n := range s.units() {
		sp, _, fails, ok := t.system(n)
		switch {
		case fails:
			sp.State, failing = PeriodFailing, true
		case ok:
			sp.State = PeriodSatisfied
			satisfied++
		}
		if n == "" {
			p.Have = min(sp.Passed, need)
		} else {
			p.Systems = append(p.Systems, sp)
		}
	}
	if len(s.Systems) > 0 {
		p.Have = satisfied
	}
	switch {
	case failing:
		p.State = PeriodFailing
	case satisfied == len(s.units()):
		p.State = PeriodSatisfied
	default:
		if e, ok := excepting(h.Exceptions, w.Window, at); ok {
			p.State, p.Exception = PeriodExcepted, e.ID
		} else {
			p.State = s.lateness(w.Window, at)
		}
	}
	for i := range p.Systems {
		if p.Systems[i].State == "" {
			p.Systems[i].State = p.State
		}
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

// Count is the window's "n of m" as people read it: "2 of 3 systems" or
// "1 of 3 items".
func (p Period) Count() string {
	unit := "items"
	if len(p.Systems) > 0 {
		unit = "systems"
	}
	return fmt.Sprintf("%d of %d %s", p.Have, p.Want, unit)
}

// Reasons says why a window is not satisfied, or what it holds that does
// not count, one sentence each, for every view to show the same words.
func (p Period) Reasons() []string {
	var out []string
	for _, sp := range p.Systems {
		switch sp.State {
		case PeriodFailing:
			if sp.Host != "" {
				out = append(out, fmt.Sprintf("%s: the latest verdict on %s (%s) failed", sp.System, sp.Host, sp.Standing))
			} else {
				out = append(out, fmt.Sprintf("%s: the latest verdict (%s) failed", sp.System, sp.Standing))
			}
		case PeriodSatisfied:
		default:
			if len(sp.Missing) > 0 {
				out = append(out, fmt.Sprintf("%s: %s not checked in this window", sp.System, strings.Join(sp.Missing, ", ")))
			} else {
				out = append(out, fmt.Sprintf("%s: %d passing item(s), not enough", sp.System, sp.Passed))
			}
		}
	}
	if len(p.Systems) == 0 && p.State == PeriodFailing && len(p.Evidence) > 0 {
		out = append(out, fmt.Sprintf("the latest verdict (%s) failed", p.Evidence[len(p.Evidence)-1]))
	}
	for _, id := range p.Unattributed {
		out = append(out, fmt.Sprintf("%s names none of the control's systems (or none of their hosts), so it counts for none of them", id))
	}
	for _, id := range p.Unjudged {
		out = append(out, fmt.Sprintf("%s is a file no importer judged: only a verdict counts (run evident import)", id))
	}
	return out
}
