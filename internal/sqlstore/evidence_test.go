package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// ticking returns a clock that advances an hour per reading, so each
// transaction has its own receipt time.
func ticking(start time.Time) func() time.Time {
	t := start
	return func() time.Time { t = t.Add(time.Hour); return t }
}

func putControls(t *testing.T, s *sqlstore.Store, ids ...string) {
	t.Helper()
	ctx := context.Background()
	err := s.Write(ctx, func(tx *sqlstore.Tx) error {
		for _, id := range ids {
			if err := tx.PutObject(ctx, sqlstore.Controls, id, evident.Control{ID: id, Title: id}, "test"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func insert(t *testing.T, s *sqlstore.Store, e evident.Evidence) evident.Evidence {
	t.Helper()
	ctx := context.Background()
	if e.Kind == "" {
		e.Kind = evident.RawEvidence
	}
	e.Digest = sha256.Sum256([]byte(e.Filename))
	e.MediaType, e.Actor = "text/plain", "alice"
	evs := []evident.Evidence{e}
	if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, evs) }); err != nil {
		t.Fatal(err)
	}
	return evs[0]
}

func ids(evs []evident.Evidence) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Filename)
	}
	return strings.Join(out, ",")
}

func TestEvidenceQueriesByControlTimeAndReceipt(t *testing.T) {
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	storetest.Each(t, ticking(start), func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		putControls(t, s, "scan", "review")
		q3, _ := evident.ParseEffectivePeriod("2026-Q3")
		q2, _ := evident.ParseEffectivePeriod("2026-Q2")
		a := insert(t, s, evident.Evidence{Filename: "a", Controls: []string{"scan"}, Effective: q2})
		b := insert(t, s, evident.Evidence{Filename: "b", Controls: []string{"scan", "review"}, Effective: q3})
		c := insert(t, s, evident.Evidence{Filename: "c", Controls: []string{"scan"}, Effective: evident.Effective{From: time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)}})
		if a.LedgerIndex != 0 || b.LedgerIndex != 1 || c.LedgerIndex != 2 || !a.ReceivedAt.Before(b.ReceivedAt) {
			t.Fatalf("indexes %d %d %d, receipts %v %v", a.LedgerIndex, b.LedgerIndex, c.LedgerIndex, a.ReceivedAt, b.ReceivedAt)
		}
		for _, tc := range []struct {
			name string
			f    sqlstore.EvidenceFilter
			want string
		}{
			{"all", sqlstore.EvidenceFilter{}, "a,b,c"},
			{"control", sqlstore.EvidenceFilter{Control: "review"}, "b"},
			{"Q3 overlap", sqlstore.EvidenceFilter{Control: "scan", From: q3.From, To: q3.To}, "b,c"},
			{"September", sqlstore.EvidenceFilter{Control: "scan", From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}, "b,c"},
			{"before Q3", sqlstore.EvidenceFilter{Control: "scan", To: q3.From}, "a"},
			{"received before c", sqlstore.EvidenceFilter{Before: c.ReceivedAt}, "a,b"},
			{"received since b", sqlstore.EvidenceFilter{Since: b.ReceivedAt}, "b,c"},
			{"page", sqlstore.EvidenceFilter{AfterIndex: 0, Limit: 1}, "a"},
			{"next page", sqlstore.EvidenceFilter{AfterIndex: 1, Limit: 5}, "c"},
			{"newest first", sqlstore.EvidenceFilter{Newest: true, Limit: 2}, "c,b"},
			{"older page", sqlstore.EvidenceFilter{Newest: true, BeforeIndex: 1}, "a"},
		} {
			got, err := s.ListEvidence(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if ids(got) != tc.want {
				t.Errorf("%s: got %s, want %s", tc.name, ids(got), tc.want)
			}
		}
		latest, err := s.LatestEvidence(ctx, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if latest["scan"].Filename != "c" || latest["review"].Filename != "b" || len(latest) != 2 {
			t.Errorf("latest now: scan %s, review %s (%d controls)", latest["scan"].Filename, latest["review"].Filename, len(latest))
		}
		// As of before c arrived, b was the latest scan evidence.
		past, _ := s.LatestEvidence(ctx, c.ReceivedAt)
		if past["scan"].Filename != "b" {
			t.Errorf("latest as of %v: %s, want b", c.ReceivedAt, past["scan"].Filename)
		}
		got, err := s.Evidence(ctx, b.ID)
		if err != nil || got.Filename != "b" || len(got.Controls) != 2 || got.LedgerIndex != 1 {
			t.Errorf("Evidence(%s) = %+v, %v", b.ID, got, err)
		}
		if _, err := s.Evidence(ctx, "nope"); evident.ErrorCode(err) != evident.ENOTFOUND {
			t.Errorf("Evidence(nope): %v, want ENOTFOUND", err)
		}
	})
}

func TestInsertEvidenceIsAllOrNothing(t *testing.T) {
	storetest.Each(t, ticking(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)), func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		putControls(t, s, "scan")
		good := evident.Evidence{Kind: evident.RawEvidence, Digest: evident.Digest{1}, MediaType: "text/plain", Actor: "a", Controls: []string{"scan"}}
		bad := good
		bad.Controls = []string{"scna"}
		err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, []evident.Evidence{good, bad}) })
		if evident.ErrorCode(err) != evident.ENOTFOUND || !strings.Contains(err.Error(), `evidence.controls[0]: no control "scna"`) {
			t.Errorf("err = %v", err)
		}
		var leaves, rows int
		s.Read(ctx, func(tx *sqlstore.Tx) error {
			tx.QueryRow(ctx, `SELECT COUNT(*) FROM ledger_leaves`).Scan(&leaves)
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM evidence`).Scan(&rows)
		})
		if leaves != 0 || rows != 0 {
			t.Errorf("%d leaves and %d rows stored from a refused batch", leaves, rows)
		}
		// A later record of the same batch may supersede an earlier one.
		first := good
		first.ID = evident.NewID(time.Now())
		fix := good
		fix.Supersedes = first.ID
		if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, []evident.Evidence{first, fix}) }); err != nil {
			t.Errorf("correction in the same batch: %v", err)
		}
	})
}
