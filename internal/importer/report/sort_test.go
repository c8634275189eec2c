package report

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Sort orders findings as a stable sort by key, then rule, does: the
// findings it moves through their indexes land where the reference puts
// them, repeats keeping the order they came in, whatever the input order.
func TestSortIsAStableSortByKeyThenRule(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for c := range 2000 {
		var fs []Finding
		for i := range r.IntN(60) {
			fs = append(fs, Finding{Key: fmt.Sprint("k", r.IntN(8)), Rule: []string{"", "a", "b"}[r.IntN(3)], Detail: fmt.Sprint(i)})
		}
		switch r.IntN(3) {
		case 0: // already in order, as a covered result is
			sort.SliceStable(fs, func(i, j int) bool { return compareFindings(&fs[i], &fs[j]) < 0 })
		case 1: // reversed: every finding moves
			sort.SliceStable(fs, func(i, j int) bool { return compareFindings(&fs[i], &fs[j]) > 0 })
		}
		want := append([]Finding(nil), fs...)
		sort.SliceStable(want, func(i, j int) bool {
			if want[i].Key != want[j].Key {
				return want[i].Key < want[j].Key
			}
			return want[i].Rule < want[j].Rule
		})
		res := &Result{Findings: fs}
		res.Sort()
		if diff := cmp.Diff(want, res.Findings); diff != "" {
			t.Fatalf("case %d: Sort differs from a stable sort by key and rule (-want +got):\n%s", c, diff)
		}
	}
}
