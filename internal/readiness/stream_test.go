package readiness

import (
	"context"
	"encoding/json"
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
		reqs, m := spreadExample(t, s, clk, "2026-01-05", "2026-03-10", "2026-05-20", "2026-08-03", "2026-10-14")
		if len(m.Controls) <= streamBatch {
			t.Fatalf("the example has %d controls, not more than one batch of %d", len(m.Controls), streamBatch)
		}
		clk.set("2026-06-02")
		fail(t, s, "vuln-scan-quarterly", "2026-06-02")
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
