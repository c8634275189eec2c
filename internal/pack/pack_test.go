package pack

import (
	"testing"

	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
	"time"
)

func sqliteStore(t testing.TB) func(now func() time.Time) *sqlstore.Store {
	return func(now func() time.Time) *sqlstore.Store { return storetest.SQLite(t, now) }
}

func TestYearPackVerifies(t *testing.T) {
	f := newFixture(t, sqliteStore(t))
	b, man := f.export(t)
	r := verifyBytes(t, b)
	for _, p := range r.Problems {
		t.Errorf("problem: %s", p)
	}
	t.Logf("%d bytes, %d items, %d evidence, %d records, %d checkpoints", len(b), r.Items, r.Evidence, r.Records, r.Checkpoints)
	t.Logf("%+v", r.Coverage)
	_ = man
}
