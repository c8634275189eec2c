package readiness

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Report is the program's readiness at an instant or over a period: per
// requirement, rolled up per clause and for the program, with each
// control's freshness and current period, and the incident clocks that
// were missed or met late. Over a period [From, To) a requirement is
// judged by every window of its controls in it (see RangeCurrency), not
// by the evidence current at one instant.
type Report struct {
	At           time.Time           `json:"at"`
	From         time.Time           `json:"from,omitzero"`
	To           time.Time           `json:"to,omitzero"`
	Program      string              `json:"program"`
	Version      string              `json:"version"`
	Score        evident.Tally       `json:"program_score"`
	Clauses      []ClauseStatus      `json:"clauses"`
	Requirements []RequirementStatus `json:"requirements"`
	Controls     []ControlStatus     `json:"controls"`
	// MissedClocks are incident clocks missed or met late: a regulatory
	// deadline blown is a finding whatever the evidence says.
	MissedClocks []ClockStatus `json:"missed_clocks"`
	// Gaps are the program's open gaps at the instant, as `evident gaps`
	// lists them; each limits the requirements it concerns.
	Gaps []Gap `json:"gaps"`
}

// ClauseStatus is the roll-up of one clause (its requirements only, not
// its sub-clauses: 7.9 and 7.9.2 are reported separately).
type ClauseStatus struct {
	Clause string `json:"clause"`
	Title  string `json:"title"`
	evident.Tally
}

// RequirementStatus is one requirement's readiness and the controls
// behind it.
type RequirementStatus struct {
	Requirement string            `json:"requirement"`
	Clause      string            `json:"clause"`
	State       evident.Readiness `json:"state"`
	Controls    []string          `json:"controls"`
	// Gaps counts the open gaps concerning the requirement; any keeps
	// it from being verified.
	Gaps int `json:"gaps,omitempty"`
	// Nonconformities names the open major nonconformities against the
	// requirement, which make it failing.
	Nonconformities []string `json:"nonconformities,omitempty"`
}

// ControlStatus is one control's evidence currency and the window it is in.
type ControlStatus struct {
	ID        string            `json:"id"`
	Title     string            `json:"title"`
	Owner     string            `json:"owner,omitempty"`
	Cadence   string            `json:"cadence"`
	Freshness evident.Freshness `json:"freshness"`
	// Period is the window open at the instant (the latest post-change
	// window for post-change controls), nil when there is none.
	Period *evident.Period `json:"period,omitempty"`
	// Coverage is expected versus found over the range asked for, if any.
	Coverage *evident.Coverage `json:"coverage,omitempty"`
	// OverRange is the control's currency over the range asked for, from
	// its windows in it (RangeCurrency); what the requirements it meets
	// are judged by over a period.
	OverRange evident.Currency `json:"over_range,omitempty"`
}

// ClockStatus is an incident clock in a report or a task.
type ClockStatus struct {
	Incident string `json:"incident"`
	Title    string `json:"title"`
	evident.Clock
}

// Status computes the report. With a non-zero range [from, to) each
// control also carries its expected versus found coverage over it.
func Status(in Input, from, to time.Time) Report {
	cs := make([]ControlStatus, 0, len(in.Model.Controls))
	for _, c := range in.Model.Controls {
		cs = append(cs, controlStatus(in.Controls[c.ID], c, in.At, from, to))
	}
	return rollUp(in, from, to, cs)
}

// streamBatch is how many controls StatusOver holds the evidence of at
// once: enough that a batch takes a few statements, few enough that a
// daily control's five years times the batch stays in tens of megabytes.
const streamBatch = 25

// warmBatch is how many controls a batch may hold when their closed
// windows are kept (window facts): each reads two windows' records at
// most, and fewer, larger batches save the statements every batch costs.
const warmBatch = 500

// nextBatch cuts the next batch from the front of order: up to
// streamBatch controls whose windows are judged from the records back to
// far, with any number of warm ones (kept windows, or none to judge) up
// to warmBatch in all.
func nextBatch(order []int, plans []factsPlan) []int {
	cold := 0
	for n, i := range order {
		if n == warmBatch {
			return order[:n]
		}
		if plans[i].kept == 0 {
			if cold == streamBatch {
				return order[:n]
			}
			cold++
		}
	}
	return order
}

