package evident

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChangeTriggers(t *testing.T) {
	at := ts(t, "2026-06-10T14:00:00Z")
	c := Change{ID: "c", System: "ca-issuing", Version: "5.0", Significant: true, Summary: "new CA software", At: at}
	var got []string
	for _, tr := range c.Triggers("3.2.1") {
		got = append(got, tr.Kind+" "+tr.Requirement.String()+" "+UTC(tr.Due))
	}
	want := []string{
		"pen-test EN319401@3.2.1:REQ-7.8-18 2026-07-10T14:00:00Z",
		"risk-review EN319401@3.2.1:REQ-5-04 2026-07-10T14:00:00Z",
		"policy-review EN319401@3.2.1:REQ-6.3-03 2026-07-10T14:00:00Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("significant change triggers (-want +got):\n%s", diff)
	}
	c.Significant = false
	if tr := c.Triggers("3.2.1"); len(tr) != 0 {
		t.Errorf("a minor change triggered %v", tr)
	}
	s := Change{Supplier: "cloudco", Summary: "moved region", At: at}
	if tr := s.Triggers("3.2.1"); len(tr) != 1 || tr[0].Kind != TriggerSupplierReview || tr[0].Requirement.ID != "REQ-7.14.1-05" {
		t.Errorf("supplier change triggers %+v, want the supplier review", tr)
	}
}

func TestChangeValidate(t *testing.T) {
	at := ts(t, "2026-06-10")
	tests := []struct {
		c     Change
		where string
	}{
		{Change{Summary: "x", At: at}, "system"},
		{Change{System: "a", Supplier: "b", Version: "1", Summary: "x", At: at}, "system"},
		{Change{System: "a", Summary: "x", At: at}, "version"},
		{Change{System: "a", Version: "1", At: at}, "summary"},
		{Change{System: "a", Version: "1", Summary: "x"}, "at"},
		{Change{System: "a", Version: "1", Summary: "x", At: at.AddDate(0, 0, 3), RecordedAt: at}, "at"},
	}
	for i, tt := range tests {
		err := tt.c.Validate()
		if e, ok := err.(*Error); !ok || e.Code != EINVALID || e.Where != tt.where {
			t.Errorf("case %d: err = %v, want EINVALID at %s", i, err, tt.where)
		}
	}
	if err := (Change{Service: "tsa", Summary: "new policy OID", At: at}).Validate(); err != nil {
		t.Errorf("service change without version refused: %v", err)
	}
}
