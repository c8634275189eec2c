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
	in := Input{At: at, Requirements: reqs, Controls: map[string]ControlInput{}, TaskEvidence: map[string]string{}}
	err := st.Read(ctx, func(tx *sqlstore.Tx) error {
		m, err := tx.Model(ctx)
		if err != nil {
			return err
		}
		in.Model = m
		changes, err := tx.Changes(ctx, at)
		if err != nil {
			return err
		}
		if in.Exceptions, err = tx.Exceptions(ctx, at); err != nil {
			return err
		}
		for _, c := range m.Controls {
			ci, err := loadControl(ctx, tx, m, c, changes, in.Exceptions, at, from)
			if err != nil {
				return err
			}
			in.Controls[c.ID] = ci
		}
		if in.ChangeTasks, err = tx.ChangeTasks(ctx, at); err != nil {
			return err
		}
		return closeChangeTasks(ctx, tx, &in)
	})
	return in, err
}

// loadControl reads one control's schedule and the history it needs.
func loadControl(ctx context.Context, tx *sqlstore.Tx, m *evident.Model, c evident.Control, changes []evident.Change, exs []evident.Exception, at, from time.Time) (ControlInput, error) {
	// A control is in force from the program's start, or from its first
	// evidence if that is older (history imported from before Evident).
	anchor := m.Program.CreatedAt
	if first, ok, err := tx.FirstEvidence(ctx, c.ID, at); err != nil {
		return ControlInput{}, err
	} else if ok && first.Before(anchor) {
		anchor = first
	}
	ci := ControlInput{Schedule: ScheduleFor(c, anchor)}
	since := lookback(ci.Schedule, at)
	if !from.IsZero() && from.Before(since) {
		since = from
	}
	occ, err := tx.Occurrences(ctx, c.ID, since, at)
	if err != nil {
		return ci, err
	}
	ci.History = evident.History{Occurrences: occ, Changes: ChangesFor(changes, c)}
	for _, e := range exs {
		if e.Control == c.ID {
			ci.History.Exceptions = append(ci.History.Exceptions, e)
		}
	}
	return ci, nil
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

// closeChangeTasks finds, for each change task, passing evidence effective
// after the change for a control that meets the task's requirement.
func closeChangeTasks(ctx context.Context, tx *sqlstore.Tx, in *Input) error {
	for _, t := range in.ChangeTasks {
		for _, c := range in.Model.ControlsFor(t.Requirement) {
			occ, err := tx.Occurrences(ctx, c.ID, t.After, in.At)
			if err != nil {
				return err
			}
			for _, o := range occ {
				if !o.Failed && !o.Effective.Before(t.After) {
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
