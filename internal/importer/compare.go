package importer

import "sort"

// Delta is what changed between two results of the same check: findings
// that appeared (a port opened, a rule started failing) and findings that
// are gone.
type Delta struct {
	Appeared []Finding `json:"appeared"`
	Gone     []Finding `json:"gone"`
}

// Compare matches findings by Key. A nil prev is an empty baseline, so every
// current finding appears.
func Compare(prev, cur *Result) Delta {
	before, after := keyed(prev), keyed(cur)
	d := Delta{Appeared: []Finding{}, Gone: []Finding{}}
	for k, f := range after {
		if _, ok := before[k]; !ok {
			d.Appeared = append(d.Appeared, f)
		}
	}
	for k, f := range before {
		if _, ok := after[k]; !ok {
			d.Gone = append(d.Gone, f)
		}
	}
	byKey := func(s []Finding) { sort.Slice(s, func(i, j int) bool { return s[i].Key < s[j].Key }) }
	byKey(d.Appeared)
	byKey(d.Gone)
	return d
}

func keyed(r *Result) map[string]Finding {
	m := map[string]Finding{}
	if r == nil {
		return m
	}
	for _, f := range r.Findings {
		if _, dup := m[f.Key]; !dup {
			m[f.Key] = f
		}
	}
	return m
}
