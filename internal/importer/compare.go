package importer

import (
	"slices"
	"strings"
)

// Delta is what changed between two results of the same check: findings
// that appeared (a port opened, a rule started failing) and findings that
// are gone.
type Delta struct {
	Appeared []Finding `json:"appeared"`
	Gone     []Finding `json:"gone"`
}

// Compare matches findings by Key, the first finding of a key standing for
// it. A nil prev is an empty baseline, so every current finding appears.
// Both sides are walked in key order, so a scan of tens of thousands of
// findings is compared without a map of either; results are usually
// sorted already (Result.Sort), and then nothing is sorted.
func Compare(prev, cur *Result) Delta {
	before, after := byKey(prev), byKey(cur)
	// The first walk counts, so each list is allocated once at its size.
	gone, appeared := walk(before, after, nil)
	d := Delta{Appeared: make([]Finding, 0, appeared), Gone: make([]Finding, 0, gone)}
	walk(before, after, &d)
	return d
}

// walk merges two lists in key order, counting the findings only before
// and only after, and appending them to d when it is not nil.
func walk(before, after []*Finding, d *Delta) (gone, appeared int) {
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || i < len(before) && before[i].Key < after[j].Key:
			if d != nil {
				d.Gone = append(d.Gone, *before[i])
			}
			gone, i = gone+1, i+1
		case i == len(before) || after[j].Key < before[i].Key:
			if d != nil {
				d.Appeared = append(d.Appeared, *after[j])
			}
			appeared, j = appeared+1, j+1
		default:
			i, j = i+1, j+1
		}
	}
	return gone, appeared
}

// byKey lists the first finding of each key, in key order.
func byKey(r *Result) []*Finding {
	if r == nil {
		return nil
	}
	out := make([]*Finding, len(r.Findings))
	for i := range r.Findings {
		out[i] = &r.Findings[i]
	}
	cmp := func(a, b *Finding) int { return strings.Compare(a.Key, b.Key) }
	if !slices.IsSortedFunc(out, cmp) {
		slices.SortStableFunc(out, cmp)
	}
	return slices.CompactFunc(out, func(a, b *Finding) bool { return a.Key == b.Key })
}
