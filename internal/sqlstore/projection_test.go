package sqlstore_test

import (
	"context"
	"testing"

	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// TestEveryColumnIsProjectedOrExempt reads every table and column of the
// migrated schema and fails on one that is neither re-derived from the
// ledger, nor exempt with a reason, nor listed as not yet projected: a new
// migration must say which its columns are (projection_exempt.go).
func TestEveryColumnIsProjectedOrExempt(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		var schema map[string][]string
		err := st.Read(ctx, func(tx *sqlstore.Tx) error {
			var err error
			schema, err = tx.SchemaColumns(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(schema["evidence"]) == 0 || len(schema["users"]) == 0 {
			t.Fatalf("the schema read back has no evidence or users table: %v", schema)
		}
		for table, cols := range schema {
			for _, c := range cols {
				if sqlstore.ColumnStatus(table, c) == "" {
					t.Errorf("%s.%s is neither projected, exempt nor listed as not yet projected", table, c)
				}
			}
		}
		// And every projected column exists: a projection of a renamed
		// column would compare nothing.
		for table, cols := range sqlstore.ProjectedTables() {
			have := map[string]bool{}
			for _, c := range schema[table] {
				have[c] = true
			}
			for _, c := range cols {
				if !have[c] {
					t.Errorf("projected column %s.%s is not in the schema", table, c)
				}
			}
		}
	})
}
