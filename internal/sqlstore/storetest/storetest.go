// Package storetest opens fresh stores on both dialects for tests, so that
// every store test runs against SQLite and PostgreSQL alike.
//
// PostgreSQL comes from EVIDENT_TEST_POSTGRES (a DSN), defaulting to the
// local server on 127.0.0.1:5432, database test. Each test gets its own
// schema, dropped afterwards, so tests run in parallel without seeing each
// other's rows. When CI is set an unreachable PostgreSQL fails the test: the
// suite must never pass by quietly testing one dialect.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// DefaultPostgres is used when EVIDENT_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Each runs fn as two subtests, "sqlite" and "postgres", each with a fresh,
// migrated store using clock now (nil for the real clock).
func Each(t *testing.T, now func() time.Time, fn func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t, now)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t, now)) })
}

// SQLite opens a fresh SQLite store in a temporary directory.
func SQLite(t testing.TB, now func() time.Time) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "evident.db"), sqlstore.Options{Now: now})
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// connectAdmin connects to the test server: skipped when it is
// unreachable, failed instead when CI is set.
func connectAdmin(t testing.TB) (*sql.DB, string) {
	t.Helper()
	base := os.Getenv("EVIDENT_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgres
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at %s is unreachable and CI is set: %v", redact(base), err)
		}
		t.Skipf("PostgreSQL at %s is unreachable (set EVIDENT_TEST_POSTGRES): %v", redact(base), err)
	}
	return admin, base
}

// PostgresDSN returns a DSN for a new, empty schema and registers its
// removal. Tests that start other processes pass this DSN to them.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	admin, base := connectAdmin(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("EVIDENT_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// PostgresDatabase returns a DSN for a new, empty database of its own and
// registers its removal. Tests that run PostgreSQL's own tools (pg_dump,
// pg_restore, psql) use it: libpq does not take the search_path a schema
// DSN carries, and a restore wants a database, as an operator's does.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	admin, base := connectAdmin(t)
	var b [6]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("EVIDENT_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres opens a fresh PostgreSQL store in its own schema.
func Postgres(t testing.TB, now func() time.Time) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), PostgresDSN(t), sqlstore.Options{Now: now})
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable DSN)"
	}
	return u.Redacted()
}

// Clock is a test clock that only moves when told to. Stores, sessions and
// pages all read it through Store.Now, so a test can make its fixtures at
// one instant and then move time on to see what a user would see later.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t.UTC()} }

// Now returns the clock's reading; pass it as a store's clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Move moves the clock forward (or back, with a negative d).
func (c *Clock) Move(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Init leaves st as `evident init` does: the EN 319 401 V3.2.1 catalog
// synced and an empty program named name, created by actor. It returns
// the catalog, which tests that apply a program need too.
func Init(t testing.TB, st *sqlstore.Store, name, actor string) *catalog.Catalog {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := cat.Requirements("3.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SyncCatalog(ctx, reqs); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateProgram(ctx, evident.Program{Name: name, Standard: evident.EN319401, Version: "3.2.1", CreatedBy: actor}); err != nil {
		t.Fatal(err)
	}
	return cat
}
