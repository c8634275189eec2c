package evident

import "testing"

func TestReadinessOf(t *testing.T) {
	cur, stale, fail, none := Freshness{State: CurrencyCurrent}, Freshness{State: CurrencyStale}, Freshness{State: CurrencyFailing}, Freshness{State: CurrencyNone}
	tests := []struct {
		applicable bool
		controls   []Freshness
		gaps       int
		want       Readiness
	}{
		{false, []Freshness{cur}, 0, ReadinessNotApplicable},
		{false, []Freshness{cur}, 1, ReadinessNotApplicable},
		{true, nil, 0, ReadinessNotAddressed},
		{true, nil, 2, ReadinessNotAddressed},
		{true, []Freshness{none, none}, 0, ReadinessPlanned},
		{true, []Freshness{none, none}, 1, ReadinessPlanned},
		{true, []Freshness{cur, none}, 0, ReadinessImplemented},
		{true, []Freshness{stale}, 0, ReadinessImplemented},
		{true, []Freshness{cur, cur}, 0, ReadinessVerified},
		// An open gap caps current evidence at implemented.
		{true, []Freshness{cur, cur}, 1, ReadinessImplemented},
		{true, []Freshness{cur, fail}, 0, ReadinessFailing},
		{true, []Freshness{cur, fail}, 1, ReadinessFailing},
	}
	for i, tt := range tests {
		if got := ReadinessOf(tt.applicable, tt.controls, tt.gaps); got != tt.want {
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
