package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// The store's PostgreSQL sessions read without parallel workers (their
// start costs more than the store's small range reads), unless the
// operator's database URL asks for them, which then holds.
func TestPostgresSessionsReadWithoutParallelWorkers(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	for _, c := range []struct{ dsn, want string }{
		{dsn, "0"},
		{dsn + "&max_parallel_workers_per_gather=3", "3"},
	} {
		st, err := sqlstore.Open(ctx, c.dsn, sqlstore.Options{Now: fixed})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = st.Read(ctx, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, `SHOW max_parallel_workers_per_gather`).Scan(&got)
		})
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("max_parallel_workers_per_gather = %s with %q; want %s", got, c.dsn, c.want)
		}
	}
}

// A database URL PostgreSQL's driver cannot read is refused when the store
// is opened, naming the URL as the problem.
func TestPostgresBadURLIsRefusedAtOpen(t *testing.T) {
	_, err := sqlstore.Open(context.Background(), "postgres://u@127.0.0.1:notaport/db", sqlstore.Options{Now: fixed})
	if err == nil || !strings.Contains(err.Error(), "database URL") {
		t.Fatalf("Open with a bad port = %v; want an error naming the database URL", err)
	}
}
