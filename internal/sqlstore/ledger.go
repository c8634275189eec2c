package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/evidenthq/evident"
	"golang.org/x/mod/sumdb/tlog"
)

// AppendRecord appends rec to the ledger inside tx and returns its index.
// The leaf is rec's canonical bytes; the RFC 6962 hashes it adds to the tree
// are stored beside it in the same transaction, so a commit is all or
// nothing. On PostgreSQL an advisory lock held to the end of the
// transaction serialises appends from every process, which is what keeps
// indexes gap-free and unique across replicas; SQLite's IMMEDIATE write
// transactions already do this for one file.
func (tx *Tx) AppendRecord(ctx context.Context, rec evident.Record) (int64, error) {
	idx, err := tx.AppendRecords(ctx, []evident.Record{rec})
	if err != nil {
		return 0, err
	}
	return idx[0], nil
}

// AppendRecords appends several records in order and returns their
// indexes. It is AppendRecord for a batch: the tree's right edge is kept in
// memory between leaves and the rows go in multi-row inserts, so a batch
// of thousands costs a few statements instead of several per leaf.
func (tx *Tx) AppendRecords(ctx context.Context, recs []evident.Record) ([]int64, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	for _, r := range recs {
		// A record that may change how windows are judged other than
		// through evidence or an act (which cut back what they touch)
		// sets every control's window facts aside in its transaction.
		if r.Kind != evident.EvidenceRecordKind && r.Kind != evident.ActRecordKind && !quiet(r.Kind) {
			if err := tx.dropWindowFacts(ctx); err != nil {
				return nil, err
			}
			break
		}
	}
	if err := tx.lockLedger(ctx); err != nil {
		return nil, err
	}
	n, err := tx.LedgerSize(ctx)
	if err != nil {
		return nil, err
	}
	fresh := map[int64]tlog.Hash{}
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		var missing []int64
		for _, x := range idx {
			if _, ok := fresh[x]; !ok {
				missing = append(missing, x)
			}
		}
		got, err := tx.ReadHashes(ctx, missing)
		if err != nil {
			return nil, err
		}
		for i, x := range missing {
			fresh[x] = got[i]
		}
		for i, x := range idx {
			out[i] = fresh[x]
		}
		return out, nil
	})
	leaves := newInserter(tx, `INSERT INTO ledger_leaves (idx, kind, ref, actor, at, data) VALUES `, 6)
	hashes := newInserter(tx, `INSERT INTO ledger_hashes (idx, hash) VALUES `, 2)
	out := make([]int64, len(recs))
	actors := map[string]bool{}
	for i, rec := range recs {
		if rec.At.IsZero() {
			rec.At = tx.Now
		}
		if rec.Actor == "" {
			return nil, evident.Errorf(evident.EINVALID, "ledger record %s %s has no actor", rec.Kind, rec.ID)
		}
		if rec.Origin == "" {
			rec.Origin = OriginOf(ctx)
		}
		data, err := rec.Canonical()
		if err != nil {
			return nil, err
		}
		idx := n + int64(i)
		hs, err := tlog.StoredHashes(idx, data, reader)
		if err != nil {
			return nil, fmt.Errorf("ledger hashes for leaf %d: %w", idx, err)
		}
		if err := leaves.add(ctx, idx, rec.Kind, rec.ID, rec.Actor, TS(rec.At), data); err != nil {
			return nil, fmt.Errorf("ledger leaf %d: %w", idx, err)
		}
		base := tlog.StoredHashIndex(0, idx)
		for j, h := range hs {
			fresh[base+int64(j)] = h
			if err := hashes.add(ctx, base+int64(j), h[:]); err != nil {
				return nil, fmt.Errorf("ledger hash %d: %w", base+int64(j), err)
			}
		}
		actors[rec.Actor] = true
		out[i] = idx
	}
	if err := leaves.flush(ctx); err != nil {
		return nil, fmt.Errorf("ledger leaves: %w", err)
	}
	if err := hashes.flush(ctx); err != nil {
		return nil, fmt.Errorf("ledger hashes: %w", err)
	}
	for a := range actors {
		if err := tx.touchActor(ctx, a); err != nil {
			return nil, err
		}
	}
	tx.appended, tx.size = true, n+int64(len(recs))
	return out, nil
}

// inserter batches rows into multi-row INSERT statements. SQLite allows
// 32 766 parameters per statement; 200 rows keeps well inside that and
// inside PostgreSQL's 65 535.
type inserter struct {
	tx     *Tx
	prefix string
	cols   int
	args   []any
}

const insertRows = 200

func newInserter(tx *Tx, prefix string, cols int) *inserter {
	return &inserter{tx: tx, prefix: prefix, cols: cols}
}

func (in *inserter) add(ctx context.Context, vals ...any) error {
	in.args = append(in.args, vals...)
	if len(in.args) >= insertRows*in.cols {
		return in.flush(ctx)
	}
	return nil
}

