package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/evidenthq/evident"
)

// Gauges are the operational figures /metrics reports about the store.
// Each is one indexed lookup or a count over a small table, so a scrape
// costs a few reads whatever the size of the ledger.
type Gauges struct {
	LedgerSize   int64
	CheckpointAt time.Time // when the newest checkpoint was signed; zero if none
	CosignedAt   time.Time // when the newest witness cosignature was stored; zero if none
	// Deliveries counts notification deliveries not yet sent, by state
	// (pending, sending, queued for a digest, failed).
	Deliveries map[string]int64
}

// Gauges reads the operational figures in one read transaction.
func (s *Store) Gauges(ctx context.Context) (Gauges, error) {
	g := Gauges{Deliveries: map[string]int64{}}
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		if g.LedgerSize, err = tx.LedgerSize(ctx); err != nil {
			return err
		}
		cp, err := tx.LatestCheckpoint(ctx)
		switch {
		case err == nil:
			g.CheckpointAt = cp.CreatedAt
		case evident.ErrorCode(err) != evident.ENOTFOUND:
			return err
		}
		var at sql.NullString
		if err := tx.QueryRow(ctx, `SELECT MAX(created_at) FROM cosignatures`).Scan(&at); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("latest cosignature: %w", err)
		}
		if at.Valid {
			if g.CosignedAt, err = ParseTS(at.String); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT state, COUNT(*) FROM notify_deliveries WHERE state <> 'sent' GROUP BY state`)
		if err != nil {
			return fmt.Errorf("notification queue: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var state string
			var n int64
			if err := rows.Scan(&state, &n); err != nil {
				return err
			}
			g.Deliveries[state] = n
		}
		return rows.Err()
	})
	return g, err
}
