package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/web"
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
		}, []string{"edited row: evidence row", "column effective_from: the ledger implies \"2026-07-01T00:00:00.000000Z\", the database holds \"2026-04-01T00:00:00.000000Z\""}},
		{"evidence refiled under another control", func(t *testing.T, data, id string) {
			tamperSQL(t, data, sqlExec(`UPDATE evidence_controls SET control_id = 'time-sync' WHERE evidence_id = '`+id+`'`))
		}, []string{"added row: evidence_controls row time-sync/", "deleted record: evidence_controls row vuln-scan/"}},
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
		}, []string{"rewritten history", "no longer hashes to the root signed in checkpoint 5"}},
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
			victim := ids[1] // leaf 4, signed in checkpoint 5
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
			`DELETE FROM ledger_leaves WHERE idx = 4`)(ctx, tx)
		if err != nil {
			return err
		}
		return rehash(ctx, tx)
	})
	code, out, errs := cli(t, env, "verify")
	if code != 1 || !strings.Contains(out, "deleted record") || !strings.Contains(out, "checkpoint signed at size 5 but the ledger holds 4 records: leaves 4 to 4 were deleted") {
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

// TestPinnedKeyCatchesARekeyedStore plays the insider who deletes the
// checkpoints, puts a fresh key pair into the data directory and signs
// anew: verify trusting the data directory passes (and says on its first
// line that the key is not pinned), verify with the key pinned outside
// the data directory fails naming the new key.
func TestPinnedKeyCatchesARekeyedStore(t *testing.T) {
	env := ledgerEnv(t)
	data := env["EVIDENT_DATA"]
	addEvidence(t, env, writeFiles(t, 1, "scan")[0], "--control", "vuln-scan")
	pubBytes, err := os.ReadFile(filepath.Join(data, "ledger.pub"))
	if err != nil {
		t.Fatal(err)
	}
	pinned := strings.TrimSpace(string(pubBytes))
	code, out, errs := cli(t, env, "verify")
	if first, _, _ := strings.Cut(out, "\n"); code != 0 || !strings.HasPrefix(first, "key not pinned") {
		t.Errorf("verify without a pinned key: exit %d, first line %q, want 0 and \"key not pinned\"\n%s", code, first, errs)
	}
	code, out, errs = cli(t, env, "verify", "--key", pinned)
	if code != 0 || strings.Contains(out, "key not pinned") {
		t.Errorf("verify --key with the store's own key: exit %d\n%s%s", code, out, errs)
	}

	tamperSQL(t, data, sqlExec(`DELETE FROM checkpoints`))
	for _, f := range []string{"ledger.key", "ledger.pub"} {
		if err := os.Remove(filepath.Join(data, f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeKeyPair(data, "Example QTSP"); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, env, "checkpoint"); code != 0 {
		t.Fatalf("checkpoint with the new key: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := cli(t, env, "verify"); code != 0 {
		t.Fatalf("the re-keyed store no longer passes an unpinned verify (the attack this test guards against): exit %d\n%s%s", code, out, errs)
	}
	for name, run := range map[string]func() (int, string, string){
		"--key": func() (int, string, string) { return cli(t, env, "verify", "--key", pinned) },
		pinEnv: func() (int, string, string) {
			pinnedEnv := map[string]string{pinEnv: pinned}
			for k, v := range env {
				pinnedEnv[k] = v
			}
			return cli(t, pinnedEnv, "verify")
		},
	} {
		code, out, errs := run()
		if code != 1 || !strings.Contains(out, "wrong key: the data directory's ledger key is") ||
			!strings.Contains(out, "bad signature: checkpoint at size 4") || strings.Contains(out, "key not pinned") {
			t.Errorf("verify with the key pinned by %s after re-keying: exit %d, want 1 naming the wrong key and the bad signature\n%s%s", name, code, out, errs)
		}
	}
	// With the pin in the configuration, no command signs with the other key.
	pinnedEnv := map[string]string{pinEnv: pinned}
	for k, v := range env {
		pinnedEnv[k] = v
	}
	code, out, errs = cli(t, pinnedEnv, "evidence", "add", writeFiles(t, 1, "more")[0], "--control", "vuln-scan")
	if code != 1 || !strings.Contains(errs, "not the key pinned in "+pinEnv) {
		t.Errorf("evidence add under a pinned key with another key in the data directory: exit %d, want 1 and a refusal\n%s%s", code, out, errs)
	}
}

// TestPackVerifySaysWhetherTheKeyIsPinned checks pack verify's first line
// without a pinned key, and that a key pinned in EVIDENT_LEDGER_KEY
// refuses a pack signed with another.
func TestPackVerifySaysWhetherTheKeyIsPinned(t *testing.T) {
	env := ledgerEnv(t)
	addEvidence(t, env, writeFiles(t, 1, "scan")[0], "--control", "vuln-scan", "--period", "2026-Q3")
	out := filepath.Join(t.TempDir(), "pack.zip")
	if code, stdout, errs := cli(t, env, "pack", "export", "--from", "2026-01-01", "--to", "2027-01-01", "--out", out); code != 0 {
		t.Fatalf("pack export: exit %d\n%s%s", code, stdout, errs)
	}
	bare := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "nothing-here")}
	code, stdout, errs := cli(t, bare, "pack", "verify", out)
	if first, _, _ := strings.Cut(stdout, "\n"); code != 0 || !strings.HasPrefix(first, "key not pinned") {
		t.Errorf("pack verify without a pinned key: exit %d, first line %q, want 0 and \"key not pinned\"\n%s", code, first, errs)
	}
	_, other, err := note.GenerateKey(nil, "evident.ledger/example-qtsp")
	if err != nil {
		t.Fatal(err)
	}
	bare[pinEnv] = other
	code, stdout, errs = cli(t, bare, "pack", "verify", out)
	if code != 1 || !strings.Contains(stdout, "untrusted key") || strings.Contains(stdout, "key not pinned") {
		t.Errorf("pack verify with another key pinned: exit %d, want 1 and \"untrusted key\"\n%s%s", code, stdout, errs)
	}
}

// TestVerifyNamesRaisedRightsAndWidenedPeriods edits who may do what
// behind the program's back: a control owner made admin, an assessor's
// period widened, an owned control added. verify exits 1 naming each
// table, row and column with the value the log implies.
func TestVerifyNamesRaisedRightsAndWidenedPeriods(t *testing.T) {
	env := ledgerEnv(t)
	for _, args := range [][]string{
		{"user", "add", "bob", "--role", "control-owner", "--controls", "vuln-scan"},
		{"user", "add", "carol", "--role", "assessor", "--from", "2026-01-01", "--to", "2027-01-01"},
	} {
		if code, out, errs := cli(t, env, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	if code, out, errs := cli(t, env, "verify"); code != 0 {
		t.Fatalf("verify before tampering: exit %d\n%s%s", code, out, errs)
	}
	tamperSQL(t, env["EVIDENT_DATA"], sqlExec(
		`UPDATE users SET role = 'admin' WHERE name = 'bob'`,
		`UPDATE users SET period_from = '2020-01-01T00:00:00.000000Z' WHERE name = 'carol'`,
		`INSERT INTO user_controls (user_name, control_id) VALUES ('bob', 'time-sync')`))
	code, out, errs := cli(t, env, "verify")
	if code != 1 {
		t.Errorf("verify after raising rights: exit %d, want 1\n%s%s", code, out, errs)
	}
	for _, w := range []string{
		`edited row: users row bob (leaf `, `column role: the ledger implies "control-owner", the database holds "admin"`,
		`column period_from: the ledger implies "2026-01-01T00:00:00.000000Z", the database holds "2020-01-01T00:00:00.000000Z"`,
		`added row: user_controls row bob/time-sync is in no ledger leaf`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("verify does not say %q:\n%s", w, out)
		}
	}
}

// TestVerifyJudgesWindowFactsAgain: the closed windows a report over a
// period keeps (window facts) are checked by verify against the records:
// honest ones pass, a row edited to turn a missed window satisfied fails
// by name, and the report itself does not read the edited row as true
// once the records change. The binary judges by the system clock; the
// dates are years before any day the test runs.
func TestVerifyJudgesWindowFactsAgain(t *testing.T) {
	env := ledgerEnv(t)
	files := writeFiles(t, 2, "sync")
	for i, eff := range []string{"2023-03-01", "2025-03-01"} {
		if code, out, errs := cli(t, env, "evidence", "add", files[i], "--control", "time-sync", "--effective", eff); code != 0 {
			t.Fatalf("evidence add: exit %d\n%s%s", code, out, errs)
		}
	}
	if code, out, errs := cli(t, env, "status", "--json", "--from", "2023-01-01", "--to", "2026-01-01"); code != 0 {
		t.Fatalf("status over a period: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := cli(t, env, "verify"); code != 0 {
		t.Fatalf("verify of honest window facts: exit %d\n%s%s", code, out, errs)
	}
	var missed int
	tamperSQL(t, env["EVIDENT_DATA"], func(ctx context.Context, tx *sqlstore.Tx) error {
		rows, err := tx.WindowFacts(ctx)
		if err != nil {
			return err
		}
		f, ok := rows["time-sync"]
		if !ok {
			return fmt.Errorf("a report over three years kept no window facts of time-sync")
		}
		ws, err := readiness.DecodeWindows(f.Body)
		if err != nil {
			return err
		}
		for i := range ws {
			if ws[i].State == evident.PeriodMissed {
				ws[i].State = evident.PeriodSatisfied
				missed++
			}
		}
		body, err := readiness.EncodeWindows(ws)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE window_facts SET body = ? WHERE control_id = 'time-sync'`, body)
		return err
	})
	if missed == 0 {
		t.Fatal("no kept window of time-sync is missed; the records leave some")
	}
	code, out, errs := cli(t, env, "verify")
	if code != 1 || !strings.Contains(out, "window_facts row of control time-sync") || !strings.Contains(out, "the records make the window") {
		t.Fatalf("verify after editing window facts: exit %d, want 1 naming the row\n%s%s", code, out, errs)
	}
}

// A dashboard figure kept in result_cache for the ledger's current size
// is computed again by verify, which fails naming a row that is not what
// the records give (here one put in behind the program's back, as an
// edit of the database would).
func TestVerifyComputesKeptDashboardFiguresAgain(t *testing.T) {
	env := ledgerEnv(t)
	files := writeFiles(t, 1, "sync")
	if code, out, errs := cli(t, env, "evidence", "add", files[0], "--control", "time-sync"); code != 0 {
		t.Fatalf("evidence add: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := cli(t, env, "verify"); code != 0 {
		t.Fatalf("verify before: exit %d\n%s%s", code, out, errs)
	}
	tamperSQL(t, env["EVIDENT_DATA"], func(ctx context.Context, tx *sqlstore.Tx) error {
		size, err := tx.LedgerSize(ctx)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO result_cache (cache_key, tree_size, computed_at, body) VALUES (?, ?, ?, ?)`,
			web.PeriodKey("", "", "", time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)), size, sqlstore.TS(time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)),
			`{"from":"2025-12-01T00:00:00Z","to":"2026-12-05T09:00:00Z","score":{"counts":{"verified":120},"applicable":120,"score":100},"series":[]}`)
		return err
	})
	code, out, errs := cli(t, env, "verify")
	if code != 1 || !strings.Contains(out, "result_cache row") || !strings.Contains(out, "not what the records give") {
		t.Fatalf("verify after a forged dashboard figure: exit %d, want 1 naming the row\n%s%s", code, out, errs)
	}
}
