package evident

import (
	"strings"
	"time"
)

// RevocationRequest is a request to revoke a certificate as the CA
// received it. Recorded like a change, it starts the clocks a CA is held
// to (EN 319 411-1 REV-6.2.4-03A and, for a qualified service, eIDAS Art.
// 24(3): 24 hours; the CA/B Forum's 24 hours or 5 days by case, 7 days
// for a subordinate CA), which the CRLs that first list the serial stop.
type RevocationRequest struct {
	ID      string `json:"id"`
	Service string `json:"service,omitempty"`
	// Serial is the certificate's serial number in hex, as openssl and
	// CRLs print it.
	Serial string `json:"serial"`
	// Reason is the RFC 5280 CRLReason name ("keyCompromise").
	Reason        string    `json:"reason"`
	SubordinateCA bool      `json:"subordinate_ca,omitempty"`
	ReceivedAt    time.Time `json:"received_at"`
	RecordedAt    time.Time `json:"recorded_at"`
	Actor         string    `json:"actor"`
}

// RevocationReasons are the RFC 5280 CRLReason names a request may give,
// in the order forms offer them.
var RevocationReasons = []string{"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
	"cessationOfOperation", "certificateHold", "privilegeWithdrawn", "aACompromise"}

// Validate reports the first thing wrong with the request, naming the field.
func (r RevocationRequest) Validate() error {
	serial := strings.TrimLeft(r.Serial, "0")
	switch {
	case serial == "" || strings.Trim(strings.ToUpper(serial), "0123456789ABCDEF") != "":
		return ErrorAt(EINVALID, "serial", "a revocation request names the certificate's serial number in hex, got %q", r.Serial)
	case !contains(RevocationReasons, r.Reason):
		return ErrorAt(EINVALID, "reason", "unknown revocation reason %q: want one of %s", r.Reason, strings.Join(RevocationReasons, ", "))
	case r.ReceivedAt.IsZero():
		return ErrorAt(EINVALID, "received", "a revocation request needs the time it was received")
	case !r.RecordedAt.IsZero() && r.ReceivedAt.After(r.RecordedAt.Add(time.Minute)):
		return ErrorAt(EINVALID, "received", "a request is recorded once received; %s is in the future", UTC(r.ReceivedAt))
	}
	return CheckText("service", r.Service)
}

// IssuanceStop records that a time-stamping unit stopped issuing tokens,
// from From until To (zero: not resumed), because its clock left the
// declared accuracy. EN 319 421 TIS-7.7.2-03 allows a clock out of
// accuracy only while the unit issues nothing.
type IssuanceStop struct {
	ID         string    `json:"id"`
	Service    string    `json:"service,omitempty"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to,omitzero"`
	Reason     string    `json:"reason"`
	RecordedAt time.Time `json:"recorded_at"`
	Actor      string    `json:"actor"`
}

// Validate reports the first thing wrong with the stop, naming the field.
func (s IssuanceStop) Validate() error {
	switch {
	case s.From.IsZero():
		return ErrorAt(EINVALID, "from", "an issuance stop needs the time issuing stopped")
	case !s.To.IsZero() && s.To.Before(s.From):
		return ErrorAt(EINVALID, "to", "issuing resumed at %s, before it stopped at %s", UTC(s.To), UTC(s.From))
	case strings.TrimSpace(s.Reason) == "":
		return ErrorAt(EINVALID, "reason", "an issuance stop needs the reason")
	}
	if err := CheckText("reason", s.Reason); err != nil {
		return err
	}
	return CheckText("service", s.Service)
}

// Covers reports whether issuing was stopped at t.
func (s IssuanceStop) Covers(t time.Time) bool {
	return !t.Before(s.From) && (s.To.IsZero() || !t.After(s.To))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
