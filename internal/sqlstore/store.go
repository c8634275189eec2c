package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/evidenthq/evident"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect is the SQL dialect of an open store.
type Dialect int

// The two dialects Evident supports.
const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// Store is an open database. It is safe for concurrent use.
type Store struct {
	rdb     *sql.DB // readers
	wdb     *sql.DB // writers: one connection on SQLite
	dialect Dialect
	now     func() time.Time
	target  string // for messages: the file or the host/database

	seal atomic.Pointer[sealer]    // nil: writes are not signed (see SetSigner)
	kept atomic.Pointer[stmtCache] // nil: reads prepare every statement (see KeepStatements)
}

// Options tune Open.
type Options struct {
	// Now is the clock; nil means time.Now. Tests inject a fixed clock.
	Now func() time.Time
}

// Open opens the store at dsn and applies pending migrations. dsn is a
// "postgres://" or "postgresql://" URL, or a SQLite file path (optionally
// prefixed "sqlite:").
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	s := &Store{now: opt.Now}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		err = s.openPostgres(dsn)
	} else {
		err = s.openSQLite(strings.TrimPrefix(dsn, "sqlite:"))
	}
	if err != nil {
		return nil, err
	}
	// The reader pool is the one every command uses: migrate's check
	// reads through it, and so do status and every other view. Pinging it
	// rather than the writer keeps a read-only command at one SQLite
	// connection, since each connection opened parses the whole schema
	// again (the writer's cost 8 % of `evident status`, issue #19);
	// a command that writes opens the writer on its first write.
	if err := s.rdb.PingContext(ctx); err != nil {
		s.Close()
		return nil, evident.Errorf(evident.EINVALID, "cannot reach database %s: %v", s.target, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openSQLite(path string) error {
	s.dialect = SQLite
	s.target = path
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return evident.Errorf(evident.EINVALID, "database directory %s: %v", dir, err)
		}
	}
	// synchronous(FULL) makes each commit durable before it returns (the
	// promise "nothing acknowledged is lost"); WAL keeps readers off the
	// writer's back; busy_timeout covers other processes on the same file.
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	base := "file:" + path + "?" + q.Encode()
	var err error
	if s.wdb, err = sql.Open("sqlite", base+"&_txlock=immediate"); err != nil {
		return err
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetConnMaxIdleTime(0)
	if s.rdb, err = sql.Open("sqlite", base); err != nil {
		return err
	}
	s.rdb.SetMaxOpenConns(readConns)
	// database/sql keeps two idle connections by default and closes
	// the rest as each read ends: with more readers than that, most
	// reads opened the file again (its pragmas, the WAL index), 9 % of a
	// dashboard request's CPU at 10 clients. Every connection the pool
	// may open is kept.
	s.rdb.SetMaxIdleConns(readConns)
	return nil
}

// readConns and postgresConns bound the connections the store opens for
// reads on SQLite and for everything on PostgreSQL; all of them are kept
// open between uses.
const (
	readConns     = 8
	postgresConns = 16
)

// parallelWorkers is the PostgreSQL setting the store turns off for its
// sessions unless the database URL sets it (see openPostgres).
const parallelWorkers = "max_parallel_workers_per_gather"

func (s *Store) openPostgres(dsn string) error {
	s.dialect = Postgres
	if u, err := url.Parse(dsn); err == nil {
		s.target = u.Host + u.Path
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return evident.Errorf(evident.EINVALID, "database URL: %v", err)
	}
	// The store's reads are index range scans whose rows all come back
	// to the program. Estimating a control's rows from a skewed spread
	// (daily controls thousands, annual ones a handful), the planner
	// gathers a read of a few hundred rows through parallel workers,
	// and starting them costs more than the read: 39 ms against 5.6 ms
	// for 25 annual controls' five years (EXPLAIN ANALYZE, 1 000 000
	// records). A database URL that sets the parameter keeps its value.
	if _, set := cfg.RuntimeParams[parallelWorkers]; !set {
		cfg.RuntimeParams[parallelWorkers] = "0"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(postgresConns)
	// Kept open rather than the default two idle: a connection closed
	// after each read is a new server process started for the next.
	db.SetMaxIdleConns(postgresConns)
	s.rdb, s.wdb = db, db
	return nil
}

// Close closes the database handles.
func (s *Store) Close() error {
	var errs []error
	if c := s.kept.Swap(nil); c != nil {
		errs = append(errs, c.close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	if s.rdb != nil && s.rdb != s.wdb {
		errs = append(errs, s.rdb.Close())
	}
	return errors.Join(errs...)
}

// Dialect reports which database the store speaks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// KeepStatements has the store keep the statements its reads run
// prepared, for a process that serves requests for long: on SQLite each
// read statement is then parsed once per connection instead of on every
// call (see stmtCache). A command that runs once gains nothing from it
// and would pay for another connection. PostgreSQL's driver keeps the
// statements of each connection prepared already.
func (s *Store) KeepStatements() {
	if s.dialect == SQLite && s.kept.Load() == nil {
		if c := newStmtCache(s.rdb); !s.kept.CompareAndSwap(nil, c) {
			c.close()
		}
	}
}

// Now returns the store's clock reading, in UTC.
func (s *Store) Now() time.Time { return s.now().UTC() }

// Tx is a transaction with the dialect's placeholder rebinding and the time
// fixed when it began, so every row a transaction writes carries one instant.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	Now     time.Time
	kept    *stmtCache // a read transaction's prepared statements, or nil

	appended bool  // the transaction added ledger leaves: sign before commit
	size     int64 // the ledger's size after them
}

// Dialect reports the transaction's dialect, for the few queries that differ.
func (tx *Tx) Dialect() Dialect { return tx.dialect }

// Exec runs a statement written with "?" placeholders.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, rebind(tx.dialect, q), args...)
}

// Query runs a query written with "?" placeholders.
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = rebind(tx.dialect, q)
	if st := tx.kept.get(q); st != nil {
		return tx.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, q, args...)
}

// QueryRow runs a query expected to return at most one row.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = rebind(tx.dialect, q)
	if st := tx.kept.get(q); st != nil {
		return tx.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, q, args...)
}

