package evident

import "testing"

// TestReportRefsNameTheRequirementsAReportProves checks the one mapping the
// CLI and the API use to link a sent report to requirements.
func TestReportRefsNameTheRequirementsAReportProves(t *testing.T) {
	inc := Incident{Rules: IncidentRules{Source: "EN319401@3.2.1"}}
	got := inc.ReportRefs([]Recipient{ToSupervisoryBody, ToCSIRT, ToCustomers})
	want := []string{"EN319401@3.2.1:REQ-7.9.3-01", "EN319401@3.2.1:REQ-7.9.2-02", "EN319401@3.2.1:REQ-7.9.3-02"}
	if len(got) != len(want) {
		t.Fatalf("ReportRefs = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("ReportRefs[%d] = %s, want %s", i, got[i], want[i])
		}
	}
	if refs := (Incident{}).ReportRefs([]Recipient{ToSupervisoryBody}); len(refs) != 0 {
		t.Errorf("an incident without a catalog version linked %v; want none rather than a reference without its version", refs)
	}
}
