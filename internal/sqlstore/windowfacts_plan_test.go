package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// What a report reads of the ledger's additions after every upload is
// found from the leaves added, never by walking the evidence tables: at
// a million records a walk of evidence_controls took four seconds a
// report. SQLite plans these queries without statistics, so the plan on
// an empty store is the plan on a full one.
func TestLedgerSinceReadsOnlyTheAdded(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "evident.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	queries := append([]string{kindsSinceQuery, evidenceSince}, sinceByControl...)
	for _, q := range queries {
		var plan []string
		err := s.Read(ctx, func(tx *Tx) error {
			rows, err := tx.Query(ctx, "EXPLAIN QUERY PLAN "+q, 7)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					return err
				}
				plan = append(plan, detail)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") {
				t.Errorf("%s\nwalks a table: %s", q, strings.Join(plan, "; "))
			}
		}
	}
}
