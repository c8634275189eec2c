package evident

import "testing"

func TestReadinessOf(t *testing.T) {
	cur, stale, fail, none := Freshness{State: CurrencyCurrent}, Freshness{State: CurrencyStale}, Freshness{State: CurrencyFailing}, Freshness{State: CurrencyNone}
	tests := []struct {
		applicable bool
		controls   []Freshness
		want       Readiness
	}{
		{false, []Freshness{cur}, ReadinessNotApplicable},
		{true, nil, ReadinessNotAddressed},
		{true, []Freshness{none, none}, ReadinessPlanned},
		{true, []Freshness{cur, none}, ReadinessImplemented},
		{true, []Freshness{stale}, ReadinessImplemented},
		{true, []Freshness{cur, cur}, ReadinessVerified},
		{true, []Freshness{cur, fail}, ReadinessFailing},
	}
	for i, tt := range tests {
		if got := ReadinessOf(tt.applicable, tt.controls); got != tt.want {
			t.Errorf("case %d: %s, want %s", i, got, tt.want)
		}
	}
}

func TestTallyScore(t *testing.T) {
	var tl Tally
	for _, r := range []Readiness{ReadinessVerified, ReadinessImplemented, ReadinessPlanned, ReadinessFailing, ReadinessNotApplicable, ReadinessNotAddressed} {
		tl.Add(r)
	}
	// (1 + 0.5 + 0.25 + 0 + 0) / 5 applicable = 35 %.
	if tl.Score != 35 || tl.Applicable != 5 || tl.Counts[ReadinessNotApplicable] != 1 {
		t.Errorf("tally = %+v, want score 35 over 5 applicable", tl)
	}
	var empty Tally
	empty.Add(ReadinessNotApplicable)
	if empty.Score != 100 {
		t.Errorf("nothing applicable scores %v, want 100", empty.Score)
	}
}
