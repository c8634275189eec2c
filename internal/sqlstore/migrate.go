package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// migrations holds the numbered schema changes per dialect, NNNN_name.sql.
// A migration is never edited once released; a change is a new number.
//
//go:embed migrations
var migrations embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) loadMigrations() ([]migration, error) {
	dir := "migrations/" + s.dialect.String()
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	seen := map[int]string{}
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration file %s/%s: want NNNN_name.sql", dir, e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share number %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(migrations, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies each pending migration in its own transaction and records
// it. On PostgreSQL an advisory lock makes replicas that start together
// apply each migration once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := s.loadMigrations()
	if err != nil {
		return err
	}
	if s.applied(ctx, ms) {
		return nil
	}
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`
	if _, err := s.wdb.ExecContext(ctx, create); err != nil && !IsUniqueViolation(err) {
		return fmt.Errorf("create schema_migrations on %s: %w", s.target, err)
	}
	for _, m := range ms {
		err := s.Write(ctx, func(tx *Tx) error {
			if tx.dialect == Postgres {
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(8319001)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %04d_%s (%s): %w", m.version, m.name, s.dialect, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, TS(tx.Now))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// applied reports whether every migration in ms is recorded already,
// found in one read. That is every start but the first after an upgrade,
// and it then costs one query instead of a write transaction (and on
// PostgreSQL an advisory lock) per migration, none of which would change
// anything. Any doubt (no table yet, an error) is "no", and migrate takes
// the locked path, which checks each migration again under the lock.
func (s *Store) applied(ctx context.Context, ms []migration) bool {
	done := map[int]bool{}
	err := s.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				return err
			}
			done[v] = true
		}
		return rows.Err()
	})
	if err != nil {
		return false
	}
	for _, m := range ms {
		if !done[m.version] {
			return false
		}
	}
	return true
}

// SchemaVersion returns the highest applied migration number.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.Read(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	})
	return v, err
}
