package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/evidenthq/evident"
)

// Projections: the tables that decide a state are re-derived from the
// ledger. Replay folds every leaf, in order, into the rows the log implies;
// Compare reads the tables and names every row and column that differs.
//
// To project a table, add a projection to projections (its table, key
// columns, compared columns and the leaf kinds that write it, each with a
// function that applies one leaf) in a projection_<noun>.go file, and take
// the table out of the exempt list in projection_exempt.go if it was
// there. The schema test fails until every column of every table is either
// projected or exempt with a reason.

// projection is one table verify re-derives from the leaves.
type projection struct {
	table   string
	key     []string             // primary key columns, in order
	columns []string             // the other columns compared
	kinds   map[string]applyFunc // leaf kind -> how it changes the table
}

// applyFunc applies one leaf to the replayed tables.
type applyFunc func(r *Replay, l ReplayLeaf) error

// ReplayLeaf is one decoded leaf as Replay sees it.
type ReplayLeaf struct {
	Index  int64
	Record evident.Record
	// Evidence is the record decoded, when the caller already did (verify
	// decodes leaves on every core); nil makes the applier decode it.
	Evidence *evident.Evidence
}

// projections lists every projected table. Order does not matter: each
// table is compared on its own.
var projections = append([]projection{
	evidenceProjection, evidenceControlsProjection, evidenceRequirementsProjection,
	usersProjection, userControlsProjection, apiTokensProjection, mfaRecoveryProjection, mfaRolesProjection, passkeysProjection,
	changesProjection, changeTasksProjection, revocationRequestsProjection, issuanceStopsProjection,
	legalHoldsProjection, retentionDeletionsProjection,
	exceptionsProjection, periodOutcomesProjection,
	incidentsProjection, incidentClassificationsProjection, incidentStepsProjection, incidentNotificationsProjection,
	engagementsProjection, assessmentRequestsProjection, findingsProjection,
}, programProjections()...)

// ProjectedTables returns the projected tables and their compared
// columns (key columns first), for the schema test.
func ProjectedTables() map[string][]string {
	out := map[string][]string{}
	for _, p := range projections {
		out[p.table] = append(slices.Clone(p.key), p.columns...)
	}
	return out
}

// Value is one column's value as text; Null marks SQL NULL. Long values
// (JSON bodies) are kept as their SHA-256, which is enough to compare and
// keeps a replay of a large ledger small.
type Value struct {
	S    string
	Null bool
	// Unknown marks a value the leaf does not carry (a leaf written
	// before its kind's body held the column): it is not compared.
	Unknown bool
}

// Unknown is a value the log does not imply.
var Unknown = Value{Unknown: true}

// Text is a non-NULL value.
func Text(s string) Value { return fold(Value{S: s}) }

// Null is SQL NULL.
var Null = Value{Null: true}

// Int is an integer value.
func Int(n int64) Value { return Value{S: strconv.FormatInt(n, 10)} }

// OptText is NULL for "", else the text.
func OptText(s string) Value {
	if s == "" {
		return Null
	}
	return Text(s)
}

// textBytes is Text of b without first copying a long b into a string
// that fold would only hash (an evidence leaf's body, once per record).
func textBytes(b []byte) Value {
	if len(b) > 64 {
		return Value{S: foldHash(b)}
	}
	return Value{S: string(b)}
}

// foldHash is the text fold keeps of a long value.
func foldHash(b []byte) string {
	h := sha256.Sum256(b)
	var out [7 + 2*sha256.Size]byte
	copy(out[:], "sha256:")
	hex.Encode(out[7:], h[:])
	return string(out[:])
}

func fold(v Value) Value {
	if len(v.S) > 64 {
		v.S = foldHash([]byte(v.S))
	}
	return v
}

func (v Value) String() string {
	if v.Unknown {
		return "unknown"
	}
	if v.Null {
		return "NULL"
	}
	return fmt.Sprintf("%q", v.S)
}

// Row is one replayed row: the leaf that last wrote it and its values in
// the order of its projection's key and columns (a slice, not a map: a
// replay of a million records holds millions of rows).
type Row struct {
	Leaf int64
	Vals []Value
}

// Replay holds the rows the ledger implies, table by table.
type Replay struct {
	rows  map[string]map[string]*Row // table -> key -> row
	kinds map[string][]applyFunc     // leaf kind -> the tables' appliers
	projs map[string]*projection
	pos   map[string]map[string]int // table -> column -> index in Row.Vals
	// state is what an applier keeps between leaves beyond the rows,
	// such as an incident as the leaves so far describe it.
	state map[string]any
}

// NewReplay returns an empty replay of every projected table.
func NewReplay() *Replay {
	r := &Replay{rows: map[string]map[string]*Row{}, kinds: map[string][]applyFunc{}, projs: map[string]*projection{},
		pos: map[string]map[string]int{}, state: map[string]any{}}
	for i := range projections {
		p := &projections[i]
		r.rows[p.table] = map[string]*Row{}
		r.projs[p.table] = p
		r.pos[p.table] = map[string]int{}
		for j, c := range append(slices.Clone(p.key), p.columns...) {
			r.pos[p.table][c] = j
		}
		for kind, fn := range p.kinds {
			r.kinds[kind] = append(r.kinds[kind], fn)
		}
	}
	return r
}

// Apply folds one leaf into the replayed tables. Leaves of kinds no table
// projects change nothing. An error says the leaf cannot be read.
func (r *Replay) Apply(l ReplayLeaf) error {
	for _, fn := range r.kinds[l.Record.Kind] {
		if err := fn(r, l); err != nil {
			return fmt.Errorf("ledger leaf %d (%s %s): %w", l.Index, l.Record.Kind, l.Record.ID, err)
		}
	}
	return nil
}

