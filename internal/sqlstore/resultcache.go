package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CachedResult is a result computed from the whole ledger as it stood at
// TreeSize leaves, judged at At, kept so that the next request (on any
// replica) reads it instead of computing it again. Body is its JSON.
type CachedResult struct {
	TreeSize int64
	At       time.Time
	Body     []byte
}

// CachedResult returns the ledger's current size and the result stored
// under key, read in one snapshot so the caller can tell whether the
// result still holds (ok is false when none is stored). Every write
// appends to the ledger, so a result is current exactly when its
// TreeSize is the size returned.
func (s *Store) CachedResult(ctx context.Context, key string) (size int64, r CachedResult, ok bool, err error) {
	err = s.Read(ctx, func(tx *Tx) error {
		if size, err = tx.LedgerSize(ctx); err != nil {
			return err
		}
		var at string
		err := tx.QueryRow(ctx, `SELECT tree_size, computed_at, body FROM result_cache WHERE cache_key = ?`, key).Scan(&r.TreeSize, &at, &r.Body)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read cached result %q: %w", key, err)
		}
		if r.At, err = ParseTS(at); err != nil {
			return fmt.Errorf("cached result %q: %w", key, err)
		}
		ok = true
		return nil
	})
	return size, r, ok, err
}

// PutCachedResult stores r under key unless a result of a larger ledger,
// or of the same ledger judged later, is stored already: replicas that
// compute at once keep the newest. Results judged more than a day before
// r are dropped: a cache holds what pages ask for now.
func (s *Store) PutCachedResult(ctx context.Context, key string, r CachedResult) error {
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM result_cache WHERE computed_at < ?`, TS(r.At.Add(-24*time.Hour))); err != nil {
			return fmt.Errorf("drop old cached results: %w", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO result_cache (cache_key, tree_size, computed_at, body) VALUES (?, ?, ?, ?)
			ON CONFLICT (cache_key) DO UPDATE SET tree_size = excluded.tree_size, computed_at = excluded.computed_at, body = excluded.body
			WHERE result_cache.tree_size < excluded.tree_size
			   OR (result_cache.tree_size = excluded.tree_size AND result_cache.computed_at < excluded.computed_at)`,
			key, r.TreeSize, TS(r.At), string(r.Body))
		if err != nil {
			return fmt.Errorf("store cached result %q: %w", key, err)
		}
		return nil
	})
}

// CachedResults returns the ledger's current size and every result kept,
// by key, read in one snapshot: verify recomputes the ones kept at that
// size, the only ones a page may still serve.
func (s *Store) CachedResults(ctx context.Context) (size int64, out map[string]CachedResult, err error) {
	err = s.Read(ctx, func(tx *Tx) error {
		if size, err = tx.LedgerSize(ctx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT cache_key, tree_size, computed_at, body FROM result_cache ORDER BY cache_key`)
		if err != nil {
			return fmt.Errorf("read cached results: %w", err)
		}
		defer rows.Close()
		out = map[string]CachedResult{}
		for rows.Next() {
			var key, at string
			var r CachedResult
			if err := rows.Scan(&key, &r.TreeSize, &at, &r.Body); err != nil {
				return fmt.Errorf("read cached results: %w", err)
			}
			if r.At, err = ParseTS(at); err != nil {
				return fmt.Errorf("cached result %q: %w", key, err)
			}
			out[key] = r
		}
		return rows.Err()
	})
	return size, out, err
}
