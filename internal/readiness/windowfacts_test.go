package readiness

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
	"github.com/google/go-cmp/cmp"
)

// TestWindowFactsKeepTheReport: a report over a period that reads the
// closed windows it judged before (window facts) is byte for byte the one
// judged from every record, on a cold store, on a warm one, after
// evidence recorded late into a window already kept, after a failing
// verdict in an old window, after an exception and after a program
// change; a report at a past instant does not read them; and verify's
// check finds nothing to say of honest rows but names a row edited to
// turn a missed window satisfied.
func TestWindowFactsKeepTheReport(t *testing.T) {
	clk := &testClock{}
	clk.set("2026-01-01")
	storetest.Each(t, clk.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		reqs, m := spreadExample(t, s, clk, "2026-01-05", "2026-03-10", "2026-05-20", "2026-08-03")
		// same checks the report over [from, to) at the clock's instant
		// against the one judged from every record, and returns how many
		// controls have window facts stored.
		same := func(step, from, to string) int {
			t.Helper()
			at := clk.now()
			f, e := day(from), day(to)
			in, err := Load(ctx, s, reqs, at, f)
			if err != nil {
				t.Fatal(err)
			}
			want := report(t, Status(in, f, e))
			frame, err := LoadFrame(ctx, s, reqs, at)
			if err != nil {
				t.Fatal(err)
			}
			r, err := StatusOver(ctx, s, frame, f, e)
			if err != nil {
				t.Fatal(err)
			}
			if got := report(t, r); got != want {
				t.Fatalf("%s: over %s to %s, the report from window facts differs from the records' (-records +facts):\n%s", step, from, to, cmp.Diff(want, got))
			}
			problems, err := CheckWindowFacts(ctx, s, at)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) > 0 {
				t.Fatalf("%s: verify's check finds honest window facts wrong: %v", step, problems)
			}
			var n int
			if err := s.Read(ctx, func(tx *sqlstore.Tx) error {
				rows, err := tx.WindowFacts(ctx)
				n = len(rows)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		clk.set("2026-10-01")
		if n := same("cold", "2026-02-15", "2026-10-01"); n == 0 {
			t.Fatal("a report over a period kept no window facts")
		}
		same("warm", "2026-02-15", "2026-10-01")
		same("warm, another range", "2025-06-01", "2026-09-01")
		clk.set("2026-10-02")
		for _, c := range m.Controls {
			if !c.NeedsReview() {
				pass(t, s, c.ID, "2026-02-20") // late: its windows closed months ago
			}
		}
		// The write that stores the late evidence cuts the rows back.
		rowOf := func(id string) (sqlstore.WindowFacts, int) {
			t.Helper()
			var rows map[string]sqlstore.WindowFacts
			if err := s.Read(ctx, func(tx *sqlstore.Tx) (err error) {
				rows, err = tx.WindowFacts(ctx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return rows[id], len(rows)
		}
		if f, _ := rowOf("patch-status-monthly"); f.Through.After(day("2026-02-20")) {
			t.Fatalf("after evidence effective 2026-02-20, patch-status-monthly's window facts still hold through %s", f.Through)
		}
		same("late evidence", "2026-02-15", "2026-10-01")
		clk.set("2026-10-02T12:00:00Z")
		var reviewed int
		for _, c := range m.Controls {
			if c.NeedsReview() && c.Method.Kind == evident.MethodDocumentReview {
				pass(t, s, c.ID, "2026-04-20") // a submission and its acceptance, late
				reviewed++
			}
		}
		if reviewed == 0 {
			t.Fatal("the example has no control reviewed by document review")
		}
		// An acceptance changes the windows of the record it judged, not
		// every control's: what the ledger gained since the late evidence
		// cuts back the reviewed controls alone.
		if err := s.Read(ctx, func(tx *sqlstore.Tx) error {
			rows, err := tx.WindowFacts(ctx)
			if err != nil {
				return err
			}
			ls, err := tx.LedgerSince(ctx, rows["patch-status-monthly"].TreeSize)
			if err != nil {
				return err
			}
			if ls.Unsettled != "" || len(ls.Earliest) != reviewed || !ls.Earliest["terms-review"].Equal(day("2026-04-20")) {
				t.Errorf("the reviews since the late evidence unsettle %q and cut %v; want nothing unsettled and the %d reviewed controls cut at 2026-04-20", ls.Unsettled, ls.Earliest, reviewed)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		same("late reviews accepted", "2026-02-15", "2026-10-02T12:00:00Z")
		// The scheduler's record of a missed period reports a judgement
		// and changes none: the rows stay.
		_, before := rowOf("")
		if _, err := s.RecordOutcome(ctx, "patch-status-monthly", evident.Period{Window: evident.Window{Start: day("2026-08-01"), End: day("2026-09-01")},
			State: evident.PeriodMissed}, "scheduler"); err != nil {
			t.Fatal(err)
		}
		if _, after := rowOf(""); after != before || before == 0 {
			t.Fatalf("recording a missed period left %d rows of window facts of %d", after, before)
		}
		clk.set("2026-10-03")
		fail(t, s, "vuln-scan-quarterly", "2026-04-02")
		same("an old failing verdict", "2026-01-01", "2026-10-03")
		clk.set("2026-10-04")
		if _, err := s.AddException(ctx, evident.Exception{Control: m.Controls[0].ID, Reason: "maintenance", Approver: m.Controls[0].Owner,
			ApprovedAt: day("2026-10-04"), From: day("2026-10-04"), Expires: day("2026-10-20"), Actor: "alice"}); err != nil {
			t.Fatal(err)
		}
		if _, n := rowOf(""); n != 0 {
			t.Fatalf("an exception's write left %d rows of window facts; it may change any judgement", n)
		}
		same("an exception", "2026-01-01", "2026-10-04")
		clk.set("2026-10-05")
		same("days later", "2026-01-01", "2026-10-05")

		// A report at a past instant judges the records as they were.
		clk.set("2026-06-01")
		same("in the past", "2026-01-01", "2026-06-01")
		clk.set("2026-10-06")

		// An edited row: every window of a control satisfied.
		var id string
		var row sqlstore.WindowFacts
		if err := s.Read(ctx, func(tx *sqlstore.Tx) error {
			rows, err := tx.WindowFacts(ctx)
			for k, f := range rows {
				ws, _ := DecodeWindows(f.Body)
				for _, w := range ws {
					if w.State == evident.PeriodMissed && (id == "" || k < id) {
						id, row = k, f
					}
				}
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if id == "" {
			t.Fatal("no kept window is missed; the example should leave some")
		}
		ws, _ := DecodeWindows(row.Body)
		for i := range ws {
			ws[i].State = evident.PeriodSatisfied
		}
		row.Body, _ = EncodeWindows(ws)
		if err := s.Write(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE window_facts SET body = ? WHERE control_id = ?`, row.Body, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		problems, err := CheckWindowFacts(ctx, s, clk.now())
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) != 1 || !strings.Contains(problems[0], "control "+id) || !strings.Contains(problems[0], "missed") {
			t.Fatalf("verify's check of a row edited to satisfied: %v; want one problem naming %s and the missed window", problems, id)
		}
	})
}

// TestWindowsEncodeAndRefuseGarbage: kept windows read back as written,
// and a malformed row is an error, never windows.
func TestWindowsEncodeAndRefuseGarbage(t *testing.T) {
	t0 := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	var ps []evident.Period
	for i, st := range []evident.PeriodState{evident.PeriodSatisfied, evident.PeriodMissed, evident.PeriodFailing, evident.PeriodExcepted} {
		s := t0.AddDate(0, i, 0)
		ps = append(ps, evident.Period{Window: evident.Window{Start: s, End: s.AddDate(0, 1, 0)}, State: st})
	}
	b, err := EncodeWindows(ps)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeWindows(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ps, got); diff != "" {
		t.Fatalf("windows read back differ (-written +read):\n%s", diff)
	}
	for _, bad := range [][]byte{nil, {5}, append(append([]byte{}, b...), 0), b[:len(b)-1], {1, 0, 0, 99}} {
		if _, err := DecodeWindows(bad); err == nil {
			t.Errorf("DecodeWindows(%v) took a malformed row", bad)
		}
	}
}

// TestDailyWindowsKeepInRuns: five years of a daily control, back to
// back and nearly all satisfied, are a few runs, not a record per day: a
// report reads every control's row, and at five hundred controls the
// per-day form was megabytes on every report. A row claiming more
// windows than its runs give, or far more than any control has, is
// refused before anything is allocated for it.
func TestDailyWindowsKeepInRuns(t *testing.T) {
	t0 := time.Date(2021, 12, 7, 0, 0, 0, 0, time.UTC)
	var ps []evident.Period
	for d := range 1826 {
		st := evident.PeriodSatisfied
		if d == 100 || d == 101 || d == 900 {
			st = evident.PeriodMissed
		}
		s := t0.AddDate(0, 0, d)
		ps = append(ps, evident.Period{Window: evident.Window{Start: s, End: s.AddDate(0, 0, 1)}, State: st})
	}
	b, err := EncodeWindows(ps)
	if err != nil {
		t.Fatal(err)
	}
	// Five runs (satisfied, two missed, satisfied, one missed, satisfied)
	// of at most 14 bytes each, after the count.
	if len(b) > 3+5*14 {
		t.Errorf("1 826 daily windows in five runs take %d bytes, want at most %d", len(b), 3+5*14)
	}
	got, err := DecodeWindows(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ps, got); diff != "" {
		t.Fatalf("windows read back differ (-written +read):\n%s", diff)
	}
	short := binary.AppendUvarint(nil, 1827) // one window more than the runs hold
	short = append(short, b[2:]...)
	huge := binary.AppendUvarint(nil, maxFacts+1)
	huge = append(huge, 0, 1, 0)
	huge = binary.AppendUvarint(huge, maxFacts)
	for name, bad := range map[string][]byte{"a count above the runs": short, "a count above the bound": huge} {
		if _, err := DecodeWindows(bad); err == nil {
			t.Errorf("DecodeWindows took %s", name)
		}
	}
}

// FuzzDecodeWindows: whatever bytes a row holds, reading them returns
// windows or an error, never a panic, and windows read re-encode to bytes
// that read back as the same windows.
func FuzzDecodeWindows(f *testing.F) {
	b, _ := EncodeWindows([]evident.Period{{Window: evident.Window{Start: time.Unix(0, 5), End: time.Unix(0, 9)}, State: evident.PeriodMissed}})
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		ws, err := DecodeWindows(b)
		if err != nil {
			return
		}
		again, err := EncodeWindows(ws)
		if err != nil {
			t.Fatalf("windows read from %v do not encode: %v", b, err)
		}
		back, err := DecodeWindows(again)
		if err != nil {
			t.Fatalf("windows read from %v re-encode to %v, which does not read: %v", b, again, err)
		}
		if diff := cmp.Diff(ws, back); diff != "" {
			t.Fatalf("windows read from %v change through a re-encoding:\n%s", b, diff)
		}
	})
}
