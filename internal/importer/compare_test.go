package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
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

// storedAs opens prev as a reader that hands it over in pieces of at most
// piece bytes, counting the opens.
func storedAs(prev []byte, piece int, opens *int) func() io.Reader {
	return func() io.Reader {
		*opens++
		return &chunked{r: bytes.NewReader(prev), n: max(piece, 1)}
	}
}

type chunked struct {
	r io.Reader
	n int
}

func (c *chunked) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// CompareStored gives CompareJSON's delta whatever the order of the
// stored list, its repeats and its layout, and however the reader hands
// it over; a list in key order, as imports store them, is read once.
func TestCompareStoredMatchesCompareJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	random := func() *Result {
		res := &Result{}
		for range r.IntN(40) {
			res.Findings = append(res.Findings, Finding{Key: fmt.Sprintf("10.0.0.%d tcp/%d", r.IntN(4), r.IntN(6)), Detail: fmt.Sprint(r.IntN(1000)),
				Title: []string{"", "a<b", "é\u2028"}[r.IntN(3)], Severity: "high", Metrics: []string{"open_ports"}})
		}
		if r.IntN(3) > 0 {
			res.Sort()
		}
		return res
	}
	for i := range 3000 {
		prev, cur := random(), random()
		if r.IntN(10) == 0 {
			prev.Findings = nil
		}
		stored, _ := json.Marshal(prev.Findings)
		if r.IntN(2) == 0 {
			stored, _ = json.MarshalIndent(prev.Findings, " ", "  ")
		}
		want, err := CompareJSON(stored, cur)
		if err != nil {
			t.Fatalf("case %d: CompareJSON: %v", i, err)
		}
		opens := 0
		got, err := CompareStored(storedAs(stored, 1+r.IntN(300), &opens), cur)
		if err != nil {
			t.Fatalf("case %d: CompareStored: %v", i, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("case %d: CompareStored differs from CompareJSON (-want +got):\n%s", i, diff)
		}
		inOrder := slices.IsSortedFunc(prev.Findings, func(a, b Finding) int { return strings.Compare(a.Key, b.Key) })
		if inOrder && opens != 1 {
			t.Fatalf("case %d: a list in key order was opened %d times, want once", i, opens)
		}
	}
}

// A re-import of a large scan walks its previous findings as they are
// read: what it allocates is a fraction of the stored list, which reading
// the list whole would allocate at least once over.
func TestCompareStoredDoesNotHoldTheList(t *testing.T) {
	cur := &Result{}
	for i := range 20000 {
		addr := fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255)
		cur.Findings = append(cur.Findings, Finding{Key: addr + " tcp/22", Target: addr, Severity: "high", Rule: "unexpected_open_port",
			Title: "port tcp/22 is open on " + addr + " but the zone does not allow it", Detail: "ssh OpenSSH 9.6p1", Metrics: []string{"open_ports", "unexpected_open_ports"}})
	}
	cur.Sort()
	stored, _ := json.Marshal(cur.Findings)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	opens := 0
	d, err := CompareStored(storedAs(stored, 1<<20, &opens), cur)
	runtime.ReadMemStats(&after)
	if err != nil || len(d.Appeared)+len(d.Gone) != 0 {
		t.Fatalf("CompareStored of a scan with itself: %d appeared, %d gone, %v", len(d.Appeared), len(d.Gone), err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > uint64(len(stored))/2 {
		t.Errorf("comparing with %d bytes of stored findings allocated %d bytes, want less than half of them", len(stored), n)
	}
}

// FuzzCompareStored holds CompareStored to CompareJSON: the same delta,
// and the same lists refused, however the stored bytes are handed over.
func FuzzCompareStored(f *testing.F) {
	f.Add([]byte(`[{"key":"10.0.0.1 tcp/23","target":"10.0.0.1","severity":"high","metrics":["open_ports"]},{"key":"10.0.0.2 tcp/80","severity":"info"}]`), "10.0.0.1 tcp/23", uint16(7))
	f.Add([]byte(` [ {"key":"b"} , {"key":"a","title":"x\u003cy"}, {"key":"a"} ] `), "a", uint16(1))
	f.Add([]byte(`[{"key":"a","severity":5},{"key":"a"},{"key":"c"}]`), "c", uint16(3))
	f.Add([]byte(`[{"key":"a"},{"key":"b","severity":5},{"key":"a","severity":5}]`), "b", uint16(2))
	f.Add([]byte(`null`), "z", uint16(100))
	f.Add([]byte(`[{"key":"a"}`), "z", uint16(4))
	f.Fuzz(func(t *testing.T, prev []byte, key string, piece uint16) {
		cur := &Result{Findings: []Finding{{Key: key, Severity: "info"}, {Key: "10.0.0.2 tcp/80", Severity: "info"}}}
		cur.Sort()
		want, werr := CompareJSON(prev, cur)
		opens := 0
		got, gerr := CompareStored(storedAs(prev, int(piece), &opens), cur)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("CompareJSON(%q): %v; CompareStored: %v", prev, werr, gerr)
		}
		if diff := cmp.Diff(want, got); werr == nil && diff != "" {
			t.Fatalf("CompareStored(%q) differs from CompareJSON (-want +got):\n%s", prev, diff)
		}
	})
}