func (in *inserter) flush(ctx context.Context) error {
	rows := len(in.args) / in.cols
	if rows == 0 {
		return nil
	}
	one := "(?" + strings.Repeat(",?", in.cols-1) + ")"
	q := in.prefix + one + strings.Repeat(","+one, rows-1)
	_, err := in.tx.Exec(ctx, q, in.args...)
	in.args = in.args[:0]
	return err
}

// Audit appends an audit-trail record for a change to the program. body is
// marshalled as JSON (a struct keeps a stable field order).
func (tx *Tx) Audit(ctx context.Context, kind, id, actor string, body any) (int64, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, fmt.Errorf("audit %s %s: %w", kind, id, err)
	}
	return tx.AppendRecord(ctx, evident.Record{Kind: kind, ID: id, Actor: actor, At: tx.Now, Body: b})
}

// LedgerSize returns the number of leaves in the ledger, in a read of its
// own: every write appends a leaf, so a figure computed at a size holds
// until the ledger grows past it (the kept pages and figures key on it).
func (s *Store) LedgerSize(ctx context.Context) (size int64, err error) {
	err = s.Read(ctx, func(tx *Tx) error {
		size, err = tx.LedgerSize(ctx)
		return err
	})
	return size, err
}

// LedgerSize returns the number of leaves in the ledger as tx sees it.
func (tx *Tx) LedgerSize(ctx context.Context) (int64, error) {
	var n int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_leaves`).Scan(&n); err != nil {
		return 0, fmt.Errorf("ledger size: %w", err)
	}
	return n, nil
}

// hashReader reads stored hashes inside the transaction for tlog.
func (tx *Tx) hashReader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		return tx.ReadHashes(ctx, idx)
	})
}

// ReadHashes returns the stored hashes at the given tlog storage indexes, in
// the order asked; a missing one is an error, since a tree with holes cannot
// produce proofs.
func (tx *Tx) ReadHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	if len(idx) == 0 {
		return out, nil
	}
	pos := make(map[int64][]int, len(idx))
	args := make([]any, 0, len(idx))
	for i, x := range idx {
		if _, ok := pos[x]; !ok {
			args = append(args, x)
		}
		pos[x] = append(pos[x], i)
	}
	q := `SELECT idx, hash FROM ledger_hashes WHERE idx IN (?` + strings.Repeat(",?", len(args)-1) + `)`
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read ledger hashes: %w", err)
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var x int64
		var h []byte
		if err := rows.Scan(&x, &h); err != nil {
			return nil, err
		}
		if len(h) != tlog.HashSize {
			return nil, fmt.Errorf("ledger hash %d has %d bytes, want %d", x, len(h), tlog.HashSize)
		}
		for _, i := range pos[x] {
			copy(out[i][:], h)
			found++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if found != len(idx) {
		return nil, fmt.Errorf("ledger hash table is missing %d of %d requested hashes", len(idx)-found, len(idx))
	}
	return out, nil
}

// ReadHashRange returns the stored hashes at storage indexes [from, to),
// in order; a missing one is an error, as in ReadHashes. It reads a range
// rather than a list, so verifying a whole tree costs a scan instead of a
// statement with thousands of parameters per page.
func (tx *Tx) ReadHashRange(ctx context.Context, from, to int64) ([]tlog.Hash, error) {
	if to <= from {
		return nil, nil
	}
	out := make([]tlog.Hash, 0, to-from)
	rows, err := tx.Query(ctx, `SELECT idx, hash FROM ledger_hashes WHERE idx >= ? AND idx < ? ORDER BY idx`, from, to)
	if err != nil {
		return nil, fmt.Errorf("read ledger hashes: %w", err)
	}
	defer rows.Close()
	var h []byte
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x, &h); err != nil {
			return nil, err
		}
		if want := from + int64(len(out)); x != want {
			return nil, fmt.Errorf("ledger hash table is missing hash %d", want)
		}
		if len(h) != tlog.HashSize {
			return nil, fmt.Errorf("ledger hash %d has %d bytes, want %d", x, len(h), tlog.HashSize)
		}
		out = append(out, tlog.Hash(h))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if int64(len(out)) != to-from {
		return nil, fmt.Errorf("ledger hash table is missing %d of %d requested hashes", to-from-int64(len(out)), to-from)
	}
	return out, nil
}

// touchActor records the first time an actor wrote anything.
func (tx *Tx) touchActor(ctx context.Context, name string) error {
	kind := "user"
	switch {
	case strings.HasPrefix(name, "token:"):
		kind = "token"
	case strings.HasPrefix(name, "collector:"), strings.HasPrefix(name, "importer:"):
		kind = "collector"
	case strings.HasPrefix(name, "system:"):
		kind = "system"
	}
	_, err := tx.Exec(ctx, `INSERT INTO actors (name, kind, first_seen) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, name, kind, TS(tx.Now))
	return err
}

// LedgerLeaf is one stored leaf: its index and exact bytes.
type LedgerLeaf struct {
	Index int64
	Kind  string
	Ref   string
	Actor string
	Data  []byte
}

// LedgerLeaves returns leaves with index in [from, to), in order.
func (tx *Tx) LedgerLeaves(ctx context.Context, from, to int64) ([]LedgerLeaf, error) {
	return tx.ledgerLeaves(ctx, `idx >= ? AND idx < ?`, from, to)
}

