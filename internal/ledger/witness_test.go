package ledger_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
	"github.com/evidenthq/evident/internal/witness"
)

// TestWitnessCatchesATruncatedStore: a store whose witness cosigned four
// leaves loses its last two (leaves, stored hashes and checkpoints cut, as
// a restored older copy would be) and writes on. The witness refuses the
// next checkpoint, and CheckWitness names the rollback, both from the
// cosignature the store kept and from the one the witness returns.
func TestWitnessCatchesATruncatedStore(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock.Now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := ledgertest.Open(t, st, "evident.ledger/test", "")
		w := startWitness(t, l, clock.Now)
		for i := 0; i < 4; i++ {
			addLeaf(t, l, i)
		}
		if errs, err := l.Witness(ctx, []*witness.Client{w}); err != nil || errs[0] != nil {
			t.Fatalf("first submission: %v %v", err, errs)
		}
		got, probs, err := l.CheckWitness(ctx, w.Verifier, nil)
		if err != nil || len(probs) != 0 || got.Size != 4 {
			t.Fatalf("before the rollback: %+v %v %v, want size 4 and no problem", got, probs, err)
		}
		latest, err := w.Latest(ctx, "evident.ledger/test")
		if err != nil || latest == nil {
			t.Fatalf("the witness's latest: %v", err)
		}

		// Keep leaves 0 and 1, as a copy taken at size 2 would.
		tamperSQL(t, st, `DELETE FROM ledger_leaves WHERE idx >= 2`,
			fmt.Sprintf(`DELETE FROM ledger_hashes WHERE idx >= %d`, tlog.StoredHashCount(2)),
			`DELETE FROM checkpoints WHERE size > 2`, `DELETE FROM cosignatures`, `DELETE FROM evidence WHERE ledger_idx >= 2`)
		for i := 10; i < 13; i++ {
			addLeaf(t, l, i)
		}
		errs, err := l.Witness(ctx, []*witness.Client{w})
		if err != nil || errs[0] == nil || !strings.Contains(errs[0].Error(), "rolled back or forked") {
			t.Errorf("submission after the rollback: %v %v, want a refusal naming the rollback", err, errs)
		}
		_, probs, err = l.CheckWitness(ctx, w.Verifier, [][]byte{latest})
		if err != nil || len(probs) != 1 || probs[0].Kind != ledger.RolledBack || !strings.Contains(probs[0].Message, "a tree of 4 records") {
			t.Errorf("CheckWitness after the rollback: %v %v, want one %q problem naming size 4", probs, err, ledger.RolledBack)
		}
		// Without the witness's word, the store alone shows nothing.
		if _, probs, _ := l.CheckWitness(ctx, w.Verifier, nil); len(probs) != 1 || probs[0].Kind != ledger.Unwitnessed {
			t.Errorf("CheckWitness with no cosignature left: %v, want %q", probs, ledger.Unwitnessed)
		}
	})
}

// TestWitnessKeepsCosignatures: each cosignature the store receives is
// kept and checked by CheckWitness; one changed byte is a bad signature.
func TestWitnessKeepsCosignatures(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock.Now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := ledgertest.Open(t, st, "evident.ledger/test", "")
		w := startWitness(t, l, clock.Now)
		for i := 0; i < 3; i++ {
			addLeaf(t, l, i)
			clock.Move(time.Minute)
			if errs, err := l.Witness(ctx, []*witness.Client{w}); err != nil || errs[0] != nil {
				t.Fatalf("submission %d: %v %v", i, err, errs)
			}
		}
		var cs []sqlstore.Cosignature
		st.Read(ctx, func(tx *sqlstore.Tx) error {
			var err error
			cs, err = tx.Cosignatures(ctx, w.Verifier.Name(), w.Verifier.KeyHash())
			return err
		})
		if len(cs) != 3 || cs[0].Size != 3 || !cs[0].CosignedAt.Equal(clock.Now().Truncate(time.Second)) {
			t.Fatalf("kept cosignatures: %d, newest %+v; want 3, the newest of size 3 at %v", len(cs), cs, clock.Now())
		}
		got, probs, err := l.CheckWitness(ctx, w.Verifier, nil)
		if err != nil || len(probs) != 0 || got.Size != 3 {
			t.Fatalf("CheckWitness: %+v %v %v", got, probs, err)
		}
		forged := []byte(strings.Replace(string(cs[0].Note), "\n3\n", "\n4\n", 1))
		if err := st.Write(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE cosignatures SET note = ? WHERE size = 3`, forged)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, probs, _ := l.CheckWitness(ctx, w.Verifier, nil); len(probs) != 1 || probs[0].Kind != ledger.BadSignature {
			t.Errorf("after editing a kept cosignature: %v, want one %q", probs, ledger.BadSignature)
		}
	})
}

// startWitness runs an in-process witness of l on a real socket.
func startWitness(t *testing.T, l *ledgertest.Ledger, now func() time.Time) *witness.Client {
	t.Helper()
	skey, vkey, err := witness.GenerateKey(rand.Reader, "witness.example")
	if err != nil {
		t.Fatal(err)
	}
	cos, _ := witness.NewCosigner(skey, now)
	w, err := witness.New(t.TempDir(), cos, map[string]note.Verifier{l.Verifier.Name(): l.Verifier}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	c, err := witness.ParseEndpoint(srv.URL + "=" + vkey)
	if err != nil {
		t.Fatal(err)
	}
	c.HTTP = witness.HTTPClient(true)
	return c
}

// addLeaf stores one small evidence file, a leaf under a checkpoint.
func addLeaf(t *testing.T, l *ledgertest.Ledger, i int) {
	t.Helper()
	_, err := l.AddEvidence(context.Background(), ledger.EvidenceInput{Actor: "alice", About: []string{"the witness test"}, Filename: fmt.Sprintf("f%d.txt", i)}, strings.NewReader(fmt.Sprintf("file %d", i)))
	if err != nil {
		t.Fatal(err)
	}
}

// tamper runs statements behind the program's back.
func tamperSQL(t *testing.T, st *sqlstore.Store, qs ...string) {
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
