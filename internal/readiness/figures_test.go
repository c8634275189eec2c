package readiness

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// The figure the API and the dashboard share is what the records give:
// the report ReportOf gives over the range and the series Series gives
// from LoadProgram, judged at one instant. It is kept while the ledger
// does not grow, for at most LiveTTL when it stands for "now", shows a
// write at once, is judged at a named instant exactly, and a reader with
// a grant neither reads the shared figure nor leaves theirs to others.
func TestFiguresAreKeptUntilTheLedgerGrows(t *testing.T) {
	c := &testClock{}
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		c.set("2026-01-05")
		exampleStore(t, s, func(*evident.Model) {})
		cat, err := catalog.Load()
		if err != nil {
			t.Fatal(err)
		}
		c.set("2026-01-10T09:00:00Z")
		pass(t, s, "vuln-scan-quarterly", "2026-01-10")
		c.set("2026-03-02T08:00:00Z")
		f := NewFigures(s, cat)

		// fresh is the figure computed from the records alone.
		fresh := func(ctx context.Context, at time.Time) string {
			t.Helper()
			var gf, gt time.Time
			if g, ok := sqlstore.GrantOf(ctx); ok {
				gf, gt = g.From, g.To
			}
			from, to, err := Range(at, time.Time{}, time.Time{}, gf, gt)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := ReportOf(ctx, s, cat, at, from, to)
			if err != nil {
				t.Fatal(err)
			}
			p, err := LoadProgram(ctx, s, cat, at, SeriesStart(at, SeriesMonths), false)
			if err != nil {
				t.Fatal(err)
			}
			return figureJSON(t, Over{Report: rep, Series: Series(p.In, SeriesMonths)})
		}
		over := func(ctx context.Context, at time.Time, live bool) Over {
			t.Helper()
			var size int64
			if err := s.Read(ctx, func(tx *sqlstore.Tx) (err error) {
				size, err = tx.LedgerSize(ctx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			o, err := f.OverAt(ctx, size, at, live, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(o.Series) != SeriesMonths {
				t.Fatalf("series of %d months, want %d", len(o.Series), SeriesMonths)
			}
			return o
		}

		at := c.now()
		first := over(ctx, at, true)
		if got, want := figureJSON(t, first), fresh(ctx, at); got != want {
			t.Fatalf("kept figure:\n%s\nwant what the records give:\n%s", got, want)
		}
		if o := over(ctx, at.Add(5*time.Second), true); !o.Report.At.Equal(at) || figureJSON(t, o) != figureJSON(t, first) {
			t.Errorf("5 s later with nothing written: judged at %s, want the figure of %s", o.Report.At, at)
		}
		later := at.Add(LiveTTL + time.Second)
		if o := over(ctx, later, true); !o.Report.At.Equal(later) || figureJSON(t, o) != fresh(ctx, later) {
			t.Errorf("%s later: judged at %s, want anew at %s", LiveTTL+time.Second, o.Report.At, later)
		}

		// A write shows at once, however young the figure kept.
		c.set("2026-03-02T08:00:20Z")
		pass(t, s, "clock-sync-daily", "2026-03-02T03:00:00Z")
		written := c.now()
		after := over(ctx, written, true)
		if !after.Report.At.Equal(written) || figureJSON(t, after) != fresh(ctx, written) {
			t.Errorf("after a write: judged at %s, want anew at %s from the records", after.Report.At, written)
		}
		if b, a := figureJSON(t, Over{Report: Report{Score: first.Report.Score}}), figureJSON(t, Over{Report: Report{Score: after.Report.Score}}); a == b {
			t.Errorf("the passing evidence changed nothing: score %s both before and after", a)
		}

		// A named instant is judged at it.
		past := day("2026-02-01")
		if o := over(ctx, past, false); !o.Report.At.Equal(past) || figureJSON(t, o) != fresh(ctx, past) {
			t.Errorf("as of %s: judged at %s, want at it from the records", past, o.Report.At)
		}

		// A reader with a grant gets theirs, and leaves it to nobody.
		narrowed := sqlstore.WithGrant(ctx, sqlstore.Grant{From: day("2025-06-01"), To: day("2026-02-01")})
		theirs := over(narrowed, written, true)
		if figureJSON(t, theirs) != fresh(narrowed, written) || figureJSON(t, theirs) == figureJSON(t, after) {
			t.Errorf("a reader with a grant is shown the shared figure or another than their records give")
		}
		if o := over(ctx, written, true); figureJSON(t, o) != figureJSON(t, after) {
			t.Errorf("after a reader with a grant, everyone else is shown their figure")
		}
	})
}

func figureJSON(t *testing.T, o Over) string {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
