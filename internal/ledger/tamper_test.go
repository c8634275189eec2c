package ledger

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// tamper runs statements behind the program's back, as an insider with
// database access would.
func tamper(t *testing.T, st *sqlstore.Store, qs ...string) {
	t.Helper()
	ctx := context.Background()
	err := st.Write(ctx, func(tx *sqlstore.Tx) error {
		for _, q := range qs {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

// tamperCase is one edit an insider could make and what verify must say:
// each string of want must appear in one problem's line, with its kind.
type tamperCase struct {
	name   string
	tamper func(t *testing.T, f fixture, ids []string)
	want   []string
}

// TestVerifyNamesEveryProblem writes three evidence records (leaves 1, 2
// and 3 after the controls, each with its checkpoint), tampers in one way, and checks that
// verify names what was done and goes on to the end: every case expects
// problems that only later checks find.
func TestVerifyNamesEveryProblem(t *testing.T) {
	cases := []tamperCase{
		{"deleted middle leaf", func(t *testing.T, f fixture, ids []string) {
			tamper(t, f.st, `DELETE FROM ledger_leaves WHERE idx = 2`)
		}, []string{"deleted record: ledger leaf 2 is missing", "added row: evidence row {1} is in no ledger leaf",
			"rewritten history: the ledger no longer hashes to the root signed in checkpoint 3"}},
		{"deleted last leaf", func(t *testing.T, f fixture, ids []string) {
			tamper(t, f.st, `DELETE FROM ledger_leaves WHERE idx = 3`)
		}, []string{"deleted record: checkpoint signed at size 4 but the ledger holds 3 records: leaves 3 to 3 were deleted",
			"added row: evidence row {2} is in no ledger leaf"}},
		{"reordered leaves", func(t *testing.T, f fixture, ids []string) {
			tamper(t, f.st,
				`UPDATE ledger_leaves SET idx = 100 WHERE idx = 2`,
				`UPDATE ledger_leaves SET idx = 2 WHERE idx = 3`,
				`UPDATE ledger_leaves SET idx = 3 WHERE idx = 100`)
		}, []string{"reordered leaves: ledger leaf 2 holds the record appended as leaf 3",
			"reordered leaves: ledger leaf 3 holds the record appended as leaf 2", "rewritten history"}},
		{"deleted checkpoints", func(t *testing.T, f fixture, ids []string) {
			tamper(t, f.st, `DELETE FROM checkpoints`)
		}, []string{"unsigned records: no signed checkpoint covers ledger leaves 0 to 3", "program.apply program (leaf 0)", "evidence {0} (leaf 1)", "the checkpoints were deleted"}},
		{"deleted last checkpoint", func(t *testing.T, f fixture, ids []string) {
			tamper(t, f.st, `DELETE FROM checkpoints WHERE size = 4`)
		}, []string{"unsigned records: no signed checkpoint covers ledger leaf 3 (evidence {2} (leaf 3))"}},
		{"added leaf", func(t *testing.T, f fixture, ids []string) {
			appendBehindBack(t, f.st, evident.Record{Kind: "user.add", ID: "mallory", Actor: "mallory",
				At: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC), Body: []byte(`{"name":"mallory","role":"admin"}`)})
		}, []string{"unsigned records: no signed checkpoint covers ledger leaf 4 (user.add mallory (leaf 4))"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, clock(), func(t *testing.T, st *sqlstore.Store) {
				ctx := context.Background()
				f := newFixture(t, st)
				var ids []string
				for i := range 3 {
					evs, err := f.l.AddBatch(ctx, items(1, "scan"+string(rune('a'+i))))
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, evs[0].ID)
				}
				if r, err := f.l.Verify(ctx, nil); err != nil || !r.OK() {
					t.Fatalf("verify before tampering: %v %v", err, r.Problems)
				}
				tc.tamper(t, f, ids)
				r, err := f.l.Verify(ctx, nil)
				if err != nil {
					t.Fatalf("verify after %s stopped: %v", tc.name, err)
				}
				checkProblems(t, r, ids, tc.want)
			})
		})
	}
}

// checkProblems checks that each wanted line (with {i} standing for
// ids[i]) is part of one reported problem.
func checkProblems(t *testing.T, r Report, ids []string, want []string) {
	t.Helper()
	var lines []string
	for _, p := range r.Problems {
		lines = append(lines, p.String())
	}
	all := strings.Join(lines, "\n")
	if r.OK() {
		t.Fatalf("verify found nothing, want %q", want)
	}
	for _, w := range want {
		for i, id := range ids {
			w = strings.ReplaceAll(w, "{"+string(rune('0'+i))+"}", id)
		}
		if !strings.Contains(all, w) {
			t.Errorf("verify does not say %q; it said:\n%s", w, all)
		}
	}
}

// appendBehindBack adds a leaf and its tree hashes with plain SQL, as an
// insider without the signing key would.
func appendBehindBack(t *testing.T, st *sqlstore.Store, rec evident.Record) {
	t.Helper()
	ctx := context.Background()
	data, err := rec.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(ctx, func(tx *sqlstore.Tx) error {
		n, err := tx.LedgerSize(ctx)
		if err != nil {
			return err
		}
		hs, err := tlog.StoredHashes(n, data, hashReader(ctx, tx))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_leaves (idx, kind, ref, actor, at, data) VALUES (?, ?, ?, ?, ?, ?)`,
			n, rec.Kind, rec.ID, rec.Actor, sqlstore.TS(rec.At), data); err != nil {
			return err
		}
		for i, h := range hs {
			if _, err := tx.Exec(ctx, `INSERT INTO ledger_hashes (idx, hash) VALUES (?, ?)`, tlog.StoredHashIndex(0, n)+int64(i), h[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
