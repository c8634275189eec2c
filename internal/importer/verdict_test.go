package importer

import (
	"strings"
	"testing"
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
