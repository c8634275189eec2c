package evident

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestWindowEvidenceMatchesFullScan checks the indexed lookup of a
// window's evidence against reading the whole history, on histories
// mixing instants with records covering periods (some reaching over many
// windows), so that indexing the history cannot change any window's state.
func TestWindowEvidenceMatchesFullScan(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := ts(t, "2022-01-01")
	for round := range 50 {
		var occ []Occurrence
		for i := range 300 {
			o := Occurrence{ID: fmt.Sprintf("e%03d", i), Effective: base.Add(time.Duration(r.IntN(3*365*24)) * time.Hour), LedgerIndex: int64(i)}
			switch r.IntN(5) {
			case 0: // a report covering up to a quarter
				o.Until = o.Effective.Add(time.Duration(1+r.IntN(90*24)) * time.Hour)
			case 1: // a record whose end does not follow its start: an instant
				o.Until = o.Effective
			}
			occ = append(occ, o)
		}
		tl := newTimeline(History{Occurrences: sortOccurrences(occ)})
		for range 200 {
			start := base.Add(time.Duration(r.IntN(3*365*24)-24*30) * time.Hour)
			w := Window{Start: start, End: start.Add(time.Duration(1+r.IntN(120*24)) * time.Hour)}
			var want []string
			for _, o := range tl.Occurrences {
				if o.in(w) {
					want = append(want, o.ID)
				}
			}
			var got []string
			for _, o := range tl.in(w) {
				got = append(got, o.ID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, window %s to %s: indexed %v, full scan %v", round, w.Start, w.End, got, want)
			}
		}
	}
}

// BenchmarkEvaluateFiveYearsDaily is the period computation's inner loop
// at the scale of the #13 target: one daily control with five years of
// daily evidence, judged over the whole five years.
func BenchmarkEvaluateFiveYearsDaily(b *testing.B) {
	start := ts(b, "2021-12-06")
	end := start.AddDate(5, 0, 0)
	s := Schedule{Cadence: mustCadence(b, "daily"), Anchor: start}
	var h History
	for d, i := start, 0; d.Before(end); d, i = d.AddDate(0, 0, 1), i+1 {
		eff := d.Add(3 * time.Hour)
		h.Occurrences = append(h.Occurrences, Occurrence{ID: fmt.Sprintf("e%05d", i), Effective: eff, Received: eff.Add(time.Hour), LedgerIndex: int64(i)})
	}
	b.ReportAllocs()
	for b.Loop() {
		if ps := s.Evaluate(h, start, end, end); len(ps) < 1800 {
			b.Fatalf("%d windows", len(ps))
		}
	}
}

// TestEvaluateOfAnOrderedHistoryIsTheSame: a history put in order
// (OrderOccurrences), which Evaluate and Freshness judge without a copy,
// is judged as the same records in the store's order, which they copy
// and sort; and judging leaves the caller's records as they were. The
// records share a few instants, as a collector's batches do, some fail,
// some arrive after their window or after the instant judged at, and a
// significant change makes some stale.
func TestEvaluateOfAnOrderedHistoryIsTheSame(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	base := ts(t, "2026-01-01")
	at := ts(t, "2027-01-01") // every record known: judged without a copy
	var h History
	for i := range 400 {
		eff := base.Add(time.Duration(r.IntN(300)) * 24 * time.Hour)
		o := Occurrence{ID: fmt.Sprintf("e%03d", r.IntN(1000)), Effective: eff, Received: eff.Add(time.Duration(r.IntN(40*24)) * time.Hour),
			LedgerIndex: int64(i), Systems: []string{"ca", "tsa"}[r.IntN(2):][:1]}
		if r.IntN(7) == 0 {
			o.Failed, o.Verdict = true, VerdictFail
		}
		h.Occurrences = append(h.Occurrences, o)
	}
	h.Changes = []Change{{ID: "ch1", At: ts(t, "2026-06-10"), RecordedAt: ts(t, "2026-06-10"), Significant: true, System: "ca"}}
	s := Schedule{Cadence: mustCadence(t, "weekly"), Anchor: base, Systems: []string{"ca", "tsa"}}
	ordered := h
	ordered.Occurrences = slices.Clone(h.Occurrences)
	OrderOccurrences(ordered.Occurrences)
	before := slices.Clone(h.Occurrences)
	beforeOrdered := slices.Clone(ordered.Occurrences)
	for _, when := range []time.Time{at, ts(t, "2026-05-01")} { // and with some not yet known
		want := s.Evaluate(h, base, at, when)
		got := s.Evaluate(ordered, base, at, when)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("at %s: the ordered history's windows differ from the unordered one's", when)
		}
		if f, g := s.Freshness(h, when), s.Freshness(ordered, when); fmt.Sprint(f) != fmt.Sprint(g) {
			t.Errorf("at %s: freshness %v of the ordered history, %v of the unordered one", when, g, f)
		}
	}
	if fmt.Sprint(h.Occurrences) != fmt.Sprint(before) || fmt.Sprint(ordered.Occurrences) != fmt.Sprint(beforeOrdered) {
		t.Error("judging changed the caller's records")
	}
	if fmt.Sprint(before) == fmt.Sprint(ordered.Occurrences) {
		t.Error("the history was in order already: the test proves nothing")
	}
}
