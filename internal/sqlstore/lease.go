package sqlstore

import (
	"context"
	"time"
)

// Claim takes the lease name for holder until ttl from the store's clock,
// or renews it if holder already has it, and reports whether holder holds
// it now. Several replicas call Claim on one database; the conditional
// upsert lets exactly one of them win while the lease is live, and another
// take over once it has expired (a replica that died keeps nothing).
func (s *Store) Claim(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	var got string
	err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
			name, holder, TS(tx.Now.Add(ttl)), TS(tx.Now))
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT holder FROM leases WHERE name = ?`, name).Scan(&got)
	})
	return got == holder, err
}

// Release gives the lease up early, if holder still holds it, so another
// replica need not wait for it to expire after a clean shutdown.
func (s *Store) Release(ctx context.Context, name, holder string) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
		return err
	})
}
