package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// Reads for period evaluation go in two steps: first the (control,
// evidence) pairs from the evidence_controls index, then the records by
// primary key. Joining the two tables in one statement lets PostgreSQL's
// planner, which cannot tell that a range holds a handful of rows for
// these controls, pick a scan of the whole evidence table.

// notSuperseded keeps a pair only if no correction of its record was
// received by the instant (the last argument).
const notSuperseded = ` AND NOT EXISTS (SELECT 1 FROM evidence s WHERE s.supersedes = c.evidence_id AND s.received_at <= ?)`

// Occurrences returns a control's evidence as period evaluation sees it at
// at: every record effective in [from, at], plus the latest one effective
// before from (it decides freshness when nothing newer exists, and covers a
// period report that started before from) and, if that one failed, the
// latest passing one (rolling windows restart from it). All are range
// scans of the evidence_controls primary key, so the cost follows the
// range asked for, not the size of the history.
func (tx *Tx) Occurrences(ctx context.Context, control string, from, at time.Time) ([]evident.Occurrence, error) {
	a := TS(at)
	latest := `SELECT c.control_id, c.evidence_id FROM evidence_controls c
		WHERE c.control_id = ? AND c.received_at <= ? AND c.effective_from < ?` + notSuperseded
	ps, err := tx.controlEvidence(ctx, latest+` ORDER BY c.effective_from DESC, c.evidence_id DESC LIMIT 1`, control, a, TS(from), a)
	if err != nil {
		return nil, err
	}
	if len(ps) == 1 {
		// With the records of the same instant, as OccurrencesFor reads them.
		ties, err := tx.tiesOf(ctx, []any{ps[0].id}, map[pair]bool{ps[0]: true}, a)
		if err != nil {
			return nil, err
		}
		ps = append(ps, ties...)
	}
	before, err := tx.resolveOccurrences(ctx, ps, at)
	if err != nil {
		return nil, err
	}
	out := before[control]
	if len(out) > 0 && out[0].Failed {
		// Rolling windows restart from the latest passing evidence.
		ps, err := tx.controlEvidence(ctx, latest+` AND NOT EXISTS (SELECT 1 FROM evidence v WHERE v.id = c.evidence_id AND v.verdict = 'fail')
			ORDER BY c.effective_from DESC, c.evidence_id DESC LIMIT 1`, control, a, TS(from), a)
		if err != nil {
			return nil, err
		}
		pass, err := tx.resolveOccurrences(ctx, ps, at)
		if err != nil {
			return nil, err
		}
		for _, o := range pass[control] {
			if !slices.ContainsFunc(out, func(x evident.Occurrence) bool { return x.ID == o.ID }) {
				out = append([]evident.Occurrence{o}, out...) // not already there as a record of the same instant
			}
		}
	}
	ps, err = tx.controlEvidence(ctx, `SELECT c.control_id, c.evidence_id FROM evidence_controls c
		WHERE c.control_id = ? AND c.received_at <= ? AND c.effective_from >= ? AND c.effective_from <= ?
		ORDER BY c.effective_from, c.evidence_id`, control, a, TS(from), a)
	if err != nil {
		return nil, err
	}
	in, err := tx.resolveOccurrences(ctx, ps, at)
	if err != nil {
		return nil, err
	}
	return append(out, in[control]...), nil
}

// pair is one row of evidence_controls: a record speaking for a control.
type pair struct{ control, id string }

// controlEvidence runs a query selecting (control_id, evidence_id).
func (tx *Tx) controlEvidence(ctx context.Context, q string, args ...any) ([]pair, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read evidence for periods: %w", err)
	}
	defer rows.Close()
	var out []pair
	for rows.Next() {
		var p pair
		var id sql.NullString // NULL from a correlated lookup that found nothing
		if err := rows.Scan(&p.control, &id); err != nil {
			return nil, err
		}
		p.id = id.String
		out = append(out, p)
	}
	return out, rows.Err()
}

