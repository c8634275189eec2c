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
