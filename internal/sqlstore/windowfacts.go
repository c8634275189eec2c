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

// WindowFacts is one control's closed windows as readiness judged them
// (table window_facts): Body encodes them, oldest first; those ending at
// or before Through hold (a write cuts Through back in its transaction,
// before the row is judged again). Schedule is the hash of what they were judged
// with besides the records, TreeSize the ledger size and ComputedAt the
// instant of the judgement. The readiness package owns the encoding and
// decides when a row still holds; the store only keeps it.
type WindowFacts struct {
	Control    string
	Schedule   string
	TreeSize   int64
	ComputedAt time.Time
	Through    time.Time
	Body       []byte
}

// WindowFacts returns every stored row by control.
func (tx *Tx) WindowFacts(ctx context.Context) (map[string]WindowFacts, error) {
	rows, err := tx.Query(ctx, `SELECT control_id, schedule, tree_size, computed_at, through, body FROM window_facts`)
	if err != nil {
		return nil, fmt.Errorf("read window facts: %w", err)
	}
	defer rows.Close()
	out := map[string]WindowFacts{}
	for rows.Next() {
		var f WindowFacts
		var at, through string
		if err := rows.Scan(&f.Control, &f.Schedule, &f.TreeSize, &at, &through, &f.Body); err != nil {
			return nil, fmt.Errorf("read window facts: %w", err)
		}
		if f.ComputedAt, err = ParseTS(at); err != nil {
			return nil, fmt.Errorf("window facts of %s: %w", f.Control, err)
		}
		if f.Through, err = ParseTS(through); err != nil {
			return nil, fmt.Errorf("window facts of %s: %w", f.Control, err)
		}
		out[f.Control] = f
	}
	return out, rows.Err()
}

// quietKinds are the ledger record kinds that cannot change how a
// control's window is judged: sign-ins, users and tokens, incidents,
// revocation requests and issuance stops with their clocks,
// notifications, the scheduler's record of a missed period (it reports a
// judgement, it does not make one), assessors' engagements, findings and
// requests (they limit readiness, not windows), anchors, key events and
// exports. Any other kind but evidence (a program change, an exception, a
// change, an approval, a retention act) may, so a leaf of it sets every
// row of window facts aside: a new kind is distrusted until it is listed
// here.
var quietKinds = []string{"auth.", "user.", "token.", "mfa.", "incident.", "revocation.", "issuance.", "notify.",
	"period.", "engagement.", "finding.", "request.", "ledger.", "pack.export"}

// quiet reports whether a leaf of kind k leaves every window's judgement
// as it was.
func quiet(k string) bool {
	for _, q := range quietKinds {
		if k == q || (strings.HasSuffix(q, ".") && strings.HasPrefix(k, q)) {
			return true
		}
	}
	return false
}

// LedgerSince is what the ledger gained from leaf size on, as window
// facts need it: whether any leaf may change a judgement other than
// through evidence (Unsettled, naming its kind), and, per control, the
// earliest effective time of the evidence added for it, superseded by
// what was added, or accepted or rejected by an act added (Earliest). Windows ending at or before that time are
// untouched by the additions.
type LedgerSince struct {
	Size      int64
	Unsettled string
	Earliest  map[string]time.Time
}

// kindsSinceQuery reads the distinct kinds of the leaves from a size on. The
// kind is read as an expression so that SQLite walks the leaves from that
// size by their index, not the whole of its index by kind (a million
// entries, to find the kinds of a few leaves).
const kindsSinceQuery = `SELECT DISTINCT kind || '' FROM ledger_leaves WHERE idx >= ?`

