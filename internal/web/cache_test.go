package web

import (
	"context"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

func TestSharedStateFollowsTheLedgerAndTheClock(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t, testClock)
	ctx := context.Background()
	if err := st.CreateProgram(ctx, evident.Program{Name: "P", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "t"}); err != nil {
		t.Fatal(err)
	}
	var c stateCache
	computed := 0
	compute := func(context.Context) (*program, error) { computed++; return &program{}, nil }
	get := func(now time.Time) {
		if _, err := c.get(ctx, st, now, compute); err != nil {
			t.Fatal(err)
		}
	}
	get(testNow)
	get(testNow.Add(stateTTL - time.Second))
	if computed != 1 {
		t.Errorf("computed %d times for two reads within the TTL and no write, want 1", computed)
	}
	err := st.Write(ctx, func(tx *sqlstore.Tx) error { _, err := tx.Audit(ctx, "test", "x", "t", struct{}{}); return err })
	if err != nil {
		t.Fatal(err)
	}
	get(testNow.Add(stateTTL - time.Second))
	if computed != 2 {
		t.Errorf("a write to the ledger did not cause a new computation")
	}
	get(testNow.Add(2 * stateTTL))
	if computed != 3 {
		t.Errorf("a state older than the TTL was served")
	}
}
