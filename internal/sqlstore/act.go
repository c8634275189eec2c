package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// InsertAct appends an act's ledger leaf and its row in tx, setting ID,
// At and LedgerIndex. It checks the act's shape only: who may make which
// act is decided by the write that calls it (Review today, approvals
// later), so every kind of act shares one leaf format and one table.
func (tx *Tx) InsertAct(ctx context.Context, a *evident.Act) error {
	a.At = tx.Now.UTC().Truncate(time.Microsecond)
	if a.ID == "" {
		a.ID = evident.NewID(a.At)
	}
	if err := a.Validate(); err != nil {
		return err
	}
	rec, err := a.Record()
	if err != nil {
		return err
	}
	if a.LedgerIndex, err = tx.AppendRecord(ctx, rec); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO acts (id, ledger_idx, verb, subject, sha256, actor, at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.LedgerIndex, string(a.Verb), a.Subject, a.SHA256.String(), a.Actor, TS(a.At), string(rec.Body))
	if err != nil {
		return fmt.Errorf("record act %s: %w", a.ID, err)
	}
	// An act on a submission changes the windows of the record it
	// judged; any other act (an approval) may change more.
	if id, ok := strings.CutPrefix(a.Subject, "evidence/"); ok {
		earliest := map[string]time.Time{}
		if err := tx.evidenceControls(ctx, id, func(c string, t time.Time) { earliest[c] = t }); err != nil {
			return err
		}
		return tx.cutWindowFacts(ctx, earliest)
	}
	return tx.dropWindowFacts(ctx)
}

// ActsAbout returns the acts about each subject recorded at or before at
// (zero: all), in ledger order.
func (tx *Tx) ActsAbout(ctx context.Context, subjects []string, at time.Time) (map[string][]evident.Act, error) {
	out := map[string][]evident.Act{}
	for len(subjects) > 0 {
		n := min(len(subjects), resolveChunk)
		rows, err := tx.Query(ctx, `SELECT ledger_idx, actor, at, body FROM acts WHERE subject IN (`+marks(n)+`) AND at <= ? ORDER BY ledger_idx`,
			append(anys(subjects[:n]), asOf(at))...)
		if err != nil {
			return nil, fmt.Errorf("read acts: %w", err)
		}
		subjects = subjects[n:]
		err = scanActs(rows, func(a evident.Act) { out[a.Subject] = append(out[a.Subject], a) })
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Acts returns every act in ledger order, for `evident verify`.
func (tx *Tx) Acts(ctx context.Context) ([]evident.Act, error) {
	rows, err := tx.Query(ctx, `SELECT ledger_idx, actor, at, body FROM acts ORDER BY ledger_idx`)
	if err != nil {
		return nil, fmt.Errorf("read acts: %w", err)
	}
	var out []evident.Act
	return out, scanActs(rows, func(a evident.Act) { out = append(out, a) })
}

// scanActs decodes act rows through the leaf decoder, so a row reads
// exactly as its leaf does.
func scanActs(rows interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}, fn func(evident.Act)) error {
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var actor, at, body string
		if err := rows.Scan(&idx, &actor, &at, &body); err != nil {
			return err
		}
		t, err := ParseTS(at)
		if err != nil {
			return err
		}
		a, err := evident.ActFromRecord(evident.Record{Kind: evident.ActRecordKind, Actor: actor, At: t, Body: json.RawMessage(body)})
		if err != nil {
			return err
		}
		a.LedgerIndex = idx
		fn(a)
	}
	return rows.Err()
}

// LeavesOfKind calls fn for every ledger leaf of one record kind, in
// ledger order.
func (tx *Tx) LeavesOfKind(ctx context.Context, kind string, fn func(LedgerLeaf) error) error {
	rows, err := tx.Query(ctx, `SELECT idx, kind, ref, actor, data FROM ledger_leaves WHERE kind = ? ORDER BY idx`, kind)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l LedgerLeaf
		if err := rows.Scan(&l.Index, &l.Kind, &l.Ref, &l.Actor, &l.Data); err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ActBinding pairs an act about an evidence record with that record's
// digest and submitter, so verify can check what the act claims.
type ActBinding struct {
	Act, Actor, SHA256 string
	LedgerIndex        int64
	Evidence           string
	Digest, Submitter  string
}

// ActBindings returns every act about an evidence record with the
// record's digest and submitter, in ledger order.
func (tx *Tx) ActBindings(ctx context.Context) ([]ActBinding, error) {
	rows, err := tx.Query(ctx, `SELECT a.id, a.actor, a.sha256, a.ledger_idx, e.id, e.digest, e.actor
		FROM acts a JOIN evidence e ON a.subject = 'evidence/' || e.id ORDER BY a.ledger_idx`)
	if err != nil {
		return nil, fmt.Errorf("read act bindings: %w", err)
	}
	defer rows.Close()
	var out []ActBinding
	for rows.Next() {
		var b ActBinding
		if err := rows.Scan(&b.Act, &b.Actor, &b.SHA256, &b.LedgerIndex, &b.Evidence, &b.Digest, &b.Submitter); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