// StatusOver is Status(in, from, to) for a frame from LoadFrame: it reads
// the evidence of a few controls at a time, as Load would read it for a
// range starting at from, judges them and lets their histories go before
// reading the next ones, in one read transaction. The report is the one
// Status computes from Load's input; only the memory differs, bounded by
// a batch of controls rather than every record of the range.
//
// Closed windows judged before are read from their window facts instead
// of the records (see planFacts); the windows judged from the records
// that have closed are stored back after the read, when the instant is
// not before the newest record, so the next report reads them too.
func StatusOver(ctx context.Context, st *sqlstore.Store, in Input, from, to time.Time) (Report, error) {
	controls := in.Model.Controls
	qs := make([]sqlstore.HistoryQuery, len(controls))
	plans := make([]factsPlan, len(controls))
	cs := make([]ControlStatus, len(controls))
	var puts []sqlstore.WindowFacts
	var scratch factsScratch // rangeStatus keeps none of the windows
	err := st.Read(ctx, func(tx *sqlstore.Tx) error {
		rows, since, storable, err := readFacts(ctx, tx, in.At)
		if err != nil {
			return err
		}
		for i, c := range controls {
			ci := in.Controls[c.ID]
			var row *sqlstore.WindowFacts
			if f, ok := rows[c.ID]; ok {
				row = &f
			}
			if plans[i], err = planFacts(c, ci, row, since, in.At, from, storable, &scratch); err != nil {
				return err
			}
			qs[i] = historyQuery(c, ci.Schedule, in.At, plans[i].live)
		}
		return eachControl(ctx, tx, &in, qs, plans, func(i int, ci ControlInput) error {
			ps, put, err := plans[i].periods(controls[i], ci, in.At, from, to, since.Size, &scratch)
			if err != nil {
				return err
			}
			if put != nil {
				puts = append(puts, *put)
			}
			rangeStatus(&cs[i], ps, from, to)
			return nil
		}, func(i int, ci ControlInput) {
			instantStatus(&cs[i], ci, controls[i], in.At)
		})
	})
	if err != nil {
		return Report{}, err
	}
	// Window facts are a cache: a store that cannot take them (read only,
	// or a replica losing a race) serves the same report, judged from the
	// records next time too.
	if err := st.PutWindowFacts(ctx, puts); err != nil && ctx.Err() != nil {
		return Report{}, ctx.Err()
	}
	return rollUp(in, from, to, cs), nil
}

// StatusEach is StatusOver for a view that needs each control's history
// itself, not only its status: the pack lists every window of the period
// with the evidence it counts, which window facts do not keep. Each
// control's evidence is read back to reach as Load(ctx, st, reqs, in.At,
// reach) reads it, a batch of controls at a time in one read transaction,
// judged as Status judges it, and handed to visit with the control before
// the batch is let go. The report is Status(Load's input, from, to), and
// the history visit sees holds Load's records, in the order judgements
// read them (evident.OrderOccurrences); the records of the instant
// (ControlInput.Now) are read after it, and are not in what visit sees.
// Only the memory differs from Load and Status, bounded by a batch of
// controls rather than every record the period reaches back to. visit
// must not keep the history it is given. No window facts are read or
// stored.
func StatusEach(ctx context.Context, st *sqlstore.Store, in Input, from, to, reach time.Time, visit func(evident.Control, ControlInput) error) (Report, error) {
	controls := in.Model.Controls
	qs := make([]sqlstore.HistoryQuery, len(controls))
	for i, c := range controls {
		qs[i] = historyQuery(c, in.Controls[c.ID].Schedule, in.At, reach)
	}
	cs := make([]ControlStatus, len(controls))
	err := st.Read(ctx, func(tx *sqlstore.Tx) error {
		return eachControl(ctx, tx, &in, qs, make([]factsPlan, len(controls)), func(i int, ci ControlInput) error {
			if !from.IsZero() && to.After(from) {
				// As controlStatus judges the range.
				rangeStatus(&cs[i], ci.Schedule.Evaluate(ci.History, from, to, in.At), from, to)
			}
			return visit(controls[i], ci)
		}, func(i int, ci ControlInput) {
			instantStatus(&cs[i], ci, controls[i], in.At)
		})
	})
	if err != nil {
		return Report{}, err
	}
	return rollUp(in, from, to, cs), nil
}

