package evident

import (
	"strings"
	"time"
)

// Exception is a documented, approved decision not to evidence a control
// for a while: a scan skipped during a data-centre move, a review deferred
// with the management body's consent. It excuses the control's periods
// while it is in force and never longer: every exception has an expiry, so
// none can quietly become permanent.
type Exception struct {
	ID         string    `json:"id"`
	Control    string    `json:"control"`
	Reason     string    `json:"reason"`
	Approver   string    `json:"approver"`
	ApprovedAt time.Time `json:"approved_at"`
	From       time.Time `json:"from"`
	Expires    time.Time `json:"expires"`
	RecordedAt time.Time `json:"recorded_at"`
	Actor      string    `json:"actor"`
}

// MaxException is the longest an exception may run. A year matches the
// longest common cadence: anything longer is a change of the program, not
// an exception to it.
const MaxException = 366 * 24 * time.Hour

// Validate reports the first missing or inconsistent field, naming it.
func (e Exception) Validate() error {
	switch {
	case strings.TrimSpace(e.Control) == "":
		return ErrorAt(EINVALID, "control", "an exception names the control it excuses")
	case strings.TrimSpace(e.Reason) == "":
		return ErrorAt(EINVALID, "reason", "an exception needs a documented reason")
	case strings.TrimSpace(e.Approver) == "":
		return ErrorAt(EINVALID, "approver", "an exception needs the approver from the management body")
	case e.ApprovedAt.IsZero():
		return ErrorAt(EINVALID, "approved_at", "an exception needs the date it was approved")
	case e.From.IsZero() || e.Expires.IsZero():
		return ErrorAt(EINVALID, "expires", "an exception needs a start and an expiry")
	case !e.Expires.After(e.From):
		return ErrorAt(EINVALID, "expires", "expiry %s is not after the start %s", UTC(e.Expires), UTC(e.From))
	case e.Expires.Sub(e.From) > MaxException:
		return ErrorAt(EINVALID, "expires", "an exception may run at most 366 days; this one runs %d days", int(e.Expires.Sub(e.From).Hours()/24))
	}
	return nil
}

// InForce reports whether the exception excused its control at t.
func (e Exception) InForce(t time.Time) bool {
	return !t.Before(e.From) && t.Before(e.Expires)
}

// excepting returns the exception that excuses window w as seen at at. For
// a window that has ended, the exception must have been in force at its end
// (the moment the evidence was due); for the open window, at at.
func excepting(exs []Exception, w Window, at time.Time) (Exception, bool) {
	moment := at
	if !at.Before(w.End) {
		moment = w.End.Add(-time.Nanosecond)
	}
	for _, e := range exs {
		if e.InForce(moment) && e.From.Before(w.End) {
			return e, true
		}
	}
	return Exception{}, false
}
