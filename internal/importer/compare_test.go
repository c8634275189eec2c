package importer

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// compareByMaps is Compare as it was written first, with a map per side:
// the reference the sorted walk must match.
func compareByMaps(prev, cur *Result) Delta {
	keyed := func(r *Result) map[string]Finding {
		m := map[string]Finding{}
		if r != nil {
			for _, f := range r.Findings {
				if _, dup := m[f.Key]; !dup {
					m[f.Key] = f
				}
			}
		}
		return m
	}
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

// Unsorted results with repeated keys (the first of a key stands for it,
// whatever its detail) compare as they did with maps, and the inputs are
// left as they were; so do previous findings read from their JSON.
func TestCompareMatchesMaps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := func() *Result {
		if r.IntN(8) == 0 {
			return nil
		}
		res := &Result{}
		for range r.IntN(30) {
			res.Findings = append(res.Findings, Finding{Key: fmt.Sprintf("10.0.0.%d tcp/%d", r.IntN(4), r.IntN(5)), Detail: fmt.Sprint(r.IntN(1000)),
				Severity: "high", Metrics: []string{"open_ports"}})
		}
		if r.IntN(2) == 0 {
			res.Sort()
		}
		return res
	}
	for i := range 2000 {
		prev, cur := random(), random()
		var before []Finding
		if cur != nil {
			before = append(before, cur.Findings...)
		}
		if diff := cmp.Diff(compareByMaps(prev, cur), Compare(prev, cur)); diff != "" {
			t.Fatalf("case %d: Compare differs from the map reference (-want +got):\n%s", i, diff)
		}
		if cur != nil && !cmp.Equal(before, cur.Findings) {
			t.Fatalf("case %d: Compare reordered its input", i)
		}
		if prev == nil || cur == nil {
			continue
		}
		stored, err := json.MarshalIndent(prev.Findings, "", " ") // as stored, or any other JSON of them
		if err != nil {
			t.Fatal(err)
		}
		got, err := CompareJSON(stored, cur)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if diff := cmp.Diff(compareByMaps(prev, cur), got); diff != "" {
			t.Fatalf("case %d: CompareJSON differs from the map reference (-want +got):\n%s", i, diff)
		}
	}
}

// Previous findings that are not a JSON list are refused, not read as none.
func TestCompareJSONRefusesWhatIsNotAList(t *testing.T) {
	for _, bad := range []string{``, `{}`, `[{"key":1}]`, `[{"key":"a"}`, `"x"`} {
		if _, err := CompareJSON([]byte(bad), &Result{}); err == nil {
			t.Errorf("CompareJSON(%q) accepted it", bad)
		}
	}
	d, err := CompareJSON([]byte(`null`), &Result{Findings: []Finding{{Key: "a"}}})
	if err != nil || len(d.Appeared) != 1 {
		t.Errorf("CompareJSON(null) = %+v, %v; want the one finding appeared", d, err)
	}
}

// FuzzCompareJSON holds CompareJSON to what a re-import did before it:
// decode every previous finding, then Compare. Wherever that worked,
// CompareJSON must give the same delta.
func FuzzCompareJSON(f *testing.F) {
	f.Add([]byte(`[{"key":"10.0.0.1 tcp/23","target":"10.0.0.1","severity":"high","metrics":["open_ports"]},{"key":"10.0.0.2 tcp/80","severity":"info"}]`), "10.0.0.1 tcp/23")
	f.Add([]byte(` [ {"key":"b"} , {"key":"a","title":"x\u003cy"}, {"key":"a"} ] `), "a")
	f.Add([]byte(`null`), "z")
	f.Fuzz(func(t *testing.T, prev []byte, key string) {
		cur := &Result{Findings: []Finding{{Key: key, Severity: "info"}, {Key: "10.0.0.2 tcp/80", Severity: "info"}}}
		var before []Finding
		if json.Unmarshal(prev, &before) != nil {
			return
		}
		got, err := CompareJSON(prev, cur)
		if err != nil {
			t.Fatalf("CompareJSON(%q): %v, but the findings decode", prev, err)
		}
		if diff := cmp.Diff(Compare(&Result{Findings: before}, cur), got); diff != "" {
			t.Fatalf("CompareJSON(%q) differs from decoding then Compare (-want +got):\n%s", prev, diff)
		}
	})
}