// Rows returns the number of replayed rows of table.
func (r *Replay) Rows(table string) int { return len(r.rows[table]) }

// put sets a whole row, keyed by the table's key columns.
func (r *Replay) put(table string, leaf int64, vals map[string]Value) {
	p, pos := r.projs[table], r.pos[table]
	row := &Row{Leaf: leaf, Vals: make([]Value, len(pos))}
	for c, v := range vals {
		row.Vals[pos[c]] = v
	}
	r.rows[table][keyOf(p, row.Vals)] = row
}

// putRow sets a whole row from its values in the projection's order: key
// columns first, then the compared columns. Appliers called once per
// evidence leaf use it instead of put to spare a map per row.
func (r *Replay) putRow(table string, leaf int64, vals []Value) {
	p := r.projs[table]
	if len(vals) != len(p.key)+len(p.columns) {
		panic(fmt.Sprintf("replay of %s: %d values for %d columns", table, len(vals), len(p.key)+len(p.columns)))
	}
	r.rows[table][keyOf(p, vals)] = &Row{Leaf: leaf, Vals: vals}
}

// update changes some columns of the row with key; a leaf that updates a
// row the log never created is itself a problem, reported by the caller.
func (r *Replay) update(table string, key []string, leaf int64, vals map[string]Value) error {
	row, ok := r.rows[table][strings.Join(key, "/")]
	if !ok {
		return fmt.Errorf("changes %s %s, which no earlier leaf created", table, strings.Join(key, "/"))
	}
	row.Leaf = leaf
	for c, v := range vals {
		row.Vals[r.pos[table][c]] = v
	}
	return nil
}

// deleteWhere removes the rows of table whose column col is v.
func (r *Replay) deleteWhere(table, col string, v Value) {
	i := r.pos[table][col]
	for k, row := range r.rows[table] {
		if row.Vals[i] == v {
			delete(r.rows[table], k)
		}
	}
}

// keyOf joins a row's key values (the first len(p.key) of vals).
func keyOf(p *projection, vals []Value) string {
	parts := make([]string, len(p.key))
	for i := range p.key {
		parts[i] = vals[i].S
	}
	return strings.Join(parts, "/")
}

// Mismatch is one difference between a table and the log.
type Mismatch struct {
	Kind   string // "added", "missing" or "edited"
	Table  string
	Key    string
	Column string
	Leaf   int64 // the leaf that implies the row, -1 for an added row
	Want   Value // what the log implies
	Got    Value // what the table holds
}

// Mismatch kinds.
const (
	RowAdded   = "added"
	RowMissing = "missing"
	RowEdited  = "edited"
)

// String names the table, key and column, and both values.
func (m Mismatch) String() string {
	switch m.Kind {
	case RowAdded:
		return fmt.Sprintf("%s row %s is in no ledger leaf: the row was added or its leaf deleted", m.Table, m.Key)
	case RowMissing:
		return fmt.Sprintf("%s row %s (leaf %d) is in the ledger but was deleted from the database", m.Table, m.Key, m.Leaf)
	}
	return fmt.Sprintf("%s row %s (leaf %d) column %s: the ledger implies %s, the database holds %s", m.Table, m.Key, m.Leaf, m.Column, m.Want, m.Got)
}

// Compare reads every projected table and reports each row and column
// that differs from the replay, table by table, rows in key order. It
// consumes the replay: rows are dropped as they are matched.
func (tx *Tx) Compare(ctx context.Context, r *Replay, report func(Mismatch)) error {
	for i := range projections {
		if err := tx.compareTable(ctx, &projections[i], r.rows[projections[i].table], report); err != nil {
			return fmt.Errorf("compare %s with the ledger: %w", projections[i].table, err)
		}
	}
	return nil
}

func (tx *Tx) compareTable(ctx context.Context, p *projection, want map[string]*Row, report func(Mismatch)) error {
	cols := append(slices.Clone(p.key), p.columns...)
	// The table is read in its storage order, not ORDER BY its key: on
	// SQLite a text primary key is a separate index, and walking it meant
	// a table lookup per row. The few differences found are sorted by key
	// instead, so the report reads the same.
	q := `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + p.table
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	raw := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	// One key buffer and one row of values serve every row read: the
	// tables hold a row per evidence record, and allocating them per row
	// was most of the comparison's own time.
	got := make([]Value, len(cols))
	var kb []byte
	var found []Mismatch
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		kb = kb[:0]
		for i := range p.key {
			got[i] = fold(Value{S: raw[i].String, Null: !raw[i].Valid})
			if i > 0 {
				kb = append(kb, '/')
			}
			kb = append(kb, got[i].S...)
		}
		w, ok := want[string(kb)]
		if !ok {
			found = append(found, Mismatch{Kind: RowAdded, Table: p.table, Key: string(kb), Leaf: -1})
			continue
		}
		delete(want, string(kb))
		for i := len(p.key); i < len(cols); i++ {
			if w.Vals[i].Unknown {
				continue
			}
			g := fold(Value{S: raw[i].String, Null: !raw[i].Valid})
			if w.Vals[i] != g {
				found = append(found, Mismatch{Kind: RowEdited, Table: p.table, Key: string(kb), Column: cols[i], Leaf: w.Leaf, Want: w.Vals[i], Got: g})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	slices.SortStableFunc(found, func(a, b Mismatch) int { return strings.Compare(a.Key, b.Key) })
	for _, m := range found {
		report(m)
	}
	var missing []string
	for k := range want {
		missing = append(missing, k)
	}
	slices.Sort(missing)
	for _, k := range missing {
		report(Mismatch{Kind: RowMissing, Table: p.table, Key: k, Leaf: want[k].Leaf})
	}
	return nil
}
