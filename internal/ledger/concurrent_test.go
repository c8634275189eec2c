package ledger_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/ledger/ledgertest"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// Checkpoints signed while other writers append (as `evident import`
// signs one after its files, beside another import) never see a tree
// smaller than the latest checkpoint: on PostgreSQL's read committed the
// size and the latest checkpoint were read in two statements, and a
// writer committing between them made an honest store refuse to sign
// ("records were deleted").
func TestCheckpointsBesideAppendsNeverSeeATreeShrink(t *testing.T) {
	t.Parallel()
	storetest.Each(t, storetest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)).Now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := ledgertest.Open(t, st, "evident.ledger/test", "")
		const writers, each = 3, 12
		// One record first: the race is between a tree and its growth.
		if _, err := l.AddEvidence(ctx, ledger.EvidenceInput{Actor: "test", Filename: "first.txt", About: []string{"concurrency"}}, bytes.NewReader([]byte("first"))); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*writers*each)
		for w := range writers {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for i := range each {
					in := ledger.EvidenceInput{Actor: "test", Filename: "f.txt", About: []string{"concurrency"}}
					if _, err := l.AddEvidence(ctx, in, bytes.NewReader([]byte(fmt.Sprintf("writer %d record %d", w, i)))); err != nil {
						errs <- fmt.Errorf("append: %w", err)
					}
				}
			}()
			go func() {
				defer wg.Done()
				for range each {
					if _, err := l.Checkpoint(ctx); err != nil {
						errs <- fmt.Errorf("checkpoint: %w", err)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		r, err := l.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() || r.Evidence != writers*each+1 {
			t.Errorf("verify after concurrent writes: ok %v, %d evidence items (want %d)\n%v", r.OK(), r.Evidence, writers*each+1, r.Problems)
		}
	})
}

// A store whose first checkpoint was signed before any record (a bare
// ledger checkpointed at once) is honest: every tree is consistent with
// the empty one, so verify must not call the history rewritten.
func TestFirstCheckpointOfTheEmptyTreeVerifies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, storetest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)).Now, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		l := ledgertest.Open(t, st, "evident.ledger/test", "")
		if _, err := l.Checkpoint(ctx); err != nil {
			t.Fatalf("checkpoint of the empty ledger: %v", err)
		}
		for i := range 3 {
			in := ledger.EvidenceInput{Actor: "test", Filename: "f.txt", About: []string{"empty-first"}}
			if _, err := l.AddEvidence(ctx, in, bytes.NewReader([]byte(fmt.Sprintf("record %d", i)))); err != nil {
				t.Fatal(err)
			}
		}
		r, err := l.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() || r.Evidence != 3 {
			t.Errorf("verify after a first checkpoint of the empty tree: ok %v, %d evidence items (want 3)\n%v", r.OK(), r.Evidence, r.Problems)
		}
	})
}
