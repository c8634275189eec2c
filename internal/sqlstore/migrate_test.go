package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// Opening a store whose schema is current takes no write lock, so
// `evident status` answers while another process holds a long write
// (an import, an apply) instead of waiting for it and failing.
func TestOpenCurrentSchemaWhileAnotherProcessWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "evident.db")
	st, err := sqlstore.Open(ctx, path, sqlstore.Options{Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateProgram(ctx, evident.Program{Name: "P", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "alice"}); err != nil {
		t.Fatal(err)
	}
	want, err := st.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, `ROLLBACK`)

	st, err = sqlstore.Open(ctx, path, sqlstore.Options{Now: fixed})
	if err != nil {
		t.Fatalf("open while another process holds the write lock: %v", err)
	}
	defer st.Close()
	if p, err := st.Program(ctx); err != nil || p.Name != "P" {
		t.Errorf("Program = %+v, %v; want P", p, err)
	}
	if got, err := st.SchemaVersion(ctx); err != nil || got != want {
		t.Errorf("schema version %d, %v; want %d", got, err, want)
	}
}

// Reopening a PostgreSQL store with a current schema finds every migration
// applied in one read and keeps the data and the schema version.
func TestReopenCurrentSchemaPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateProgram(ctx, evident.Program{Name: "P", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "alice"}); err != nil {
		t.Fatal(err)
	}
	want, err := st.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = sqlstore.Open(ctx, dsn, sqlstore.Options{Now: fixed})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st.Close()
	if p, err := st.Program(ctx); err != nil || p.Name != "P" {
		t.Errorf("Program = %+v, %v; want P", p, err)
	}
	if got, err := st.SchemaVersion(ctx); err != nil || got != want {
		t.Errorf("schema version %d, %v; want %d", got, err, want)
	}
}
