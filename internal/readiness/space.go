package readiness

import (
	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
)

// ItemStatus is the readiness of one item of an id space (a NIS2 annex
// point, a clause of a service standard), derived from the EN 319 401
// requirements it maps to. Why says what holds it back when it is not
// verified.
type ItemStatus struct {
	ID           string            `json:"id"`
	Title        string            `json:"title"`
	State        evident.Readiness `json:"state"`
	Requirements []string          `json:"requirements"`
	Why          string            `json:"why,omitempty"`
}

// rank orders readiness states from worst to best.
var rank = map[evident.Readiness]int{evident.ReadinessNotAddressed: 0, evident.ReadinessFailing: 1,
	evident.ReadinessPlanned: 2, evident.ReadinessImplemented: 3, evident.ReadinessVerified: 4}

// SpaceStatus answers in an id space's own numbers from a status report:
// each item takes the worst state of the requirements it maps to, so it
// is verified only when every one of them is. Requirements excluded as
// not applicable do not count; an item whose requirements are all
// excluded is not applicable. An item mapped to nothing, or to a
// requirement the report does not carry, is not addressed. An item asking
// for something "at planned intervals" is at best implemented until the
// program declares the interval (intervals[item id]). The report is the
// one readiness function's output, so the items can never disagree with
// the requirements they rest on.
func SpaceStatus(sp catalog.IDSpace, rep Report, intervals map[string]bool) []ItemStatus {
	by := map[string]evident.Readiness{}
	for _, r := range rep.Requirements {
		by[r.Requirement] = r.State
	}
	out := make([]ItemStatus, 0, len(sp.Items))
	for _, it := range sp.Items {
		st := ItemStatus{ID: it.ID, Title: it.Title, Requirements: []string{}}
		worst, counted := evident.ReadinessVerified, 0
		for _, ref := range it.Requirements {
			st.Requirements = append(st.Requirements, ref.String())
			s, ok := by[ref.String()]
			switch {
			case !ok:
				s = evident.ReadinessNotAddressed
				st.Why = ref.String() + " is not in the program's requirements"
			case s == evident.ReadinessNotApplicable:
				continue
			}
			counted++
			if rank[s] < rank[worst] {
				worst = s
				if ok {
					st.Why = ref.String() + " is " + string(s)
				}
			}
		}
		switch {
		case len(it.Requirements) == 0:
			st.State, st.Why = evident.ReadinessNotAddressed, "mapped to no EN 319 401 requirement"
		case counted == 0:
			st.State, st.Why = evident.ReadinessNotApplicable, ""
		default:
			st.State = worst
			if worst == evident.ReadinessVerified {
				st.Why = ""
			}
		}
		if it.PlannedIntervals && !intervals[it.ID] && st.State == evident.ReadinessVerified {
			st.State, st.Why = evident.ReadinessImplemented, "asks for planned intervals and the program declares none"
		}
		out = append(out, st)
	}
	return out
}