// eachControl reads the evidence qs ask for, qs[i] for in.Model.Controls[i],
// in batches (nextBatch), and calls history with each control's index and
// input (its history, without the records of the instant); then it reads
// the batch's records a report at the instant reads (ControlInput.Now) and
// calls instant with each control's input holding those alone. The two
// reads of a control, often the same records for a control whose evidence
// is all recent, are never held at once. The frame in keeps no evidence:
// each input is a copy.
func eachControl(ctx context.Context, tx *sqlstore.Tx, in *Input, qs []sqlstore.HistoryQuery, plans []factsPlan,
	history func(int, ControlInput) error, instant func(int, ControlInput)) error {
	controls := in.Model.Controls
	order := make([]int, len(controls))
	for i := range order {
		order[i] = i
	}
	// Controls read from the same instant share a range scan, so each
	// batch is cut from controls sorted by it.
	slices.SortStableFunc(order, func(a, b int) int { return qs[a].Since.Compare(qs[b].Since) })
	for len(order) > 0 {
		batch := nextBatch(order, plans)
		order = order[len(batch):]
		bq := make([]sqlstore.HistoryQuery, len(batch))
		bc := make([]evident.Control, len(batch))
		for j, i := range batch {
			bq[j], bc[j] = qs[i], controls[i]
		}
		occ, err := occurrences(ctx, tx, in, bq)
		if err != nil {
			return err
		}
		for _, i := range batch {
			id := controls[i].ID
			ci := in.Controls[id]
			ci.History.Occurrences = occ[id]
			evident.OrderOccurrences(ci.History.Occurrences) // judged without a copy
			delete(occ, id)                                  // let each history go once judged
			if err := history(i, ci); err != nil {
				return err
			}
		}
		recent, err := recentOccurrences(ctx, tx, in, bc)
		if err != nil {
			return err
		}
		for _, i := range batch {
			id := controls[i].ID
			ci := in.Controls[id]
			ci.recent, ci.hasRecent = recent[id], true
			evident.OrderOccurrences(ci.recent)
			delete(recent, id)
			instant(i, ci)
		}
	}
	return nil
}

// readFacts reads the stored window facts, what the ledger gained since
// the oldest of them, and whether judgements at at may be stored: only
// when at is not before the newest leaf, so that every record the ledger
// holds was visible to them.
func readFacts(ctx context.Context, tx *sqlstore.Tx, at time.Time) (map[string]sqlstore.WindowFacts, sqlstore.LedgerSince, bool, error) {
	rows, err := tx.WindowFacts(ctx)
	if err != nil {
		return nil, sqlstore.LedgerSince{}, false, err
	}
	size := int64(-1)
	for _, f := range rows {
		if size < 0 || f.TreeSize < size {
			size = f.TreeSize
		}
	}
	if size < 0 {
		if size, err = tx.LedgerSize(ctx); err != nil {
			return nil, sqlstore.LedgerSince{}, false, err
		}
	}
	since, err := tx.LedgerSince(ctx, size)
	if err != nil {
		return nil, since, false, err
	}
	last, err := tx.LastLeafAt(ctx)
	if err != nil {
		return nil, since, false, err
	}
	return rows, since, !at.Before(last), nil
}

