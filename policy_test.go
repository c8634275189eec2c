package evident

import (
	"testing"
	"time"
)

func date(s string) time.Time {
	t, err := ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPolicyReviewDue(t *testing.T) {
	v := func(approved ...string) PolicyVersion {
		pv := PolicyVersion{Version: "1"}
		for _, a := range approved {
			pv.Approvals = append(pv.Approvals, Approval{By: "ceo", At: date(a)})
		}
		return pv
	}
	quarterly := Cadence{Kind: CadencePeriodic, Every: 3, Unit: UnitMonth}
	tests := []struct {
		name string
		p    Policy
		want string
	}{
		{"annual by default from the last approval", Policy{Versions: []PolicyVersion{v("2026-01-10", "2026-02-01")}}, "2027-02-01"},
		// Calendar months follow Go's AddDate, as everywhere in the program.
		{"the review cadence counts", Policy{Review: quarterly, Versions: []PolicyVersion{v("2026-01-31")}}, "2026-05-01"},
		{"only the current version counts", Policy{Versions: []PolicyVersion{v("2026-01-10"), v()}}, ""},
		{"never approved has no review date", Policy{}, ""},
	}
	for _, tt := range tests {
		got := ""
		if d := tt.p.ReviewDue(); !d.IsZero() {
			got = d.Format("2006-01-02")
		}
		if got != tt.want {
			t.Errorf("%s: ReviewDue = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestMissingContent(t *testing.T) {
	tc := Policy{Kind: TermsAndConditions, Contents: []string{"governing-law", "event-log-retention"}}
	missing := tc.MissingContent()
	if len(missing) != len(RequiredContent(TermsAndConditions))-2 {
		t.Fatalf("T&C declaring 2 items misses %d, want %d", len(missing), len(RequiredContent(TermsAndConditions))-2)
	}
	for _, m := range missing {
		if m.Key == "governing-law" || m.Requirement != "REQ-6.2-02" {
			t.Errorf("unexpected missing item %+v", m)
		}
	}
	cps := Policy{Kind: PracticeStatement, Contents: []string{"external-obligations"}}
	if m := cps.MissingContent(); len(m) != 1 || m[0].Requirement != "REQ-6.3-09" {
		t.Errorf("practice statement without the configuration-check interval: missing %+v, want REQ-6.3-09", m)
	}
	if m := (Policy{Kind: Procedure}).MissingContent(); len(m) != 0 {
		t.Errorf("a procedure has no required content, got %+v", m)
	}
}