// kindsSince reads the distinct kinds of the leaves from size on.
func (tx *Tx) kindsSince(ctx context.Context, size int64) ([]string, error) {
	rows, err := tx.Query(ctx, kindsSinceQuery, size)
	if err != nil {
		return nil, fmt.Errorf("read the ledger's kinds since %d: %w", size, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// sinceByControl are the queries LedgerSince reads, per control, the
// earliest effective time of what the leaves from a size on added,
// superseded or judged: a record counts for the controls it names, a
// correction also takes the record it supersedes out of that record's
// windows, and an act on a submission changes the windows of the record
// it judged. The records added are found by their leaf first and their
// controls by id after: written as a join, SQLite's planner walked every
// row of evidence_controls to find the few added (four seconds at a
// million records, after every upload).
var sinceByControl = []string{
	`SELECT ec.control_id, MIN(ec.effective_from) FROM evidence_controls ec
		WHERE ec.evidence_id IN (SELECT id FROM evidence WHERE ledger_idx >= ?) GROUP BY ec.control_id`,
	`SELECT ec.control_id, MIN(ec.effective_from) FROM evidence_controls ec
		WHERE ec.evidence_id IN (SELECT supersedes FROM evidence WHERE ledger_idx >= ?) GROUP BY ec.control_id`,
	`SELECT ec.control_id, MIN(ec.effective_from) FROM acts a
		JOIN evidence_controls ec ON ec.evidence_id = SUBSTR(a.subject, 10) WHERE a.ledger_idx >= ? AND a.subject LIKE 'evidence/%' GROUP BY ec.control_id`,
}

// LedgerSince reads what the leaves from size to the end changed, in tx's
// snapshot.
func (tx *Tx) LedgerSince(ctx context.Context, size int64) (LedgerSince, error) {
	out := LedgerSince{Earliest: map[string]time.Time{}}
	var err error
	if out.Size, err = tx.LedgerSize(ctx); err != nil {
		return out, err
	}
	if size >= out.Size {
		return out, nil
	}
	kinds, err := tx.kindsSince(ctx, size)
	if err != nil {
		return out, err
	}
	for _, k := range kinds {
		if k != evident.EvidenceRecordKind && k != evident.ActRecordKind && !quiet(k) && out.Unsettled == "" {
			out.Unsettled = k
		}
	}
	// An act on a submission (accepting or rejecting evidence) changes
	// the windows of that record's controls; any other act (approving a
	// policy, an exception, a deviation) may change more.
	if out.Unsettled == "" {
		var other int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM acts WHERE ledger_idx >= ? AND subject NOT LIKE 'evidence/%'`, size).Scan(&other); err != nil {
			return out, fmt.Errorf("read the acts since %d: %w", size, err)
		}
		if other > 0 {
			out.Unsettled = evident.ActRecordKind
		}
	}
	for _, q := range sinceByControl {
		rows, err := tx.Query(ctx, q, size)
		if err != nil {
			return out, fmt.Errorf("read the evidence added since %d: %w", size, err)
		}
		for rows.Next() {
			var id, eff string
			if err := rows.Scan(&id, &eff); err != nil {
				rows.Close()
				return out, err
			}
			t, err := ParseTS(eff)
			if err != nil {
				rows.Close()
				return out, fmt.Errorf("evidence of %s added since %d: %w", id, size, err)
			}
			if e, ok := out.Earliest[id]; !ok || t.Before(e) {
				out.Earliest[id] = t
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Appended is what the leaves from a size on added, as a readiness
// series kept at that size needs it to tell which of its months still
// hold (readiness.Figures): the kinds of leaf, and of the evidence
// records among them how many correct an earlier record and when the
// first was received.
type Appended struct {
	Kinds       []string // distinct, in no order
	Evidence    int
	Superseding int
	// EarliestReceived is when the first evidence record added was
	// received; zero when none was.
	EarliestReceived time.Time
}

// evidenceSince counts the evidence records from a leaf on, those
// correcting an earlier one, and reads when the first was received.
const evidenceSince = `SELECT COUNT(*), COUNT(supersedes), MIN(received_at) FROM evidence WHERE ledger_idx >= ?`

// AppendedSince reads what the leaves from size to the end added, in tx's
// snapshot.
func (tx *Tx) AppendedSince(ctx context.Context, size int64) (Appended, error) {
	var out Appended
	var err error
	if out.Kinds, err = tx.kindsSince(ctx, size); err != nil {
		return out, err
	}
	var earliest sql.NullString
	if err := tx.QueryRow(ctx, evidenceSince, size).
		Scan(&out.Evidence, &out.Superseding, &earliest); err != nil {
		return out, fmt.Errorf("read the evidence added since %d: %w", size, err)
	}
	if earliest.Valid {
		if out.EarliestReceived, err = ParseTS(earliest.String); err != nil {
			return out, err
		}
	}
	return out, nil
}

// LastLeafAt returns when the newest leaf was appended, zero for an empty
// ledger: window facts are kept only when judged at or after it, so every
// record they count was visible to the judgement.
func (tx *Tx) LastLeafAt(ctx context.Context) (time.Time, error) {
	var at string
	err := tx.QueryRow(ctx, `SELECT at FROM ledger_leaves ORDER BY idx DESC LIMIT 1`).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read the newest leaf's time: %w", err)
	}
	return ParseTS(at)
}

// cutWindowFacts cuts each control's window facts back to the windows
// that end at or before its time in earliest, in the transaction of the
// write that changes them, and marks the row as of the ledger's size
// then, so that a report judged before the write cannot store its older
// row over the cut one.
func (tx *Tx) cutWindowFacts(ctx context.Context, earliest map[string]time.Time) error {
	for c, t := range earliest {
		_, err := tx.Exec(ctx, `UPDATE window_facts SET through = ?,
			tree_size = (SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaves)
			WHERE control_id = ? AND through > ?`, TS(t), c, TS(t))
		if err != nil {
			return fmt.Errorf("cut the window facts of %s: %w", c, err)
		}
	}
	return nil
}

// dropWindowFacts sets every control's window facts aside, in the
// transaction of a write that may change any judgement.
func (tx *Tx) dropWindowFacts(ctx context.Context) error {
	if _, err := tx.Exec(ctx, `DELETE FROM window_facts`); err != nil {
		return fmt.Errorf("set the window facts aside: %w", err)
	}
	return nil
}

// PutWindowFacts stores rows, each replacing the control's row unless
// that one was judged over a larger ledger: replicas that judge at once
// keep the newest. It is one transaction; a failure stores none of them.
func (s *Store) PutWindowFacts(ctx context.Context, rows []WindowFacts) error {
	if len(rows) == 0 {
		return nil
	}
	return s.Write(ctx, func(tx *Tx) error {
		for _, f := range rows {
			_, err := tx.Exec(ctx, `INSERT INTO window_facts (control_id, schedule, tree_size, computed_at, through, body)
				VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (control_id) DO UPDATE SET schedule = excluded.schedule, tree_size = excluded.tree_size,
					computed_at = excluded.computed_at, through = excluded.through, body = excluded.body
				WHERE window_facts.tree_size <= excluded.tree_size`,
				f.Control, f.Schedule, f.TreeSize, TS(f.ComputedAt), TS(f.Through), f.Body)
			if err != nil {
				return fmt.Errorf("store window facts of %s: %w", f.Control, err)
			}
		}
		return nil
	})
}