// ledgerLeaves reads the leaves matching where, in ledger order: the one
// scan behind every way of reading leaves.
func (tx *Tx) ledgerLeaves(ctx context.Context, where string, args ...any) ([]LedgerLeaf, error) {
	rows, err := tx.Query(ctx, `SELECT idx, kind, ref, actor, data FROM ledger_leaves WHERE `+where+` ORDER BY idx`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LedgerLeaf
	for rows.Next() {
		var l LedgerLeaf
		if err := rows.Scan(&l.Index, &l.Kind, &l.Ref, &l.Actor, &l.Data); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// originKey carries a write's origin in a context.
type originKey struct{}

// WithOrigin returns ctx whose writes record origin in every ledger leaf
// they append (evident.Record.Origin): the command line sets its
// operating-system user and host, so a typed --actor cannot hide who
// acted.
func WithOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, originKey{}, origin)
}

// WithOriginOf is WithOrigin for an origin that costs something to learn
// (the command line's operating-system account, a lookup in the user
// database): origin is called on the first write that records it, once,
// so a command that writes nothing never pays for it.
func WithOriginOf(ctx context.Context, origin func() string) context.Context {
	return context.WithValue(ctx, originKey{}, sync.OnceValue(origin))
}

// OriginOf returns the origin WithOrigin or WithOriginOf set on ctx, or "".
func OriginOf(ctx context.Context) string {
	switch o := ctx.Value(originKey{}).(type) {
	case string:
		return o
	case func() string:
		return o()
	}
	return ""
}

// LedgerLeavesOfKind returns the leaves whose kind starts with prefix, in
// order: the few key events a verifier needs before it can check any
// checkpoint, without reading the whole log twice.
func (tx *Tx) LedgerLeavesOfKind(ctx context.Context, prefix string) ([]LedgerLeaf, error) {
	return tx.ledgerLeaves(ctx, `kind LIKE ?`, prefix+"%")
}

// AuditFilter selects the leaves the audit trail lists. Zero fields
// select everything; sign-ins are left out unless SignIns is set, as they
// drown the records people look for.
type AuditFilter struct {
	Kind    string    // a kind or a kind prefix ("evidence", "user.")
	Actor   string    // who acted, exactly
	From    time.Time // records at or after
	To      time.Time // records before
	SignIns bool      // include auth.login and auth.logout records
}

// where is the filter as SQL over ledger_leaves.
func (f AuditFilter) where() (string, []any) {
	conds, args := []string{"1 = 1"}, []any{}
	if f.Kind != "" {
		conds, args = append(conds, "kind LIKE ?"), append(args, strings.NewReplacer("%", "", "_", "").Replace(f.Kind)+"%")
	}
	if f.Actor != "" {
		conds, args = append(conds, "actor = ?"), append(args, f.Actor)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "at >= ?"), append(args, TS(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "at < ?"), append(args, TS(f.To))
	}
	if !f.SignIns {
		conds = append(conds, "kind NOT LIKE 'auth.log%'")
	}
	return strings.Join(conds, " AND "), args
}

// AuditPage returns up to n leaves matching f below index before, newest
// first, and the "before" index of the newer page (-1 when this page is
// the newest): one indexed scan each way, whatever the filter leaves
// out, so a filtered page is full.
func (tx *Tx) AuditPage(ctx context.Context, f AuditFilter, before int64, n int) (leaves []LedgerLeaf, newer int64, err error) {
	where, args := f.where()
	rows, err := tx.Query(ctx, `SELECT idx, kind, ref, actor, data FROM ledger_leaves WHERE `+where+` AND idx < ? ORDER BY idx DESC LIMIT ?`,
		append(append([]any{}, args...), before, n)...)
	if err != nil {
		return nil, -1, err
	}
	defer rows.Close()
	for rows.Next() {
		var l LedgerLeaf
		if err := rows.Scan(&l.Index, &l.Kind, &l.Ref, &l.Actor, &l.Data); err != nil {
			return nil, -1, err
		}
		leaves = append(leaves, l)
	}
	if err := rows.Err(); err != nil {
		return nil, -1, err
	}
	// The newer page ends where the n-th matching leaf at or above before
	// is, or at the top of the ledger when fewer than n remain.
	newer = -1
	var idx []int64
	r2, err := tx.Query(ctx, `SELECT idx FROM ledger_leaves WHERE `+where+` AND idx >= ? ORDER BY idx LIMIT ?`,
		append(append([]any{}, args...), before, n+1)...)
	if err != nil {
		return nil, -1, err
	}
	defer r2.Close()
	for r2.Next() {
		var i int64
		if err := r2.Scan(&i); err != nil {
			return nil, -1, err
		}
		idx = append(idx, i)
	}
	if len(idx) > 0 {
		if len(idx) > n {
			newer = idx[n-1] + 1
		} else {
			newer = idx[len(idx)-1] + 1
		}
	}
	return leaves, newer, r2.Err()
}
