package readiness

import (
	"context"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Load reads the input for status and tasks at instant at from the store,
// in one read transaction. reqs is the catalog of the program's version
// with its overlays. from, when not zero, widens the evidence read to
// cover a coverage range; otherwise only what the current and previous
// windows need is read. Everything is filtered to what was recorded at or
// before at, so status at a past instant is what it was then.
//
// Per control the reads are index range scans bounded by the windows
// involved, which keeps status and tasks fast however long the history is.
func Load(ctx context.Context, st *sqlstore.Store, reqs []evident.Requirement, at, from time.Time) (Input, error) {
	return load(ctx, st, reqs, at, ReachAll(from), true)
}

// Reach says how far back a view reads each control's evidence, given
// the control and its schedule as loaded (its anchor may be its first
// evidence, older than the program): the windows overlapping
// [Reach(c, s), at) are judged whole. A zero time reads only what a
// report at the instant needs.
type Reach func(c evident.Control, s evident.Schedule) time.Time

// ReachAll reads every control's evidence back to from.
func ReachAll(from time.Time) Reach {
	return func(evident.Control, evident.Schedule) time.Time { return from }
}

// LoadReach is Load with each control's evidence read back as far as
// reach says: a view of each control's last few windows (the period
// strips) reads eleven days of a daily control and eleven years of an
// annual one, not eleven years of every control.
func LoadReach(ctx context.Context, st *sqlstore.Store, reqs []evident.Requirement, at time.Time, reach Reach) (Input, error) {
	return load(ctx, st, reqs, at, reach, true)
}

// LoadFrame is Load without the controls' evidence: every schedule,
// change, exception and act, but no occurrences and no follow-ups. A
// report over years reads a million records; StatusOver reads them a few
// controls at a time into a frame, so that memory is bounded by those
// controls' histories rather than the whole program's. Tasks need Load.
func LoadFrame(ctx context.Context, st *sqlstore.Store, reqs []evident.Requirement, at time.Time) (Input, error) {
	return load(ctx, st, reqs, at, ReachAll(time.Time{}), false)
}

func load(ctx context.Context, st *sqlstore.Store, reqs []evident.Requirement, at time.Time, reach Reach, histories bool) (Input, error) {
	in := Input{At: at, Requirements: reqs, Controls: map[string]ControlInput{}, TaskEvidence: map[string]string{}}
	err := st.Read(ctx, func(tx *sqlstore.Tx) error {
		m, later, err := modelAt(ctx, tx, at)
		if err != nil {
			return err
		}
		in.Model = m
		changes, err := tx.Changes(ctx, at)
		if err != nil {
			return err
		}
		in.Changes = changes
		if in.Exceptions, err = tx.Exceptions(ctx, at); err != nil {
			return err
		}
		// The approvals that speak for the program read: those recorded by
		// at, or every one when the program shown is one applied later.
		actsAt := at
		if later {
			actsAt = time.Time{}
		}
		if in.Approvals, err = tx.ApprovalActs(ctx, m, in.Exceptions, actsAt); err != nil {
			return err
		}
		if err := frameControls(ctx, tx, &in, changes); err != nil {
			return err
		}
		if histories {
			if err := loadHistories(ctx, tx, &in, reach); err != nil {
				return err
			}
		}
		if in.ChangeTasks, err = tx.ChangeTasks(ctx, at); err != nil {
			return err
		}
		if in.Findings, err = tx.Findings(ctx, at); err != nil {
			return err
		}
		if in.Engagements, err = tx.Engagements(ctx, at); err != nil {
			return err
		}
		if in.LastAnchor, err = lastAnchor(ctx, tx, at); err != nil {
			return err
		}
		return closeChangeTasks(ctx, tx, &in)
	})
	return in, err
}

// modelAt returns the program as it stood at at: the stored one, unless
// `evident apply` changed it after at, in which case it is rebuilt from the
// audit trail up to at. Objects written by other means than apply are in
// the stored program only. later reports a program first applied after at,
// which is shown as it is now for want of an earlier one.
func modelAt(ctx context.Context, tx *sqlstore.Tx, at time.Time) (m *evident.Model, later bool, err error) {
	recs, latest, err := tx.ProgramRecords(ctx, at)
	if err != nil {
		return nil, false, err
	}
	if latest.IsZero() || !latest.After(at) || len(recs) == 0 {
		m, err = tx.Model(ctx)
		return m, latest.After(at), err
	}
	m, err = ReplayModel(recs)
	return m, false, err
}

// frameControls sets every control's schedule, and the changes and
// approved exceptions of its history, without its evidence.
func frameControls(ctx context.Context, tx *sqlstore.Tx, in *Input, changes []evident.Change) error {
	firsts, err := tx.FirstEvidenceFor(ctx, in.At)
	if err != nil {
		return err
	}
	for _, c := range in.Model.Controls {
		// A control is in force from the program's start, or from its
		// first evidence if that is older (history from before Evident).
		anchor := in.Model.Program.CreatedAt
		if first, ok := firsts[c.ID]; ok && first.Before(anchor) {
			anchor = first
		}
		ci := ControlInput{Schedule: ScheduleIn(in.Model, c, anchor)}
		ci.History.Changes = ChangesFor(changes, c)
		for _, e := range in.Exceptions {
			// An exception no approval act binds excuses nothing; gaps
			// reports it.
			if _, ok := e.Approval(in.Approvals); ok && e.Control == c.ID {
				ci.History.Exceptions = append(ci.History.Exceptions, e)
			}
		}
		in.Controls[c.ID] = ci
	}
	return nil
}

// loadHistories reads every control's evidence in a few statements
// whatever the number of controls, with the follow-ups of exercises.
func loadHistories(ctx context.Context, tx *sqlstore.Tx, in *Input, reach Reach) error {
	qs := make([]sqlstore.HistoryQuery, 0, len(in.Model.Controls))
	ranged := false
	for _, c := range in.Model.Controls {
		s := in.Controls[c.ID].Schedule
		from := reach(c, s)
		ranged = ranged || !from.IsZero()
		qs = append(qs, historyQuery(c, s, in.At, from))
	}
	occ, err := occurrences(ctx, tx, in, qs)
	if err != nil {
		return err
	}
	if in.FollowUps, err = tx.FollowUps(ctx, in.Model, occ); err != nil {
		return err
	}
	var recent map[string][]evident.Occurrence
	if ranged {
		if recent, err = recentOccurrences(ctx, tx, in, in.Model.Controls); err != nil {
			return err
		}
	}
	for id, ci := range in.Controls {
		ci.History.Occurrences = occ[id]
		if recent != nil {
			ci.recent, ci.hasRecent = recent[id], true
		}
		in.Controls[id] = ci
	}
	return nil
}

// recentOccurrences reads the evidence of controls as a report at the
// instant alone reads it, for a report over a period to judge freshness
// and the current window by (ControlInput.Now): the latest record before
// a range depends on where the range starts, and a control's freshness
// may not.
func recentOccurrences(ctx context.Context, tx *sqlstore.Tx, in *Input, controls []evident.Control) (map[string][]evident.Occurrence, error) {
	qs := make([]sqlstore.HistoryQuery, 0, len(controls))
	for _, c := range controls {
		qs = append(qs, historyQuery(c, in.Controls[c.ID].Schedule, in.At, time.Time{}))
	}
	return occurrences(ctx, tx, in, qs)
}

// occurrences reads the evidence qs ask for, with the review state of
// each record of a control that needs review.
func occurrences(ctx context.Context, tx *sqlstore.Tx, in *Input, qs []sqlstore.HistoryQuery) (map[string][]evident.Occurrence, error) {
	occ, err := tx.OccurrencesFor(ctx, qs, in.At)
	if err != nil {
		return nil, err
	}
	return occ, tx.Reviewed(ctx, in.Model, occ, in.At)
}

// historyQuery is what control c with schedule s needs read at at: the
// evidence of its current and previous windows, of its freshness, and,
// when from is not zero, of every window of a range starting at from.
func historyQuery(c evident.Control, s evident.Schedule, at, from time.Time) sqlstore.HistoryQuery {
	since := lookback(s, at)
	if h := freshHorizon(s, at); len(c.Systems) > 0 && h.Before(since) {
		// The store reads one record before since, and a control with
		// systems needs each system's latest that may still be fresh.
		since = h
	}
	if !from.IsZero() {
		// A period may begin inside a window (May 1 in a quarter that
		// began April 1): the window is judged whole, so its records
		// are read from where it, and the one before it, begin, as
		// the pack reads them.
		if f := lookback(s, from); f.Before(since) {
			since = f
		}
	}
	return sqlstore.HistoryQuery{Control: c.ID, Since: since, Scoped: len(c.Systems) > 0}
}

// lookback is the earliest effective time the current and previous
// windows of a schedule can need at at.
func lookback(s evident.Schedule, at time.Time) time.Time {
	if s.Cadence.Kind == evident.CadencePostChange {
		return at.Add(-evident.PostChangeDue - s.Cadence.Grace())
	}
	if s.Cadence.Rolling {
		n := s.Cadence
		n.Rolling = false
		return n.Window(s.Anchor, at).Start.AddDate(0, 0, -1).Add(-s.Cadence.Grace())
	}
	cur := s.Cadence.Window(s.Anchor, at)
	return s.Cadence.Window(s.Anchor, cur.Start.Add(-time.Nanosecond)).Start
}

// freshHorizon is the earliest effective time evidence can have and
// still be fresh at at, where that reaches further back than lookback: a
// TTL or a rolling interval. Post-change evidence never ages, so for it
// only the latest record before lookback is read.
func freshHorizon(s evident.Schedule, at time.Time) time.Time {
	switch {
	case s.TTL > 0:
		return at.Add(-s.TTL)
	case s.Cadence.Rolling:
		n := s.Cadence
		n.Rolling = false
		w := n.Window(s.Anchor, at)
		return at.Add(-w.End.Sub(w.Start) - 48*time.Hour)
	}
	return at
}

// closeChangeTasks finds, for each change task, passing evidence effective
// after the change for a control that meets the task's requirement.
func closeChangeTasks(ctx context.Context, tx *sqlstore.Tx, in *Input) error {
	for _, t := range in.ChangeTasks {
		for _, c := range in.Model.ControlsFor(t.Requirement) {
			occ, err := tx.Occurrences(ctx, c.ID, t.After, in.At)
			if err != nil {
				return err
			}
			s := in.Controls[c.ID].Schedule
			reviewed := map[string][]evident.Occurrence{c.ID: occ}
			if err := tx.Reviewed(ctx, in.Model, reviewed, in.At); err != nil {
				return err
			}
			for _, o := range reviewed[c.ID] {
				if s.Passes(o) && !o.Effective.Before(t.After) && (o.Review == "" || o.Review == evident.ReviewAccepted) {
					in.TaskEvidence[t.ID] = o.ID
					break
				}
			}
			if in.TaskEvidence[t.ID] != "" {
				break
			}
		}
	}
	return nil
}
