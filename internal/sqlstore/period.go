package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/evidenthq/evident"
)

// occurrenceCols reads what period evaluation needs from an evidence row.
// A record superseded by a correction received by at no longer counts.
const occurrenceCols = `SELECT e.id, c.effective_from, e.effective_to, c.received_at, e.verdict
	FROM evidence_controls c JOIN evidence e ON e.id = c.evidence_id
	WHERE c.control_id = ? AND c.received_at <= ?
	AND NOT EXISTS (SELECT 1 FROM evidence s WHERE s.supersedes = e.id AND s.received_at <= ?)`

// Occurrences returns a control's evidence as period evaluation sees it at
// at: every record effective in [from, at], plus the latest one effective
// before from (it decides freshness when nothing newer exists, and covers a
// period report that started before from) and, if that one failed, the
// latest passing one (rolling windows restart from it). Both are range scans of the
// evidence_controls primary key, so the cost follows the range asked for,
// not the size of the history.
func (tx *Tx) Occurrences(ctx context.Context, control string, from, at time.Time) ([]evident.Occurrence, error) {
	a := TS(at)
	before, err := tx.occurrences(ctx, occurrenceCols+` AND c.effective_from < ? ORDER BY c.effective_from DESC LIMIT 1`,
		control, a, a, TS(from))
	if err != nil {
		return nil, err
	}
	if len(before) == 1 && before[0].Failed {
		// Rolling windows restart from the latest passing evidence.
		pass, err := tx.occurrences(ctx, occurrenceCols+` AND c.effective_from < ? AND (e.verdict IS NULL OR e.verdict <> 'fail') ORDER BY c.effective_from DESC LIMIT 1`,
			control, a, a, TS(from))
		if err != nil {
			return nil, err
		}
		before = append(pass, before...)
	}
	in, err := tx.occurrences(ctx, occurrenceCols+` AND c.effective_from >= ? AND c.effective_from <= ? ORDER BY c.effective_from`,
		control, a, a, TS(from), a)
	if err != nil {
		return nil, err
	}
	return append(before, in...), nil
}

func (tx *Tx) occurrences(ctx context.Context, q string, args ...any) ([]evident.Occurrence, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read evidence for periods: %w", err)
	}
	defer rows.Close()
	var out []evident.Occurrence
	for rows.Next() {
		var o evident.Occurrence
		var eff, rec string
		var until, verdict sql.NullString
		if err := rows.Scan(&o.ID, &eff, &until, &rec, &verdict); err != nil {
			return nil, err
		}
		if o.Effective, err = ParseTS(eff); err != nil {
			return nil, err
		}
		if o.Until, err = ParseNullTS(until); err != nil {
			return nil, err
		}
		if o.Received, err = ParseTS(rec); err != nil {
			return nil, err
		}
		o.Failed = verdict.String == string(evident.VerdictFail)
		out = append(out, o)
	}
	return out, rows.Err()
}

// FirstEvidence returns when a control's earliest evidence took effect,
// counting only records received by at; ok is false if there is none.
func (tx *Tx) FirstEvidence(ctx context.Context, control string, at time.Time) (t time.Time, ok bool, err error) {
	var s string
	err = tx.QueryRow(ctx, `SELECT effective_from FROM evidence_controls WHERE control_id = ? AND received_at <= ? ORDER BY effective_from LIMIT 1`,
		control, TS(at)).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	t, err = ParseTS(s)
	return t, err == nil, err
}

// Outcome is a period the scheduler recorded as missed.
type Outcome struct {
	Control     string              `json:"control"`
	Start       time.Time           `json:"start"`
	End         time.Time           `json:"end"`
	State       evident.PeriodState `json:"state"`
	RecordedAt  time.Time           `json:"recorded_at"`
	LedgerIndex int64               `json:"ledger_index"`
}

// RecordOutcome writes a period outcome and its ledger record in one
// transaction. It returns false, writing nothing, when the period was
// already recorded: the primary key makes a second replica's attempt fail
// and roll back, audit record included, so each missed period is in the
// ledger exactly once.
func (s *Store) RecordOutcome(ctx context.Context, control string, p evident.Period, actor string) (bool, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM period_outcomes WHERE control_id = ? AND period_start = ?`, control, TS(p.Start)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errAlreadyRecorded
		}
		idx, err := tx.Audit(ctx, "period."+string(p.State), control+"@"+evident.UTC(p.Start), actor, struct {
			Control string              `json:"control"`
			Start   string              `json:"start"`
			End     string              `json:"end"`
			State   evident.PeriodState `json:"state"`
		}{control, evident.UTC(p.Start), evident.UTC(p.End), p.State})
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO period_outcomes (control_id, period_start, period_end, state, recorded_at, ledger_idx) VALUES (?, ?, ?, ?, ?, ?)`,
			control, TS(p.Start), TS(p.End), string(p.State), TS(tx.Now), idx)
		if IsUniqueViolation(err) {
			return errAlreadyRecorded
		}
		return err
	})
	if errors.Is(err, errAlreadyRecorded) {
		return false, nil
	}
	return err == nil, err
}

var errAlreadyRecorded = errors.New("period outcome already recorded")

// Outcomes returns the recorded outcomes of periods ending after since,
// oldest period first.
func (tx *Tx) Outcomes(ctx context.Context, since time.Time) ([]Outcome, error) {
	rows, err := tx.Query(ctx, `SELECT control_id, period_start, period_end, state, recorded_at, ledger_idx FROM period_outcomes
		WHERE period_end > ? ORDER BY period_start, control_id`, TS(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Outcome
	for rows.Next() {
		var o Outcome
		var start, end, state, rec string
		if err := rows.Scan(&o.Control, &start, &end, &state, &rec, &o.LedgerIndex); err != nil {
			return nil, err
		}
		o.State = evident.PeriodState(state)
		if o.Start, err = ParseTS(start); err != nil {
			return nil, err
		}
		if o.End, err = ParseTS(end); err != nil {
			return nil, err
		}
		if o.RecordedAt, err = ParseTS(rec); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
