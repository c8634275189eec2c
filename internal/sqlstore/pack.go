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
