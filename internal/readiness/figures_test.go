package readiness

import (
	"context"
	"encoding/json"
	"reflect"
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
		cat := figuresStore(t, s, c)
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
			o, err := f.OverAt(ctx, ledgerSize(t, s), at, live, time.Time{}, time.Time{})
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

// figuresStore applies the example program to s on 2026-01-05 and
// returns the catalog it is judged against.
func figuresStore(t *testing.T, s *sqlstore.Store, c *testClock) *catalog.Catalog {
	t.Helper()
	c.set("2026-01-05")
	exampleStore(t, s, func(*evident.Model) {})
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// ledgerSize is how many leaves s's ledger has.
func ledgerSize(t *testing.T, s *sqlstore.Store) int64 {
	t.Helper()
	n, err := s.LedgerSize(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func figureJSON(t *testing.T, o Over) string {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// After a write, the series "now" judges again only the months the write
// can change, and is what judging it whole gives: evidence received now,
// even effective in a month past, is invisible to the months that ended
// before it, so they are reused; a correction of a past record, or a
// change, may change any month, and the whole series is judged again.
func TestLiveSeriesJudgesAgainOnlyWhatAWriteCanChange(t *testing.T) {
	c := &testClock{}
	storetest.Each(t, c.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		cat := figuresStore(t, s, c)
		m, err := s.Model(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const control = "config-compliance-monthly"
		var systems []evident.SystemVersion
		for _, id := range m.ControlByID(control).Systems {
			systems = append(systems, evident.SystemVersion{Name: id, Version: m.SystemByID(id).Version})
		}
		// verdict records a scan effective at eff with its verdict, and
		// returns the verdict's id.
		verdict := func(eff string, v evident.Verdict, supersedes string) string {
			t.Helper()
			raw := []evident.Evidence{{Kind: evident.RawEvidence, Digest: evident.Digest{7}, MediaType: "text/plain", Actor: "collector:test",
				Effective: evident.Effective{From: day(eff)}, Controls: []string{control}, Systems: systems}}
			if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, raw) }); err != nil {
				t.Fatal(err)
			}
			d := []evident.Evidence{{Kind: evident.DerivedEvidence, Digest: evident.Digest{8}, MediaType: "application/json", Actor: "collector:test",
				Effective: evident.Effective{From: day(eff)}, Controls: []string{control}, Systems: systems, Verdict: v,
				DerivedFrom: []string{raw[0].ID}, Supersedes: supersedes}}
			if err := s.Write(ctx, func(tx *sqlstore.Tx) error { return tx.InsertEvidence(ctx, d) }); err != nil {
				t.Fatal(err)
			}
			return d[0].ID
		}
		c.set("2026-01-10T09:00:00Z")
		january := verdict("2026-01-10T03:00:00Z", evident.VerdictPass, "")
		c.set("2026-02-10T09:00:00Z")
		verdict("2026-02-10T03:00:00Z", evident.VerdictPass, "")

		f := NewFigures(s, cat)
		// live is the series "now" as Figures keeps it; whole, the same
		// judged from every record of the year.
		live := func() []Point {
			t.Helper()
			got, err := f.liveSeries(ctx, ledgerSize(t, s), c.now())
			if err != nil {
				t.Fatal(err)
			}
			whole, err := seriesAt(ctx, s, cat, c.now())
			if err != nil {
				t.Fatal(err)
			}
			if g, w := figureJSON(t, Over{Series: got}), figureJSON(t, Over{Series: whole}); g != w {
				t.Fatalf("at %s the kept series is\n%s\nwhole it is\n%s", c.now(), g, w)
			}
			return got
		}
		// reused counts the months of b that are a's, not judged again.
		reused := func(a, b []Point) int {
			n := 0
			for i := range b {
				if reflect.ValueOf(a[i].Count).Pointer() == reflect.ValueOf(b[i].Count).Pointer() {
					n++
				}
			}
			return n
		}

		// A write whose transaction began before February ended and
		// committed after a series judged it closed: February was known
		// to it at its end, so February is judged again.
		c.set("2026-03-01T00:00:05Z")
		closed := live()
		c.set("2026-02-28T23:59:59Z")
		verdict("2026-02-28T23:00:00Z", evident.VerdictFail, "")
		c.set("2026-03-01T00:00:10Z")
		reopened := live()
		if n := reused(closed, reopened); n != SeriesMonths-2 {
			t.Errorf("after a write received before February's end, %d months reused, want every month before February", n)
		}
		feb := SeriesMonths - 2
		if figureJSON(t, Over{Series: closed[feb : feb+1]}) == figureJSON(t, Over{Series: reopened[feb : feb+1]}) {
			t.Fatalf("the late write left %s as it was: this test needs one that changes it", closed[feb].Month)
		}

		c.set("2026-03-02T08:00:00Z")
		first := live()

		// Evidence received now for January: January stays as it was
		// known at its end, and only March is judged again.
		c.set("2026-03-02T08:00:10Z")
		verdict("2026-01-20T03:00:00Z", evident.VerdictFail, "")
		late := live()
		if n := reused(first, late); n != SeriesMonths-1 {
			t.Errorf("after evidence received now, %d months reused, want every month but the current one", n)
		}

		// A correction of January's scan takes the scan out of January.
		c.set("2026-03-02T08:00:20Z")
		verdict("2026-01-10T03:00:00Z", evident.VerdictFail, january)
		corrected := live()
		if n := reused(late, corrected); n != 0 {
			t.Errorf("after a correction, %d months reused, want none", n)
		}
		jan := SeriesMonths - 3
		if figureJSON(t, Over{Series: late[jan : jan+1]}) == figureJSON(t, Over{Series: corrected[jan : jan+1]}) {
			t.Fatalf("the correction left %s as it was: this test needs one that changes it", late[jan].Month)
		}

		// So does a change to a system.
		c.set("2026-03-02T08:00:30Z")
		if _, _, err := s.AddChange(ctx, evident.Change{System: "issuing-ca", Version: "5.0", Significant: true, Summary: "new CA software", Actor: "alice"}); err != nil {
			t.Fatal(err)
		}
		if n := reused(corrected, live()); n != 0 {
			t.Errorf("after a change, %d months reused, want none", n)
		}
	})
}
