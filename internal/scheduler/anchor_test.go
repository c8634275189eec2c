package scheduler

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/ledger/tsatest"
	"github.com/evidenthq/evident/internal/program"
	"github.com/evidenthq/evident/internal/readiness"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// anchorSetup creates a program on 1 January 2026 that asks for an anchor
// every day, and returns two replicas' ledgers over one database, signing
// with one key as replicas sharing a key do.
func anchorSetup(t *testing.T, dsn string, c *clock) (*ledgertest.Ledger, *ledger.Ledger) {
	t.Helper()
	ctx := context.Background()
	open := func() *sqlstore.Store {
		st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Now: c.now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a := open()
	storetest.Init(t, a, "Example", "alice")
	// The schedule arrives as a user sets it: program.yaml, applied.
	m, err := a.Model(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m.Program.AnchorEvery = evident.Span{Amount: 1, Unit: evident.UnitDay}
	if _, err := program.Apply(ctx, a, m, "alice"); err != nil {
		t.Fatal(err)
	}
	la := ledgertest.Open(t, a, "evident.ledger/anchor-test", "")
	lb := ledger.Open(open(), la.Blobs, la.Signer, la.Verifier)
	return la, lb
}

func anchors(t *testing.T, st *sqlstore.Store) []sqlstore.Anchor {
	t.Helper()
	var as []sqlstore.Anchor
	if err := st.Read(context.Background(), func(tx *sqlstore.Tx) error {
		var err error
		as, err = tx.Anchors(context.Background())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return as
}

// TestScheduledAnchorOncePerPeriod: with the program asking for an anchor
// every day, two replicas checking at the same moments make no anchor
// before the day is up, exactly one when the clock moves 24 h, and the
// token verifies with `openssl ts -verify` against the TSA's root.
func TestScheduledAnchorOncePerPeriod(t *testing.T) {
	pki := tsatest.NewPKI(t, true)
	url := tsatest.Start(t, pki, nil)
	tsa := ledger.TSA{URL: url, Roots: pki.Roots}
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			c := &clock{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
			dsn := filepath.Join(t.TempDir(), "evident.db")
			if dialect == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			la, lb := anchorSetup(t, dsn, c)
			ra := NewAnchorer(AnchorConfig{Ledger: la.Ledger, TSA: tsa, Holder: "a", Lease: 3 * time.Minute})
			rb := NewAnchorer(AnchorConfig{Ledger: lb, TSA: tsa, Holder: "b", Lease: 3 * time.Minute})
			tick := func() {
				t.Helper()
				for _, r := range []*Anchorer{ra, rb} {
					if _, err := r.Tick(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			tick()
			c.add(23 * time.Hour)
			tick()
			if n := len(anchors(t, la.Store())); n != 0 {
				t.Fatalf("%d anchors before the first day is up, want 0", n)
			}
			c.add(time.Hour)
			tick()
			c.add(time.Minute)
			tick()
			as := anchors(t, la.Store())
			if len(as) != 1 {
				t.Fatalf("%d anchors after 24 h with two replicas, want 1", len(as))
			}
			c.add(24 * time.Hour)
			tick()
			tick()
			if n := len(anchors(t, la.Store())); n != 2 {
				t.Fatalf("%d anchors after 48 h, want 2", n)
			}
			openSSLVerify(t, la.Store(), as[0], pki)
		})
	}
}

// openSSLVerify checks an anchor's token as an assessor would, with the
// openssl command line: the token's imprint is the checkpoint's SHA-256
// and its signature chains to the TSA's root.
func openSSLVerify(t *testing.T, st *sqlstore.Store, a sqlstore.Anchor, pki tsatest.PKI) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl is needed to check the token as an assessor would: %v", err)
	}
	var cp sqlstore.Checkpoint
	if err := st.Read(context.Background(), func(tx *sqlstore.Tx) error {
		var err error
		cp, err = tx.CheckpointAt(context.Background(), a.CheckpointSize)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	out, err := exec.Command("openssl", "ts", "-verify", "-in", write("anchor.tsr", a.Token),
		"-data", write("checkpoint", cp.Note), "-CAfile", write("root.pem", pki.RootPEM())).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
}

// TestMissedAnchorIsATask: a program that asks for an anchor every day and
// has none is a task due a day after its start, overdue once the retry
// grace has passed.
func TestMissedAnchorIsATask(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	la, _ := anchorSetup(t, filepath.Join(t.TempDir(), "evident.db"), c)
	find := func(at time.Time) *readiness.Task {
		t.Helper()
		in, err := readiness.Load(context.Background(), la.Store(), nil, at, at.AddDate(0, 0, -7))
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range readiness.Tasks(in, time.Time{}) {
			if task.Kind == readiness.TaskAnchor {
				return &task
			}
		}
		return nil
	}
	due := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	if task := find(due.Add(-time.Hour)); task == nil || task.State != "due" || !task.Due.Equal(due) {
		t.Fatalf("an hour before the first anchor is due: %+v, want a due task at %s", task, due)
	}
	if task := find(due.Add(readiness.AnchorGrace + time.Minute)); task == nil || task.State != "overdue" || len(task.Requirements) != 1 {
		t.Fatalf("past the grace with no anchor: %+v, want an overdue task naming its requirement", task)
	}
}
