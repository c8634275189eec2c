package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// buildBinary compiles the evident command into a temporary directory, for
// tests that need a real process to kill or to run beside another.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "evident")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestSIGKILLDuringBulkAddLosesNothingAcknowledged kills `evidence add` at
// random moments of a bulk upload, again and again, and checks after each
// kill that every record the process printed is stored and that the whole
// store still verifies.
func TestSIGKILLDuringBulkAddLosesNothingAcknowledged(t *testing.T) {
	bin := buildBinary(t)
	env := ledgerEnv(t)
	data := env["EVIDENT_DATA"]
	acked := map[string]bool{}
	rounds := 10
	for round := 0; round < rounds; round++ {
		files := writeFiles(t, 150, fmt.Sprintf("round%02d", round))
		cmd := exec.Command(bin, append([]string{"--data", data, "--actor", "cron@ops", "evidence", "add", "--control", "vuln-scan", "--batch", "10"}, files...)...)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill a random number of acknowledgements in, after a short random
		// delay, so the kill lands anywhere in the next batch: staging its
		// blobs, flushing them, or inside the database commit.
		killAt := 1 + rand.IntN(120)
		sc := bufio.NewScanner(stdout)
		n := 0
		for sc.Scan() {
			m := addedLine.FindStringSubmatch(sc.Text())
			if m == nil {
				t.Fatalf("round %d: unexpected output %q", round, sc.Text())
			}
			acked[m[1]] = true
			if n++; n == killAt {
				time.AfterFunc(time.Duration(rand.IntN(30))*time.Millisecond, func() { cmd.Process.Signal(syscall.SIGKILL) })
			}
		}
		cmd.Wait()
		stored := map[string]bool{}
		for _, e := range listEvidence(t, env) {
			stored[e.ID] = true
		}
		for id := range acked {
			if !stored[id] {
				t.Fatalf("round %d: acknowledged record %s is not stored after SIGKILL", round, id)
			}
		}
		if code, out, errs := cli(t, env, "verify"); code != 0 {
			t.Fatalf("round %d (killed after %d acknowledgements): verify exit %d\n%s%s", round, n, code, out, errs)
		}
	}
	if len(acked) == 0 {
		t.Fatal("no record was ever acknowledged: the kill came too early to test anything")
	}
	t.Logf("%d rounds, %d acknowledged records all present", rounds, len(acked))
}

// TestTwoProcessesAppendToOnePostgres runs two `evidence add` processes
// against one PostgreSQL database at once: the ledger must come out with
// every index once, no gap, and verify.
func TestTwoProcessesAppendToOnePostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"EVIDENT_DATA": data, "EVIDENT_DB": dsn, "EVIDENT_ACTOR": "alice@ops"}
	if code, out, errs := cli(t, env, "init", "--name", "Example QTSP"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	addControls(t, dsn, "vuln-scan")
	const perProcess = 150
	var wg sync.WaitGroup
	outs := make([]string, 2)
	errs := make([]error, 2)
	for p := 0; p < 2; p++ {
		files := writeFiles(t, perProcess, fmt.Sprintf("proc%d", p))
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, append([]string{"--data", data, "--db", dsn, "--actor", fmt.Sprintf("proc%d", p), "evidence", "add", "--control", "vuln-scan", "--batch", "7"}, files...)...)
			out, err := cmd.CombinedOutput()
			outs[p], errs[p] = string(out), err
		}()
	}
	wg.Wait()
	for p := range errs {
		if errs[p] != nil {
			t.Fatalf("process %d: %v\n%s", p, errs[p], outs[p])
		}
	}
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var count, distinct, maxIdx int64
	err = st.Read(ctx, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT idx), MAX(idx) FROM ledger_leaves`).Scan(&count, &distinct, &maxIdx)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := int64(3 + 2*perProcess) // program.create, the recovery key, the controls and every file
	if count != want || distinct != want || maxIdx != want-1 {
		t.Errorf("ledger: %d leaves, %d distinct indexes, max index %d; want %d, %d, %d (no gap, no duplicate)", count, distinct, maxIdx, want, want, want-1)
	}
	// The two processes' batches interleave: both wrote while the other did.
	if !interleaved(t, st) {
		t.Log("the two processes did not interleave this time; the check above still holds")
	}
	if code, out, errs := cli(t, env, "verify"); code != 0 {
		t.Errorf("verify: exit %d\n%s%s", code, out, errs)
	}
}

// interleaved reports whether leaves from the two actors alternate at
// least once after the first switch.
func interleaved(t *testing.T, st *sqlstore.Store) bool {
	ctx := context.Background()
	var actors []string
	st.Read(ctx, func(tx *sqlstore.Tx) error {
		leaves, err := tx.LedgerLeaves(ctx, 1, 1<<40)
		for _, l := range leaves {
			actors = append(actors, l.Actor)
		}
		return err
	})
	switches := 0
	for i := 1; i < len(actors); i++ {
		if actors[i] != actors[i-1] {
			switches++
		}
	}
	return switches > 1
}
