package readiness

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
	"github.com/google/go-cmp/cmp"
)

// TestStatusOverIsStatusOfLoad: the report over a period read a few
// controls at a time (LoadFrame, StatusOver) is byte for byte the one
// computed from every control's history at once (Load, Status), over
// ranges that start inside windows, end before the instant and reach back
// before the program, at the instant and at a past one. The example has
// more controls than one batch holds, with passes, a failing verdict and
// accepted reviews spread over the year.
func TestStatusOverIsStatusOfLoad(t *testing.T) {
	clk := &testClock{}
	clk.set("2026-01-01")
	storetest.Each(t, clk.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		reqs, _ := batchedExample(t, s, clk)
		clk.set("2026-12-01")
		for _, tc := range []struct{ at, from, to string }{
			{"2026-12-01", "2026-02-15", "2026-12-01"},
			{"2026-12-01", "2025-06-01", "2026-11-01"},
			{"2026-07-01", "2026-04-01", "2026-07-01"},
		} {
			at, from, to := day(tc.at), day(tc.from), day(tc.to)
			in, err := Load(ctx, s, reqs, at, from)
			if err != nil {
				t.Fatal(err)
			}
			want := report(t, Status(in, from, to))
			frame, err := LoadFrame(ctx, s, reqs, at)
			if err != nil {
				t.Fatal(err)
			}
			r, err := StatusOver(ctx, s, frame, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if got := report(t, r); got != want {
				t.Errorf("at %s over %s to %s, StatusOver differs from Status of Load (-Load +StatusOver):\n%s", tc.at, tc.from, tc.to, cmp.Diff(want, got))
			}
			for id, ci := range frame.Controls {
				if len(ci.History.Occurrences) > 0 {
					t.Fatalf("the frame keeps %d records of %s after StatusOver; want none", len(ci.History.Occurrences), id)
				}
			}
		}
	})
}

// spreadExample applies the example and records passes on the days
// given, each day for two controls in three, so windows are missed too;
// controls reviewed by a person other than by document review are left
// out, as pass cannot make their reviews.
func spreadExample(t *testing.T, s *sqlstore.Store, clk *testClock, days ...string) ([]evident.Requirement, *evident.Model) {
	t.Helper()
	reqs := exampleStore(t, s, func(*evident.Model) {})
	m, err := s.Model(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, eff := range days {
		clk.set(eff)
		for j, c := range m.Controls {
			if (i+j)%3 == 0 || (c.NeedsReview() && c.Method.Kind != evident.MethodDocumentReview) {
				continue
			}
			pass(t, s, c.ID, eff)
		}
	}
	return reqs, m
}

func report(t *testing.T, r Report) string {
	t.Helper()
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStatusEachIsStatusOfLoad: read a batch of controls at a time for a
// view that needs each control's history (StatusEach, as the pack reads
// it), the report is Status of Load's input read back as far, each
// control is handed over once with the history Load reads for it, and the
// gaps at the instant (GapsAt) are Gaps of Load's input. The example has
// more controls than one batch holds; a failing verdict and a pass
// recorded after its window closed are among the records.
func TestStatusEachIsStatusOfLoad(t *testing.T) {
	clk := &testClock{}
	clk.set("2026-01-01")
	storetest.Each(t, clk.now, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		reqs, m := batchedExample(t, s, clk)
		late := ""
		for _, c := range m.Controls {
			if c.Cadence.Kind == evident.CadencePeriodic && c.Cadence.Unit == evident.UnitMonth && !c.NeedsReview() {
				late = c.ID
				break
			}
		}
		if late == "" {
			t.Fatal("the example has no monthly control a pass can evidence")
		}
		clk.set("2026-09-20")
		pass(t, s, late, "2026-07-15")
		clk.set("2026-12-01")
		for _, tc := range []struct{ at, from, to, reach string }{
			{"2026-12-01", "2026-02-15", "2026-12-01", "2025-02-15"},
			{"2026-12-01", "2025-06-01", "2026-11-01", "2024-06-01"},
			{"2026-07-01", "2026-04-01", "2026-07-01", "2025-04-01"},
		} {
			at, from, to, reach := day(tc.at), day(tc.from), day(tc.to), day(tc.reach)
			in, err := Load(ctx, s, reqs, at, reach)
			if err != nil {
				t.Fatal(err)
			}
			want := report(t, Status(in, from, to))
			frame, err := LoadFrame(ctx, s, reqs, at)
			if err != nil {
				t.Fatal(err)
			}
			seen, lateSeen := map[string]int{}, false
			r, err := StatusEach(ctx, s, frame, from, to, reach, func(c evident.Control, ci ControlInput) error {
				seen[c.ID]++
				for _, p := range ci.Schedule.Evaluate(ci.History, from, to, at) {
					lateSeen = lateSeen || (c.ID == late && len(p.Late) > 0)
				}
				h := in.Controls[c.ID].History
				h.Occurrences = slices.Clone(h.Occurrences)
				evident.OrderOccurrences(h.Occurrences)
				if d := cmp.Diff(h, ci.History); d != "" {
					t.Errorf("at %s from %s, control %s: history differs from Load's (-Load +StatusEach):\n%s", tc.at, tc.reach, c.ID, d)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := report(t, r); got != want {
				t.Errorf("at %s over %s to %s, StatusEach differs from Status of Load (-Load +StatusEach):\n%s", tc.at, tc.from, tc.to, cmp.Diff(want, got))
			}
			if wantLate := at.After(day("2026-09-20")); lateSeen != wantLate {
				t.Errorf("at %s, a late window of %s seen: %v, want %v", tc.at, late, lateSeen, wantLate)
			}
			for _, c := range m.Controls {
				if seen[c.ID] != 1 {
					t.Errorf("control %s handed over %d times, want once", c.ID, seen[c.ID])
				}
			}
			if d := cmp.Diff(Gaps(in), GapsAt(frame, r)); d != "" {
				t.Errorf("at %s, gaps from the report differ from Gaps of Load (-Load +GapsAt):\n%s", tc.at, d)
			}
		}
	})
}

// batchedExample is the example with passes spread over 2026, more
// controls than one batch holds, and a failing scan on June 2 (the clock
// left there).
func batchedExample(t *testing.T, s *sqlstore.Store, clk *testClock) ([]evident.Requirement, *evident.Model) {
	t.Helper()
	reqs, m := spreadExample(t, s, clk, "2026-01-05", "2026-03-10", "2026-05-20", "2026-08-03", "2026-10-14")
	if len(m.Controls) <= streamBatch {
		t.Fatalf("the example has %d controls, not more than one batch of %d", len(m.Controls), streamBatch)
	}
	clk.set("2026-06-02")
	fail(t, s, "vuln-scan-quarterly", "2026-06-02")
	return reqs, m
}
