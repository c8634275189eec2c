// Package sqlstore is the only package that speaks SQL. It keeps the program,
// the catalog, the ledger and everything else Evident stores in SQLite (the
// embedded default, through a pure-Go driver so the binary stays static) or
// PostgreSQL (through pgx, for several replicas).
//
// One package, two dialects: queries are written once with "?" placeholders
// and rebound for PostgreSQL; where the dialects differ (DDL, upserts, locks)
// the difference is spelled out next to the query. Numbered migrations per
// dialect are embedded and applied on open, each in its own transaction.
//
// Public store methods own their transaction: Store.Write runs a function in
// one write transaction with a fixed time, Store.Read in a read-only one.
// SQLite writes go through a single connection that begins IMMEDIATE
// transactions, so writers queue in Go instead of failing with SQLITE_BUSY.
//
// Times are stored as fixed-width UTC text (TS), which sorts and compares
// correctly as text in both dialects and reads well in a SQL shell.
package sqlstore
