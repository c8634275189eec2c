package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
	before, err := tx.occurrences(ctx, occurrenceCols+` AND c.effective_from < ? ORDER BY c.effective_from DESC, c.evidence_id DESC LIMIT 1`,
		control, a, a, TS(from))
	if err != nil {
		return nil, err
	}
	if len(before) == 1 && before[0].Failed {
		// Rolling windows restart from the latest passing evidence.
		pass, err := tx.occurrences(ctx, occurrenceCols+` AND c.effective_from < ? AND (e.verdict IS NULL OR e.verdict <> 'fail') ORDER BY c.effective_from DESC, c.evidence_id DESC LIMIT 1`,
			control, a, a, TS(from))
		if err != nil {
			return nil, err
		}
		before = append(pass, before...)
	}
	in, err := tx.occurrences(ctx, occurrenceCols+` AND c.effective_from >= ? AND c.effective_from <= ? ORDER BY c.effective_from, c.evidence_id`,
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

// HistoryQuery asks for one control's evidence effective from Since on.
type HistoryQuery struct {
	Control string
	Since   time.Time
}

// OccurrencesFor is Occurrences for many controls in a handful of queries:
// one range scan per distinct Since (controls of one cadence share it) and
// one correlated lookup of the latest record before it. Status and tasks
// read every control this way, so their cost does not grow with one round
// trip per control on PostgreSQL.
func (tx *Tx) OccurrencesFor(ctx context.Context, qs []HistoryQuery, at time.Time) (map[string][]evident.Occurrence, error) {
	out := map[string][]evident.Occurrence{}
	bySince := map[time.Time][]string{}
	var order []time.Time
	for _, q := range qs {
		if _, ok := bySince[q.Since]; !ok {
			order = append(order, q.Since)
		}
		bySince[q.Since] = append(bySince[q.Since], q.Control)
	}
	a := TS(at)
	for _, since := range order {
		ids := bySince[since]
		before, err := tx.latestBefore(ctx, ids, since, at)
		if err != nil {
			return nil, err
		}
		whole := map[string]bool{}
		for _, id := range ids {
			b, ok := before[id]
			if !ok {
				continue
			}
			if b.Failed {
				// Rare: rolling windows restart from the latest pass.
				if out[id], err = tx.Occurrences(ctx, id, since, at); err != nil {
					return nil, err
				}
				whole[id] = true
				continue
			}
			out[id] = []evident.Occurrence{b}
		}
		in, err := tx.occurrencesByControl(ctx, `SELECT c.control_id, e.id, c.effective_from, e.effective_to, c.received_at, e.verdict
			FROM evidence_controls c JOIN evidence e ON e.id = c.evidence_id
			WHERE c.control_id IN (`+marks(len(ids))+`) AND c.received_at <= ? AND c.effective_from >= ? AND c.effective_from <= ?
			AND NOT EXISTS (SELECT 1 FROM evidence s WHERE s.supersedes = e.id AND s.received_at <= ?)
			ORDER BY c.control_id, c.effective_from, c.evidence_id`, append(anys(ids), a, TS(since), a, a)...)
		if err != nil {
			return nil, err
		}
		for id, occ := range in {
			if !whole[id] {
				out[id] = append(out[id], occ...)
			}
		}
	}
	return out, nil
}

// latestBefore returns, per control, its latest record effective before
// since and known at at: one correlated lookup per control, each a short
// backward walk of the (control, effective) index, in one statement.
func (tx *Tx) latestBefore(ctx context.Context, ids []string, since, at time.Time) (map[string]evident.Occurrence, error) {
	a := TS(at)
	rows, err := tx.Query(ctx, `SELECT x.id, (SELECT c.evidence_id FROM evidence_controls c
			WHERE c.control_id = x.id AND c.effective_from < ? AND c.received_at <= ?
			AND NOT EXISTS (SELECT 1 FROM evidence s WHERE s.supersedes = c.evidence_id AND s.received_at <= ?)
			ORDER BY c.effective_from DESC, c.evidence_id DESC LIMIT 1)
		FROM controls x WHERE x.id IN (`+marks(len(ids))+`)`, append([]any{TS(since), a, a}, anys(ids)...)...)
	if err != nil {
		return nil, fmt.Errorf("read latest evidence per control: %w", err)
	}
	want := map[string]string{} // evidence id -> control
	var evs []string
	for rows.Next() {
		var control string
		var ev sql.NullString
		if err := rows.Scan(&control, &ev); err != nil {
			rows.Close()
			return nil, err
		}
		if ev.Valid {
			want[ev.String+"\x00"+control] = control
			evs = append(evs, ev.String)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(evs) == 0 {
		return map[string]evident.Occurrence{}, err
	}
	got, err := tx.occurrencesByControl(ctx, `SELECT c.control_id, e.id, c.effective_from, e.effective_to, c.received_at, e.verdict
		FROM evidence_controls c JOIN evidence e ON e.id = c.evidence_id WHERE c.evidence_id IN (`+marks(len(evs))+`)`, anys(evs)...)
	if err != nil {
		return nil, err
	}
	out := map[string]evident.Occurrence{}
	for control, occ := range got {
		for _, o := range occ {
			if _, ok := want[o.ID+"\x00"+control]; ok {
				out[control] = o
			}
		}
	}
	return out, nil
}

// occurrencesByControl runs a query selecting (control_id, then the
// occurrence columns) and groups the rows by control.
func (tx *Tx) occurrencesByControl(ctx context.Context, q string, args ...any) (map[string][]evident.Occurrence, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read evidence for periods: %w", err)
	}
	defer rows.Close()
	out := map[string][]evident.Occurrence{}
	for rows.Next() {
		var control, eff, rec string
		var o evident.Occurrence
		var until, verdict sql.NullString
		if err := rows.Scan(&control, &o.ID, &eff, &until, &rec, &verdict); err != nil {
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
		out[control] = append(out[control], o)
	}
	return out, rows.Err()
}

// FirstEvidenceFor returns, per control with evidence known at at, when
// its earliest evidence took effect: one correlated lookup per control in
// one statement.
func (tx *Tx) FirstEvidenceFor(ctx context.Context, at time.Time) (map[string]time.Time, error) {
	rows, err := tx.Query(ctx, `SELECT x.id, (SELECT c.effective_from FROM evidence_controls c
		WHERE c.control_id = x.id AND c.received_at <= ? ORDER BY c.effective_from LIMIT 1) FROM controls x`, TS(at))
	if err != nil {
		return nil, fmt.Errorf("read first evidence per control: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var first sql.NullString
		if err := rows.Scan(&id, &first); err != nil {
			return nil, err
		}
		if first.Valid {
			if out[id], err = ParseTS(first.String); err != nil {
				return nil, err
			}
		}
	}
	return out, rows.Err()
}

func marks(n int) string {
	if n == 0 {
		return "NULL"
	}
	return "?" + strings.Repeat(", ?", n-1)
}

func anys(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