// tiesOf returns, for each found pair (a control and its latest record
// before some instant, ids listing their records), the control's other
// records effective at the same instant and received by at.
func (tx *Tx) tiesOf(ctx context.Context, ids []any, found map[pair]bool, at string) ([]pair, error) {
	rows, err := tx.Query(ctx, `SELECT b.control_id, b.evidence_id, c.evidence_id FROM evidence_controls b
		JOIN evidence_controls c ON c.control_id = b.control_id AND c.effective_from = b.effective_from
		WHERE b.evidence_id IN (`+marks(len(ids))+`) AND c.evidence_id <> b.evidence_id AND c.received_at <= ?`+notSuperseded,
		append(ids, at, at)...)
	if err != nil {
		return nil, fmt.Errorf("read evidence for periods: %w", err)
	}
	defer rows.Close()
	var out []pair
	for rows.Next() {
		var b pair
		var id string
		if err := rows.Scan(&b.control, &b.id, &id); err != nil {
			return nil, err
		}
		if found[b] {
			out = append(out, pair{control: b.control, id: id})
		}
	}
	return out, rows.Err()
}

// resolveChunk bounds the ids in one IN list, well under both dialects'
// limits on bound parameters.
const resolveChunk = 2000

// resolveOccurrences reads the records of ps by primary key and returns them as
// occurrences per control, in the order of ps, leaving out records a
// correction received by at supersedes.
func (tx *Tx) resolveOccurrences(ctx context.Context, ps []pair, at time.Time) (map[string][]evident.Occurrence, error) {
	out := map[string][]evident.Occurrence{}
	if len(ps) == 0 {
		return out, nil
	}
	// Records are read in key order, not control by control: a long range
	// reads most of the table, and ids in order walk its pages once instead
	// of hopping between them for every control (the ids are time-ordered
	// UUIDs, so one control's records lie on pages shared with all others).
	// They are kept in a slice in that order and found again by binary
	// search: over a period of years there are a million of them, and maps
	// keyed by id cost several times their size.
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.id
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	recs := make([]evident.Occurrence, len(ids)) // ID "" for none or superseded
	find := func(id string) int {
		i, _ := slices.BinarySearch(ids, id)
		return i
	}
	for rest := ids; len(rest) > 0; {
		n := min(len(rest), resolveChunk)
		chunk := anys(rest[:n])
		rest = rest[n:]
		if err := tx.readOccurrences(ctx, chunk, func(o evident.Occurrence) { recs[find(o.ID)] = o }); err != nil {
			return nil, err
		}
		rows, err := tx.Query(ctx, `SELECT supersedes FROM evidence WHERE supersedes IN (`+marks(len(chunk))+`) AND received_at <= ?`, append(chunk, TS(at))...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			if i := find(id); i < len(ids) && ids[i] == id {
				recs[i].ID = ""
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	n := map[string]int{}
	for _, p := range ps {
		n[p.control]++
	}
	for _, p := range ps {
		if o := recs[find(p.id)]; o.ID != "" {
			if out[p.control] == nil {
				out[p.control] = make([]evident.Occurrence, 0, n[p.control])
			}
			out[p.control] = append(out[p.control], o)
		}
	}
	return out, nil
}

// readOccurrences reads evidence records by id and hands each to put.
func (tx *Tx) readOccurrences(ctx context.Context, ids []any, put func(evident.Occurrence)) error {
	rows, err := tx.Query(ctx, `SELECT id, effective_from, effective_to, received_at, verdict, ledger_idx, body FROM evidence WHERE id IN (`+marks(len(ids))+`)`, ids...)
	if err != nil {
		return fmt.Errorf("read evidence for periods: %w", err)
	}
	defer rows.Close()
	// The body is only decoded, never kept: one buffer serves every row
	// instead of two copies of each body left to the collector (a period
	// of years reads a million of them).
	var body sql.RawBytes
	for rows.Next() {
		var o evident.Occurrence
		var eff, rec string
		var until, verdict sql.NullString
		if err := rows.Scan(&o.ID, &eff, &until, &rec, &verdict, &o.LedgerIndex, &body); err != nil {
			return err
		}
		if o.Systems, o.Hosts, err = leafSystems(body); err != nil {
			return fmt.Errorf("evidence %s: %w", o.ID, err)
		}
		if o.Effective, err = ParseTS(eff); err != nil {
			return err
		}
		if o.Until, err = ParseNullTS(until); err != nil {
			return err
		}
		if o.Received, err = ParseTS(rec); err != nil {
			return err
		}
		o.Verdict = evident.Verdict(verdict.String)
		o.Failed = o.Verdict == evident.VerdictFail
		put(o)
	}
	return rows.Err()
}

// leafSystems returns the ids of the systems an evidence leaf body names
// and, for a verdict an importer derived, the hosts of each it checked
// (evident.DetailHosts). They are read from the body, which verify checks
// against the ledger, so the systems and hosts a window is judged by are
// exactly those signed.
func leafSystems(body []byte) ([]string, map[string][]string, error) {
	l, err := evident.ScopeOfEvidenceBody(body)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	for _, s := range l.Systems {
		sv, err := evident.ParseSystemVersion(s)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, sv.Name)
	}
	var hosts map[string][]string
	if l.Kind == evident.DerivedEvidence {
		hosts = evident.DetailHosts(l.Detail)
	}
	return out, hosts, nil
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
// Scoped says the control is scoped to systems: only then are the
// systems and hosts each record names read, from its body (a control
// without systems judges its records as one unit, whatever they name).
type HistoryQuery struct {
	Control string
	Since   time.Time
	Scoped  bool
}

// OccurrencesFor is Occurrences for many controls in a handful of
// statements, whatever their starts: each control's start travels in the
// statement as a row of a VALUES list, so one correlated lookup finds the
// latest record before every control's start, one range scan per control
// reads its records from there, and the records are then read by primary
// key. Status and tasks read every control this way, so their cost does
// not grow with a round trip per control, nor per distinct start (a
// program's controls have hundreds, each a window of its own cadence; on
// PostgreSQL the round trips were most of a five-year report's wait).
func (tx *Tx) OccurrencesFor(ctx context.Context, qs []HistoryQuery, at time.Time) (map[string][]evident.Occurrence, error) {
	a := TS(at)
	var before, in []pair
	var plain, scoped []HistoryQuery
	for _, q := range qs {
		if q.Scoped {
			scoped = append(scoped, q)
		} else {
			plain = append(plain, q)
		}
	}
	found := map[pair]bool{}
	var foundIDs []any
	for chunk := range slices.Chunk(qs, sinceChunk) {
		rows, args := sinceRows(chunk)
		ps, err := tx.controlEvidence(ctx, `WITH q(id, since) AS (VALUES `+rows+`)
			SELECT q.id, (SELECT c.evidence_id FROM evidence_controls c
				WHERE c.control_id = q.id AND c.effective_from < q.since AND c.received_at <= ?`+notSuperseded+`
				ORDER BY c.effective_from DESC, c.evidence_id DESC LIMIT 1)
			FROM q JOIN controls x ON x.id = q.id`, append(args, a, a)...)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p.id != "" {
				before = append(before, p)
				found[p] = true
				foundIDs = append(foundIDs, p.id)
			}
		}
	}
	// Records effective at the same instant as the latest one before
	// since come too: an import's file and its verdict share their
	// instant and ids do not order them, so with one of them alone
	// freshness would hang on a coin toss between "none" and the
	// verdict's.
	for chunk := range slices.Chunk(foundIDs, resolveChunk) {
		ties, err := tx.tiesOf(ctx, chunk, found, a)
		if err != nil {
			return nil, err
		}
		before = append(before, ties...)
	}
	for chunk := range slices.Chunk(scoped, sinceChunk) {
		rows, args := sinceRows(chunk)
		ps, err := tx.controlEvidence(ctx, `WITH q(id, since) AS (VALUES `+rows+`)
			SELECT c.control_id, c.evidence_id FROM `+tx.eachRange()+`
			ORDER BY c.control_id, c.effective_from, c.evidence_id`, append(args, a, a)...)
		if err != nil {
			return nil, err
		}
		in = append(in, ps...)
	}
	out, err := tx.resolveOccurrences(ctx, append(before, in...), at)
	if err != nil {
		return nil, err
	}
	if err := tx.spanOccurrences(ctx, plain, at, out); err != nil {
		return nil, err
	}
	// Rolling windows restart from the latest passing evidence, so a
	// control whose record before its range failed gets that one too.
	var restart []HistoryQuery
	for _, q := range qs {
		if occ := out[q.Control]; len(occ) > 0 && occ[0].Effective.Before(q.Since) && occ[0].Failed {
			restart = append(restart, q)
		}
	}
	if err := tx.latestPasses(ctx, restart, at, out); err != nil {
		return nil, err
	}
	return out, nil
}

// latestPasses puts in front of out[q.Control], for each of qs, the
// control's latest record effective before q.Since that did not fail,
// unless it is there already (a record of the same instant as the failed
// one): what Occurrences reads after a failed record, for all of qs in
// one lookup instead of a control at a time.
func (tx *Tx) latestPasses(ctx context.Context, qs []HistoryQuery, at time.Time, out map[string][]evident.Occurrence) error {
	a := TS(at)
	for chunk := range slices.Chunk(qs, sinceChunk) {
		rows, args := sinceRows(chunk)
		ps, err := tx.controlEvidence(ctx, `WITH q(id, since) AS (VALUES `+rows+`)
			SELECT q.id, (SELECT c.evidence_id FROM evidence_controls c
				WHERE c.control_id = q.id AND c.effective_from < q.since AND c.received_at <= ?`+notSuperseded+`
				AND NOT EXISTS (SELECT 1 FROM evidence v WHERE v.id = c.evidence_id AND v.verdict = 'fail')
				ORDER BY c.effective_from DESC, c.evidence_id DESC LIMIT 1)
			FROM q`, append(args, a, a)...)
		if err != nil {
			return err
		}
		ps = slices.DeleteFunc(ps, func(p pair) bool { return p.id == "" })
		pass, err := tx.resolveOccurrences(ctx, ps, at)
		if err != nil {
			return err
		}
		for id, os := range pass {
			for _, o := range os {
				if !slices.ContainsFunc(out[id], func(x evident.Occurrence) bool { return x.ID == o.ID }) {
					out[id] = append([]evident.Occurrence{o}, out[id]...)
				}
			}
		}
	}
	return nil
}

// sinceChunk bounds the controls of one statement of OccurrencesFor: two
// bound parameters each, well under both dialects' limits.
const sinceChunk = 1000

// eachRange is the FROM clause that joins each row of q (a control and
// the start of its range, from sinceRows) to the control's records
// effective from that start to at and received by at (the two arguments
// that follow q's), as c: a range scan of evidence_controls' primary key
// per control. SQLite takes a CROSS JOIN's order as written. PostgreSQL
// cannot know how far back each start lies and judged a third of the
// table would match, so it hashed q against a scan of every record
// (0.3 to 0.5 s at 1 000 000, where the ranges held a thousand); a
// sorted LATERAL subquery is never folded into the join, so each control
// is its own index scan.
func (tx *Tx) eachRange() string {
	const where = `c.control_id = q.id AND c.received_at <= ? AND c.effective_from >= q.since AND c.effective_from <= ?`
	if tx.dialect == Postgres {
		return `q CROSS JOIN LATERAL (SELECT * FROM evidence_controls c WHERE ` + where + `
			ORDER BY c.effective_from, c.evidence_id) c`
	}
	return `q CROSS JOIN evidence_controls c WHERE ` + where
}

// sinceRows is the VALUES rows "(?, ?), ..." of qs, each a control and
// the start of its range, with their arguments.
func sinceRows(qs []HistoryQuery) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 2*len(qs))
	for i, q := range qs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?)")
		args = append(args, q.Control, TS(q.Since))
	}
	return b.String(), args
}