// rollUp completes the report from each control's status, in the order
// of in.Model.Controls: the requirements, clauses, gaps and clocks.
func rollUp(in Input, from, to time.Time, cs []ControlStatus) Report {
	r := Report{At: in.At, Program: in.Model.Program.Name, Version: in.Model.Program.Version,
		Clauses: []ClauseStatus{}, Requirements: []RequirementStatus{}, Controls: cs, MissedClocks: []ClockStatus{}}
	ranged := !from.IsZero() && to.After(from)
	if ranged {
		r.From, r.To = from, to
	}
	fresh := map[string]evident.Freshness{}
	for _, cs := range r.Controls {
		fresh[cs.ID] = cs.Freshness
		if ranged {
			fresh[cs.ID] = evident.Freshness{State: cs.OverRange}
		}
	}
	r.Gaps = gapsOf(in, fresh)
	concerned := map[string]int{}
	for _, g := range r.Gaps {
		for _, q := range g.Requirements {
			concerned[q]++
		}
	}
	clauses := map[string]int{}
	majors := OpenMajors(in.Findings, in.At)
	for _, q := range in.Requirements {
		rs := requirementStatus(in.Model, q, fresh, concerned[q.Ref().String()])
		if nc := majors[q.Ref().String()]; len(nc) > 0 && rs.State != evident.ReadinessNotApplicable {
			// An open major nonconformity is the assessor's finding that
			// the requirement is not met: failing, whatever the evidence.
			rs.State, rs.Nonconformities = evident.ReadinessFailing, nc
		}
		r.Requirements = append(r.Requirements, rs)
		i, ok := clauses[q.Clause]
		if !ok {
			i = len(r.Clauses)
			clauses[q.Clause] = i
			r.Clauses = append(r.Clauses, ClauseStatus{Clause: q.Clause, Title: q.ClauseTitle})
		}
		r.Clauses[i].Add(rs.State)
		r.Score.Add(rs.State)
	}
	for _, inc := range in.Incidents {
		for _, c := range inc.Clocks {
			if c.Failed() {
				r.MissedClocks = append(r.MissedClocks, ClockStatus{Incident: inc.ID, Title: inc.Title, Clock: c})
			}
		}
	}
	sort.SliceStable(r.MissedClocks, func(i, j int) bool { return r.MissedClocks[i].Due.Before(r.MissedClocks[j].Due) })
	return r
}

// controlStatus is control c's status at at from its schedule and
// history, over [from, to) too when the range is not empty.
func controlStatus(ci ControlInput, c evident.Control, at, from, to time.Time) ControlStatus {
	var cs ControlStatus
	instantStatus(&cs, ci, c, at)
	if !from.IsZero() && to.After(from) {
		rangeStatus(&cs, ci.Schedule.Evaluate(ci.History, from, to, at), from, to)
	}
	return cs
}

// instantStatus sets what a control's status says at the instant: its
// freshness and the window open, judged from ci.Now().
func instantStatus(cs *ControlStatus, ci ControlInput, c evident.Control, at time.Time) {
	cs.ID, cs.Title, cs.Owner, cs.Cadence = c.ID, c.Title, c.Owner, ci.Schedule.Cadence.String()
	cs.Freshness = ci.Schedule.Freshness(ci.Now(), at)
	if p, ok := currentPeriod(ci, at); ok {
		cs.Period = &p
	}
}

// rangeStatus sets a control's coverage and currency over [from, to)
// from its windows ps over it (Evaluate's, or StatusOver's from window
// facts), which it does not keep.
func rangeStatus(cs *ControlStatus, ps []evident.Period, from, to time.Time) {
	if !from.IsZero() && to.After(from) {
		cov := evident.Cover(ps, from, to)
		cs.Coverage, cs.OverRange = &cov, RangeCurrency(ps)
	}
}

// RangeCurrency is a control's currency over a period, from its windows
// in it, so that the one readiness rule (evident.ReadinessOf) judges a
// period as it judges an instant:
//
//   - failing, when any window in the period failed;
//   - current, when no window that has closed was missed or is overdue,
//     and at least one window was satisfied or excepted;
//   - stale, when some windows were satisfied but another was missed or
//     is overdue (evidence exists, but not for every window);
//   - none, when no window was satisfied.
//
// A window still open (due) or not begun (upcoming) at the instant counts
// neither way: its evidence is not owed yet.
func RangeCurrency(ps []evident.Period) evident.Currency {
	satisfied, short := 0, 0
	for _, p := range ps {
		switch p.State {
		case evident.PeriodFailing:
			return evident.CurrencyFailing
		case evident.PeriodSatisfied, evident.PeriodExcepted:
			satisfied++
		case evident.PeriodMissed, evident.PeriodOverdue:
			short++
		}
	}
	switch {
	case satisfied > 0 && short == 0:
		return evident.CurrencyCurrent
	case satisfied > 0:
		return evident.CurrencyStale
	}
	return evident.CurrencyNone
}

