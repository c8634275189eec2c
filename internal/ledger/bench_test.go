package ledger

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// smallItems returns n distinct 4 KiB files held in memory.
func smallItems(n int) []Item {
	out := make([]Item, n)
	for i := range out {
		b := make([]byte, 4096)
		rand.Read(b)
		out[i] = Item{Input: input("f.bin"), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
	}
	return out
}

// BenchmarkAddBatch4KiB measures group-committed small-file appends on
// SQLite: one op is one record, in batches of 1000 as `evidence add` does.
func BenchmarkAddBatch4KiB(b *testing.B) {
	st := storetest.SQLite(b, nil)
	f := newFixture(b, st)
	ctx := context.Background()
	its := smallItems(1000)
	b.SetBytes(4096)
	b.ResetTimer()
	for done := 0; done < b.N; done += len(its) {
		n := min(len(its), b.N-done)
		b.StopTimer()
		for i := range its[:n] {
			its[i] = smallItems(1)[0]
		}
		b.StartTimer()
		if _, err := f.l.AddBatch(ctx, its[:n]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkTreeAt1M measures appending one leaf and proving one leaf in a
// store that already holds 1 048 576 leaves (SQLite).
func BenchmarkTreeAt1M(b *testing.B) {
	st := storetest.SQLite(b, nil)
	ctx := context.Background()
	const n = 1 << 20
	fillLedger(b, st, n)
	l := Open(st, nil, nil, nil)
	b.Run("append", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			err := st.Write(ctx, func(tx *sqlstore.Tx) error {
				_, err := tx.Audit(ctx, "bench.append", "x", "bench", map[string]int{"i": i})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("prove", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			err := st.Read(ctx, func(tx *sqlstore.Tx) error {
				_, err := tlog.ProveRecord(n, int64(i*7919)%n, hashReader(ctx, tx))
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	_ = l
}

// fillLedger appends n small audit records in large transactions.
func fillLedger(b *testing.B, st *sqlstore.Store, n int64) {
	b.Helper()
	ctx := context.Background()
	const per = 20000
	for done := int64(0); done < n; done += per {
		recs := make([]evident.Record, min(per, n-done))
		for i := range recs {
			recs[i] = evident.Record{Kind: "bench.fill", ID: evident.NewID(st.Now()), Actor: "bench", Body: []byte(`{"fill":true}`)}
		}
		err := st.Write(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.AppendRecords(ctx, recs)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures a whole-store verify of 20 000 records of
// 8 KiB; bench/ledger.sh runs the 100 000-record figure through the binary.
func BenchmarkVerify(b *testing.B) {
	st := storetest.SQLite(b, nil)
	f := newFixture(b, st)
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		its := make([]Item, 1000)
		for j := range its {
			buf := make([]byte, 8192)
			rand.Read(buf)
			its[j] = Item{Input: input("f.bin"), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }}
		}
		if _, err := f.l.AddBatch(ctx, its); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(20000 * 8192)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := f.l.Verify(ctx, nil)
		if err != nil || !r.OK() {
			b.Fatal(err, r.Problems)
		}
	}
}