// spanOccurrences appends to out, after the record before each range
// already there, the records of qs (controls without systems) effective
// in their range, read from evidence_controls alone: one scan of its
// covering index in (control, time) order per control, with no lookup of
// the records themselves. Records a correction received by at supersedes
// are left out, as resolveOccurrences leaves them out.
func (tx *Tx) spanOccurrences(ctx context.Context, qs []HistoryQuery, at time.Time, out map[string][]evident.Occurrence) error {
	if len(qs) == 0 {
		return nil
	}
	a := TS(at)
	superseded := map[string]bool{}
	// Corrections are few and the partial index on supersedes lists just
	// them; with the receipt bound in the statement SQLite walks the
	// receipt index instead and visits every record (0.8 s at 1 000 000),
	// so the bound is applied here, on the fixed-width text as SQL would.
	rows, err := tx.Query(ctx, `SELECT supersedes, received_at FROM evidence WHERE supersedes IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("read corrections: %w", err)
	}
	for rows.Next() {
		var id, rec string
		if err := rows.Scan(&id, &rec); err != nil {
			rows.Close()
			return err
		}
		if rec <= a {
			superseded[id] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for chunk := range slices.Chunk(qs, sinceChunk) {
		vals, args := sinceRows(chunk)
		rows, err := tx.Query(ctx, `WITH q(id, since) AS (VALUES `+vals+`)
			SELECT c.control_id, c.evidence_id, c.effective_from, c.effective_to, c.received_at, c.verdict, c.ledger_idx
			FROM `+tx.eachRange()+`
			ORDER BY c.control_id, c.effective_from, c.evidence_id`, append(args, a, a)...)
		if err != nil {
			return fmt.Errorf("read evidence for periods: %w", err)
		}
		if err := scanSpans(rows, superseded, out); err != nil {
			return err
		}
	}
	return nil
}

// scanSpans reads rows of spanOccurrences into out, closing them. A
// period of years reads a million rows here, so the text columns are
// scanned into reused buffers and parsed from them: only the record's id
// is copied, and one control's list is built before it is stored.
func scanSpans(rows *sql.Rows, superseded map[string]bool, out map[string][]evident.Occurrence) error {
	defer rows.Close()
	var control, eff, rec, until, verdict sql.RawBytes
	var idx sql.NullInt64
	var cur string
	var list []evident.Occurrence
	flush := func() {
		if cur != "" {
			out[cur] = list
		}
	}
	for rows.Next() {
		var o evident.Occurrence
		if err := rows.Scan(&control, &o.ID, &eff, &until, &rec, &verdict, &idx); err != nil {
			return err
		}
		if superseded[o.ID] {
			continue
		}
		if string(control) != cur {
			flush()
			cur = string(control)
			list = out[cur]
		}
		if !idx.Valid {
			return fmt.Errorf("evidence %s for control %s: no ledger index in evidence_controls", o.ID, cur)
		}
		var err error
		if o.Effective, err = parseTSBytes(eff); err != nil {
			return err
		}
		if until != nil {
			if o.Until, err = parseTSBytes(until); err != nil {
				return err
			}
		}
		if o.Received, err = parseTSBytes(rec); err != nil {
			return err
		}
		o.LedgerIndex = idx.Int64
		o.Verdict = verdictOf(verdict)
		o.Failed = o.Verdict == evident.VerdictFail
		list = append(list, o)
	}
	flush()
	return rows.Err()
}

// verdictOf is the stored verdict b without a copy for the known ones.
func verdictOf(b []byte) evident.Verdict {
	switch string(b) {
	case "":
		return ""
	case string(evident.VerdictPass):
		return evident.VerdictPass
	case string(evident.VerdictFail):
		return evident.VerdictFail
	}
	return evident.Verdict(b)
}

// parseTSBytes is ParseTS of b without copying it to a string: stored
// times are fixed width (tsLayout), read field by field; anything else
// goes to ParseTS, which names what is wrong.
func parseTSBytes(b []byte) (time.Time, error) {
	const n = len(tsLayout)
	if len(b) != n || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != '.' || b[26] != 'Z' {
		return ParseTS(string(b))
	}
	num := func(i, j int) int {
		v := 0
		for ; i < j; i++ {
			c := b[i] - '0'
			if c > 9 {
				return -1
			}
			v = v*10 + int(c)
		}
		return v
	}
	y, mo, d, h, mi, sec, us := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19), num(20, 26)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysIn(time.Month(mo), y) || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || us < 0 {
		return ParseTS(string(b))
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, time.UTC), nil
}

// daysIn is the number of days of month m in year y.
func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
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

// ProgramRecords returns the audit records that carry the program's
// objects (program.create and program.apply) up to at, in ledger order,
// and the receipt time of the latest such record in the whole ledger.
// Status at a past instant rebuilds the program from them when it has
// changed since.
func (tx *Tx) ProgramRecords(ctx context.Context, at time.Time) (recs []evident.Record, latest time.Time, err error) {
	var last sql.NullString
	if err := tx.QueryRow(ctx, `SELECT MAX(at) FROM ledger_leaves WHERE kind IN ('program.create', 'program.apply')`).Scan(&last); err != nil {
		return nil, time.Time{}, err
	}
	if latest, err = ParseNullTS(last); err != nil || latest.IsZero() || !latest.After(at) {
		return nil, latest, err
	}
	rows, err := tx.Query(ctx, `SELECT data FROM ledger_leaves WHERE kind IN ('program.create', 'program.apply') AND at <= ? ORDER BY idx`, TS(at))
	if err != nil {
		return nil, latest, err
	}
	defer rows.Close()
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, latest, err
		}
		r, err := evident.ParseRecord(data)
		if err != nil {
			return nil, latest, err
		}
		recs = append(recs, r)
	}
	return recs, latest, rows.Err()
}
