package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident/internal/sqlstore"
)

// tamperSQL runs statements against the store behind the program's back,
// as an insider with database access would.
func tamperSQL(t *testing.T, data string, fn func(ctx context.Context, tx *sqlstore.Tx) error) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(data, "evident.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Write(ctx, func(tx *sqlstore.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func sqlExec(qs ...string) func(context.Context, *sqlstore.Tx) error {
	return func(ctx context.Context, tx *sqlstore.Tx) error {
		for _, q := range qs {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}
}

// rehash recomputes the stored tree from the leaves, as someone covering
// their tracks after editing a leaf would.
func rehash(ctx context.Context, tx *sqlstore.Tx) error {
	n, err := tx.LedgerSize(ctx)
	if err != nil {
		return err
	}
	leaves, err := tx.LedgerLeaves(ctx, 0, n)
	if err != nil {
		return err
	}
	var tree []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = tree[x]
		}
		return out, nil
	})
	for _, lf := range leaves {
		hs, err := tlog.StoredHashes(lf.Index, lf.Data, reader)
		if err != nil {
			return err
		}
		tree = append(tree, hs...)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM ledger_hashes`); err != nil {
		return err
	}
	for i, h := range tree {
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_hashes (idx, hash) VALUES (?, ?)`, i, h[:]); err != nil {
			return err
		}
	}
	return nil
}

const backdate = `REPLACE(%s, '"effective_from":"2026-07-01T00:00:00Z"', '"effective_from":"2026-04-01T00:00:00Z"')`

func sqlf(format, col string) string { return strings.ReplaceAll(format, "%s", col) }

// TestVerifyNamesEachKindOfTampering edits the store in each way an
// insider could and checks that verify exits 1 naming the record.
func TestVerifyNamesEachKindOfTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, data string, id string)
		want   []string // substrings of verify's output; the id is always wanted
	}{
		{"changed blob", func(t *testing.T, data, id string) {
			p := blobPath(t, data, id)
			os.Chmod(p, 0o644)
			if err := os.WriteFile(p, []byte("a more convenient result\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"changed blob", "has changed"}},
		{"missing blob", func(t *testing.T, data, id string) {
			if err := os.Remove(blobPath(t, data, id)); err != nil {
				t.Fatal(err)
			}
		}, []string{"missing blob"}},
		{"edited database row", func(t *testing.T, data, id string) {
			tamperSQL(t, data, sqlExec(`UPDATE evidence SET body = `+sqlf(backdate, "body")+`, effective_from = '2026-04-01T00:00:00.000000Z' WHERE id = '`+id+`'`))
		}, []string{"edited row", "differs from its ledger record"}},
		{"evidence refiled under another control", func(t *testing.T, data, id string) {
			tamperSQL(t, data, sqlExec(`UPDATE evidence_controls SET control_id = 'time-sync' WHERE evidence_id = '`+id+`'`))
		}, []string{"edited row", "controls or requirements"}},
		{"deleted record", func(t *testing.T, data, id string) {
			tamperSQL(t, data, sqlExec(
				`DELETE FROM evidence_controls WHERE evidence_id = '`+id+`'`,
				`DELETE FROM evidence_requirements WHERE evidence_id = '`+id+`'`,
				`DELETE FROM evidence WHERE id = '`+id+`'`))
		}, []string{"deleted record", "deleted from the database"}},
		{"edited ledger leaf", func(t *testing.T, data, id string) {
			tamperSQL(t, data, sqlExec(`UPDATE ledger_leaves SET data = CAST(`+sqlf(backdate, "CAST(data AS TEXT)")+` AS BLOB) WHERE ref = '`+id+`'`))
		}, []string{"edited row", "rewritten history"}},
		{"rewritten history", func(t *testing.T, data, id string) {
			tamperSQL(t, data, func(ctx context.Context, tx *sqlstore.Tx) error {
				err := sqlExec(
					`UPDATE ledger_leaves SET data = CAST(`+sqlf(backdate, "CAST(data AS TEXT)")+` AS BLOB) WHERE ref = '`+id+`'`,
					`UPDATE evidence SET body = `+sqlf(backdate, "body")+` WHERE id = '`+id+`'`)(ctx, tx)
				if err != nil {
					return err
				}
				return rehash(ctx, tx)
			})
		}, []string{"rewritten history", "no longer hashes to the root signed in checkpoint 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := ledgerEnv(t)
			var ids []string
			for i, f := range writeFiles(t, 3, "scan") {
				ids = append(ids, addEvidence(t, env, f, "--control", "vuln-scan", "--req", "REQ-7.8-14", "--period", "2026-Q3")...)
				_ = i
			}
			if code, out, errs := cli(t, env, "verify"); code != 0 {
				t.Fatalf("verify before tampering: exit %d\n%s%s", code, out, errs)
			}
			victim := ids[1] // leaf 2, signed in checkpoint 3
			tc.tamper(t, env["EVIDENT_DATA"], victim)
			code, out, errs := cli(t, env, "verify")
			if code != 1 {
				t.Errorf("verify after %s: exit %d, want 1\n%s%s", tc.name, code, out, errs)
			}
			for _, w := range append(tc.want, victim) {
				if !strings.Contains(out, w) {
					t.Errorf("verify output does not mention %q:\n%s", w, out)
				}
			}
			for _, other := range []string{ids[0], ids[2]} {
				if strings.Contains(out, other) {
					t.Errorf("verify blames untouched record %s:\n%s", other, out)
				}
			}
		})
	}
}

// TestDeletedLeavesAndRefusalToSign removes the newest records entirely
// (leaf, hashes and rows), which only the saved checkpoint can reveal,
// and checks that the ledger then refuses to sign over the gap.
func TestDeletedLeavesAndRefusalToSign(t *testing.T) {
	env := ledgerEnv(t)
	data := env["EVIDENT_DATA"]
	files := writeFiles(t, 3, "scan")
	addEvidence(t, env, files[0], "--control", "vuln-scan")
	last := addEvidence(t, env, files[1], "--control", "vuln-scan")
	tamperSQL(t, data, func(ctx context.Context, tx *sqlstore.Tx) error {
		err := sqlExec(`DELETE FROM evidence_controls WHERE evidence_id = '`+last[0]+`'`, `DELETE FROM evidence WHERE id = '`+last[0]+`'`,
			`DELETE FROM ledger_leaves WHERE idx = 2`)(ctx, tx)
		if err != nil {
			return err
		}
		return rehash(ctx, tx)
	})
	code, out, errs := cli(t, env, "verify")
	if code != 1 || !strings.Contains(out, "deleted record") || !strings.Contains(out, "checkpoint signed at size 3 but the ledger holds 2 records: leaves 2 to 2 were deleted") {
		t.Errorf("verify after deleting the newest record: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = cli(t, env, "evidence", "add", files[2], "--control", "vuln-scan")
	if code != 1 || !strings.Contains(errs, "refusing to sign") {
		t.Errorf("evidence add over a deleted record: exit %d, want 1 and a refusal\n%s%s", code, out, errs)
	}
	if n := len(listEvidence(t, env)); n != 1 {
		t.Errorf("%d records after the refused add, want 1", n)
	}
}

func blobPath(t *testing.T, data, id string) string {
	t.Helper()
	for _, e := range listEvidence(t, map[string]string{"EVIDENT_DATA": data}) {
		if e.ID == id {
			h := e.Digest.String()
			return filepath.Join(data, "blobs", "sha256", h[:2], h)
		}
	}
	t.Fatalf("no evidence %s", id)
	return ""
}
