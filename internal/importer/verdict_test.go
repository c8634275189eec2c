package importer

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

func TestMissingMetricNeverPasses(t *testing.T) {
	res := &Result{Format: "chrony", Metrics: map[string]float64{"offset_ms": 3, "checked": 1}}
	v := Evaluate(res, criteria(t, "offset_ms < 100", "stratum <= 3"))
	if v.Pass {
		t.Fatalf("verdict %+v passed without a stratum metric", v)
	}
	if len(v.Errors) != 1 || !strings.Contains(v.Errors[0], "stratum") || len(v.Failed) != 0 {
		t.Errorf("verdict %+v, want one error naming stratum and no failed criterion", v)
	}
	if v := Evaluate(&Result{Format: "unheard-of", Metrics: map[string]float64{}}, nil); v.Pass || len(v.Errors) == 0 {
		t.Errorf("unknown format without criteria: verdict %+v, want an error", v)
	}
	if v := Evaluate(nil, nil); v.Pass {
		t.Error("a nil result passed")
	}
}

func TestCompareFromNothing(t *testing.T) {
	cur := parseFile(t, "testdata/nmap/baseline.xml", "nmap")
	d := Compare(nil, cur)
	if len(d.Appeared) != len(cur.Findings) || len(d.Gone) != 0 {
		t.Errorf("Compare(nil, baseline) = %d appeared, %d gone; want %d appeared", len(d.Appeared), len(d.Gone), len(cur.Findings))
	}
	if d := Compare(cur, cur); len(d.Appeared)+len(d.Gone) != 0 {
		t.Errorf("Compare of a result with itself = %+v, want no change", d)
	}
}

// The findings behind a failed criterion are the result's, not copies: a
// scan with tens of thousands of unexpected ports would otherwise hold
// them twice.
func TestEvaluateDoesNotCopyFindings(t *testing.T) {
	res := &Result{Format: "nmap", Metrics: map[string]float64{"checked": 1, "open_ports": 0, "unexpected_open_ports": 0}}
	for i := range 10000 {
		f := Finding{Key: fmt.Sprintf("10.0.%d.%d tcp/22", i/256, i%256), Severity: "info", Metrics: []string{"open_ports"}}
		if i%2 == 0 {
			f.Severity, f.Metrics = "high", []string{"open_ports", "unexpected_open_ports"}
		}
		res.Add(f)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	v := Evaluate(res, nil)
	runtime.ReadMemStats(&after)
	if v.Pass || len(v.Failed) != 1 || len(v.Failed[0].Findings) != 5000 || v.Failed[0].Findings[1] != &res.Findings[2] {
		t.Fatalf("verdict %+v, want the 5000 unexpected ports of the result failing", v.Criteria)
	}
	size := uint64(5000 * unsafe.Sizeof(Finding{}))
	if n := after.TotalAlloc - before.TotalAlloc; n > size/4 {
		t.Errorf("Evaluate allocated %d bytes for 5000 failing findings, want less than a quarter of their %d", n, size)
	}
}