// FuzzComparePlain holds comparePlain to compareInOrder, the walk by
// encoding/json it stands in for: wherever it does not step aside
// (errNotPlain), the same delta and the same refusal, out of order
// included, however the stored bytes are handed over.
func FuzzComparePlain(f *testing.F) {
	f.Add([]byte(`[{"key":"10.0.0.1 tcp/23","target":"10.0.0.1","severity":"high","metrics":["open_ports"]},{"key":"10.0.0.2 tcp/80","severity":"info"}]`), "10.0.0.1 tcp/23", uint16(7))
	f.Add([]byte("[\n {\"key\": \"a\", \"title\": \"x\\u003cy\\n\", \"n\": [-0.5e+3, true, false, null, {}]},\n {\"Key\":\"b\",\"KEY\":\"c\"} ]"), "c", uint16(5))
	f.Add([]byte(`[{"key":"a\u00e9"},{"key":"a\u00e9"},{"key":"b\ud800"}]`), "b", uint16(3))
	f.Add([]byte(`[{"k\u0065y":"a"},{"Key":"b"}]`), "a", uint16(2))
	f.Add([]byte(`[{"key":null},{"key":5},{"key":"b"}]`), "b", uint16(9))
	f.Add([]byte(`[{"key":"a"} {"key":"b"}]`), "a", uint16(4))
	f.Add([]byte(`[{"key":"a"},]`), "a", uint16(4))
	f.Add([]byte(`[{"key":"b"},{"key":"a"}]`), "a", uint16(1))
	f.Add([]byte(`[{"key":"a","severity":5},{"key":"b","n":01}]`), "z", uint16(6))
	f.Add([]byte(`[{"key":"a","x":"\x01"}]`), "a", uint16(30))
	f.Add([]byte(` null trailing`), "a", uint16(2))
	f.Add([]byte(`[1,"s",[]]`), "a", uint16(2))
	f.Fuzz(func(t *testing.T, prev []byte, key string, piece uint16) {
		cur := &Result{Findings: []Finding{{Key: key, Severity: "info"}, {Key: "10.0.0.2 tcp/80", Severity: "info"}}}
		cur.Sort()
		opens := 0
		got, gerr := comparePlain(storedAs(prev, int(piece), &opens)(), cur)
		if errors.Is(gerr, errNotPlain) {
			return
		}
		want, werr := compareInOrder(bytes.NewReader(prev), cur)
		if (werr == nil) != (gerr == nil) || errors.Is(werr, errOutOfOrder) != errors.Is(gerr, errOutOfOrder) {
			t.Fatalf("compareInOrder(%q): %v; comparePlain: %v", prev, werr, gerr)
		}
		if diff := cmp.Diff(want, got); werr == nil && diff != "" {
			t.Fatalf("comparePlain(%q) differs from compareInOrder (-want +got):\n%s", prev, diff)
		}
	})
}
