package evident

import (
	"strings"
	"time"
)

// Change is a recorded change to a system, a service or a supplier: a new
// version of the CA software, a new HSM firmware, a cloud provider moving
// the service to another region. A significant change triggers the work EN
// 319 401 asks for after it (see Triggers) and makes evidence collected
// before it stale for every control scoped to what changed.
type Change struct {
	ID          string    `json:"id"`
	System      string    `json:"system,omitempty"`
	Service     string    `json:"service,omitempty"`
	Supplier    string    `json:"supplier,omitempty"`
	Version     string    `json:"version,omitempty"`
	Significant bool      `json:"significant"`
	Summary     string    `json:"summary"`
	At          time.Time `json:"at"`          // when the change took effect
	RecordedAt  time.Time `json:"recorded_at"` // when the server recorded it
	Actor       string    `json:"actor"`
	// Notified is when the supervisory body was told of the change, zero
	// when it was not: a significant change to a qualified service must
	// be notified at least one month before it (eIDAS Art. 24(2)(a)).
	Notified time.Time `json:"supervisory_body_notified,omitzero"`
}

// Subject names what changed: "system ca-issuing", "supplier cloudco".
func (c Change) Subject() string {
	switch {
	case c.System != "":
		return "system " + c.System
	case c.Service != "":
		return "service " + c.Service
	}
	return "supplier " + c.Supplier
}

// Validate reports the first thing wrong with the change, naming the field.
func (c Change) Validate() error {
	n := 0
	for _, s := range []string{c.System, c.Service, c.Supplier} {
		if strings.TrimSpace(s) != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return ErrorAt(EINVALID, "system", "a change names the system, service or supplier that changed")
	case n > 1:
		return ErrorAt(EINVALID, "system", "a change names one system, service or supplier; record one change each")
	case strings.TrimSpace(c.Summary) == "":
		return ErrorAt(EINVALID, "summary", "a change needs a summary of what changed")
	case c.System != "" && strings.TrimSpace(c.Version) == "":
		return ErrorAt(EINVALID, "version", "a system change needs the new version")
	case c.At.IsZero():
		return ErrorAt(EINVALID, "at", "a change needs the time it took effect")
	case !c.Notified.IsZero() && !c.RecordedAt.IsZero() && c.Notified.After(c.RecordedAt.Add(24*time.Hour)):
		return ErrorAt(EINVALID, "notified", "the supervisory body's notification is recorded once sent; %s is in the future", UTC(c.Notified))
	case !c.RecordedAt.IsZero() && c.At.After(c.RecordedAt.Add(24*time.Hour)):
		return ErrorAt(EINVALID, "at", "a change is recorded once it happened; %s is in the future", UTC(c.At))
	}
	return nil
}

// Trigger is work a change opens: a task with the requirement it serves.
type Trigger struct {
	Kind        string         `json:"kind"`
	Title       string         `json:"title"`
	Requirement RequirementRef `json:"requirement"`
	Due         time.Time      `json:"due"`
}

// Trigger kinds.
const (
	TriggerPenTest        = "pen-test"
	TriggerRiskReview     = "risk-review"
	TriggerPolicyReview   = "policy-review"
	TriggerSupplierReview = "supplier-review"
)

// Triggers returns the tasks the change opens under the program's standard
// version: a significant change to a system or service needs a penetration
// test (REQ-7.8-18), a review of the risk assessment (REQ-5-04) and of the
// information security policy (REQ-6.3-03); any change of a supplier
// re-opens its review (REQ-7.14.1-05 asks for one after significant
// changes). Each is due PostChangeDue after the change.
func (c Change) Triggers(version string) []Trigger {
	due := c.At.Add(PostChangeDue)
	ref := func(id string) RequirementRef {
		return RequirementRef{Standard: EN319401, Version: version, ID: RequirementID(id)}
	}
	if c.Supplier != "" {
		return []Trigger{{Kind: TriggerSupplierReview, Title: "Review supplier " + c.Supplier + " after its change: " + c.Summary, Requirement: ref("REQ-7.14.1-05"), Due: due}}
	}
	if !c.Significant {
		return nil
	}
	what := c.Subject()
	if c.Version != "" {
		what += " " + c.Version
	}
	return []Trigger{
		{Kind: TriggerPenTest, Title: "Penetration test after significant change to " + what, Requirement: ref("REQ-7.8-18"), Due: due},
		{Kind: TriggerRiskReview, Title: "Review the risk assessment after significant change to " + what, Requirement: ref("REQ-5-04"), Due: due},
		{Kind: TriggerPolicyReview, Title: "Review the information security policy after significant change to " + what, Requirement: ref("REQ-6.3-03"), Due: due},
	}
}

// ChangeTask is a trigger recorded against its change. It is done once
// evidence effective after the change arrives for a control that meets the
// task's requirement; that is computed, never stored, so the task list at a
// past instant is exact.
type ChangeTask struct {
	ID     string `json:"id"`
	Change string `json:"change"`
	Trigger
	Subject  string    `json:"subject"` // what changed: "system ca-issuing"
	After    time.Time `json:"after"`   // the change's effective time
	OpenedAt time.Time `json:"opened_at"`
}