// Point is one month of a readiness series: the program's score over the
// month, as known at its end.
type Point struct {
	Month string         `json:"month"` // "2026-07"
	From  time.Time      `json:"from"`
	To    time.Time      `json:"to"`
	Score float64        `json:"score"`
	Count map[string]int `json:"counts"`
}

// Series returns the program's readiness for each of the months calendar
// months up to the one containing in.At, oldest first, each computed by
// Status over the month as it was known at the month's end (or at in.At
// for the current month). in must hold the history since the first
// month's start (Load with from at it).
func Series(in Input, months int) []Point {
	return seriesFrom(in, months, 0)
}

// seriesFrom is Series's points from the skip-th month on (0 the oldest):
// in must hold the history since that month's start.
func seriesFrom(in Input, months, skip int) []Point {
	end := time.Date(in.At.Year(), in.At.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	var out []Point
	for i := months - skip; i > 0; i-- {
		from, to := end.AddDate(0, -i, 0), end.AddDate(0, -i+1, 0)
		at := in.At
		if to.Before(at) {
			at = to.Add(-time.Nanosecond)
		}
		m := in
		m.At = at
		r := Status(m, from, to)
		p := Point{Month: from.Format("2006-01"), From: from, To: to, Score: r.Score.Score, Count: map[string]int{}}
		for k, n := range r.Score.Counts {
			p.Count[string(k)] = n
		}
		out = append(out, p)
	}
	return out
}

// SeriesStart is where the history for Series(in, months) begins.
func SeriesStart(at time.Time, months int) time.Time {
	return time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1-months, 0)
}

// currentPeriod returns the window open at at, or for post-change controls
// the latest window opened by a change.
func currentPeriod(ci ControlInput, at time.Time) (evident.Period, bool) {
	s := ci.Schedule
	from := at.Add(-evident.PostChangeDue - s.Cadence.Grace())
	if s.Cadence.Kind != evident.CadencePostChange {
		from = at
	}
	ps := s.Evaluate(ci.Now(), from, at.Add(time.Nanosecond), at)
	if len(ps) == 0 {
		return evident.Period{}, false
	}
	return ps[len(ps)-1], true
}

func requirementStatus(m *evident.Model, q evident.Requirement, fresh map[string]evident.Freshness, gaps int) RequirementStatus {
	ref := q.Ref()
	rs := RequirementStatus{Requirement: ref.String(), Clause: q.Clause, Controls: []string{}, Gaps: gaps}
	applicable := true
	if a, ok := m.Applicability(ref); ok && !a.Applicable {
		applicable = false
	}
	var fs []evident.Freshness
	for _, c := range m.ControlsFor(ref) {
		rs.Controls = append(rs.Controls, c.ID)
		fs = append(fs, fresh[c.ID])
	}
	rs.State = evident.ReadinessOf(applicable, fs, gaps)
	return rs
}

// SeriesMonths is how many months the readiness series shows.
const SeriesMonths = 12

// Range is the period readiness is judged over for a reader at instant
// at, the one rule every view applies: the range asked for, else the
// reader's own period (an assessor's grant, [grantFrom, grantTo)), else
// the twelve months up to at. A range ends at at at the latest, since
// windows after it are not owed yet; to defaults to at.
func Range(at, from, to, grantFrom, grantTo time.Time) (time.Time, time.Time, error) {
	switch {
	case from.IsZero() && !to.IsZero():
		return from, to, evident.ErrorAt(evident.EINVALID, "to", "give from with to")
	case from.IsZero() && !grantFrom.IsZero():
		from, to = grantFrom, grantTo
	case from.IsZero():
		from = SeriesStart(at, SeriesMonths)
	}
	if to.IsZero() || to.After(at) {
		to = at
	}
	if !to.After(from) {
		return from, to, evident.ErrorAt(evident.EINVALID, "to", "the period %s to %s is empty (it must end after it starts, and by %s)", evident.UTC(from), evident.UTC(to), evident.UTC(at))
	}
	return from, to, nil
}

// HistoryStart is how far back Load must read for a report over a range
// starting at from and the series at at.
func HistoryStart(at, from time.Time) time.Time {
	if s := SeriesStart(at, SeriesMonths); s.Before(from) {
		return s
	}
	return from
}
