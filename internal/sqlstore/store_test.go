package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
	"golang.org/x/mod/sumdb/tlog"
)

var t0 = time.Date(2026, 7, 1, 9, 30, 0, 0, time.UTC)

func fixed() time.Time { return t0 }

func TestProgramCreateOnce(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		if _, err := s.Program(ctx); evident.ErrorCode(err) != evident.ENOTFOUND {
			t.Fatalf("Program on empty store: got %v, want ENOTFOUND", err)
		}
		p := evident.Program{Name: "Example QTSP", Standard: evident.EN319401, Version: "3.2.1", CreatedBy: "alice"}
		if err := s.CreateProgram(ctx, p); err != nil {
			t.Fatal(err)
		}
		err := s.CreateProgram(ctx, p)
		if evident.ErrorCode(err) != evident.ECONFLICT {
			t.Fatalf("second CreateProgram: got %v, want ECONFLICT", err)
		}
		got, err := s.Program(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != p.Name || got.Version != "3.2.1" || !got.CreatedAt.Equal(t0) || got.CreatedBy != "alice" {
			t.Errorf("Program = %+v", got)
		}
	})
}

func TestLedgerAppendMatchesTlog(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		var leaves [][]byte
		for i := 0; i < 37; i++ {
			err := s.Write(ctx, func(tx *sqlstore.Tx) error {
				idx, err := tx.Audit(ctx, "test.append", "obj", "alice", map[string]int{"n": i})
				if err != nil {
					return err
				}
				if idx != int64(i) {
					t.Errorf("append %d got index %d", i, idx)
				}
				l, err := tx.LedgerLeaves(ctx, idx, idx+1)
				if err != nil {
					return err
				}
				leaves = append(leaves, l[0].Data)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Recompute the tree in memory and compare roots.
		var mem []tlog.Hash
		for i, l := range leaves {
			hs, err := tlog.StoredHashes(int64(i), l, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
				out := make([]tlog.Hash, len(idx))
				for j, x := range idx {
					out[j] = mem[x]
				}
				return out, nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			mem = append(mem, hs...)
		}
		want, _ := tlog.TreeHash(int64(len(leaves)), tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			for j, x := range idx {
				out[j] = mem[x]
			}
			return out, nil
		}))
		var got tlog.Hash
		err := s.Read(ctx, func(tx *sqlstore.Tx) error {
			var err error
			got, err = tlog.TreeHash(int64(len(leaves)), tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return tx.ReadHashes(ctx, idx) }))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("stored tree hash %v, recomputed %v", got, want)
		}
	})
}

func TestWriteRollsBackOnError(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := s.Write(ctx, func(tx *sqlstore.Tx) error {
			if _, err := tx.Audit(ctx, "test", "x", "alice", nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write: got %v, want boom", err)
		}
		var n int64
		s.Read(ctx, func(tx *sqlstore.Tx) error { n, err = tx.LedgerSize(ctx); return err })
		if n != 0 {
			t.Errorf("ledger size after rollback = %d, want 0", n)
		}
	})
}

func TestSyncCatalogIsIdempotent(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		reqs := []evident.Requirement{
			{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-7.8-14", Clause: "7.8", ClauseTitle: "Network security", Text: "scan quarterly", Types: []evident.RequirementType{evident.Shall}, Confirmed: true},
			{Standard: evident.EN319401, Version: "3.2.1", ID: "REQ-5-01", Clause: "5", ClauseTitle: "Risk", Text: "assess", Types: []evident.RequirementType{evident.Shall}, Confirmed: true},
		}
		if n, err := s.SyncCatalog(ctx, reqs); err != nil || n != 2 {
			t.Fatalf("first sync: %d, %v", n, err)
		}
		if n, err := s.SyncCatalog(ctx, reqs); err != nil || n != 0 {
			t.Fatalf("second sync wrote %d rows (%v), want 0", n, err)
		}
		reqs[0].Text = "scan every quarter"
		if n, err := s.SyncCatalog(ctx, reqs); err != nil || n != 1 {
			t.Fatalf("sync after edit wrote %d (%v), want 1", n, err)
		}
		if n, _ := s.CatalogCount(ctx, evident.EN319401, "3.2.1"); n != 2 {
			t.Errorf("count = %d", n)
		}
	})
}

func TestOpenBadTargets(t *testing.T) {
	ctx := context.Background()
	_, err := sqlstore.Open(ctx, "/nonexistent-dir/x/evident.db", sqlstore.Options{})
	if evident.ErrorCode(err) != evident.EINVALID {
		t.Errorf("missing dir: got %v", err)
	}
	_, err = sqlstore.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", sqlstore.Options{})
	if evident.ErrorCode(err) != evident.EINVALID {
		t.Errorf("unreachable postgres: got %v", err)
	}
}

// Verify reads the stored tree as ranges; a range must hold exactly the
// hashes read one by one, and a hash deleted from the table, in the middle
// or at the end, must fail the read by name rather than shift the rest.
func TestReadHashRangeReadsTheStoredTree(t *testing.T) {
	storetest.Each(t, fixed, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		err := s.Write(ctx, func(tx *sqlstore.Tx) error {
			for i := range 5 {
				if _, err := tx.Audit(ctx, "test", fmt.Sprint(i), "alice", nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		n := tlog.StoredHashCount(5)
		read := func(from, to int64) ([]tlog.Hash, []tlog.Hash, error) {
			var one, rng []tlog.Hash
			err := s.Read(ctx, func(tx *sqlstore.Tx) error {
				idx := make([]int64, 0, to-from)
				for i := from; i < to; i++ {
					idx = append(idx, i)
				}
				var err error
				if one, err = tx.ReadHashes(ctx, idx); err != nil {
					return err
				}
				rng, err = tx.ReadHashRange(ctx, from, to)
				return err
			})
			return one, rng, err
		}
		for _, r := range [][2]int64{{0, n}, {3, n - 1}} {
			one, rng, err := read(r[0], r[1])
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(one, rng) {
				t.Errorf("hashes [%d, %d): by range %x, one by one %x", r[0], r[1], rng, one)
			}
		}
		for _, c := range []struct {
			idx  int64
			want string
		}{{n - 1, "missing 1 of"}, {4, "missing hash 4"}} { // the last first: deletions add up
			err := s.Write(ctx, func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(ctx, `DELETE FROM ledger_hashes WHERE idx = ?`, c.idx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Read(ctx, func(tx *sqlstore.Tx) error {
				_, err := tx.ReadHashRange(ctx, 0, n)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("range read with hash %d deleted: error %v, want one saying %q", c.idx, err, c.want)
			}
		}
	})
}
