package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LeafRange returns the ledger indexes [first, end) spanning every leaf
// received in [from, to): the first such leaf to the last. Leaves between
// them received outside the range (a clock step back) are inside it too,
// so the range has no holes. An empty range is first == end.
func (tx *Tx) LeafRange(ctx context.Context, from, to time.Time) (first, end int64, err error) {
	var lo, hi sql.NullInt64
	err = tx.QueryRow(ctx, `SELECT MIN(idx), MAX(idx) FROM ledger_leaves WHERE at >= ? AND at < ?`, TS(from), TS(to)).Scan(&lo, &hi)
	if err != nil {
		return 0, 0, fmt.Errorf("ledger range %s to %s: %w", TS(from), TS(to), err)
	}
	if !lo.Valid {
		return 0, 0, nil
	}
	return lo.Int64, hi.Int64 + 1, nil
}

// LeavesOfKinds returns every leaf of the given kinds with index below
// end, in ledger order: the program's history, its exceptions and its
// changes, which a pack carries whole so that its windows can be
// recomputed from leaves alone.
func (tx *Tx) LeavesOfKinds(ctx context.Context, kinds []string, end int64) ([]LedgerLeaf, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	args := []any{}
	marks := ""
	for i, k := range kinds {
		if i > 0 {
			marks += ", "
		}
		marks += "?"
		args = append(args, k)
	}
	args = append(args, end)
	out, err := tx.ledgerLeaves(ctx, `kind IN (`+marks+`) AND idx < ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger leaves of kinds %v: %w", kinds, err)
	}
	return out, nil
}