// queryRow runs one read statement outside a transaction, prepared when
// the store keeps its statements: for the few reads every request makes
// whose one statement is its own snapshot.
func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = rebind(s.dialect, q)
	if st := s.kept.Load().get(q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.rdb.QueryRowContext(ctx, q, args...)
}

// Write runs fn in one write transaction and commits it; the commit is
// durable when Write returns nil. An error from fn rolls everything back,
// so a failed request leaves nothing half-stored.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	return s.run(ctx, s.wdb, nil, fn)
}

// Read runs fn in a read-only transaction that sees one snapshot.
func (s *Store) Read(ctx context.Context, fn func(*Tx) error) error {
	return s.run(ctx, s.rdb, &sql.TxOptions{ReadOnly: s.dialect == Postgres}, fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, opt *sql.TxOptions, fn func(*Tx) error) (err error) {
	sqltx, err := db.BeginTx(ctx, opt)
	if err != nil {
		return fmt.Errorf("begin transaction on %s: %w", s.target, err)
	}
	tx := &Tx{tx: sqltx, dialect: s.dialect, Now: s.Now()}
	if db == s.rdb && db != s.wdb {
		tx.kept = s.kept.Load()
	}
	defer func() {
		if p := recover(); p != nil {
			sqltx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		sqltx.Rollback()
		return err
	}
	if err := s.sealTx(ctx, tx); err != nil {
		sqltx.Rollback()
		return err
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("commit on %s: %w", s.target, err)
	}
	return nil
}

// rebind turns "?" placeholders into "$1", "$2", ... for PostgreSQL. Queries
// never contain a literal "?" (strings are always passed as arguments), so a
// plain scan is enough.
func rebind(d Dialect, q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// tsLayout is fixed width (microseconds, the precision PostgreSQL keeps) so
// that stored times compare correctly as text.
const tsLayout = "2006-01-02T15:04:05.000000Z"

// TS formats t for storage.
func TS(t time.Time) string { return t.UTC().Format(tsLayout) }

// ParseTS reads a stored time.
func ParseTS(s string) (time.Time, error) {
	t, err := time.Parse(tsLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// NullTS formats an optional time: the zero time is stored as NULL.
func NullTS(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: TS(t), Valid: true}
}

// ParseNullTS reads an optional stored time; NULL is the zero time.
func ParseNullTS(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return ParseTS(s.String)
}

// IsUniqueViolation reports whether err is a unique or primary key conflict
// in either dialect, so callers can turn it into ECONFLICT.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint failed") || strings.Contains(m, "SQLSTATE 23505") || strings.Contains(m, "constraint failed: PRIMARY KEY")
}
