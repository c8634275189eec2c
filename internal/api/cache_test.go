package api

import (
	"context"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// appendAudit grows the ledger, as every write to the program does.
func appendAudit(t *testing.T, st *sqlstore.Store) {
	t.Helper()
	err := st.Write(context.Background(), func(tx *sqlstore.Tx) error {
		_, err := tx.Audit(context.Background(), "test.write", "x", "tester", struct{}{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMemoIsExactAcrossWrites(t *testing.T) {
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	st := storetest.SQLite(t, nil)
	m := &memo[int]{now: func() time.Time { return now }}
	calls := 0
	compute := func(context.Context) (int, error) { calls++; return calls, nil }
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if v, _ := m.get(ctx, st, compute); v != 1 {
			t.Fatalf("read %d without a write: got %d, want the first value", i, v)
		}
	}
	appendAudit(t, st)
	if v, _ := m.get(ctx, st, compute); v != 2 {
		t.Errorf("after a write: got %d, want a new value", v)
	}
}

func TestStaleMemoAnswersAtOnceAndRefreshes(t *testing.T) {
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	st := storetest.SQLite(t, nil)
	m := &memo[int]{now: func() time.Time { return now }, ttl: time.Second, stale: time.Minute}
	release := make(chan struct{})
	calls := 0
	compute := func(context.Context) (int, error) {
		calls++
		if calls > 1 {
			<-release // a slow report
		}
		return calls, nil
	}
	ctx := context.Background()
	if v, _ := m.get(ctx, st, compute); v != 1 {
		t.Fatalf("first read: %d", v)
	}
	appendAudit(t, st)
	now = now.Add(2 * time.Second)
	if v, _ := m.get(ctx, st, compute); v != 1 {
		t.Errorf("read while the new value is computed: got %d, want the previous one at once", v)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, _ := m.get(ctx, st, compute)
		if v == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refreshed value never arrived (still %d)", v)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Older than stale: the reader waits for a fresh value.
	appendAudit(t, st)
	now = now.Add(2 * time.Minute)
	if v, _ := m.get(ctx, st, compute); v != 3 {
		t.Errorf("read after the stale limit: got %d, want a fresh value", v)
	}
}
